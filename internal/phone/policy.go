// Package phone decides which numbers onair may text. An SMS to a
// premium-rate, satellite or far-away number can cost a host many times an
// ordinary one, and a public registration form is where such numbers are
// pumped in by the thousand ("SMS pumping"): onair texts only mobile numbers
// of the countries its operator chose.
package phone

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/onair-live/onair/internal/notify"
)

// Policy is the set of numbers onair may text: mobile numbers (or numbers
// that may be mobile, as in North America, where the plan does not tell) of
// the allowed countries. Premium-rate, shared-cost, toll-free, personal,
// pager, VoIP, fixed-line and unknown numbers are never texted, nor the
// satellite and other non-geographic ranges (+881, +882, +870…), whatever
// the countries.
type Policy struct {
	all       bool
	countries []string // ISO 3166-1 alpha-2, upper case, sorted
}

// ParsePolicy reads ONAIR_SMS_COUNTRIES: ISO country codes separated by
// commas ("US,CA,GB"), or "*" for every country.
func ParsePolicy(list string) (Policy, error) {
	list = strings.TrimSpace(list)
	if list == "*" {
		return Policy{all: true}, nil
	}
	supported := phonenumbers.GetSupportedRegions()
	var p Policy
	for _, c := range strings.Split(list, ",") {
		c = strings.ToUpper(strings.TrimSpace(c))
		if c == "" {
			continue
		}
		if _, ok := supported[c]; !ok || c == "001" {
			return Policy{}, fmt.Errorf("%q is not an ISO country code with a phone numbering plan (e.g. US, CA, GB)", c)
		}
		if !slices.Contains(p.countries, c) {
			p.countries = append(p.countries, c)
		}
	}
	if len(p.countries) == 0 {
		return Policy{}, errors.New("name at least one country code (e.g. US,CA) or * for all")
	}
	slices.Sort(p.countries)
	return p, nil
}

// CountryOf is the country of an E.164 number ("" when it has none), e.g.
// the country of the sending number, the default of the policy.
func CountryOf(e164 string) string {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return ""
	}
	if r := phonenumbers.GetRegionCodeForNumber(num); r != "001" {
		return r
	}
	return ""
}

func (p Policy) String() string {
	if p.all {
		return "*"
	}
	return strings.Join(p.countries, ",")
}

// textable are the number types that reach a mobile phone at an ordinary
// price.
var textable = []phonenumbers.PhoneNumberType{phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE}

// Check says why e164 may not be texted, as a phrase that follows the
// field's name ("Phone …"), or returns nil.
func (p Policy) Check(e164 string) error {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return errors.New("is not a phone number; include the country code")
	}
	region := phonenumbers.GetRegionCodeForNumber(num)
	if region == "" || region == "001" {
		return errors.New("cannot receive text messages from this event (satellite and international service numbers are not texted); leave it empty to get email only")
	}
	if !p.all && !slices.Contains(p.countries, region) {
		return fmt.Errorf("cannot receive text messages from this event: only numbers of %s are texted; leave it empty to get email only",
			strings.Join(p.countries, ", "))
	}
	if !slices.Contains(textable, phonenumbers.GetNumberType(num)) {
		return errors.New("is not a mobile number that can receive text messages; leave it empty to get email only")
	}
	return nil
}

// Guard is an SMS provider that refuses, before the message leaves, any
// number the policy does not allow: a phone stored before SMS was turned
// on, or before the policy changed, is never texted either.
type Guard struct {
	notify.Provider
	Policy Policy
}

// Send fails m permanently when its number may not be texted.
func (g Guard) Send(ctx context.Context, m notify.Message) (string, error) {
	if err := g.Policy.Check(m.To); err != nil {
		return "", &notify.SendError{Err: errors.New("the number is not texted under ONAIR_SMS_COUNTRIES (country or type)"), Permanent: true}
	}
	return g.Provider.Send(ctx, m)
}

package web

import (
	"errors"

	"github.com/nyaruka/phonenumbers"

	"github.com/onair-live/onair/internal/onair"
)

// defaultPhoneRegion is assumed for a number typed without its country code.
const defaultPhoneRegion = "US"

var errImpossiblePhone = errors.New("is not a possible phone number; check the digits and the country code")

// normalizePhone turns a number as a viewer typed it into E.164. It checks
// that the number could exist (its length fits its country) rather than that
// it is assigned: numbering plans change faster than any table of them.
func normalizePhone(raw string) (string, error) {
	e164, err := formatPhone(raw)
	if err != nil {
		return "", err
	}
	// The library reads some of its own output back as another number (a
	// national number of zeros only loses one): such a number is none.
	if again, err := formatPhone(e164); err != nil || again != e164 {
		return "", errImpossiblePhone
	}
	return e164, nil
}

// formatPhone is raw in E.164, when it is a possible number.
func formatPhone(raw string) (string, error) {
	num, err := phonenumbers.Parse(raw, defaultPhoneRegion)
	if err != nil {
		return "", errors.New("is not a phone number; include the country code, e.g. +44 20 7946 0000")
	}
	// The library deems some very short numbers possible (+490000); the
	// domain's E.164 has seven digits at least, and what it refuses is no
	// possible number here either.
	e164 := phonenumbers.Format(num, phonenumbers.E164)
	if !phonenumbers.IsPossibleNumber(num) || !onair.IsE164(e164) {
		return "", errImpossiblePhone
	}
	return e164, nil
}

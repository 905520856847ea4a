package web

import (
	"errors"

	"github.com/nyaruka/phonenumbers"
)

// defaultPhoneRegion is assumed for a number typed without its country code.
const defaultPhoneRegion = "US"

// normalizePhone turns a number as a viewer typed it into E.164. It checks
// that the number could exist (its length fits its country) rather than that
// it is assigned: numbering plans change faster than any table of them.
func normalizePhone(raw string) (string, error) {
	num, err := phonenumbers.Parse(raw, defaultPhoneRegion)
	if err != nil {
		return "", errors.New("is not a phone number; include the country code, e.g. +44 20 7946 0000")
	}
	if !phonenumbers.IsPossibleNumber(num) {
		return "", errors.New("is not a possible phone number; check the digits and the country code")
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

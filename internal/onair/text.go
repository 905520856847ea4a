package onair

import (
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// cleanLine trims s and checks that it is a single line of at most max
// characters. Control characters (CR and LF above all) are refused because
// names and subjects end up in email headers.
func cleanLine(v *ValidationError, field, s string, max int, required bool) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "" && required:
		v.Add(field, "is required")
	case !utf8.ValidString(s):
		v.Add(field, "must be valid UTF-8")
	case utf8.RuneCountInString(s) > max:
		v.Add(field, "must be at most "+strconv.Itoa(max)+" characters")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		v.Add(field, "must be a single line without control characters")
	}
	return s
}

// cleanText is cleanLine for multi-line text: newlines and tabs are allowed,
// other control characters are not.
func cleanText(v *ValidationError, field, s string, max int) string {
	s = strings.TrimSpace(s)
	switch {
	case !utf8.ValidString(s):
		v.Add(field, "must be valid UTF-8")
	case utf8.RuneCountInString(s) > max:
		v.Add(field, "must be at most "+strconv.Itoa(max)+" characters")
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) >= 0:
		v.Add(field, "must not contain control characters")
	}
	return s
}

// NormalizeEmail returns the form of an address used to compare two of
// them: trimmed and lower-cased.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// ParseEmail validates an email address given to look a viewer up (export,
// erasure) as a registration's email is validated, and returns it trimmed;
// the error names field.
func ParseEmail(field, s string) (string, error) {
	v := &ValidationError{}
	s = cleanEmail(v, field, s)
	return s, v.Err()
}

// cleanEmail validates a bare address (no display name) of at most 254
// characters, as RFC 5321 allows, and returns it trimmed.
func cleanEmail(v *ValidationError, field, s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		v.Add(field, "is required")
		return s
	}
	if len(s) > 254 || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		v.Add(field, "is not a valid email address")
		return s
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		v.Add(field, "is not a valid email address")
		return s
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.ContainsAny(s, " <>\"") {
		v.Add(field, "is not a valid email address")
	}
	return s
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// IsE164 reports whether s is a phone number in E.164 form, e.g. +14155550100.
func IsE164(s string) bool { return e164.MatchString(s) }

package onair

import (
	"errors"
	"strings"
	"testing"
)

// e164Only accepts numbers already in E.164 form: the real normaliser lives
// outside the domain.
func e164Only(raw string) (string, error) {
	s := strings.ReplaceAll(raw, " ", "")
	if !IsE164(s) {
		return "", errors.New("is not a phone number")
	}
	return s, nil
}

func TestNewRegistration(t *testing.T) {
	ev, _ := NewEvent("h1", EventInput{Title: ptr("T"), ScheduledStart: ptr("2026-12-15T14:00:00Z"), Timezone: ptr("Europe/Berlin")}, now)

	t.Run("trims, defaults and normalises", func(t *testing.T) {
		r, err := NewRegistration(ev, RegistrationInput{FirstName: " Ada ", Email: " Ada@Example.com ", Phone: "+44 20 7946 0958", Source: "Social"}, e164Only, now)
		if err != nil {
			t.Fatal(err)
		}
		if r.FirstName != "Ada" || r.Email != "Ada@Example.com" || r.Phone != "+442079460958" || r.Source != "social" ||
			r.Timezone != "Europe/Berlin" || r.Status != RegRegistered || r.HostID != "h1" || r.EventID != ev.ID {
			t.Errorf("got %+v", r)
		}
	})
	t.Run("source defaults to direct", func(t *testing.T) {
		r, err := NewRegistration(ev, RegistrationInput{Email: "a@example.com"}, e164Only, now)
		if err != nil || r.Source != "direct" {
			t.Errorf("got %q, %v", r.Source, err)
		}
	})
	bad := []struct {
		name  string
		in    RegistrationInput
		field string
	}{
		{"no email", RegistrationInput{}, "email"},
		{"display name in email", RegistrationInput{Email: "Ada <ada@example.com>"}, "email"},
		{"two addresses", RegistrationInput{Email: "a@example.com, b@example.com"}, "email"},
		{"header injection in email", RegistrationInput{Email: "a@example.com\nBcc: b@example.com"}, "email"},
		{"header injection in name", RegistrationInput{Email: "a@example.com", LastName: "X\r\nBcc: y"}, "last_name"},
		{"NUL in company", RegistrationInput{Email: "a@example.com", Company: "A\x00B"}, "company"},
		{"bad phone", RegistrationInput{Email: "a@example.com", Phone: "555"}, "phone"},
		{"bad zone", RegistrationInput{Email: "a@example.com", Timezone: "Moon/Base"}, "timezone"},
		{"long source", RegistrationInput{Email: "a@example.com", Source: strings.Repeat("x", 65)}, "source"},
		{"invalid UTF-8", RegistrationInput{Email: "a@example.com", FirstName: "\xff\xfe"}, "first_name"},
	}
	for _, tt := range bad {
		t.Run("refused: "+tt.name, func(t *testing.T) {
			_, err := NewRegistration(ev, tt.in, e164Only, now)
			var ve *ValidationError
			if !errors.As(err, &ve) || !ve.Has(tt.field) {
				t.Errorf("got %v, want a problem with %s", err, tt.field)
			}
		})
	}
}

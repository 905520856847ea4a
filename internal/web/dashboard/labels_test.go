package dashboard

import (
	"testing"

	"github.com/onair-live/onair/internal/onair"
)

func TestIntervalLabel(t *testing.T) {
	for name, want := range map[string]string{
		"":          "—",
		"2weeks":    "2 weeks before",
		"1day":      "1 day before",
		"15minutes": "15 minutes before",
		"now":       "at the start",
		"45m0s":     "45m before", // a custom interval, as stored and as the API names it
		"45m":       "45m before",
		"2h30m0s":   "2h30m before",
		"1h0m0s":    "1h before",
		"1m30s":     "1m30s before",
		"soon":      "soon before", // not an interval: said as it is
	} {
		if got := intervalLabel(name); got != want {
			t.Errorf("intervalLabel(%q) = %q; want %q", name, got, want)
		}
	}
	for _, iv := range onair.NamedIntervals {
		if intervalLabels[iv.Name] == "" {
			t.Errorf("the named interval %s has no label", iv.Name)
		}
	}
}

func TestEveryKindHasALabel(t *testing.T) {
	for _, k := range onair.MessageKinds {
		if kindLabels[k] == "" {
			t.Errorf("the message kind %s has no label", k)
		}
	}
}

func TestChannelWords(t *testing.T) {
	for _, c := range []struct {
		email, sms bool
		want       string
	}{{true, true, "email and SMS"}, {true, false, "email"}, {false, true, "SMS"}, {false, false, ""}} {
		if got := channelWords(onair.NotificationSettings{EmailEnabled: c.email, SMSEnabled: c.sms}); got != c.want {
			t.Errorf("channelWords(email %v, SMS %v) = %q; want %q", c.email, c.sms, got, c.want)
		}
	}
}

// A full event with a waitlist is not "closed": its card and its page say
// that registrations join the waitlist, and how many wait.
func TestRegistrationWordsOfAFullEvent(t *testing.T) {
	full := onair.Event{MaxRegistrations: 1, RegistrationCount: 1, RegistrationEnabled: true}
	waiting := full
	waiting.WaitlistEnabled, waiting.WaitlistCount = true, 2
	empty := full
	empty.WaitlistEnabled = true
	open := onair.Event{MaxRegistrations: 10, RegistrationCount: 3, RegistrationEnabled: true, WaitlistEnabled: true}
	for _, c := range []struct {
		name        string
		ev          onair.Event
		reason      string
		spots, page string
	}{
		{"full, no waitlist", full, onair.ClosedFull, "0", "Registration is closed: the event is full."},
		{"full, two waiting", waiting, onair.ClosedFull, "Full: waitlist open (2 waiting)",
			"The event is full: new registrations join the waitlist (2 waiting), and a freed spot goes to the first in line."},
		{"full, nobody waiting yet", empty, onair.ClosedFull, "Full: waitlist open (nobody waiting yet)",
			"The event is full: new registrations join the waitlist (nobody waiting yet), and a freed spot goes to the first in line."},
		{"seats left", open, "", "7", "Registration is open."},
		{"no limit", onair.Event{RegistrationEnabled: true}, "", "No limit", "Registration is open."},
		{"over, with a waitlist", waiting, onair.ClosedPast, "0", "Registration is closed: the event is over."},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := spotsWords(c.ev, c.reason); got != c.spots {
				t.Errorf("spotsWords = %q; want %q", got, c.spots)
			}
			if got := registrationWords(c.ev, c.reason); got != c.page {
				t.Errorf("registrationWords = %q; want %q", got, c.page)
			}
		})
	}
}

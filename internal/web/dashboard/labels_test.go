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

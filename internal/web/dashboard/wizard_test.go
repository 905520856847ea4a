package dashboard

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/links"
	"github.com/onair-live/onair/internal/onair"
)

// A step's page is addressed by the answers so far: reading them back from
// its query gives the same answers, whatever they hold.
func TestWizardFormValuesRoundTrip(t *testing.T) {
	for _, f := range []wizardForm{
		newWizardForm(),
		{Draft: newWizardForm().Draft, Title: "Launch & Q&A?", Description: "Line one\nLine <two> 100%",
			MaxRegistrations: "250", StreamURL: "https://www.youtube.com/embed/abc?x=1&y=2", Date: "2026-12-15", Time: "14:00",
			Timezone: "Europe/Paris", Duration: "90", Intervals: []string{"1day", "now"}, CustomIntervals: "45m, 2h30m",
			EmailEnabled: true, SMSEnabled: true, CustomMessage: "See you there =)", Preview: "45m0s", Language: "de",
			Questions: "role: Your role *\nsize: Team size [1-10 | 11+]"},
		{Draft: newWizardForm().Draft, Duration: "60", TimezoneOther: "Mars/Olympus", Language: "en"}, // nothing ticked, a zone that is not one
	} {
		got := readWizardForm(f.values())
		if got.Intervals == nil && len(f.Intervals) == 0 {
			got.Intervals = f.Intervals
		}
		if !reflect.DeepEqual(got, f) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, f)
		}
	}
}

// The notifications step previews any message the host picks: the
// confirmation, each chosen reminder in the order they go out, and the
// "starting now" message, each by email and by SMS.
func TestWizardPreviewOfEveryReminder(t *testing.T) {
	d, err := New(Deps{Links: links.New("https://onair.example", "secret"), EmailFrom: "onair <no-reply@onair.example>"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	f := newWizardForm()
	f.Title, f.Date, f.Time, f.Timezone, f.SMSEnabled = "Launch", "2026-12-15", "14:00", "Europe/Paris", true
	f.Intervals, f.CustomIntervals = []string{"1day", "now", "1week"}, "45m"
	ev := f.sketch(now)
	host := onair.Host{Email: "host@example.com"}

	want := []previewChoice{{"confirmation", "Confirmation", false}, {"1week", "Reminder, 1 week before", false},
		{"1day", "Reminder, 1 day before", false}, {"45m0s", "Reminder, 45m before", false}, {"now", "Starting now", false}}
	for _, c := range []struct {
		choice, label, subject, sms string
	}{
		{"", "Confirmation", "You're registered: Launch", "You're registered for Launch on "},
		{"confirmation", "Confirmation", "You're registered: Launch", "You're registered for Launch on "},
		{"1week", "Reminder, 1 week before", "Starting in 1 week: Launch", "Launch starts in 1 week"},
		{"1day", "Reminder, 1 day before", "Starting tomorrow: Launch", "Launch starts tomorrow"},
		{"45m0s", "Reminder, 45m before", "Starting in 45 minutes: Launch", "Launch starts in 45 minutes"},
		{"now", "Starting now", "Live now: Launch", "Launch is live now!"},
		{"12hours", "Confirmation", "You're registered: Launch", "You're registered for Launch on "}, // not chosen (any more)
	} {
		t.Run("preview of "+c.choice, func(t *testing.T) {
			pv := d.wizardPreview(host, ev, c.choice, now)
			if pv.EmailProblem != "" || pv.SMSProblem != "" {
				t.Fatalf("problems: %q, %q", pv.EmailProblem, pv.SMSProblem)
			}
			if pv.Label != c.label || !strings.HasPrefix(pv.Subject, c.subject) || !strings.HasPrefix(pv.SMSText, c.sms) ||
				!strings.Contains(pv.EmailHTML, "Hi Alex") || pv.SMSCharacters == 0 {
				t.Errorf("label %q, subject %q, SMS %q; want %q, %q…, %q…", pv.Label, pv.Subject, pv.SMSText, c.label, c.subject, c.sms)
			}
			selected := c.choice
			if selected == "" || selected == "12hours" {
				selected = "confirmation"
			}
			for i := range want {
				want[i].Selected = want[i].Value == selected
			}
			if !reflect.DeepEqual(pv.Choices, want) {
				t.Errorf("choices %+v\nwant %+v", pv.Choices, want)
			}
		})
	}
	t.Run("a reminder already past says it will be skipped", func(t *testing.T) {
		pv := d.wizardPreview(host, ev, "1week", time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC))
		if pv.Choices[1].Label != "Reminder, 1 week before (already past: skipped)" {
			t.Errorf("choices %+v", pv.Choices)
		}
	})
}

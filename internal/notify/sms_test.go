package notify

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/locale"
	"github.com/onair-live/onair/internal/onair"
)

// checkSMS holds an SMS to the promises every one of them keeps.
func checkSMS(t *testing.T, c Content, m Message) {
	t.Helper()
	if m.Channel != onair.ChannelSMS || m.To != c.Registration.Phone || m.Subject != "" || m.HTML != "" {
		t.Errorf("message %q to %q subject %q", m.Channel, m.To, m.Subject)
	}
	n, ok := septets(m.Text)
	if !ok {
		t.Errorf("body leaves GSM-7: %q", m.Text)
	}
	if n > 306 {
		t.Errorf("body is %d septets, more than two segments:\n%s", n, m.Text)
	}
	// The way out: the cancel link (whose page also unsubscribes), or the
	// unsubscribe link of a message without one or after the end (a
	// follow-up); and STOP.
	lang := onair.MessageLanguage(c.Event, c.Registration)
	l := locale.For(lang)
	way := gsmWording(l.T("sms_cancel")) + " " + c.CancelURL
	if c.CancelURL == "" || isFollowUp(c.Kind) {
		way = gsmWording(l.T("sms_unsubscribe")) + " " + c.UnsubscribeURL
	}
	for _, want := range []string{way, gsmWording(l.T("sms_stop"))} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("body lacks %q:\n%s", want, m.Text)
		}
	}
	switch c.Kind {
	case onair.KindCancelled:
	case onair.KindFollowUpAttended, onair.KindFollowUpMissed:
		if c.Event.ReplayURL != "" && !strings.Contains(m.Text, c.Event.ReplayURL) {
			t.Errorf("body lacks the replay link:\n%s", m.Text)
		}
	default:
		if carriesWatch(c.Kind) != strings.Contains(m.Text, c.WatchURL) {
			t.Errorf("the watch link is where it should not be, or missing:\n%s", m.Text)
		}
	}
	if (c.Kind == onair.KindConfirmation && !c.Live) || c.Kind == onair.KindReminder || c.Kind == onair.KindRescheduled || c.Kind == onair.KindPromoted {
		if when := gsmWording(FormatShortTimeIn(c.Event.ScheduledStart, onair.ViewerZoneName(c.Event, c.Registration), lang)); !strings.Contains(m.Text, when) {
			t.Errorf("body lacks the start %q:\n%s", when, m.Text)
		}
	}
}

func TestSMSFitsTwoSegments(t *testing.T) {
	longTitle := strings.Repeat("Quarterly Product Strategy ", 8)[:200]
	for _, kind := range allKinds {
		for _, zone := range []string{"Europe/Berlin", "Australia/Lord_Howe", "Pacific/Chatham"} {
			t.Run(string(kind)+" with a 200-character title in "+zone, func(t *testing.T) {
				c := testContent(kind)
				c.Event.Title = longTitle
				c.Registration.Timezone = zone
				if kind == onair.KindReminder {
					c.Interval, _ = onair.ParseInterval("2h30m")
				}
				m, err := RenderSMS(c)
				if err != nil {
					t.Fatal(err)
				}
				checkSMS(t, c, m)
				if !strings.Contains(m.Text, "...") || strings.Contains(m.Text, "…") {
					t.Errorf("title not shortened with \"...\":\n%s", m.Text)
				}
				if !strings.HasPrefix(m.Text, "Quarterly Product") && !strings.Contains(m.Text, "for Quarterly Product") &&
					!strings.Contains(m.Text, ": Quarterly Product") {
					t.Errorf("title lost:\n%s", m.Text)
				}
			})
		}
	}
	t.Run("a short title is kept whole", func(t *testing.T) {
		for _, kind := range allKinds {
			c := testContent(kind)
			m, err := RenderSMS(c)
			if err != nil {
				t.Fatal(err)
			}
			checkSMS(t, c, m)
			if !strings.Contains(m.Text, "Product Launch Webinar ") {
				t.Errorf("%s: %q", kind, m.Text)
			}
		}
	})
	t.Run("a late joiner's confirmation with a long title says it is live", func(t *testing.T) {
		c := testContent(onair.KindConfirmation)
		c.Event.Title, c.Live = longTitle, true
		m, err := RenderSMS(c)
		if err != nil {
			t.Fatal(err)
		}
		checkSMS(t, c, m)
		if !strings.Contains(m.Text, "It's live now!") {
			t.Errorf("not said live:\n%s", m.Text)
		}
	})
	t.Run("without a cancel link the unsubscribe link is the way out", func(t *testing.T) {
		c := testContent(onair.KindReminder)
		c.CancelURL = ""
		m, err := RenderSMS(c)
		if err != nil {
			t.Fatal(err)
		}
		checkSMS(t, c, m)
	})
	t.Run("links too long for two segments are an error, not a third segment", func(t *testing.T) {
		c := testContent(onair.KindReminder)
		c.CancelURL = "https://events.example.com/cancel/" + strings.Repeat("x", 200)
		if m, err := RenderSMS(c); err == nil {
			t.Errorf("rendered %q", m.Text)
		}
	})
}

func TestSMSStaysInGSM7(t *testing.T) {
	c := testContent(onair.KindReminder)
	c.Event.Title = "🚀 “Launch” Day — Q&A… with Zoë & José\u00a0Ñúñez 日本"
	m, err := RenderSMS(c)
	if err != nil {
		t.Fatal(err)
	}
	checkSMS(t, c, m)
	if want := `"Launch" Day - Q&A... with Zoe & José Ñuñez starts in 1 hour`; !strings.HasPrefix(m.Text, want) {
		t.Errorf("got  %q\nwant %q…", m.Text, want)
	}
	t.Run("a title with nothing in GSM-7", func(t *testing.T) {
		c := testContent(onair.KindStartingNow)
		c.Event.Title = "新製品発表会 🎉"
		m, err := RenderSMS(c)
		if err != nil {
			t.Fatal(err)
		}
		checkSMS(t, c, m)
		if !strings.HasPrefix(m.Text, "Your event is live now!") {
			t.Errorf("%q", m.Text)
		}
	})
}

func TestSeptets(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"", 0, true},
		{"Hello @ home", 12, true},
		{"€5 [a]", 9, true}, // €, [ and ] are escapes: two septets each
		{"café", 4, true},   // é is in the basic set
		{"naïve", 0, false},
		{"😀", 0, false},
		{"line\nbreak", 10, true},
	}
	for _, tt := range tests {
		n, ok := septets(tt.in)
		if ok != tt.ok || (ok && n != tt.want) {
			t.Errorf("septets(%q) = %d, %v; want %d, %v", tt.in, n, ok, tt.want, tt.ok)
		}
	}
}

func TestFitTitle(t *testing.T) {
	tests := []struct {
		title  string
		budget int
		want   string
		ok     bool
	}{
		{"Product Launch", 14, "Product Launch", true},
		{"Product Launch Webinar for All", 20, "Product Launch We...", true},
		{"Product Launch Webinar for All", 26, "Product Launch Webinar...", true}, // no space before the dots
		{strings.Repeat("[", 20), 22, "[[[[[[[[[...", true},                       // two septets each
		{"Product Launch Webinar for All", minSMSTitle - 1, "", false},
	}
	for _, tt := range tests {
		got, ok := fitTitle(tt.title, tt.budget)
		if got != tt.want || ok != tt.ok {
			t.Errorf("fitTitle(%q, %d) = %q, %v; want %q, %v", tt.title, tt.budget, got, ok, tt.want, tt.ok)
		}
		if n, _ := septets(got); ok && n > tt.budget {
			t.Errorf("fitTitle(%q, %d) = %q takes %d septets", tt.title, tt.budget, got, n)
		}
	}
}

func TestSMSRescheduledKeepsTheTitleReadable(t *testing.T) {
	c := testContent(onair.KindRescheduled)
	c.Registration.Timezone = "Australia/Lord_Howe" // long zone names: GMT+11, GMT+10:30
	c.Event.Title = strings.Repeat("Long title ", 20)

	t.Run("the old time without a repeated zone name", func(t *testing.T) {
		m, err := RenderSMS(c)
		if err != nil {
			t.Fatal(err)
		}
		checkSMS(t, c, m)
		if !strings.Contains(m.Text, "has moved to Fri 18 Dec, 5:30 AM GMT+11 (was Wed 16 Dec, 1:00 AM).") {
			t.Errorf("want old and new time, the zone named once:\n%s", m.Text)
		}
	})
	t.Run("the old time with its own zone name", func(t *testing.T) {
		c := c
		c.Registration.Timezone = "America/New_York"
		c.PreviousStart = time.Date(2026, 10, 15, 14, 0, 0, 0, time.UTC)
		m, err := RenderSMS(c)
		if err != nil {
			t.Fatal(err)
		}
		checkSMS(t, c, m)
		if !strings.Contains(m.Text, "(was Thu 15 Oct, 10:00 AM EDT).") {
			t.Errorf("want the old time in EDT:\n%s", m.Text)
		}
	})
	t.Run("no room for the old time: it goes, the title stays readable", func(t *testing.T) {
		c := c
		c.PreviousStart = time.Date(2026, 6, 15, 14, 0, 0, 0, time.UTC) // GMT+10:30
		m, err := RenderSMS(c)
		if err != nil {
			t.Fatal(err)
		}
		checkSMS(t, c, m)
		if strings.Contains(m.Text, "(was ") || !strings.HasPrefix(m.Text, "Long title Long title") {
			t.Errorf("want the lean layout with a readable title:\n%s", m.Text)
		}
	})
}

// TestSMSWithRealTokens holds every kind of SMS, with a long title, to two
// segments with links as onair makes them: a watch token of 44 characters
// and a cancel token of 32, under an APP_URL of 26 characters, for a viewer
// in a zone with a long name, in every language (whose letters outside
// GSM-7, such as ã and ê, are written without the accent).
func TestSMSWithRealTokens(t *testing.T) {
	const app = "https://events.example.com"
	id := onair.NewID()
	watch := app + "/watch/" + testEventID + "?token=" + onair.WatchToken("a secret key", id)
	cancel := app + "/cancel/" + onair.CancelToken("a secret key", id)
	if len(onair.WatchToken("k", id)) != 44 || len(onair.CancelToken("k", id)) != 32 {
		t.Fatal("the token lengths this test assumes are not onair's")
	}
	longTitle := strings.Repeat("Quarterly Product Strategy ", 8)[:200]
	for _, lang := range onair.Languages {
		for _, kind := range append(allKinds, onair.KindFollowUpAttended, onair.KindFollowUpMissed) {
			for _, live := range []bool{false, true} {
				if live && kind != onair.KindConfirmation {
					continue
				}
				t.Run(fmt.Sprintf("%s %s live=%v", lang, kind, live), func(t *testing.T) {
					c := testContent(kind)
					c.Event.Title, c.Live = longTitle, live
					c.Registration.Timezone = "Australia/Lord_Howe"
					c.Registration.Language = lang
					c.WatchURL, c.CancelURL = watch, cancel
					if kind == onair.KindReminder {
						c.Interval, _ = onair.ParseInterval("2h30m")
					}
					m, err := RenderSMS(c)
					if err != nil {
						t.Fatal(err)
					}
					checkSMS(t, c, m)
					if !strings.Contains(m.Text, "Quarterly Product") {
						t.Errorf("the title is not readable:\n%s", m.Text)
					}
				})
			}
		}
	}
}

package notify

import (
	"strings"
	"testing"

	"github.com/onair-live/onair/internal/onair"
)

var followUpKinds = []onair.NotificationKind{onair.KindFollowUpAttended, onair.KindFollowUpMissed}

func TestGoldenFollowUps(t *testing.T) {
	for _, kind := range followUpKinds {
		t.Run(string(kind), func(t *testing.T) {
			c := testContent(kind)
			m, err := RenderEmail(c)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, string(kind)+".email.txt", dumpEmail(m))
			golden(t, string(kind)+".email.html", []byte(m.HTML))
			sms, err := RenderSMS(c)
			if err != nil {
				t.Fatal(err)
			}
			checkSMS(t, c, sms)
			golden(t, string(kind)+".sms.txt", []byte(sms.Text))
		})
	}
}

// A follow-up thanks or consoles, links to the replay when there is one
// (and says nothing of a replay when there is none), carries the host's
// follow-up words rather than the note written before the event, offers no
// calendar, and is filled from its prepared template byte for byte as it
// renders.
func TestFollowUpSaysWhatItShould(t *testing.T) {
	words := map[onair.NotificationKind]string{
		onair.KindFollowUpAttended: "Thanks for joining: Product Launch Webinar",
		onair.KindFollowUpMissed:   "Sorry we missed you: Product Launch Webinar",
	}
	for _, kind := range followUpKinds {
		for _, replay := range []bool{true, false} {
			t.Run(string(kind)+map[bool]string{true: " with a replay", false: " without a replay"}[replay], func(t *testing.T) {
				c := trackedContent(kind)
				c.Event = testContent(kind).Event
				if !replay {
					c.Event.ReplayURL = ""
				}
				c.Event.Notifications.CustomMessage = "See you on Tuesday!"
				m, err := RenderEmail(c)
				if err != nil {
					t.Fatal(err)
				}
				if m.Subject != words[kind] {
					t.Errorf("subject %q; want %q", m.Subject, words[kind])
				}
				for _, part := range []string{m.Text, m.HTML} {
					if got := strings.Contains(part, testReplayURL) || strings.Contains(part, "Watch the replay"); got != replay {
						t.Errorf("replay link shown %v; want %v:\n%s", got, replay, part)
					}
					if !strings.Contains(part, "The slides are in the replay.") || strings.Contains(part, "See you on Tuesday") {
						t.Errorf("not the follow-up's own words:\n%s", part)
					}
					if strings.Contains(part, "calendar") || strings.Contains(part, testWatchURL) {
						t.Errorf("a follow-up offers a calendar or the watch link:\n%s", part)
					}
				}
				if len(m.Attachments) != 0 {
					t.Errorf("%d attachments; want none", len(m.Attachments))
				}
				if strings.Contains(m.HTML, "<img") != replay {
					t.Errorf("images shown %v; want them only with a replay to link to", !replay)
				}
				n, p := c.Split()
				tmpl, err := PrepareEmail(n)
				if err != nil {
					t.Fatal(err)
				}
				filled, err := tmpl.Fill(p)
				if err != nil {
					t.Fatal(err)
				}
				if filled.Text != m.Text || filled.HTML != m.HTML || filled.Subject != m.Subject {
					t.Errorf("Fill differs from RenderEmail")
				}
			})
		}
	}
}

// The host's SMS line goes into every SMS, and the SMS still fits two
// GSM-7 segments: the title is shortened first, then the line. A line in
// characters outside GSM-7 is made GSM-7 (UCS-2 would hold 134 characters
// in two segments, not 306 septets).
func TestSMSMessageWithinTheBudget(t *testing.T) {
	longTitle := strings.Repeat("Quarterly Product Strategy ", 8)[:200]
	gsmLine := strings.Repeat("Bring questions! ", 6)[:100]
	unicodeLine := "“Bring” your questions — we’ll answer them all 🎉 " + strings.Repeat("é", 20) + " ünd €uro [prices] ok"
	kinds := append(append([]onair.NotificationKind{}, allKinds...), followUpKinds...)
	for _, kind := range kinds {
		for name, tc := range map[string]struct{ title, line, want string }{
			"short title, short line":                 {"Launch", "Bring your questions!", "Bring your questions!"},
			"long title, short line":                  {longTitle, "Bring your questions!", ""},
			"short title, a 100-character line":       {"Launch", gsmLine, ""},
			"long title, a 100-character line":        {longTitle, gsmLine, ""},
			"long title, a line outside GSM-7":        {longTitle, unicodeLine, ""},
			"short title, a line outside GSM-7":       {"Launch", unicodeLine, ""},
			"short title, a short line outside GSM-7": {"Launch", "Café “ouvert” 🎉", `Café "ouvert"`},
		} {
			t.Run(string(kind)+", "+name, func(t *testing.T) {
				c := testContent(kind)
				c.Event.Title, c.Event.Notifications.SMSMessage = tc.title, tc.line
				c.Registration.Timezone = "Pacific/Chatham" // a long zone name
				m, err := RenderSMS(c)
				if err != nil {
					t.Fatal(err)
				}
				checkSMS(t, c, m)
				line := gsmText(tc.line)
				if tc.want != "" && !strings.Contains(m.Text, "\n"+tc.want+"\n") {
					t.Errorf("the whole line %q is not on a line of its own:\n%s", tc.want, m.Text)
				}
				// The line is kept whole, or cut with "..." (the links of a
				// real message leave no room for 100 characters beside the
				// wording of every kind); when it is cut, the title was cut
				// to its shortest first.
				short, _ := fitTitle(tc.title, minSMSTitle)
				switch {
				case strings.Contains(m.Text, "\n"+line+"\n"): // whole
				case strings.Contains(m.Text, "\n"+line[:minSMSTitle-3]):
					if !strings.Contains(m.Text, short) {
						t.Errorf("the line is cut while the title is not at its shortest %q:\n%s", short, m.Text)
					}
				default:
					// Left out only when the shortest title and the shortest
					// cut of the line would not fit.
					used := titleIn(m.Text, tc.title)
					total, _ := septets(m.Text)
					n, _ := septets(used)
					k, _ := septets(short)
					if total-n+k+1+minSMSTitle <= maxSMSSeptets {
						t.Errorf("the line is left out though the title %q could give way:\n%s", used, m.Text)
					}
				}
				if strings.ContainsAny(m.Text, "“”—’🎉") {
					t.Errorf("characters outside GSM-7 left in:\n%s", m.Text)
				}
				n, p := c.Split()
				tmpl, err := PrepareSMS(n)
				if err != nil {
					t.Fatal(err)
				}
				if filled, err := tmpl.Fill(p); err != nil || filled.Text != m.Text {
					t.Errorf("Fill gives %q, %v; RenderSMS %q", filled.Text, err, m.Text)
				}
			})
		}
	}
}

// titleIn is title as text shows it: whole, or cut and ending in "...".
func titleIn(text, title string) string {
	if strings.Contains(text, title) {
		return title
	}
	i := strings.Index(text, title[:10])
	j := strings.Index(text[i:], "...")
	return text[i : i+j+3]
}

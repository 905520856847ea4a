package notify

import (
	"bytes"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// The fixed world of the golden files: one event, one registrant, links
// about as long as real ones (APP_URL, a UUID event id, 32-character
// tokens; TestSMSWithRealTokens uses tokens of the lengths onair makes).
const (
	testEventID     = "3f2b8c1e-7d4a-4e9b-9c61-2a5d8e0f4b17"
	testToken       = "Zk3q9XbT2mLp7VwR4sJd8NcY6hGf1AeU"
	testUnsubToken  = "u9Hc2Lq7Wm4Xz8Rb3Tn6Vd1Kf5Gs0Jp2"
	testCancelToken = "cX7mQ2pL9wR4tZ8vB3nK6hJ1sD5fG0aE"
	testWatchURL    = "https://events.example.com/watch/" + testEventID + "?token=" + testToken
	testCalendarURL = "https://events.example.com/api/registrations/ics?token=" + testToken
	testUnsubURL    = "https://events.example.com/u/" + testUnsubToken
	testCancelURL   = "https://events.example.com/cancel/" + testCancelToken
	testRegisterURL = "https://events.example.com/register/" + testEventID
	testEmailFrom   = "onair <no-reply@events.example.com>"
)

// testSender is the sender of a host that has set nothing: EMAIL_FROM's
// name and address.
func testSender() Sender { return NewSender(onair.HostSettings{}, testEmailFrom) }

// testBrand is the sender of a host that has set everything.
func testBrand() Sender {
	return NewSender(onair.HostSettings{Name: "Acme Launches", BrandColor: "#0f766e",
		LogoURL: "https://cdn.acme.example/logo.png", ReplyTo: "team@acme.example"}, testEmailFrom)
}

var testStart = time.Date(2026, 12, 15, 14, 0, 0, 0, time.UTC)

func testEvent() onair.Event {
	return onair.Event{
		ID:     testEventID,
		HostID: "host-1",
		Title:  "Product Launch Webinar",
		Description: "Be the first to see what we have been building.\n\n" +
			"We'll cover:\n- pricing; plans, and add-ons\n- a live Q&A with the team",
		Status:          onair.StatusScheduled,
		ScheduledStart:  testStart,
		Timezone:        "America/New_York",
		DurationMinutes: 60,
		Notifications: onair.NotificationSettings{
			EmailEnabled:  true,
			SMSEnabled:    true,
			CustomMessage: "Can't wait to see you there!",
		},
		Version:   1,
		CreatedAt: time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC),
		UpdatedAt: time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC),
	}
}

func testRegistration() onair.Registration {
	return onair.Registration{
		ID:        "reg-1",
		EventID:   testEventID,
		FirstName: "Ada",
		LastName:  "Lovelace",
		Email:     "ada@example.com",
		Phone:     "+14155550100",
		Timezone:  "Europe/Berlin",
		Status:    onair.RegRegistered,
	}
}

// testContent is the content of kind for the fixed event and registrant,
// as the send job would build it after the change the kind announces.
func testContent(kind onair.NotificationKind) Content {
	c := Content{
		Kind:           kind,
		Event:          testEvent(),
		Registration:   testRegistration(),
		WatchURL:       testWatchURL,
		CalendarURL:    testCalendarURL,
		UnsubscribeURL: testUnsubURL,
		CancelURL:      testCancelURL,
		From:           testSender(),
	}
	switch kind {
	case onair.KindReminder:
		c.Interval, _ = onair.ParseInterval("1hour")
	case onair.KindRescheduled:
		c.PreviousStart = testStart
		c.Event.ScheduledStart = time.Date(2026, 12, 17, 18, 30, 0, 0, time.UTC)
		c.Event.Version, c.Event.Sequence = 2, 1
		c.Event.UpdatedAt = time.Date(2026, 11, 20, 16, 0, 0, 0, time.UTC)
	case onair.KindCancelled:
		c.Event.Status = onair.StatusCancelled
		c.Event.Version, c.Event.Sequence = 2, 1
		c.Event.UpdatedAt = time.Date(2026, 11, 20, 16, 0, 0, 0, time.UTC)
	case onair.KindFollowUpAttended, onair.KindFollowUpMissed:
		ended := testStart.Add(time.Hour)
		c.Event.Status, c.Event.EndedAt, c.Event.ReplayURL = onair.StatusEnded, &ended, testReplayURL
		f := onair.FollowUp{Enabled: true, After: time.Hour, Message: "The slides are in the replay."}
		c.Event.FollowUps = onair.FollowUps{Attended: f, Missed: f}
	}
	return c
}

// allKinds are the kinds of message before the end. The fuzz corpora
// pick a kind by its index here, so the follow-ups have tests of their own
// (followup_test.go).
var allKinds = []onair.NotificationKind{
	onair.KindConfirmation, onair.KindReminder, onair.KindStartingNow,
	onair.KindRescheduled, onair.KindCancelled, onair.KindWaitlisted, onair.KindPromoted,
}

// testReplayURL is the replay of the ended event of the follow-ups.
const testReplayURL = "https://video.example.com/replays/launch"

// golden compares got with testdata/name, or rewrites the file under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from its golden file (go test -update accepts the change):\n%s", path, firstDifference(want, got))
	}
}

func firstDifference(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\nwant %q\n got %q", i+1, wl, gl)
		}
	}
	return "(same lines, different bytes)"
}

// dumpEmail shows an email the way a reader of the golden file wants it:
// envelope and headers, attachments, then the text part.
func dumpEmail(m Message) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "Channel: %s\n", m.Channel)
	if m.FromName != "" {
		fmt.Fprintf(&b, "From-Name: %s\n", m.FromName)
	}
	fmt.Fprintf(&b, "To: %s\nSubject: %s\n", m.To, m.Subject)
	for _, h := range m.Headers {
		fmt.Fprintf(&b, "%s: %s\n", h.Name, h.Value)
	}
	for _, a := range m.Attachments {
		fmt.Fprintf(&b, "Attachment: %s (%s, %d bytes)\n", a.Filename, a.ContentType, len(a.Data))
	}
	b.WriteString("\n")
	b.WriteString(m.Text)
	return []byte(b.String())
}

func TestGoldenMessages(t *testing.T) {
	for _, kind := range allKinds {
		t.Run(string(kind)+" email", func(t *testing.T) {
			m, err := RenderEmail(testContent(kind))
			if err != nil {
				t.Fatal(err)
			}
			golden(t, string(kind)+".email.txt", dumpEmail(m))
			golden(t, string(kind)+".email.html", []byte(m.HTML))
		})
		t.Run(string(kind)+" sms", func(t *testing.T) {
			m, err := RenderSMS(testContent(kind))
			if err != nil {
				t.Fatal(err)
			}
			golden(t, string(kind)+".sms.txt", []byte(m.Text))
		})
	}
	t.Run("reminder one day ahead email", func(t *testing.T) {
		c := testContent(onair.KindReminder)
		c.Interval, _ = onair.ParseInterval("1day")
		m, err := RenderEmail(c)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "reminder_1day.email.txt", dumpEmail(m))
	})
}

func TestEmailSaysWhatTheRulesPromise(t *testing.T) {
	for _, kind := range allKinds {
		t.Run(string(kind), func(t *testing.T) {
			c := testContent(kind)
			m, err := RenderEmail(c)
			if err != nil {
				t.Fatal(err)
			}
			if m.Channel != onair.ChannelEmail || m.To != "ada@example.com" {
				t.Errorf("channel %q to %q", m.Channel, m.To)
			}
			if !strings.Contains(m.Subject, "Product Launch Webinar") {
				t.Errorf("subject %q does not name the event", m.Subject)
			}
			wantHeaders := []Header{
				{"List-Unsubscribe", "<" + testUnsubURL + ">"},
				{"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"},
			}
			if fmt.Sprint(m.Headers) != fmt.Sprint(wantHeaders) {
				t.Errorf("headers %v, want %v", m.Headers, wantHeaders)
			}
			// Rule 9: the viewer's zone, named.
			when := FormatTime(c.Event.ScheduledStart, "Europe/Berlin")
			for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
				// Every message carries its "can't make it?" link.
				for _, want := range []string{"Ada", when, testUnsubURL, testCancelURL} {
					if !strings.Contains(body, want) {
						t.Errorf("%s part lacks %q", part, want)
					}
				}
				if kind == onair.KindCancelled || kind == onair.KindWaitlisted {
					if strings.Contains(body, testToken) {
						t.Errorf("%s part of a %s message carries a watch link", part, kind)
					}
					continue
				}
				wants := []string{"watch/" + testEventID, "Can", "a live Q"}
				if kind != onair.KindStartingNow {
					wants = append(wants, "registrations/ics", "calendar.google.com")
				}
				for _, want := range wants {
					if !strings.Contains(body, want) {
						t.Errorf("%s part lacks %q", part, want)
					}
				}
			}
		})
	}
	t.Run("times fall back to the event's zone", func(t *testing.T) {
		c := testContent(onair.KindConfirmation)
		c.Registration.Timezone = ""
		m, err := RenderEmail(c)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(m.Text, "Tue 15 Dec, 9:00 AM EST") {
			t.Errorf("text part lacks the time in New York:\n%s", m.Text)
		}
	})
	t.Run("a registrant without a first name gets a neutral greeting", func(t *testing.T) {
		c := testContent(onair.KindReminder)
		c.Registration.FirstName = ""
		m, err := RenderEmail(c)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(m.Text, "\nHello,\n") || strings.Contains(m.Text, "Hi ,") {
			t.Errorf("greeting:\n%s", m.Text)
		}
	})
	t.Run("rescheduled shows old and new time in the viewer's zone", func(t *testing.T) {
		m, err := RenderEmail(testContent(onair.KindRescheduled))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Previously: Tue 15 Dec, 3:00 PM CET", "New time: Thu 17 Dec, 7:30 PM CET"} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("text part lacks %q:\n%s", want, m.Text)
			}
		}
	})
}

func TestEmailAttachments(t *testing.T) {
	tests := []struct {
		kind   onair.NotificationKind
		method string // "" for no attachment
		status string
	}{
		{onair.KindConfirmation, "PUBLISH", "CONFIRMED"},
		{onair.KindReminder, "", ""},
		{onair.KindStartingNow, "", ""},
		{onair.KindRescheduled, "PUBLISH", "CONFIRMED"},
		{onair.KindCancelled, "CANCEL", "CANCELLED"},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			c := testContent(tt.kind)
			m, err := RenderEmail(c)
			if err != nil {
				t.Fatal(err)
			}
			if tt.method == "" {
				if len(m.Attachments) != 0 {
					t.Fatalf("%d attachments, want none", len(m.Attachments))
				}
				return
			}
			if len(m.Attachments) != 1 {
				t.Fatalf("%d attachments, want 1", len(m.Attachments))
			}
			a := m.Attachments[0]
			if a.Filename != "invite.ics" || a.ContentType != "text/calendar; charset=utf-8; method="+tt.method {
				t.Errorf("attachment %q %q", a.Filename, a.ContentType)
			}
			cal := parseICS(t, a.Data)
			if cal.get("METHOD") != tt.method || cal.get("STATUS") != tt.status {
				t.Errorf("METHOD %q STATUS %q, want %s %s", cal.get("METHOD"), cal.get("STATUS"), tt.method, tt.status)
			}
			if cal.get("UID") != testEventID+"@onair" || cal.get("SEQUENCE") != fmt.Sprint(c.Event.Sequence) {
				t.Errorf("UID %q SEQUENCE %q", cal.get("UID"), cal.get("SEQUENCE"))
			}
			if cal.get("DTSTART") != icsTime(c.Event.ScheduledStart) {
				t.Errorf("DTSTART %q", cal.get("DTSTART"))
			}
		})
	}
	t.Run("a cancellation is a CANCEL even for an event passed before its cancel", func(t *testing.T) {
		c := testContent(onair.KindCancelled)
		c.Event.Status = onair.StatusScheduled
		m, err := RenderEmail(c)
		if err != nil {
			t.Fatal(err)
		}
		if cal := parseICS(t, m.Attachments[0].Data); cal.get("METHOD") != "CANCEL" || cal.get("STATUS") != "CANCELLED" {
			t.Errorf("METHOD %q STATUS %q", cal.get("METHOD"), cal.get("STATUS"))
		}
	})
}

func TestEmailEscapesWhatUsersWrote(t *testing.T) {
	const evil = `<script>alert("x")</script>`
	c := testContent(onair.KindConfirmation)
	c.Registration.FirstName = evil
	c.Event.Title = "Launch " + evil
	c.Event.Notifications.CustomMessage = "Note " + evil
	c.Event.Description = "About " + evil + `<img src=x onerror="alert(1)">`
	m, err := RenderEmail(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "<img", "onerror=\"alert"} {
		if strings.Contains(m.HTML, bad) {
			t.Errorf("HTML part contains %q unescaped", bad)
		}
	}
	const shown = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"
	for _, want := range []string{"Hi " + shown, "Launch " + shown, "Note " + shown, "About " + shown + "&lt;img"} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("HTML part lacks the escaped %q", want)
		}
	}
	// The text part is plain text: it shows what was written, as written.
	if !strings.Contains(m.Text, "Hi "+evil+",") {
		t.Errorf("text part altered the name:\n%s", m.Text)
	}
}

func TestNoLineBreakReachesAHeader(t *testing.T) {
	t.Run("a title with CR LF makes a one-line subject", func(t *testing.T) {
		c := testContent(onair.KindReminder)
		c.Event.Title = "Launch\r\nBcc: victim@example.com\n\rX-Evil: 1"
		m, err := RenderEmail(c)
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(m.Subject, "\r\n") {
			t.Fatalf("subject %q contains a line break", m.Subject)
		}
		if m.Subject != "Starting in 1 hour: Launch Bcc: victim@example.com X-Evil: 1" {
			t.Errorf("subject %q", m.Subject)
		}
		for _, h := range m.Headers {
			if strings.ContainsAny(h.Value, "\r\n") {
				t.Errorf("header %s: %q", h.Name, h.Value)
			}
		}
	})
	refused := map[string]func(*Content){
		"unsubscribe URL with CR LF": func(c *Content) { c.UnsubscribeURL += "\r\nBcc: victim@example.com" },
		"unsubscribe URL with >":     func(c *Content) { c.UnsubscribeURL += ">, <https://evil.example" },
		"address with CR LF":         func(c *Content) { c.Registration.Email = "ada@example.com\r\nBcc: victim@example.com" },
		"watch URL with LF":          func(c *Content) { c.WatchURL += "\n" },
		"javascript watch URL":       func(c *Content) { c.WatchURL = "javascript:alert(1)" },
	}
	for name, spoil := range refused {
		t.Run(name+" is refused", func(t *testing.T) {
			c := testContent(onair.KindConfirmation)
			spoil(&c)
			if m, err := RenderEmail(c); err == nil {
				t.Errorf("rendered %+v", m.Headers)
			}
		})
	}
}

func TestRenderRefusesIncompleteContent(t *testing.T) {
	tests := map[string]struct {
		spoil func(*Content)
		sms   bool
	}{
		"unknown kind":                     {spoil: func(c *Content) { c.Kind = "follow_up" }},
		"no unsubscribe link (rule 10)":    {spoil: func(c *Content) { c.UnsubscribeURL = "" }},
		"no unsubscribe link in SMS":       {spoil: func(c *Content) { c.UnsubscribeURL = "" }, sms: true},
		"no watch link":                    {spoil: func(c *Content) { c.WatchURL = "" }},
		"relative watch link":              {spoil: func(c *Content) { c.WatchURL = "/watch/x" }},
		"no email address":                 {spoil: func(c *Content) { c.Registration.Email = " " }},
		"no phone":                         {spoil: func(c *Content) { c.Registration.Phone = "" }, sms: true},
		"phone not E.164":                  {spoil: func(c *Content) { c.Registration.Phone = "0170 1234567" }, sms: true},
		"rescheduled without the old time": {spoil: func(c *Content) { c.Kind = onair.KindRescheduled }},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			c := testContent(onair.KindConfirmation)
			tt.spoil(&c)
			render := RenderEmail
			if tt.sms {
				render = RenderSMS
			}
			if _, err := render(c); err == nil {
				t.Error("rendered, want an error")
			}
		})
	}
}

func TestNowReminderIsTheStartingNowMessage(t *testing.T) {
	c := testContent(onair.KindReminder)
	c.Interval, _ = onair.ParseInterval("now")
	got, err := RenderEmail(c)
	if err != nil {
		t.Fatal(err)
	}
	want, err := RenderEmail(testContent(onair.KindStartingNow))
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != want.Subject || got.Text != want.Text || got.HTML != want.HTML {
		t.Errorf("the now reminder reads %q, the starting-now message %q", got.Subject, want.Subject)
	}
}

func TestRenderIsPure(t *testing.T) {
	c := testContent(onair.KindConfirmation)
	a, _ := RenderEmail(c)
	b, _ := RenderEmail(c)
	if a.HTML != b.HTML || a.Text != b.Text || !bytes.Equal(a.Attachments[0].Data, b.Attachments[0].Data) {
		t.Error("two renderings of the same content differ")
	}
}

func TestRenderConcurrently(t *testing.T) {
	zones := []string{"Europe/Berlin", "Asia/Kathmandu", "Australia/Lord_Howe", "America/New_York", "Nowhere/Special"}
	done := make(chan error)
	for i := range 16 {
		go func() {
			c := testContent(allKinds[i%len(allKinds)])
			c.Registration.Timezone = zones[i%len(zones)]
			_, err := RenderEmail(c)
			if err == nil {
				_, err = RenderSMS(c)
			}
			done <- err
		}()
	}
	for range 16 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func BenchmarkRenderEmail(b *testing.B) {
	c := testContent(onair.KindReminder)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RenderEmail(c); err != nil {
			b.Fatal(err)
		}
	}
}

// trackedContent is testContent with tracking links as the send job makes
// them (the d values here are stand-ins: signing is onair's business).
func trackedContent(kind onair.NotificationKind) Content {
	c := testContent(kind)
	const base = "https://events.example.com/api/track/notification/n-1"
	c.Track = func(target string) string {
		return base + "/click?d=7." + url.QueryEscape(target) + ".sig"
	}
	c.OpenPixelURL = base + "/open?d=7.sig"
	return c
}

func TestGoldenTrackedEmail(t *testing.T) {
	for _, kind := range []onair.NotificationKind{onair.KindConfirmation, onair.KindStartingNow} {
		t.Run(string(kind), func(t *testing.T) {
			m, err := RenderEmail(trackedContent(kind))
			if err != nil {
				t.Fatal(err)
			}
			golden(t, string(kind)+"_tracked.email.txt", dumpEmail(m))
			golden(t, string(kind)+"_tracked.email.html", []byte(m.HTML))
		})
	}
}

var hrefRE = regexp.MustCompile(`(?:href|src)="([^"]*)"`)

func TestTrackedEmailWrapsEveryLinkButUnsubscribe(t *testing.T) {
	for _, kind := range allKinds {
		t.Run(string(kind), func(t *testing.T) {
			plain, err := RenderEmail(testContent(kind))
			if err != nil {
				t.Fatal(err)
			}
			m, err := RenderEmail(trackedContent(kind))
			if err != nil {
				t.Fatal(err)
			}
			if m.Text != plain.Text || fmt.Sprint(m.Headers) != fmt.Sprint(plain.Headers) {
				t.Error("tracking changed the text part or the headers")
			}
			var pixels, clicks int
			for _, match := range hrefRE.FindAllStringSubmatch(m.HTML, -1) {
				link := strings.ReplaceAll(match[1], "&amp;", "&")
				switch {
				case link == testUnsubURL, link == testCancelURL: // both work without a redirect
				case strings.HasPrefix(link, "https://events.example.com/api/track/notification/n-1/click?d="):
					clicks++
				case link == "https://events.example.com/api/track/notification/n-1/open?d=7.sig":
					pixels++
				default:
					t.Errorf("untracked link %q", link)
				}
			}
			want := map[onair.NotificationKind]int{onair.KindCancelled: 0, onair.KindStartingNow: 1, onair.KindWaitlisted: 0}
			wantClicks, ok := want[kind]
			if !ok {
				wantClicks = 3 // watch, add to calendar, Google Calendar
			}
			// A cancellation, or a place on the waitlist, has no image:
			// its open tells the host nothing, and spam filters score a
			// short message with one.
			wantPixels := 1
			if kind == onair.KindCancelled || kind == onair.KindWaitlisted {
				wantPixels = 0
			}
			if pixels != wantPixels || clicks != wantClicks {
				t.Errorf("%d pixels and %d tracked links, want %d and %d", pixels, clicks, wantPixels, wantClicks)
			}
			if !strings.Contains(m.HTML, `href="`+testUnsubURL+`"`) {
				t.Error("the unsubscribe link is not the plain one")
			}
		})
	}
}

func TestGoldenBrandedEmail(t *testing.T) {
	for _, kind := range []onair.NotificationKind{onair.KindConfirmation, onair.KindCancelled} {
		t.Run(string(kind), func(t *testing.T) {
			c := trackedContent(kind)
			c.From = testBrand()
			m, err := RenderEmail(c)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, string(kind)+"_branded.email.txt", dumpEmail(m))
			golden(t, string(kind)+"_branded.email.html", []byte(m.HTML))
		})
	}
}

func TestEmailPresentsTheHost(t *testing.T) {
	for _, kind := range allKinds {
		t.Run(string(kind), func(t *testing.T) {
			c := trackedContent(kind)
			c.From = testBrand()
			m, err := RenderEmail(c)
			if err != nil {
				t.Fatal(err)
			}
			if m.FromName != "Acme Launches" {
				t.Errorf("From name %q, want the host's", m.FromName)
			}
			var replyTo []string
			for _, h := range m.Headers {
				if h.Name == "Reply-To" {
					replyTo = append(replyTo, h.Value)
				}
			}
			if len(replyTo) != 1 || replyTo[0] != "team@acme.example" {
				t.Errorf("Reply-To %q, want the host's address once", replyTo)
			}
			for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
				for _, want := range []string{"an event by Acme Launches", "Reply to this email to reach Acme Launches"} {
					if !strings.Contains(body, want) {
						t.Errorf("%s part lacks %q", part, want)
					}
				}
			}
			if !strings.Contains(m.HTML, "background-color:#0f766e;padding:32px") || strings.Contains(m.HTML, "linear-gradient") {
				t.Error("the header is not in the host's colour")
			}
			logo := `<img src="https://cdn.acme.example/logo.png" alt="Acme Launches"`
			if kind == onair.KindCancelled || kind == onair.KindWaitlisted {
				// Not even the logo: a short message with an image is what
				// spam filters score. The name stands in for it.
				if strings.Contains(m.HTML, "<img") {
					t.Error("a short notice carries an image")
				}
				if !strings.Contains(m.HTML, ">Acme Launches</p>") {
					t.Error("the cancellation's header does not name the host")
				}
			} else if !strings.Contains(m.HTML, logo) {
				t.Errorf("the header lacks the logo %s", logo)
			}
			for _, a := range m.Attachments {
				if cn, _ := parseICS(t, a.Data).param("ORGANIZER", "CN"); cn != "Acme Launches" {
					t.Errorf("the invite's organizer is %q", cn)
				}
			}
		})
	}
	t.Run("a host that set nothing sends as EMAIL_FROM, without Reply-To", func(t *testing.T) {
		m, err := RenderEmail(testContent(onair.KindConfirmation))
		if err != nil {
			t.Fatal(err)
		}
		if m.FromName != "" {
			t.Errorf("From name %q, want none: EMAIL_FROM as it is", m.FromName)
		}
		for _, h := range m.Headers {
			if h.Name == "Reply-To" {
				t.Errorf("Reply-To %q", h.Value)
			}
		}
		for _, bad := range []string{"an event by", "Reply to this email", "<img"} {
			if strings.Contains(m.HTML, bad) || strings.Contains(m.Text, bad) {
				t.Errorf("the message says %q", bad)
			}
		}
	})
	refused := map[string]func(*Sender){
		"a Reply-To with CR LF": func(s *Sender) { s.ReplyTo = "team@acme.example\r\nBcc: victim@example.com" },
		"a name with LF":        func(s *Sender) { s.Name = "Acme\nBcc: victim@example.com" },
		"a javascript: logo":    func(s *Sender) { s.LogoURL = "javascript:alert(1)" },
	}
	for name, spoil := range refused {
		t.Run(name, func(t *testing.T) {
			c := testContent(onair.KindConfirmation)
			c.From = testBrand()
			spoil(&c.From)
			m, err := RenderEmail(c)
			if name == "a name with LF" {
				// A name is one line by validation; a line break that got
				// through anyway becomes a space, never a header.
				if err != nil || m.FromName != "Acme Bcc: victim@example.com" {
					t.Errorf("From name %q, %v", m.FromName, err)
				}
				return
			}
			if err == nil {
				t.Errorf("rendered, headers %v", m.Headers)
			}
		})
	}
}

func TestEmailHidesNoText(t *testing.T) {
	for _, kind := range allKinds {
		m, err := RenderEmail(trackedContent(kind))
		if err != nil {
			t.Fatal(err)
		}
		// Hidden preheaders (display:none, text in the background's
		// colour) are what spam filters score as hidden text.
		for _, bad := range []string{"display:none", "font-size:1px", "max-height:0", ";color:#f4f4f7", `"color:#f4f4f7`} {
			if strings.Contains(m.HTML, bad) {
				t.Errorf("%s: the HTML part has %q", kind, bad)
			}
		}
		body := m.HTML[strings.Index(m.HTML, "<body"):]
		first := regexp.MustCompile(`<p [^>]*>([^<]*)</p>`).FindStringSubmatch(body)
		if first == nil || !strings.Contains(first[1], FormatTime(eventStart(kind), "Europe/Berlin")) {
			t.Errorf("%s: the first text is %q, want the time", kind, first)
		}
	}
}

// eventStart is the start of the event of kind in testContent.
func eventStart(kind onair.NotificationKind) time.Time { return testContent(kind).Event.ScheduledStart }

func TestPaletteKeepsTextReadable(t *testing.T) {
	for _, c := range []string{"#0f766e", "#ffff00", "#ffffff", "#000000", "#777777", "#db2777", "#a3e635", "#1e3a8a"} {
		p := paletteFor(c)
		bg, _ := luminance(c)
		fg, _ := luminance(p.HeaderText)
		other := lightText
		if p.HeaderText == lightText {
			other = darkText
		}
		alt, _ := luminance(other)
		// The better of white and near-black, which on any colour is at
		// least 3.9:1 (more than WCAG's 3:1 for large text, as the title is).
		if contrast(bg, fg) < contrast(bg, alt) || contrast(bg, fg) < 3.9 {
			t.Errorf("%s: text %s at %.2f:1", c, p.HeaderText, contrast(bg, fg))
		}
		if p.ButtonText != p.HeaderText || p.Button != c || p.Header != c {
			t.Errorf("%s: %+v", c, p)
		}
		link, _ := luminance(p.Link)
		if contrast(1, link) < 4.5 {
			t.Errorf("%s: link %s at %.2f:1 on white", c, p.Link, contrast(1, link))
		}
	}
	if p := paletteFor(""); p != onairPalette {
		t.Errorf("no colour: %+v", p)
	}
}

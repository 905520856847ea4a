package smtp_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/mail"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/links"
	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/notify/smtp"
	"github.com/onair-live/onair/internal/onair"
)

// maxSpamScore is the most SpamAssassin may score any message onair sends,
// of the 5.0 at which it calls a message spam: far enough below that a
// receiving server's own rules and a sender's fresh reputation do not tip
// a confirmation into the spam folder.
const maxSpamScore = 1.0

// spamCase is one message as the send job renders it.
type spamCase struct {
	name    string
	content notify.Content
}

// spamCases are every kind of email, for a host that set nothing and for
// one that set a name, colour, logo and Reply-To, and for an event with a
// description and a note from the host and for a bare one (a short title,
// no description, no note, a registrant without a first name), whose
// messages are the shortest onair writes. Links and tracking are those the
// send job makes, at their real lengths.
func spamCases() []spamCase {
	const (
		appURL    = "https://events.example.com"
		emailFrom = "onair <no-reply@events.example.com>"
		secret    = "k3Jq9XbT2mLp7VwR4sJd8NcY6hGf1AeUz5Hc2Lq7Wm4"
	)
	start := time.Date(2026, 12, 15, 14, 0, 0, 0, time.UTC)
	full := onair.Event{
		ID: onair.NewID(), Title: "Product Launch Webinar", Status: onair.StatusScheduled,
		Description: "Be the first to see what we have been building.\n\n" +
			"We'll cover:\n- pricing, plans and add-ons\n- a live Q&A with the team",
		ScheduledStart: start, Timezone: "America/New_York", DurationMinutes: 60,
		Notifications: onair.NotificationSettings{EmailEnabled: true, CustomMessage: "Can't wait to see you there!"},
		Version:       1, CreatedAt: start.AddDate(0, -1, 0), UpdatedAt: start.AddDate(0, -1, 0),
	}
	bare := full
	bare.ID, bare.Title, bare.Description, bare.Notifications.CustomMessage = onair.NewID(), "Demo", "", ""

	hosts := map[string]onair.HostSettings{
		"plain host": {},
		"branded host": {Name: "Acme Launches", BrandColor: "#0f766e",
			LogoURL: "https://cdn.acme.example/brand/logo.png", ReplyTo: "team@acme.example"},
	}
	var cases []spamCase
	var delivery int64
	for _, kind := range onair.MessageKinds {
		for _, ev := range []onair.Event{full, bare} {
			for hostName, h := range hosts {
				delivery++
				reg := onair.Registration{ID: onair.NewID(), EventID: ev.ID, FirstName: "Ada", LastName: "Lovelace",
					Email: "ada.lovelace@example.com", Timezone: "Europe/Berlin", Status: onair.RegRegistered}
				if ev.ID == bare.ID {
					reg.FirstName, reg.LastName = "", ""
				}
				c := notify.Content{Kind: kind, Event: ev, Registration: reg, From: notify.NewSender(h, emailFrom)}
				switch kind {
				case onair.KindReminder:
					c.Interval, _ = onair.ParseInterval("1hour")
				case onair.KindRescheduled:
					c.PreviousStart = ev.ScheduledStart
					c.Event.ScheduledStart = ev.ScheduledStart.Add(50 * time.Hour)
					c.Event.Version, c.Event.Sequence = 2, 1
				case onair.KindCancelled:
					c.Event.Status = onair.StatusCancelled
					c.Event.Version, c.Event.Sequence = 2, 1
				case onair.KindFollowUpAttended, onair.KindFollowUpMissed:
					ended := ev.ScheduledStart.Add(time.Hour)
					c.Event.Status, c.Event.EndedAt = onair.StatusEnded, &ended
					if ev.ID == full.ID {
						// the full event with its replay and the host's words
						c.Event.ReplayURL = "https://video.example.com/replays/product-launch"
						f := onair.FollowUp{Enabled: true, After: time.Hour, Message: "Thank you for your questions: the slides are in the replay."}
						c.Event.FollowUps = onair.FollowUps{Attended: f, Missed: f}
					}
				}
				v := links.New(appURL, secret).Viewer(reg)
				c.WatchURL, c.CalendarURL, c.UnsubscribeURL = v.Watch, v.Calendar, v.Unsubscribe
				c.Track, c.OpenPixelURL = links.New(appURL, secret).Tracking(onair.NewID(), delivery)
				name := fmt.Sprintf("%s, %s event, %s", kind, map[bool]string{true: "bare", false: "full"}[ev.ID == bare.ID], hostName)
				cases = append(cases, spamCase{name, c})
				if ev.ID == full.ID && hostName == "plain host" {
					// The same message in another language: each kind in
					// one of them, each language for two kinds or more.
					lang := onair.Languages[1+len(cases)%(len(onair.Languages)-1)]
					c.Registration.Language = lang
					c.Track, c.OpenPixelURL = links.New(appURL, secret).Tracking(onair.NewID(), delivery)
					cases = append(cases, spamCase{name + ", in " + string(lang), c})
				}
			}
		}
	}
	return cases
}

// TestSpamAssassinScore sends every kind of email through this provider to
// a local SMTP server and has SpamAssassin (Debian's package, local tests
// only: no network, no DNS blocklists) score the bytes that arrived.
func TestSpamAssassinScore(t *testing.T) {
	bin, err := exec.LookPath("spamassassin")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("spamassassin is missing: CI must score the messages (apt-get install spamassassin)")
		}
		t.Skip("spamassassin is not installed: the messages' spam scores are not checked (apt-get install spamassassin)")
	}
	srv := notifytest.NewSMTPServer(t)
	p := newProvider(t, srv, func(c *smtp.Config) { c.From = "onair <no-reply@events.example.com>" })
	// Each as the send job writes it, from its prepared template, and as
	// go-mail writes a message without one.
	var cases []spamCase
	byDelivery := map[string]string{}
	for _, sc := range spamCases() {
		for _, prepared := range []bool{true, false} {
			m, err := notify.RenderEmail(sc.content)
			name := sc.name + ", by go-mail"
			if prepared {
				n, p := sc.content.Split()
				var tmpl *notify.EmailTemplate
				if tmpl, err = notify.PrepareEmail(n); err == nil {
					m, err = tmpl.Fill(p)
				}
				name = sc.name
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			cases = append(cases, spamCase{name, sc.content})
			m.DeliveryID = int64(len(cases))
			byDelivery[strconv.Itoa(len(cases))] = name
			if _, err := p.Send(context.Background(), m); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
	}
	received := srv.WaitFor(len(cases), 10*time.Second)

	// One run over an mbox of all of them: SpamAssassin takes seconds to
	// start, and little for each message after.
	var mbox bytes.Buffer
	for _, r := range received {
		mbox.WriteString("From onair@localhost Thu Jan  1 00:00:00 2026\n")
		for _, line := range strings.Split(strings.ReplaceAll(string(r.Data), "\r\n", "\n"), "\n") {
			if fromLine.MatchString(line) {
				mbox.WriteByte('>') // mboxrd: a body line that would start a message
			}
			mbox.WriteString(line + "\n")
		}
		mbox.WriteString("\n")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// -L: local tests only. Bayes is off, and HOME is the test's own, so
	// the score is the rules' alone and the run learns nothing into the
	// user's own database.
	cmd := exec.CommandContext(ctx, bin, "-L", "-x", "--mbox", "--cf=use_bayes 0", "--cf=bayes_auto_learn 0")
	cmd.Stdin = &mbox
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("spamassassin: %v\n%s", err, stderr.String())
	}

	scored := map[string]bool{}
	for _, msg := range splitMbox(out) {
		m, err := mail.ReadMessage(bytes.NewReader(msg))
		if err != nil {
			t.Fatalf("reading spamassassin's output: %v", err)
		}
		name := byDelivery[m.Header.Get("X-Onair-Delivery")]
		status := m.Header.Get("X-Spam-Status")
		match := spamStatus.FindStringSubmatch(status)
		if name == "" || match == nil {
			t.Fatalf("unexpected message from spamassassin: delivery %q, X-Spam-Status %q", m.Header.Get("X-Onair-Delivery"), status)
		}
		scored[name] = true
		score, _ := strconv.ParseFloat(match[1], 64)
		rules := strings.Join(strings.Fields(match[2]), "")
		if score > maxSpamScore {
			t.Errorf("%s scores %.1f, more than %.1f: %s", name, score, maxSpamScore, rules)
		} else {
			t.Logf("%s: %.1f (%s)", name, score, rules)
		}
	}
	for _, sc := range cases {
		if !scored[sc.name] {
			t.Errorf("%s: spamassassin returned no score", sc.name)
		}
	}
}

var (
	fromLine   = regexp.MustCompile(`^>*From `)
	spamStatus = regexp.MustCompile(`score=(-?[0-9.]+) required=[0-9.]+\s+tests=(.*?)\s+(?:autolearn|version)=`)
)

// splitMbox splits an mbox into its messages, without the From_ lines.
func splitMbox(data []byte) [][]byte {
	var msgs [][]byte
	var cur *bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "From ") {
			if cur != nil {
				msgs = append(msgs, cur.Bytes())
			}
			cur = &bytes.Buffer{}
			continue
		}
		if cur != nil {
			cur.WriteString(line + "\r\n")
		}
	}
	if cur != nil {
		msgs = append(msgs, cur.Bytes())
	}
	return msgs
}

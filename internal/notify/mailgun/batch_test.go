package mailgun_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/notify/mailgun"
	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/onair"
)

const appURL = "https://events.onair.example"

// notice is a notification of an event of a branded host.
func notice(t *testing.T, kind onair.NotificationKind) *notify.EmailTemplate {
	t.Helper()
	start := time.Date(2026, 12, 15, 14, 0, 0, 0, time.UTC)
	n := notify.Notice{
		Kind: kind,
		Event: onair.Event{ID: "ev-1", Title: `Launch "Q&A" <live>`, Description: "What we built.\n\nAnd why.",
			Status: onair.StatusScheduled, ScheduledStart: start, Timezone: "America/New_York", DurationMinutes: 45,
			Notifications: onair.NotificationSettings{EmailEnabled: true, CustomMessage: "See you there!"},
			CreatedAt:     start.Add(-48 * time.Hour)},
		From: notify.NewSender(onair.HostSettings{Name: "Acme & Sons", ReplyTo: "team@acme.example", BrandColor: "#0f766e"},
			"Onair Live <no-reply@mg.onair.example>"),
	}
	if kind == onair.KindReminder {
		n.Interval, _ = onair.ParseInterval("1hour")
	}
	tmpl, err := notify.PrepareEmail(n)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

var names = []string{"Ada", `<script>alert("x")</script>`, "Tom & Jerry", "O'Brien", "\u202eevil", "🚀 Zoë", "", "a+b"}

// recipients are n registrants with their own names, zones and links;
// every other one tracked.
func recipients(n int, zones ...string) []notify.Personal {
	if len(zones) == 0 {
		zones = []string{""}
	}
	ps := make([]notify.Personal, n)
	for i := range ps {
		id := strconv.Itoa(i)
		ps[i] = notify.Personal{
			Registration: onair.Registration{ID: "reg-" + id, FirstName: names[i%len(names)] + id,
				Email: "viewer" + id + "@example.com", Timezone: zones[i%len(zones)]},
			WatchURL:       appURL + "/watch/ev-1?token=w" + id,
			CalendarURL:    appURL + "/api/registrations/ics?token=w" + id,
			UnsubscribeURL: appURL + "/u/u" + id,
			DeliveryID:     int64(10000 + i),
		}
		if i%2 == 0 {
			ps[i].Track = func(target string) string { return appURL + "/api/track/notification/n-1/click?d=" + id + "." + target }
			ps[i].OpenPixelURL = appURL + "/api/track/notification/n-1/open?d=" + id
		}
	}
	return ps
}

// checkDelivered holds what the double delivered to each recipient to
// what Fill makes for them, and the results to the requests.
func checkDelivered(t *testing.T, mg interface {
	Messages() []notifytest.MailgunMessage
}, tmpl *notify.EmailTemplate, ps []notify.Personal, results []notify.Result) {
	t.Helper()
	got := map[string]notifytest.MailgunMessage{}
	for _, m := range mg.Messages() {
		if _, twice := got[m.To]; twice {
			t.Fatalf("%s received two messages", m.To)
		}
		got[m.To] = m
	}
	for i, p := range ps {
		if results[i].Err != nil {
			t.Fatalf("recipient %d: %v", i, results[i].Err)
		}
		want, err := tmpl.Fill(p)
		if err != nil {
			t.Fatal(err)
		}
		m, ok := got[want.To]
		switch {
		case !ok:
			t.Fatalf("%s received nothing", want.To)
		case m.Subject != want.Subject:
			t.Fatalf("%s: subject %q, want %q", want.To, m.Subject, want.Subject)
		case m.Text != want.Text:
			t.Fatalf("%s: text\n%s\nwant\n%s", want.To, m.Text, want.Text)
		case m.HTML != want.HTML:
			t.Fatalf("%s: HTML differs from Fill's:\n%s", want.To, m.HTML)
		case m.ID != results[i].ProviderID || m.ID == "":
			t.Fatalf("%s: delivered as %q, reported %q", want.To, m.ID, results[i].ProviderID)
		}
		for _, h := range want.Headers {
			if m.Headers[h.Name] != h.Value {
				t.Fatalf("%s: header %s %q, want %q", want.To, h.Name, m.Headers[h.Name], h.Value)
			}
		}
		delivery := strconv.FormatInt(p.DeliveryID, 10)
		if m.Variables["onair-delivery"] != delivery || m.Headers["X-Onair-Delivery"] != delivery {
			t.Fatalf("%s: delivery %q / %q, want %s (webhooks find the delivery by it)", want.To,
				m.Variables["onair-delivery"], m.Headers["X-Onair-Delivery"], delivery)
		}
	}
	if len(got) != len(ps) {
		t.Fatalf("%d addresses received messages, want %d", len(got), len(ps))
	}
}

func TestSendBatchSendsAReminderInCallsOfAThousand(t *testing.T) {
	mg := notifytest.NewMailgun(t, apiKey, domain)
	p := newProvider(t, mg.URL(), nil)
	tmpl := notice(t, onair.KindReminder)
	if !p.CanBatch(tmpl) {
		t.Fatal("a reminder cannot be batched")
	}
	// One zone and one shape: the tracked and untracked halves are two
	// emails, so 2,500 recipients are 2 × 2 calls (1,000 and 250 each).
	ps := recipients(2500)
	results := p.SendBatch(context.Background(), tmpl, ps)
	reqs := mg.Requests()
	if len(reqs) != 4 {
		t.Fatalf("%d calls for 2,500 recipients in 2 shapes, want 4", len(reqs))
	}
	for _, r := range reqs {
		if r.Status != http.StatusOK || len(r.To) > mailgun.MaxBatch || r.Form.Get("recipient-variables") == "" {
			t.Errorf("call answered %d with %d addresses", r.Status, len(r.To))
		}
	}
	checkDelivered(t, mg, tmpl, ps, results)
}

func TestSendBatchAcrossZones(t *testing.T) {
	mg := notifytest.NewMailgun(t, apiKey, domain)
	p := newProvider(t, mg.URL(), nil)
	for _, kind := range []onair.NotificationKind{onair.KindReminder, onair.KindStartingNow} {
		tmpl := notice(t, kind)
		ps := recipients(40, "Europe/Berlin", "", "Asia/Kathmandu", "Nowhere/Special")
		for i := range ps {
			ps[i].Registration.Email = string(kind) + ps[i].Registration.Email
		}
		before := len(mg.Messages())
		results := p.SendBatch(context.Background(), tmpl, ps)
		if got := len(mg.Messages()) - before; got != len(ps) {
			t.Fatalf("%s: %d delivered, want %d", kind, got, len(ps))
		}
		checkDelivered(t, &filtered{mg, string(kind)}, tmpl, ps, results)
	}
}

func TestSendBatchSendsAttachmentsOneByOne(t *testing.T) {
	mg := notifytest.NewMailgun(t, apiKey, domain)
	p := newProvider(t, mg.URL(), nil)
	tmpl := notice(t, onair.KindConfirmation)
	if p.CanBatch(tmpl) {
		t.Fatal("a confirmation, with each viewer's own calendar file, can be batched")
	}
	if _, errs := tmpl.Batch(recipients(1), func(n string) string { return n }); errs[0] == nil {
		t.Error("Batch took an email with an attachment of its own")
	}
	ps := recipients(5)
	results := p.SendBatch(context.Background(), tmpl, ps)
	reqs := mg.Requests()
	if len(reqs) != 5 {
		t.Fatalf("%d calls, want one per recipient", len(reqs))
	}
	for i, r := range reqs {
		if len(r.To) != 1 || len(r.Attachments) != 1 || !strings.Contains(string(r.Attachments[0].Data), "token=w"+strconv.Itoa(i)) {
			t.Errorf("call %d: %v, %d attachments", i, r.To, len(r.Attachments))
		}
	}
	checkDelivered(t, mg, tmpl, ps, results)
}

func TestSendBatchFailures(t *testing.T) {
	t.Run("a failed call fails its recipients alike", func(t *testing.T) {
		mg := notifytest.NewMailgun(t, apiKey, domain)
		p := newProvider(t, mg.URL(), nil)
		mg.FailNext(1, http.StatusServiceUnavailable)
		ps := recipients(1200)
		for i := range ps {
			ps[i].Track, ps[i].OpenPixelURL = nil, "" // one shape: calls of 1,000 and 200
		}
		results := p.SendBatch(context.Background(), notice(t, onair.KindReminder), ps)
		for i, r := range results {
			if failed := i < mailgun.MaxBatch; failed != (r.Err != nil) || failed && notify.IsPermanent(r.Err) {
				t.Fatalf("recipient %d: %v", i, r.Err)
			}
		}
	})
	t.Run("a 429 holds back every later call", func(t *testing.T) {
		mg := notifytest.NewMailgun(t, apiKey, domain)
		clock := notifytest.NewClock(time.Date(2026, 12, 15, 9, 0, 0, 0, time.UTC))
		p := newProvider(t, mg.URL(), func(c *mailgun.Config) { c.Now = clock.Now })
		mg.ThrottleNext(1, 30*time.Second)
		tmpl := notice(t, onair.KindReminder)
		results := p.SendBatch(context.Background(), tmpl, recipients(3000))
		if n := len(mg.Requests()); n != 1 {
			t.Fatalf("%d calls reached Mailgun after its 429, want only the one answered so", n)
		}
		for i, r := range results {
			if r.Err == nil || notify.IsPermanent(r.Err) || notify.RetryAfter(r.Err) != 30*time.Second {
				t.Fatalf("recipient %d: %v, want a transient error to retry in 30s", i, r.Err)
			}
		}
		clock.Advance(30 * time.Second)
		ps := recipients(3)
		checkDelivered(t, mg, tmpl, ps, p.SendBatch(context.Background(), tmpl, ps))
	})
	t.Run("an address Mailgun refuses fails on its own", func(t *testing.T) {
		mg := notifytest.NewMailgun(t, apiKey, domain)
		p := newProvider(t, mg.URL(), nil)
		mg.RejectRecipient("viewer4@example.com")
		ps := recipients(10)
		results := p.SendBatch(context.Background(), notice(t, onair.KindReminder), ps)
		for i, r := range results {
			if bad := i == 4; bad != (r.Err != nil) || bad && !notify.IsPermanent(r.Err) {
				t.Errorf("recipient %d: %v", i, r.Err)
			}
		}
		if n := len(mg.Messages()); n != 9 {
			t.Errorf("%d delivered, want 9", n)
		}
	})
	t.Run("a message that cannot be rendered fails on its own", func(t *testing.T) {
		mg := notifytest.NewMailgun(t, apiKey, domain)
		p := newProvider(t, mg.URL(), nil)
		ps := recipients(6)
		ps[1].UnsubscribeURL = ""
		ps[2].Registration.Email = "not an address"
		ps[3].Registration.Email = "Named <viewer3@example.com>"
		results := p.SendBatch(context.Background(), notice(t, onair.KindReminder), ps)
		for i, r := range results {
			if bad := i >= 1 && i <= 3; bad != (r.Err != nil) || bad && !notify.IsPermanent(r.Err) {
				t.Errorf("recipient %d: %v", i, r.Err)
			}
		}
		if n := len(mg.Messages()); n != 3 {
			t.Errorf("%d delivered, want 3", n)
		}
	})
}

func TestSendBatchEdges(t *testing.T) {
	t.Run("one address twice goes in two calls", func(t *testing.T) {
		mg := notifytest.NewMailgun(t, apiKey, domain)
		p := newProvider(t, mg.URL(), nil)
		ps := recipients(4)
		for i := range ps {
			ps[i].Track, ps[i].OpenPixelURL = nil, ""
		}
		ps[3].Registration.Email = "VIEWER0@example.com"
		results := p.SendBatch(context.Background(), notice(t, onair.KindReminder), ps)
		if n := len(mg.Requests()); n != 2 {
			t.Errorf("%d calls, want 2", n)
		}
		for i, r := range results {
			if r.Err != nil {
				t.Errorf("recipient %d: %v", i, r.Err)
			}
		}
		var unsub []string
		for _, m := range mg.Messages() {
			if strings.EqualFold(m.To, "viewer0@example.com") {
				unsub = append(unsub, m.Headers["List-Unsubscribe"])
			}
		}
		if len(unsub) != 2 || unsub[0] == unsub[1] {
			t.Errorf("viewer0's two registrations received %v", unsub)
		}
	})
	t.Run("a host's text that reads like a variable is sent as written", func(t *testing.T) {
		mg := notifytest.NewMailgun(t, apiKey, domain)
		p := newProvider(t, mg.URL(), nil)
		start := time.Date(2026, 12, 15, 14, 0, 0, 0, time.UTC)
		tmpl, err := notify.PrepareEmail(notify.Notice{Kind: onair.KindStartingNow,
			Event: onair.Event{ID: "ev-2", Title: "Win %recipient.unsubscribe%", ScheduledStart: start, Timezone: "UTC"},
			From:  notify.NewSender(onair.HostSettings{}, "Onair Live <no-reply@mg.onair.example>")})
		if err != nil {
			t.Fatal(err)
		}
		ps := recipients(3)
		results := p.SendBatch(context.Background(), tmpl, ps)
		if n := len(mg.Requests()); n != 3 {
			t.Errorf("%d calls, want one per recipient", n)
		}
		for _, m := range mg.Messages() {
			if !strings.Contains(m.Subject, "%recipient.unsubscribe%") {
				t.Errorf("subject %q lost the host's text", m.Subject)
			}
		}
		checkDelivered(t, mg, tmpl, ps, results)
	})
	t.Run("a bad key fails every recipient without a retry one by one", func(t *testing.T) {
		mg := notifytest.NewMailgun(t, apiKey, domain)
		p := newProvider(t, mg.URL(), func(c *mailgun.Config) { c.APIKey = "wrong" })
		results := p.SendBatch(context.Background(), notice(t, onair.KindReminder), recipients(8))
		if n := len(mg.Requests()); n != 2 {
			t.Errorf("%d calls, want one per email", n)
		}
		for i, r := range results {
			if !notify.IsPermanent(r.Err) {
				t.Errorf("recipient %d: %v", i, r.Err)
			}
		}
	})
}

// filtered shows only the messages to addresses starting with prefix.
type filtered struct {
	*notifytest.Mailgun
	prefix string
}

func (f *filtered) Messages() []notifytest.MailgunMessage {
	var out []notifytest.MailgunMessage
	for _, m := range f.Mailgun.Messages() {
		if strings.HasPrefix(m.To, f.prefix) {
			out = append(out, m)
		}
	}
	return out
}

package mailgun_test

import (
	"context"
	"errors"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/notify/mailgun"
	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/onair"
)

const (
	apiKey = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
	domain = "mg.onair.example"
	ics    = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
)

func message() notify.Message {
	return notify.Message{
		Channel: onair.ChannelEmail,
		To:      "viewer@example.com",
		Subject: "Rappel : « Lancement » démarre dans 1 heure 🎬",
		Text:    "Bonjour Zoë,\nOn commence à 9:00.\n",
		HTML:    "<p>Bonjour Zoë, on commence à <b>9:00</b>.</p>",
		Headers: []notify.Header{
			{Name: "List-Unsubscribe", Value: "<https://onair.example/u/tok123>"},
			{Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click"},
		},
		Attachments: []notify.Attachment{{
			Filename: "lancement.ics", ContentType: "text/calendar; charset=utf-8; method=REQUEST", Data: []byte(ics),
		}},
		DeliveryID: 4242,
	}
}

func newProvider(t *testing.T, base string, change func(*mailgun.Config)) *mailgun.Provider {
	t.Helper()
	cfg := mailgun.Config{APIKey: apiKey, Domain: domain, BaseURL: base,
		From: "Onair Live <no-reply@mg.onair.example>", Timeout: mailgun.DefaultTimeout}
	if change != nil {
		change(&cfg)
	}
	p, err := mailgun.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSendDeliversEveryField(t *testing.T) {
	mg := notifytest.NewMailgun(t, apiKey, domain)
	p := newProvider(t, mg.URL(), nil)
	m := message()
	id, err := p.Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	reqs := mg.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	got := reqs[0]
	if id == "" || id != got.ID {
		t.Errorf("id %q, Mailgun answered %q", id, got.ID)
	}
	if got.ContentType != "multipart/form-data" {
		t.Errorf("content type %q", got.ContentType)
	}
	fields := map[string][2]string{
		"from":                    {got.From, "Onair Live <no-reply@mg.onair.example>"},
		"to":                      {strings.Join(got.To, ","), "viewer@example.com"},
		"subject":                 {got.Subject, m.Subject},
		"text":                    {got.Text, m.Text},
		"html":                    {got.HTML, m.HTML},
		"h:List-Unsubscribe":      {got.Headers["List-Unsubscribe"], "<https://onair.example/u/tok123>"},
		"h:List-Unsubscribe-Post": {got.Headers["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click"},
		"h:X-Onair-Delivery":      {got.Headers["X-Onair-Delivery"], "4242"},
		"v:onair-delivery":        {got.Variables["onair-delivery"], "4242"},
	}
	for name, f := range fields {
		if f[0] != f[1] {
			t.Errorf("%s = %q, want %q", name, f[0], f[1])
		}
	}
	if len(got.Attachments) != 1 {
		t.Fatalf("%d attachments", len(got.Attachments))
	}
	a := got.Attachments[0]
	if a.Filename != "lancement.ics" || a.ContentType != "text/calendar; charset=utf-8; method=REQUEST" || string(a.Data) != ics {
		t.Errorf("attachment %q %q %q", a.Filename, a.ContentType, a.Data)
	}
}

func TestSendPresentsTheHost(t *testing.T) {
	mg := notifytest.NewMailgun(t, apiKey, domain)
	p := newProvider(t, mg.URL(), nil)
	m := message()
	m.FromName = "Société Acme, Inc."
	m.Headers = append(m.Headers, notify.Header{Name: "Reply-To", Value: "team@acme.example"})
	if _, err := p.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := mg.Requests()[0]
	from, err := mail.ParseAddress(got.From)
	if err != nil {
		t.Fatalf("from %q: %v", got.From, err)
	}
	// The host's name at EMAIL_FROM's address, which is the domain's.
	if from.Name != m.FromName || from.Address != "no-reply@mg.onair.example" {
		t.Errorf("from %q, want %q at no-reply@mg.onair.example", got.From, m.FromName)
	}
	if r := got.Headers["Reply-To"]; r != "team@acme.example" {
		t.Errorf("h:Reply-To %q", r)
	}
	t.Run("a line break in the name is refused", func(t *testing.T) {
		m := message()
		m.FromName = "Acme\r\nBcc: victim@example.com"
		if _, err := p.Send(context.Background(), m); !notify.IsPermanent(err) {
			t.Errorf("err %v, want permanent", err)
		}
		if n := len(mg.Requests()); n != 1 {
			t.Errorf("%d requests reached Mailgun", n)
		}
	})
}

func TestSendFailures(t *testing.T) {
	tests := []struct {
		name           string
		setup          func(*notifytest.Mailgun)
		config         func(*mailgun.Config)
		change         func(*notify.Message)
		wantPermanent  bool
		wantRetryAfter time.Duration
		wantInError    string
		wantRequests   int
	}{
		{name: "wrong API key is permanent", config: func(c *mailgun.Config) { c.APIKey = "key-wrong-0123456789" },
			wantPermanent: true, wantInError: "401", wantRequests: 1},
		{name: "unknown domain is permanent", config: func(c *mailgun.Config) { c.Domain = "other.example" },
			wantPermanent: true, wantInError: "Domain not found", wantRequests: 1},
		{name: "a refused recipient is permanent", setup: func(m *notifytest.Mailgun) { m.RejectRecipient("viewer@example.com") },
			wantPermanent: true, wantInError: "not a valid address", wantRequests: 1},
		{name: "429 is transient and honours Retry-After", setup: func(m *notifytest.Mailgun) { m.ThrottleNext(1, 17*time.Second) },
			wantRetryAfter: 17 * time.Second, wantInError: "429", wantRequests: 1},
		{name: "500 is transient", setup: func(m *notifytest.Mailgun) { m.FailNext(1, 500) },
			wantInError: "500", wantRequests: 1},
		{name: "503 is transient", setup: func(m *notifytest.Mailgun) { m.FailNext(1, 503) },
			wantInError: "503", wantRequests: 1},
		{name: "a slow answer times out, transient", setup: func(m *notifytest.Mailgun) { m.Delay(2 * time.Second) },
			config: func(c *mailgun.Config) { c.Timeout = 100 * time.Millisecond }, wantInError: "deadline", wantRequests: -1},
		{name: "CR/LF in a header is permanent and not sent",
			change:        func(m *notify.Message) { m.Headers[0].Value = "<https://x>\r\nBcc: victim@example.com" },
			wantPermanent: true, wantInError: "line break"},
		{name: "LF in the subject is permanent and not sent",
			change: func(m *notify.Message) { m.Subject = "a\nb" }, wantPermanent: true},
		{name: "an SMS is refused", change: func(m *notify.Message) { m.Channel = onair.ChannelSMS }, wantPermanent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mg := notifytest.NewMailgun(t, apiKey, domain)
			if tt.setup != nil {
				tt.setup(mg)
			}
			p := newProvider(t, mg.URL(), tt.config)
			m := message()
			if tt.change != nil {
				tt.change(&m)
			}
			start := time.Now()
			_, err := p.Send(context.Background(), m)
			var se *notify.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *notify.SendError", err)
			}
			if se.Permanent != tt.wantPermanent || se.RetryAfter != tt.wantRetryAfter || se.Suppress {
				t.Errorf("permanent %v retry-after %v suppress %v, want %v %v false: %v",
					se.Permanent, se.RetryAfter, se.Suppress, tt.wantPermanent, tt.wantRetryAfter, err)
			}
			if !strings.Contains(err.Error(), tt.wantInError) {
				t.Errorf("error %q does not mention %q", err, tt.wantInError)
			}
			if strings.Contains(err.Error(), "key-") {
				t.Errorf("error reveals the API key: %v", err)
			}
			if n := len(mg.Requests()); tt.wantRequests >= 0 && n != tt.wantRequests {
				t.Errorf("%d requests, want %d", n, tt.wantRequests)
			}
			if time.Since(start) > 1500*time.Millisecond {
				t.Errorf("took %v", time.Since(start))
			}
		})
	}
}

func TestSendHonoursRetryAfter(t *testing.T) {
	mg := notifytest.NewMailgun(t, apiKey, domain)
	clock := notifytest.NewClock(time.Date(2026, 12, 15, 9, 0, 0, 0, time.UTC))
	mg.SetClock(clock.Now)
	p := newProvider(t, mg.URL(), func(c *mailgun.Config) { c.Now = clock.Now })
	mg.ThrottleNext(1, 2*time.Second)
	_, err := p.Send(context.Background(), message())
	if err == nil || notify.IsPermanent(err) || notify.RetryAfter(err) != 2*time.Second {
		t.Fatalf("first send: %v", err)
	}
	clock.Advance(1500 * time.Millisecond)
	if _, err := p.Send(context.Background(), message()); err == nil || notify.IsPermanent(err) || notify.RetryAfter(err) != 500*time.Millisecond {
		t.Fatalf("send inside the wait: %v, want a transient error with 500ms left", err)
	}
	if n := len(mg.Requests()); n != 1 {
		t.Fatalf("%d requests reached Mailgun, want only the first", n)
	}
	clock.Advance(500 * time.Millisecond)
	id, err := p.Send(context.Background(), message())
	if err != nil || id == "" {
		t.Fatalf("send after the wait: %q, %v", id, err)
	}
	reqs := mg.Requests()
	if gap := reqs[1].Time.Sub(reqs[0].Time); len(reqs) != 2 || gap < 2*time.Second {
		t.Errorf("second request %v after the 429, want at least 2s", gap)
	}
}

func TestSendNetworkErrorIsTransient(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	_ = ln.Close()
	p := newProvider(t, base, nil)
	if _, err := p.Send(context.Background(), message()); err == nil || notify.IsPermanent(err) {
		t.Errorf("err = %v, want transient", err)
	}
}

func TestNewAndConfig(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	t.Run("unset is not configured", func(t *testing.T) {
		if _, err := mailgun.ConfigFromEnv(env(nil)); !errors.Is(err, mailgun.ErrNotConfigured) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("half set is an error", func(t *testing.T) {
		_, err := mailgun.ConfigFromEnv(env(map[string]string{"MAILGUN_DOMAIN": domain}))
		if err == nil || errors.Is(err, mailgun.ErrNotConfigured) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("region and sender", func(t *testing.T) {
		cfg, err := mailgun.ConfigFromEnv(env(map[string]string{"MAILGUN_API_KEY": apiKey, "MAILGUN_DOMAIN": domain,
			"MAILGUN_API_BASE": "https://api.eu.mailgun.net", "EMAIL_FROM": "a@mg.onair.example"}))
		if err != nil || cfg.BaseURL != "https://api.eu.mailgun.net" || cfg.From != "a@mg.onair.example" {
			t.Fatalf("cfg %+v, err %v", cfg, err)
		}
		if _, err := mailgun.New(cfg); err != nil {
			t.Error(err)
		}
	})
	for name, cfg := range map[string]mailgun.Config{
		"no key":          {Domain: domain},
		"domain with a /": {APIKey: apiKey, Domain: "a/b"},
		"bad base":        {APIKey: apiKey, Domain: domain, BaseURL: "ftp://x"},
		"bad from":        {APIKey: apiKey, Domain: domain, From: "nobody"},
	} {
		t.Run("New refuses "+name, func(t *testing.T) {
			if _, err := mailgun.New(cfg); err == nil {
				t.Error("no error")
			}
		})
	}
}

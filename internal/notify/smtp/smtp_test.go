package smtp_test

import (
	"context"
	"errors"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/notify/smtp"
	"github.com/onair-live/onair/internal/onair"
)

const ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:ev-1@onair\r\nSUMMARY:Lancement\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

// message is a rendered reminder with everything a real one carries.
func message() notify.Message {
	return notify.Message{
		Channel: onair.ChannelEmail,
		To:      "viewer@example.com",
		Subject: "Rappel : « Lancement » démarre dans 1 heure 🎬",
		Text:    "Bonjour Zoë,\nOn commence à 9:00 (heure de Paris).\nhttps://onair.example/watch/1?token=abc\n",
		HTML:    "<p>Bonjour Zoë, on commence à <b>9:00</b>.</p>\n<p><a href=\"https://onair.example/watch/1?token=abc\">Regarder</a></p>\n",
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

// newProvider returns a provider pointed at srv, closed at the end of the
// test.
func newProvider(t testing.TB, srv *notifytest.SMTPServer, change func(*smtp.Config)) *smtp.Provider {
	t.Helper()
	cfg := smtp.Config{
		Host: srv.Host(), Port: srv.Port(), From: "Onair Live <no-reply@onair.example>",
		Conns: 2, Timeout: 5 * time.Second, TLSConfig: srv.ClientTLSConfig(),
	}
	if change != nil {
		change(&cfg)
	}
	p, err := smtp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func lf(b []byte) string { return strings.ReplaceAll(string(b), "\r\n", "\n") }

func TestSendDeliversEveryField(t *testing.T) {
	bothExchanges(t, func(t *testing.T, exchange func(*smtp.Provider)) {
		srv := notifytest.NewSMTPServer(t)
		p := newProvider(t, srv, nil)
		exchange(p)
		m := message()
		id, err := p.Send(context.Background(), m)
		if err != nil {
			t.Fatal(err)
		}
		got := srv.WaitFor(1, 5*time.Second)[0]

		t.Run("envelope", func(t *testing.T) {
			if got.From != "no-reply@onair.example" || len(got.To) != 1 || got.To[0] != "viewer@example.com" {
				t.Errorf("envelope %q → %q", got.From, got.To)
			}
		})
		t.Run("the provider id is the Message-ID", func(t *testing.T) {
			if id == "" || got.Header.Get("Message-ID") != id || !strings.HasSuffix(id, "@onair.example>") ||
				!strings.Contains(id, ".4242.") {
				t.Errorf("id %q, Message-ID %q", id, got.Header.Get("Message-ID"))
			}
		})
		t.Run("headers", func(t *testing.T) {
			want := map[string]string{
				"From":                  `"Onair Live" <no-reply@onair.example>`,
				"To":                    "<viewer@example.com>",
				"List-Unsubscribe":      "<https://onair.example/u/tok123>",
				"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
				"X-Onair-Delivery":      "4242",
				"Mime-Version":          "1.0",
			}
			for name, v := range want {
				if g := got.DecodedHeader(name); g != v {
					t.Errorf("%s: %q, want %q", name, g, v)
				}
			}
			if got.Header.Get("Date") == "" {
				t.Error("no Date")
			}
		})
		t.Run("the non-ASCII subject is encoded, and decodes to the original", func(t *testing.T) {
			raw := got.Header.Get("Subject")
			if !strings.Contains(raw, "=?UTF-8?") {
				t.Errorf("raw Subject %q is not RFC 2047", raw)
			}
			if got.Subject() != m.Subject {
				t.Errorf("Subject() = %q, want %q", got.Subject(), m.Subject)
			}
			head, _, _ := strings.Cut(string(got.Data), "\r\n\r\n")
			for _, line := range strings.Split(head, "\r\n") {
				for _, r := range line {
					if r > 126 {
						t.Fatalf("raw header line is not ASCII: %q", line)
					}
				}
				if len(line) > 998 {
					t.Fatalf("header line of %d octets", len(line))
				}
			}
		})
		t.Run("text and HTML are alternatives, the .ics is attached", func(t *testing.T) {
			parts, err := got.Parts()
			if err != nil {
				t.Fatal(err)
			}
			if len(parts) != 3 {
				t.Fatalf("%d parts: %+v", len(parts), parts)
			}
			text, html, cal := parts[0], parts[1], parts[2]
			alt := "multipart/mixed,multipart/alternative"
			if text.MediaType != "text/plain" || strings.Join(text.Within, ",") != alt || lf(text.Body) != m.Text ||
				!strings.EqualFold(text.Params["charset"], "utf-8") {
				t.Errorf("text part %s %v %v: %q", text.MediaType, text.Within, text.Params, text.Body)
			}
			if html.MediaType != "text/html" || strings.Join(html.Within, ",") != alt || lf(html.Body) != m.HTML {
				t.Errorf("html part %s %v: %q", html.MediaType, html.Within, html.Body)
			}
			if cal.MediaType != "text/calendar" || cal.Params["method"] != "REQUEST" || cal.Disposition != "attachment" ||
				cal.Filename != "lancement.ics" || string(cal.Body) != ics {
				t.Errorf("calendar part %s %v %s %q: %q", cal.MediaType, cal.Params, cal.Disposition, cal.Filename, cal.Body)
			}
		})
	})
}

func TestSendPresentsTheHost(t *testing.T) {
	srv := notifytest.NewSMTPServer(t)
	p := newProvider(t, srv, nil)
	names := map[string]string{
		"ASCII":        "Acme Launches",
		"with a comma": "Acme, Inc.",
		"with a quote": `The "Best" Show`,
		"non-ASCII":    "Société Générale 日本 🚀",
		"EMAIL_FROM's": "",
	}
	for what, name := range names {
		t.Run(what, func(t *testing.T) {
			m := message()
			m.FromName = name
			m.Headers = append(m.Headers, notify.Header{Name: "Reply-To", Value: "team@acme.example"})
			before := srv.Count()
			if _, err := p.Send(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			got := srv.WaitFor(before+1, 5*time.Second)[before]
			from, err := mail.ParseAddress(got.DecodedHeader("From"))
			if err != nil {
				t.Fatalf("From %q: %v", got.Header.Get("From"), err)
			}
			want := name
			if want == "" {
				want = "Onair Live"
			}
			// The name is the host's, the address always EMAIL_FROM's:
			// the one its domain's SPF and DKIM vouch for.
			if from.Name != want || from.Address != "no-reply@onair.example" || got.From != "no-reply@onair.example" {
				t.Errorf("From %q (envelope %q), want %q <no-reply@onair.example>", got.DecodedHeader("From"), got.From, want)
			}
			if r := got.Header.Get("Reply-To"); r != "<team@acme.example>" {
				t.Errorf("Reply-To %q", r)
			}
		})
	}
}

func TestSendAuthenticatesAndEncrypts(t *testing.T) {
	tests := []struct {
		name     string
		opts     []notifytest.SMTPOption
		implicit bool
		wantTLS  bool
	}{
		{"AUTH PLAIN", []notifytest.SMTPOption{notifytest.WithAuth("relay", "pw")}, false, false},
		{"AUTH LOGIN when PLAIN is not offered",
			[]notifytest.SMTPOption{notifytest.WithAuth("relay", "pw"), notifytest.WithAuthMechanisms("LOGIN")}, false, false},
		{"STARTTLS when offered, then AUTH",
			[]notifytest.SMTPOption{notifytest.WithAuth("relay", "pw"), notifytest.WithSTARTTLS()}, false, true},
		{"implicit TLS (smtps)", []notifytest.SMTPOption{notifytest.WithAuth("relay", "pw"), notifytest.WithImplicitTLS()}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := notifytest.NewSMTPServer(t, tt.opts...)
			p := newProvider(t, srv, func(c *smtp.Config) {
				c.Username, c.Password, c.ImplicitTLS = "relay", "pw", tt.implicit
			})
			if _, err := p.Send(context.Background(), message()); err != nil {
				t.Fatal(err)
			}
			got := srv.WaitFor(1, 5*time.Second)[0]
			if got.Username != "relay" || got.TLS != tt.wantTLS {
				t.Errorf("Username %q, TLS %v; want relay, %v", got.Username, got.TLS, tt.wantTLS)
			}
		})
	}
	t.Run("configured from the server's SMTP_URL", func(t *testing.T) {
		srv := notifytest.NewSMTPServer(t, notifytest.WithAuth("relay", "p@ss:w/rd"), notifytest.WithImplicitTLS())
		cfg, err := smtp.ConfigFromEnv(env{"SMTP_URL": srv.URL(), "EMAIL_FROM": "a@onair.example"}.get)
		if err != nil {
			t.Fatal(err)
		}
		cfg.TLSConfig = srv.ClientTLSConfig()
		p, err := smtp.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		if _, err := p.Send(context.Background(), message()); err != nil {
			t.Fatal(err)
		}
		if got := srv.WaitFor(1, 5*time.Second)[0]; !got.TLS || got.Username != "relay" {
			t.Errorf("TLS %v, Username %q", got.TLS, got.Username)
		}
	})
}

func TestSendFailures(t *testing.T) {
	const password = "s3cret-Passw0rd"
	tests := []struct {
		name          string
		opts          []notifytest.SMTPOption
		config        func(*smtp.Config)
		setup         func(*notifytest.SMTPServer)
		change        func(*notify.Message)
		wantPermanent bool
		wantSuppress  bool
		wantInError   string
	}{
		{name: "wrong password is permanent",
			opts:          []notifytest.SMTPOption{notifytest.WithAuth("relay", "right")},
			config:        func(c *smtp.Config) { c.Username, c.Password = "relay", password },
			wantPermanent: true, wantInError: "535"},
		{name: "user name for a server without AUTH is permanent",
			config:        func(c *smtp.Config) { c.Username, c.Password = "relay", password },
			wantPermanent: true, wantInError: "offers no AUTH"},
		{name: "550 no such user is permanent and suppresses",
			setup:         func(s *notifytest.SMTPServer) { s.FailRecipient("viewer@example.com", 550) },
			wantPermanent: true, wantSuppress: true, wantInError: "550"},
		{name: "551 user not local suppresses",
			setup:         func(s *notifytest.SMTPServer) { s.FailRecipient("viewer@example.com", 551) },
			wantPermanent: true, wantSuppress: true},
		{name: "553 mailbox name not allowed suppresses",
			setup:         func(s *notifytest.SMTPServer) { s.FailRecipient("viewer@example.com", 553) },
			wantPermanent: true, wantSuppress: true},
		{name: "552 mailbox full is permanent without suppressing",
			setup:         func(s *notifytest.SMTPServer) { s.FailRecipient("viewer@example.com", 552) },
			wantPermanent: true},
		{name: "452 at RCPT is transient",
			setup: func(s *notifytest.SMTPServer) { s.FailAllRecipients(452) }, wantInError: "452"},
		{name: "421 at MAIL is transient",
			setup: func(s *notifytest.SMTPServer) { s.FailNext(1) }, wantInError: "421"},
		{name: "CR/LF in a header value is permanent",
			change:        func(m *notify.Message) { m.Headers[0].Value = "<https://x>\r\nBcc: victim@example.com" },
			wantPermanent: true, wantInError: "line break"},
		{name: "LF in the subject is permanent",
			change: func(m *notify.Message) { m.Subject = "Hi\nBcc: victim@example.com" }, wantPermanent: true},
		{name: "CR in the recipient is permanent",
			change: func(m *notify.Message) { m.To = "viewer@example.com\rRCPT TO:<x@y>" }, wantPermanent: true},
		{name: "a header the provider owns is permanent",
			change:        func(m *notify.Message) { m.Headers = append(m.Headers, notify.Header{Name: "From", Value: "x@y"}) },
			wantPermanent: true},
		{name: "an invalid recipient is permanent",
			change: func(m *notify.Message) { m.To = "not an address" }, wantPermanent: true},
		{name: "LF in the sender's name is permanent",
			change: func(m *notify.Message) { m.FromName = "Acme\nBcc: victim@example.com" }, wantPermanent: true},
		{name: "a Reply-To that is not an address is permanent",
			change: func(m *notify.Message) {
				m.Headers = append(m.Headers, notify.Header{Name: "Reply-To", Value: "not an address"})
			}, wantPermanent: true},
		{name: "an SMS is refused",
			change: func(m *notify.Message) { m.Channel = onair.ChannelSMS }, wantPermanent: true},
	}
	bothExchanges(t, func(t *testing.T, exchange func(*smtp.Provider)) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				srv := notifytest.NewSMTPServer(t, tt.opts...)
				if tt.setup != nil {
					tt.setup(srv)
				}
				p := newProvider(t, srv, tt.config)
				exchange(p)
				m := message()
				if tt.change != nil {
					tt.change(&m)
				}
				_, err := p.Send(context.Background(), m)
				var se *notify.SendError
				if !errors.As(err, &se) {
					t.Fatalf("err = %v, want a *notify.SendError", err)
				}
				if se.Permanent != tt.wantPermanent || se.Suppress != tt.wantSuppress {
					t.Errorf("permanent %v suppress %v, want %v %v: %v", se.Permanent, se.Suppress, tt.wantPermanent, tt.wantSuppress, err)
				}
				if !strings.Contains(err.Error(), tt.wantInError) {
					t.Errorf("error %q does not mention %q", err, tt.wantInError)
				}
				if strings.Contains(err.Error(), password) {
					t.Errorf("error reveals the password: %v", err)
				}
				if tt.change != nil && srv.Connections() != 0 {
					t.Errorf("a refused message opened %d connections", srv.Connections())
				}
			})
		}
	})
}

func TestSendTransientThenSuccess(t *testing.T) {
	bothExchanges(t, func(t *testing.T, exchange func(*smtp.Provider)) {
		srv := notifytest.NewSMTPServer(t)
		p := newProvider(t, srv, nil)
		exchange(p)
		srv.FailNext(1)
		_, err := p.Send(context.Background(), message())
		if err == nil || notify.IsPermanent(err) {
			t.Fatalf("first send: %v, want a transient error", err)
		}
		if _, err := p.Send(context.Background(), message()); err != nil {
			t.Fatalf("second send: %v", err)
		}
		if srv.Count() != 1 || srv.Connections() != 2 {
			t.Errorf("count %d, connections %d: want 1 message and a new connection after the 421", srv.Count(), srv.Connections())
		}
	})
}

func TestSendTimeouts(t *testing.T) {
	bothExchanges(t, func(t *testing.T, exchange func(*smtp.Provider)) {
		t.Run("the provider's timeout ends a stalled send", func(t *testing.T) {
			srv := notifytest.NewSMTPServer(t)
			srv.DelayData(3 * time.Second)
			p := newProvider(t, srv, func(c *smtp.Config) { c.Timeout = 200 * time.Millisecond })
			exchange(p)
			start := time.Now()
			_, err := p.Send(context.Background(), message())
			if err == nil || notify.IsPermanent(err) || time.Since(start) > 2*time.Second {
				t.Errorf("err %v after %v, want a transient error within the timeout", err, time.Since(start))
			}
		})
		t.Run("the caller's context ends a stalled send", func(t *testing.T) {
			srv := notifytest.NewSMTPServer(t)
			srv.DelayData(3 * time.Second)
			p := newProvider(t, srv, nil)
			exchange(p)
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := p.Send(ctx, message())
			if !errors.Is(err, context.DeadlineExceeded) || notify.IsPermanent(err) || time.Since(start) > 2*time.Second {
				t.Errorf("err %v after %v, want a transient deadline error", err, time.Since(start))
			}
		})
		t.Run("an unreachable server is transient", func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().(*net.TCPAddr)
			_ = ln.Close()
			p, err := smtp.New(smtp.Config{Host: "127.0.0.1", Port: addr.Port, Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if _, err := p.Send(context.Background(), message()); err == nil || notify.IsPermanent(err) {
				t.Errorf("err %v, want transient", err)
			}
		})
	})
}

type env map[string]string

func (e env) get(k string) string { return e[k] }

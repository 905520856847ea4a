package redact

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"an SMTP server echoing the recipient", "smtp: 550 5.1.1 <ada@example.com>: No such user here",
			"smtp: 550 5.1.1 <[email]>: No such user here"},
		{"a tagged, dotted address", "to first.last+tag@mail.example.co.uk failed", "to [email] failed"},
		{"an international domain", "rcpt jürgen@bücher.de", "rcpt [email]"},
		{"an address in a URL, and what is glued to it", "POST /v3/x?to=ada%40example.com: 400", "POST [email]: 400"},
		{"Twilio naming the number", "twilio: 21211 The 'To' number +15005550001 is not a valid phone number.",
			"twilio: 21211 The 'To' number [phone] is not a valid phone number."},
		{"a number written with spaces and brackets", "call +1 (415) 555-0100 now", "call [phone] now"},
		{"a number without its plus", "to 4420794609580 refused", "to [phone] refused"},
		{"a watch token", "token=Vq3Hk1cLQ2mXyUeA9bT7_wPz0nRdS4Fo5gJiKlMnOpQ",
			"token=[token]"},
		{"an API token", "Bearer onair_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "Bearer [token]"},
		{"an unsubscribe token", "/u/3q2-7wEAAABBBCCCDDDEEE.Zm9vYmFyYmF6cXV4cXV1eA", "/u/[token].[token]"},
		{"ids stay", "notification 3f2a9c1e-0b7d-4c6e-9a85-1d2e3f4a5b6c of event 0e1d2c3b-4a59-4687-9a6b-5c4d3e2f1a0b",
			"notification 3f2a9c1e-0b7d-4c6e-9a85-1d2e3f4a5b6c of event 0e1d2c3b-4a59-4687-9a6b-5c4d3e2f1a0b"},
		{"small numbers, times and words stay", "delivery 1234 retried in 4s at 2026-12-15T14:00:00Z after 1.234567s (job_id=77, attempt 3) SQLSTATE 40001",
			"delivery 1234 retried in 4s at 2026-12-15T14:00:00Z after 1.234567s (job_id=77, attempt 3) SQLSTATE 40001"},
		{"unix microseconds stay", "at 1796392800000000", "at 1796392800000000"},
		{"a lone at sign", "meet @ noon, user@ or @host", "meet @ noon, user@ or @host"},
		{"a long plain word stays", "internationalization", "internationalization"},
		{"nothing to do", "recording outcomes failed; trying again", "recording outcomes failed; trying again"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := String(tt.in); got != tt.want {
				t.Errorf("String(%q)\n = %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(Handler(slog.NewTextHandler(&buf, nil)))
	log = log.With("to", "ada@example.com")
	log.WithGroup("send").Warn("failed for +15005550001",
		"err", errors.New("550 <bob@example.org> unknown"),
		"token", "Vq3Hk1cLQ2mXyUeA9bT7_wPz0nRdS4Fo5gJiKlMnOpQ",
		slog.Group("viewer", "phone", "+442079460958", "id", 7),
		"attempts", 3,
		"list", []string{"carol@example.net"},
	)
	out := buf.String()
	for _, secret := range []string{"ada@", "bob@", "carol@", "5550001", "2079460958", "Vq3Hk1c"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log line shows %q:\n%s", secret, out)
		}
	}
	for _, kept := range []string{"failed for [phone]", "send.attempts=3", "send.viewer.id=7", "to=[email]"} {
		if !strings.Contains(out, kept) {
			t.Errorf("the log line lacks %q:\n%s", kept, out)
		}
	}
}

func FuzzString(f *testing.F) {
	for _, s := range []string{"ada@example.com", "+15005550001", "a@b.c d@e", "%40%40@", "+1 (2) 3-4.5 6 7 8 9 0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := String(s)
		if again := String(out); again != out {
			t.Fatalf("String is not stable: %q → %q → %q", s, out, again)
		}
		if strings.Contains(s, "@") && strings.Count(out, "@") > strings.Count(s, "@") {
			t.Fatalf("String(%q) = %q adds an '@'", s, out)
		}
	})
}

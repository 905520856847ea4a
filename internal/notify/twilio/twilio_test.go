package twilio_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/notify/twilio"
	"github.com/onair-live/onair/internal/onair"
)

const (
	accountSID = "AC0123456789abcdef0123456789abcdef"
	authToken  = "tok-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
	fromNumber = "+14155550199"
)

func message() notify.Message {
	return notify.Message{
		Channel:    onair.ChannelSMS,
		To:         "+14155550100",
		Text:       "Lancement starts in 1 hour (9:00 AM EST) 🎬 https://onair.example/w/1?t=abc Reply STOP to opt out",
		DeliveryID: 77,
	}
}

func newProvider(t *testing.T, base string, change func(*twilio.Config)) *twilio.Provider {
	t.Helper()
	cfg := twilio.Config{AccountSID: accountSID, AuthToken: authToken, From: fromNumber, BaseURL: base, Timeout: 5 * time.Second}
	if change != nil {
		change(&cfg)
	}
	p, err := twilio.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSendDeliversEveryField(t *testing.T) {
	t.Run("from a number", func(t *testing.T) {
		tw := notifytest.NewTwilio(t, accountSID, authToken)
		p := newProvider(t, tw.URL(), nil)
		sid, err := p.Send(context.Background(), message())
		if err != nil {
			t.Fatal(err)
		}
		reqs := tw.Requests()
		if len(reqs) != 1 {
			t.Fatalf("%d requests", len(reqs))
		}
		got := reqs[0]
		if sid != got.SID || len(sid) != 34 || !strings.HasPrefix(sid, "SM") {
			t.Errorf("sid %q, Twilio answered %q", sid, got.SID)
		}
		if got.AccountSID != accountSID || got.To != "+14155550100" || got.From != fromNumber ||
			got.Body != message().Text || got.MessagingServiceSID != "" {
			t.Errorf("recorded %+v", got)
		}
	})
	t.Run("from a messaging service", func(t *testing.T) {
		const service = "MG0123456789abcdef0123456789abcdef"
		tw := notifytest.NewTwilio(t, accountSID, authToken)
		p := newProvider(t, tw.URL(), func(c *twilio.Config) { c.From = service })
		if _, err := p.Send(context.Background(), message()); err != nil {
			t.Fatal(err)
		}
		if got := tw.Requests()[0]; got.MessagingServiceSID != service || got.From != "" {
			t.Errorf("recorded %+v", got)
		}
	})
}

func TestSendFailures(t *testing.T) {
	tests := []struct {
		name           string
		setup          func(*notifytest.Twilio)
		config         func(*twilio.Config)
		change         func(*notify.Message)
		wantPermanent  bool
		wantSuppress   bool
		wantRetryAfter time.Duration
		wantCode       int
		wantInError    string
	}{
		{name: "wrong auth token is permanent", config: func(c *twilio.Config) { c.AuthToken = "tok-wrong" },
			wantPermanent: true, wantCode: 20003, wantInError: "error 20003: Authenticate"},
		{name: "a number that replied STOP is permanent and suppressed",
			setup:         func(tw *notifytest.Twilio) { tw.Unsubscribe("+14155550100") },
			wantPermanent: true, wantSuppress: true, wantCode: 21610, wantInError: "error 21610: Attempt to send to unsubscribed recipient"},
		{name: "an invalid number is permanent, not suppressed",
			setup:         func(tw *notifytest.Twilio) { tw.InvalidNumber("+14155550100") },
			wantPermanent: true, wantCode: 21211, wantInError: "21211"},
		{name: "a number not in E.164 is permanent", change: func(m *notify.Message) { m.To = "415-555-0100" },
			wantPermanent: true, wantCode: 21211, wantInError: "is not a valid phone number"},
		{name: "429 is transient and honours Retry-After", setup: func(tw *notifytest.Twilio) { tw.ThrottleNext(1, 9*time.Second) },
			wantRetryAfter: 9 * time.Second, wantCode: 20429, wantInError: "429"},
		{name: "500 is transient", setup: func(tw *notifytest.Twilio) { tw.FailNext(1, 500) }, wantCode: 20500, wantInError: "500"},
		{name: "503 is transient", setup: func(tw *notifytest.Twilio) { tw.FailNext(1, 503) }, wantCode: 20500, wantInError: "503"},
		{name: "a slow answer times out, transient", setup: func(tw *notifytest.Twilio) { tw.Delay(2 * time.Second) },
			config: func(c *twilio.Config) { c.Timeout = 100 * time.Millisecond }, wantInError: "deadline"},
		{name: "an email is refused", change: func(m *notify.Message) { m.Channel = onair.ChannelEmail }, wantPermanent: true},
		{name: "an empty text is refused", change: func(m *notify.Message) { m.Text = "" }, wantPermanent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tw := notifytest.NewTwilio(t, accountSID, authToken)
			if tt.setup != nil {
				tt.setup(tw)
			}
			p := newProvider(t, tw.URL(), tt.config)
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
			if se.Permanent != tt.wantPermanent || se.Suppress != tt.wantSuppress || se.RetryAfter != tt.wantRetryAfter {
				t.Errorf("permanent %v suppress %v retry-after %v, want %v %v %v: %v", se.Permanent, se.Suppress,
					se.RetryAfter, tt.wantPermanent, tt.wantSuppress, tt.wantRetryAfter, err)
			}
			var apiErr *twilio.APIError
			if tt.wantCode != 0 && (!errors.As(err, &apiErr) || apiErr.Code != tt.wantCode) {
				t.Errorf("err %v does not carry Twilio code %d", err, tt.wantCode)
			}
			if !strings.Contains(err.Error(), tt.wantInError) {
				t.Errorf("error %q does not mention %q", err, tt.wantInError)
			}
			if strings.Contains(err.Error(), "tok-") {
				t.Errorf("error reveals the auth token: %v", err)
			}
			if time.Since(start) > 1500*time.Millisecond {
				t.Errorf("took %v", time.Since(start))
			}
		})
	}
}

func TestSendTransientThenSuccess(t *testing.T) {
	tw := notifytest.NewTwilio(t, accountSID, authToken)
	p := newProvider(t, tw.URL(), nil)
	tw.FailNext(1, 500)
	if _, err := p.Send(context.Background(), message()); err == nil || notify.IsPermanent(err) {
		t.Fatalf("first send: %v, want transient", err)
	}
	sid, err := p.Send(context.Background(), message())
	if err != nil || sid == "" {
		t.Fatalf("second send: %q, %v", sid, err)
	}
	if n := len(tw.Requests()); n != 2 {
		t.Errorf("%d requests", n)
	}
}

func TestSendNetworkErrorIsTransient(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	_ = ln.Close()
	if _, err := newProvider(t, base, nil).Send(context.Background(), message()); err == nil || notify.IsPermanent(err) {
		t.Errorf("err = %v, want transient", err)
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if _, err := twilio.ConfigFromEnv(env(nil)); !errors.Is(err, twilio.ErrNotConfigured) {
		t.Errorf("unset: %v", err)
	}
	_, err := twilio.ConfigFromEnv(env(map[string]string{"TWILIO_ACCOUNT_SID": accountSID}))
	if err == nil || !strings.Contains(err.Error(), "TWILIO_AUTH_TOKEN") || !strings.Contains(err.Error(), "TWILIO_PHONE_NUMBER") {
		t.Errorf("half set: %v", err)
	}
	cfg, err := twilio.ConfigFromEnv(env(map[string]string{"TWILIO_ACCOUNT_SID": accountSID, "TWILIO_AUTH_TOKEN": authToken,
		"TWILIO_PHONE_NUMBER": fromNumber, "TWILIO_API_BASE": "http://127.0.0.1:1"}))
	if err != nil || cfg.BaseURL != "http://127.0.0.1:1" {
		t.Errorf("cfg %+v, err %v", cfg, err)
	}
	if _, err := twilio.New(twilio.Config{AccountSID: "AC/../x", AuthToken: authToken, From: fromNumber}); err == nil {
		t.Error("New accepted a SID with a slash")
	}
}

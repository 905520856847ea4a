package onair

import (
	"encoding/base64"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

// The test vector the Standard Webhooks repository publishes for its
// libraries (libraries/go/webhook_test.go, TestWebhookSign).
func TestSignHookMatchesTheSpecificationsVector(t *testing.T) {
	got, err := SignHook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
		[]byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("SignHook = %s, want %s", got, want)
	}
	if _, err := SignHook("whsec_not base64!", "msg", 1, nil); err == nil {
		t.Error("a secret that is not base64 signs")
	}
}

func TestNewHookSecret(t *testing.T) {
	a, b := NewHookSecret(), NewHookSecret()
	if a == b {
		t.Fatal("two secrets are the same")
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(a, "whsec_"))
	if !strings.HasPrefix(a, "whsec_") || err != nil || len(key) < 24 || len(key) > 64 {
		t.Errorf("secret %q: %d bytes of key, %v", a, len(key), err)
	}
}

func TestPublicAddr(t *testing.T) {
	for _, tc := range []struct {
		addr   string
		public bool
	}{
		{"93.184.216.34", true},
		{"8.8.8.8", true},
		{"2606:4700:4700::1111", true},
		{"::ffff:93.184.216.34", true},
		{"127.0.0.1", false},
		{"127.1.2.3", false},
		{"10.0.0.1", false},
		{"172.16.5.4", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // the cloud metadata address
		{"0.0.0.0", false},
		{"100.64.0.1", false},
		{"224.0.0.1", false},
		{"255.255.255.255", false},
		{"192.0.2.10", false},
		{"::1", false},
		{"::", false},
		{"fe80::1", false},
		{"fc00::1", false},
		{"fd12:3456::1", false},
		{"ff02::1", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.1.2.3", false},
		{"::ffff:169.254.169.254", false},
		{"64:ff9b::7f00:1", false}, // NAT64 of 127.0.0.1
		{"2002:7f00:1::1", false},  // 6to4 of 127.0.0.1
		{"2001:db8::1", false},
	} {
		if got := PublicAddr(netip.MustParseAddr(tc.addr)); got != tc.public {
			t.Errorf("PublicAddr(%s) = %v, want %v", tc.addr, got, tc.public)
		}
	}
}

func TestNewWebhook(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	events := func(types ...string) *[]string { return &types }
	t.Run("events omitted: all", func(t *testing.T) {
		w, err := NewWebhook("h", WebhookInput{URL: "https://example.com/hook"}, now, false)
		if err != nil || !slices.Equal(w.Events, HookTypes) || !strings.HasPrefix(w.Secret, "whsec_") || !ValidID(w.ID) {
			t.Errorf("%+v, %v", w, err)
		}
	})
	t.Run("chosen events, repeats once", func(t *testing.T) {
		w, err := NewWebhook("h", WebhookInput{URL: "https://example.com/hook",
			Events: events(HookEventCreated, HookViewerAttended, HookEventCreated)}, now, false)
		if err != nil || !slices.Equal(w.Events, []string{HookEventCreated, HookViewerAttended}) {
			t.Errorf("%v, %v", w.Events, err)
		}
	})
	for _, tc := range []struct {
		name      string
		in        WebhookInput
		allowHTTP bool
		field     string
	}{
		{"plain http", WebhookInput{URL: "http://example.com/hook"}, false, "url"},
		{"no URL", WebhookInput{}, false, "url"},
		{"not absolute", WebhookInput{URL: "/hook"}, false, "url"},
		{"another scheme", WebhookInput{URL: "ftp://example.com/hook"}, true, "url"},
		{"credentials", WebhookInput{URL: "https://u:p@example.com/hook"}, false, "url"},
		{"bad port", WebhookInput{URL: "https://example.com:99999/hook"}, false, "url"},
		{"unknown type", WebhookInput{URL: "https://example.com/hook", Events: events("event.exploded")}, false, "events"},
		{"no type", WebhookInput{URL: "https://example.com/hook", Events: events()}, false, "events"},
		{"long description", WebhookInput{URL: "https://example.com/hook", Description: strings.Repeat("x", 501)}, false, "description"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewWebhook("h", tc.in, now, tc.allowHTTP)
			ve, ok := err.(*ValidationError)
			if !ok || !ve.Has(tc.field) {
				t.Errorf("error %v, want one on %s", err, tc.field)
			}
		})
	}
	if _, err := NewWebhook("h", WebhookInput{URL: "http://127.0.0.1:8080/hook"}, now, true); err != nil {
		t.Errorf("plain http where it is allowed: %v", err)
	}
}

func TestHookRetryAt(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	if at, ok := HookRetryAt(1, now); !ok || at.Sub(now) > 30*time.Second {
		t.Errorf("the first retry at %v (%v); want within 30 s", at, ok)
	}
	var total time.Duration
	n := 1
	for ; ; n++ {
		at, ok := HookRetryAt(n, now)
		if !ok {
			break
		}
		total += at.Sub(now)
	}
	if total < 24*time.Hour {
		t.Errorf("retries span %v; want at least 24 hours", total)
	}
	if n != len(HookRetryDelays)+1 {
		t.Errorf("fails for good after attempt %d", n)
	}
}

func TestEventChangeHooks(t *testing.T) {
	start := time.Date(2026, 12, 15, 14, 0, 0, 0, time.UTC)
	ev := Event{Status: StatusScheduled, ScheduledStart: start}
	with := func(f func(*Event)) Event { e := ev; f(&e); return e }
	for _, tc := range []struct {
		name  string
		after Event
		want  []string
	}{
		{"nothing of note", with(func(e *Event) { e.Title = "New title" }), nil},
		{"rescheduled", with(func(e *Event) { e.ScheduledStart = start.Add(time.Hour) }), []string{HookEventRescheduled}},
		{"started", with(func(e *Event) { e.Status = StatusLive }), []string{HookEventStarted}},
		{"ended", with(func(e *Event) { e.Status = StatusEnded }), []string{HookEventEnded}},
		{"cancelled", with(func(e *Event) { e.Status = StatusCancelled }), []string{HookEventCancelled}},
	} {
		if got := EventChangeHooks(ev, tc.after); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

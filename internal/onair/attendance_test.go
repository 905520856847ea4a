package onair

import (
	"errors"
	"testing"
	"time"
)

func TestWatchable(t *testing.T) {
	start := time.Date(2026, 12, 15, 14, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		status EventStatus
		at     time.Time
		want   bool
	}{
		{"live, whenever", StatusLive, start.Add(-24 * time.Hour), true},
		{"scheduled, before the join window", StatusScheduled, start.Add(-JoinWindow - time.Second), false},
		{"scheduled, at the join window", StatusScheduled, start.Add(-JoinWindow), true},
		{"scheduled, during its planned hour", StatusScheduled, start.Add(59 * time.Minute), true},
		{"scheduled, at its planned end", StatusScheduled, start.Add(time.Hour), false},
		{"ended", StatusEnded, start.Add(time.Minute), false},
		{"cancelled", StatusCancelled, start.Add(time.Minute), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Watchable(tt.status, start, 60, tt.at); got != tt.want {
				t.Errorf("Watchable = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHeartbeat(t *testing.T) {
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	tests := []struct {
		name string
		last *time.Time
		want Beat
	}{
		{"the first beat starts a session", nil, Beat{Seen: now}},
		{"a beat 20 s later adds 20 s", at(-20 * time.Second), Beat{Continues: true, Seconds: 20, Seen: now}},
		{"to the nearest second", at(-2500 * time.Millisecond), Beat{Continues: true, Seconds: 3, Seen: now}},
		{"just under the timeout continues", at(-PresenceTimeout + time.Millisecond), Beat{Continues: true, Seconds: 60, Seen: now}},
		{"at the timeout a new session starts", at(-PresenceTimeout), Beat{Seen: now}},
		{"a tab asleep for hours adds nothing", at(-3 * time.Hour), Beat{Seen: now}},
		{"a beat out of order adds nothing and keeps the later time", at(5 * time.Second), Beat{Continues: true, Seen: now.Add(5 * time.Second)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Heartbeat(tt.last, now); got != tt.want {
				t.Errorf("Heartbeat = %+v, want %+v", got, tt.want)
			}
		})
	}
	if got := PresentSince(now); !got.Equal(now.Add(-PresenceTimeout)) {
		t.Errorf("PresentSince = %v", got)
	}
}

func TestEngagementRules(t *testing.T) {
	for _, a := range EngagementActions {
		if err := ValidEngagementAction(a); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
	for _, a := range []string{"", "Chat", "like", "chat "} {
		var ve *ValidationError
		if err := ValidEngagementAction(a); !errors.As(err, &ve) || !ve.Has("action") {
			t.Errorf("%q: %v; want a problem with action", a, err)
		}
	}
	if err := EngagementAllowed(MaxEngagements - 1); err != nil {
		t.Errorf("the last allowed: %v", err)
	}
	if err := EngagementAllowed(MaxEngagements); !errors.Is(err, ErrEngagementCap) || !errors.Is(err, ErrTooManyRequests) {
		t.Errorf("one beyond the cap: %v", err)
	}
}

func TestValidatePurchase(t *testing.T) {
	tests := []struct {
		name     string
		amount   int64
		currency string
		fields   []string // the fields with a problem
	}{
		{"one cent", 1, "EUR", nil},
		{"the most", MaxPurchaseCents, "USD", nil},
		{"nothing", 0, "EUR", []string{"amount_cents"}},
		{"negative", -5, "EUR", []string{"amount_cents"}},
		{"beyond the most", MaxPurchaseCents + 1, "EUR", []string{"amount_cents"}},
		{"lower-case currency", 100, "eur", []string{"currency"}},
		{"two letters", 100, "EU", []string{"currency"}},
		{"digits", 100, "E1R", []string{"currency"}},
		{"both", 0, "", []string{"amount_cents", "currency"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidatePurchase(tt.amount, tt.currency)
			if tt.fields == nil {
				if err != nil {
					t.Errorf("ValidatePurchase = %v, want nil", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) != len(tt.fields) {
				t.Fatalf("ValidatePurchase = %v, want problems with %v", err, tt.fields)
			}
			for _, f := range tt.fields {
				if !ve.Has(f) {
					t.Errorf("no problem with %s in %v", f, err)
				}
			}
		})
	}
}

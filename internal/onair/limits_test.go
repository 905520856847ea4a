package onair

import (
	"errors"
	"testing"
	"time"
)

func TestParseRateLimit(t *testing.T) {
	for in, want := range map[string]RateLimit{
		"20/10m": {20, 10 * time.Minute}, " 5/1h ": {5, time.Hour}, "0": {}, "1/1s": {1, time.Second},
	} {
		got, err := ParseRateLimit(in)
		if err != nil || got != want {
			t.Errorf("ParseRateLimit(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "20", "20/", "/10m", "x/10m", "0/10m", "-1/10m", "20/0s", "20/500ms", "20/x",
		"10001/1h", "20/200h", "1e3/1m"} {
		if l, err := ParseRateLimit(in); err == nil {
			t.Errorf("ParseRateLimit(%q) = %v; want an error", in, l)
		}
	}
	if s := (RateLimit{20, 10 * time.Minute}).String(); s != "20/10m0s" {
		t.Errorf("String: %q", s)
	}
}

func TestTakeHit(t *testing.T) {
	l := RateLimit{N: 3, Window: time.Minute}
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	var hits []time.Time
	var ok bool
	for i := range 3 {
		if hits, ok, _ = TakeHit(hits, l, t0.Add(time.Duration(i)*10*time.Second)); !ok {
			t.Fatalf("hit %d refused", i+1)
		}
	}
	t.Run("the fourth in the window is refused until the first leaves it", func(t *testing.T) {
		kept, ok, retry := TakeHit(hits, l, t0.Add(30*time.Second))
		if ok || len(kept) != 3 || retry != 30*time.Second {
			t.Errorf("got ok=%v kept=%d retry=%v; want refused, 3 kept, retry 30s", ok, len(kept), retry)
		}
	})
	t.Run("a window later the old hits are dropped", func(t *testing.T) {
		kept, ok, _ := TakeHit(hits, l, t0.Add(time.Minute))
		if !ok || len(kept) != 3 || !kept[0].Equal(t0.Add(10*time.Second)) {
			t.Errorf("got ok=%v kept=%v", ok, kept)
		}
		kept, ok, _ = TakeHit(hits, l, t0.Add(time.Hour))
		if !ok || len(kept) != 1 {
			t.Errorf("an hour later: ok=%v kept=%v", ok, kept)
		}
	})
	t.Run("a lower limit than the hits kept waits for enough of them", func(t *testing.T) {
		_, ok, retry := TakeHit(hits, RateLimit{N: 1, Window: time.Minute}, t0.Add(25*time.Second))
		if ok || retry != 55*time.Second {
			t.Errorf("ok=%v retry=%v; want refused for 55s (until the newest leaves)", ok, retry)
		}
	})
}

func TestRetrySeconds(t *testing.T) {
	err := RetryAfter(Errorf(ErrTooManyRequests, "rate_limited", "slow down"), 1500*time.Millisecond)
	if !errors.Is(err, ErrTooManyRequests) {
		t.Error("the kind is lost")
	}
	if s, ok := RetrySeconds(err); !ok || s != 2 {
		t.Errorf("RetrySeconds = %d, %v; want 2", s, ok)
	}
	if s, ok := RetrySeconds(RetryAfter(err, 0)); !ok || s != 1 {
		t.Errorf("a zero wait: %d, %v; want 1", s, ok)
	}
	if _, ok := RetrySeconds(errors.New("x")); ok {
		t.Error("a plain error asks for a wait")
	}
}

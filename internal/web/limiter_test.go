package web

import (
	"testing"
	"time"
)

func TestRateLimiterAllowsNInAnyWindow(t *testing.T) {
	l := newRateLimiter(5, time.Second)
	t0 := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	allow := func(key string, ms int) (bool, time.Duration) { return l.Allow(key, at(ms)) }

	// Five at the end of one second, then none at the start of the next:
	// any second holds at most five.
	for i, ms := range []int{900, 920, 940, 960, 980} {
		if ok, _ := allow("ada", ms); !ok {
			t.Fatalf("action %d refused", i+1)
		}
	}
	if ok, wait := allow("ada", 1100); ok || wait != 800*time.Millisecond {
		t.Errorf("a 6th 200 ms after the 5th: allowed %v, wait %v; want refused for 800ms", ok, wait)
	}
	if ok, _ := allow("bea", 1100); !ok {
		t.Error("another viewer is refused")
	}
	// A refused action is not counted: the first slot frees at 1.9 s.
	if ok, _ := allow("ada", 1899); ok {
		t.Error("allowed before the first of the five is a second old")
	}
	if ok, _ := allow("ada", 1900); !ok {
		t.Error("refused once the first of the five is a second old")
	}
	if ok, _ := allow("ada", 1910); ok {
		t.Error("a second slot opened before its time")
	}
	// A key idle for a window is forgotten.
	if ok, _ := allow("ada", 5000); !ok || len(l.times["bea"]) != 0 {
		t.Errorf("after an idle window: allowed %v, bea still kept: %v", ok, l.times["bea"])
	}
}

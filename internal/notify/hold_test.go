package notify

import (
	"sync"
	"testing"
	"time"
)

func TestHold(t *testing.T) {
	now := time.Date(2026, 12, 15, 9, 0, 0, 0, time.UTC)
	t.Run("the zero hold lets everything pass", func(t *testing.T) {
		var h Hold
		if w := h.Remaining(now); w != 0 {
			t.Errorf("remaining %v", w)
		}
	})
	t.Run("a shorter answer does not shorten the wait", func(t *testing.T) {
		var h Hold
		h.Throttled(now, time.Minute)
		if w := h.Throttled(now.Add(time.Second), 5*time.Second); w != 59*time.Second {
			t.Errorf("held %v, want 59s", w)
		}
		if w := h.Remaining(now.Add(time.Minute)); w != 0 {
			t.Errorf("still held %v at its end", w)
		}
	})
	t.Run("429s without Retry-After double up to a minute", func(t *testing.T) {
		var h Hold
		var got []time.Duration
		at := now
		for range 9 {
			w := h.Throttled(at, 0)
			got = append(got, w)
			at = at.Add(w)
		}
		want := []time.Duration{1, 2, 4, 8, 16, 32, 60, 60, 60}
		for i := range want {
			if got[i] != want[i]*time.Second {
				t.Fatalf("holds %v", got)
			}
		}
		h.Passed()
		if w := h.Throttled(at, 0); w != time.Second {
			t.Errorf("after an answer that passed: %v, want 1s", w)
		}
	})
	t.Run("concurrent 429s keep the longest wait", func(t *testing.T) {
		var h Hold
		var wg sync.WaitGroup
		for i := range 50 {
			wg.Go(func() { h.Throttled(now, time.Duration(i+1)*time.Second) })
		}
		wg.Wait()
		if w := h.Remaining(now); w != 50*time.Second {
			t.Errorf("held %v, want 50s", w)
		}
	})
}

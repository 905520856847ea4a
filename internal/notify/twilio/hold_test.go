package twilio_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/notify/twilio"
)

// heldProvider is a provider and a double on one clock that moves only
// when the test moves it.
func heldProvider(t *testing.T, from string) (*twilio.Provider, *notifytest.Twilio, *notifytest.Clock) {
	t.Helper()
	tw := notifytest.NewTwilio(t, accountSID, authToken)
	clock := notifytest.NewClock(time.Date(2026, 12, 15, 9, 0, 0, 0, time.UTC))
	tw.SetClock(clock.Now)
	return newProvider(t, tw.URL(), func(c *twilio.Config) { c.From, c.Now = from, clock.Now }), tw, clock
}

// sendAll sends n messages at once and returns their errors.
func sendAll(p *twilio.Provider, n int) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = p.Send(context.Background(), message()) })
	}
	wg.Wait()
	return errs
}

// checkQuiet fails t if a request reached the double inside the window
// of any 429 it answered.
func checkQuiet(t *testing.T, reqs []notifytest.TwilioRequest, window func(notifytest.TwilioRequest) time.Duration) {
	t.Helper()
	for i, r := range reqs {
		if r.Status != 429 {
			continue
		}
		for _, later := range reqs[i+1:] {
			if later.Time.Before(r.Time.Add(window(r))) {
				t.Errorf("a request came %v after a 429 that asked for %v", later.Time.Sub(r.Time), window(r))
			}
		}
	}
}

func TestA429HoldsTheSenderBack(t *testing.T) {
	for name, from := range map[string]string{"number": fromNumber, "messaging service": "MG0123456789abcdef0123456789abcdef"} {
		t.Run(name, func(t *testing.T) {
			p, tw, clock := heldProvider(t, from)
			tw.ThrottleNext(1, 30*time.Second)
			if _, err := p.Send(context.Background(), message()); notify.IsPermanent(err) || notify.RetryAfter(err) != 30*time.Second {
				t.Fatalf("the throttled send: %v", err)
			}

			clock.Advance(10 * time.Second)
			for i, err := range sendAll(p, 40) {
				if err == nil || notify.IsPermanent(err) || notify.RetryAfter(err) != 20*time.Second {
					t.Fatalf("send %d inside the wait: %v, want a transient error with 20s left", i, err)
				}
			}
			if n := len(tw.Requests()); n != 1 {
				t.Fatalf("%d requests reached Twilio, want only the throttled one", n)
			}

			clock.Advance(20 * time.Second)
			for i, err := range sendAll(p, 40) {
				if err != nil {
					t.Fatalf("send %d after the wait: %v", i, err)
				}
			}
			reqs := tw.Requests()
			if len(reqs) != 41 {
				t.Fatalf("%d requests, want 41", len(reqs))
			}
			checkQuiet(t, reqs, func(notifytest.TwilioRequest) time.Duration { return 30 * time.Second })
		})
	}
}

func TestA429WithoutRetryAfterHoldsLongerEachTime(t *testing.T) {
	p, tw, clock := heldProvider(t, fromNumber)
	var holds []time.Duration
	for range 3 {
		tw.ThrottleNextWithoutRetryAfter(1)
		_, err := p.Send(context.Background(), message())
		if err == nil || notify.IsPermanent(err) {
			t.Fatalf("throttled send: %v", err)
		}
		holds = append(holds, notify.RetryAfter(err))
		// Inside the hold nothing is sent.
		clock.Advance(notify.RetryAfter(err) - time.Millisecond)
		if _, err := p.Send(context.Background(), message()); notify.RetryAfter(err) != time.Millisecond {
			t.Fatalf("send 1ms before the end of the hold: %v", err)
		}
		clock.Advance(time.Millisecond)
	}
	if want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}; !equalDurations(holds, want) {
		t.Errorf("holds %v, want %v", holds, want)
	}
	// A message that goes through starts the count again.
	if _, err := p.Send(context.Background(), message()); err != nil {
		t.Fatal(err)
	}
	tw.ThrottleNextWithoutRetryAfter(1)
	if _, err := p.Send(context.Background(), message()); notify.RetryAfter(err) != time.Second {
		t.Errorf("after a success: %v, want a hold of 1s", err)
	}
	if n := len(tw.Requests()); n != 5 {
		t.Errorf("%d requests, want 5 (three 429s, one sent, one 429)", n)
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

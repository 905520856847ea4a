package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/store/storetest"
)

var errAddrLimit = onair.Errorf(onair.ErrTooManyRequests, "rate_limited", "too many from this address")

func TestRegisterLimits(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		host := newHost(t, s, "host@example.com")
		other := newHost(t, s, "other@example.com")
		var events []onair.Event
		for i := range 7 {
			h := host
			if i%2 == 1 {
				h = other // the limit on an email address spans hosts
			}
			events = append(events, newEvent(t, s, h.ID, nil))
		}

		t.Run("the sixth new registration of one email within the hour is refused", func(t *testing.T) {
			for i := range onair.MaxNewRegistrationsPerEmail {
				mustRegister(t, s, events[i], "victim@example.com", now.Add(time.Duration(i)*time.Minute))
			}
			at := now.Add(10 * time.Minute)
			_, err := s.Register(ctx, newRegistration(t, events[5], onair.RegistrationInput{Email: "VICTIM@example.com"}, at), at)
			secs, ok := onair.RetrySeconds(err)
			if !errors.Is(err, onair.ErrTooManyRequests) || !ok || secs != 50*60 {
				t.Fatalf("Register: %v (retry %ds); want 429 with 3000 s to wait", err, secs)
			}
			if regs := registrations(t, s, store.RegistrationFilter{EventID: events[5].ID}); len(regs) != 0 {
				t.Errorf("the refused registration was stored: %v", regs)
			}
			// A repeated registration is no new one: it still gets its answer.
			_, err = s.Register(ctx, newRegistration(t, events[0], onair.RegistrationInput{Email: "victim@example.com"}, at), at)
			if !errors.Is(err, onair.ErrAlreadyRegistered) {
				t.Errorf("repeated registration: %v; want already registered", err)
			}
			// An hour after the first, one more may come.
			mustRegister(t, s, events[5], "victim@example.com", now.Add(time.Hour+time.Second))
		})

		t.Run("a limit the caller gives counts new and repeated attempts alike", func(t *testing.T) {
			l := store.Limit{Key: store.LimitKey("addr", "192.0.2.1"), Rate: onair.RateLimit{N: 3, Window: 10 * time.Minute},
				Refused: errAddrLimit}
			at := now.Add(2 * time.Hour)
			reg := func(ev onair.Event, email string) error {
				_, err := s.Register(ctx, newRegistration(t, ev, onair.RegistrationInput{Email: email}, at), at, l)
				return err
			}
			if err := reg(events[0], "a@example.com"); err != nil {
				t.Fatal(err)
			}
			if err := reg(events[0], "a@example.com"); !errors.Is(err, onair.ErrAlreadyRegistered) {
				t.Fatalf("repeat: %v", err)
			}
			if err := reg(events[1], "b@example.com"); err != nil {
				t.Fatal(err)
			}
			err := reg(events[2], "c@example.com")
			if !errors.Is(err, errAddrLimit) {
				t.Fatalf("fourth attempt: %v; want the caller's error", err)
			}
			if secs, _ := onair.RetrySeconds(err); secs != 600 {
				t.Errorf("retry after %d s; want 600", secs)
			}
			// Another address is not held up.
			l.Key = store.LimitKey("addr", "192.0.2.2")
			if err := reg(events[2], "c@example.com"); err != nil {
				t.Errorf("another address: %v", err)
			}
		})

		t.Run("concurrent attempts never pass the limit", func(t *testing.T) {
			l := store.Limit{Key: store.LimitKey("addr", "198.51.100.7"), Rate: onair.RateLimit{N: 10, Window: time.Hour},
				Refused: errAddrLimit}
			at := now.Add(3 * time.Hour)
			var wg sync.WaitGroup
			errs := make([]error, 40)
			start := make(chan struct{})
			for i := range errs {
				wg.Go(func() {
					<-start
					ev := events[i%len(events)]
					r := newRegistration(t, ev, onair.RegistrationInput{Email: fmt.Sprintf("c%d@example.com", i)}, at)
					_, errs[i] = s.Register(ctx, r, at, l)
				})
			}
			close(start)
			wg.Wait()
			ok, limited := 0, 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case errors.Is(err, errAddrLimit):
					limited++
				default:
					t.Errorf("unexpected: %v", err)
				}
			}
			if ok != 10 || limited != 30 {
				t.Errorf("%d registered, %d limited; want 10 and 30", ok, limited)
			}
		})

		t.Run("limits past their window are pruned", func(t *testing.T) {
			n, err := s.PruneRateLimits(ctx, now.Add(30*24*time.Hour))
			if err != nil || n < 3 {
				t.Errorf("PruneRateLimits = %d, %v; want the rows of the tests above", n, err)
			}
			if n, err := s.PruneRateLimits(ctx, now.Add(30*24*time.Hour)); err != nil || n != 0 {
				t.Errorf("again: %d, %v", n, err)
			}
		})
	})
}

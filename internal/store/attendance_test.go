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

// attendanceFixture stores a host, an event starting at start, and n
// registrations for it (registered a day before now).
func attendanceFixture(t *testing.T, s *store.Store, start time.Time, n int) (onair.Event, []onair.Registration) {
	t.Helper()
	h := newHost(t, s, onair.RandomString(8)+"@example.com")
	ev := newEvent(t, s, h.ID, func(e *onair.Event) {
		e.ScheduledStart, e.DurationMinutes = start, 240
	})
	at := now.Add(-24 * time.Hour)
	regs := make([]onair.Registration, n)
	for i := range regs {
		regs[i] = newRegistration(t, ev, onair.RegistrationInput{Email: fmt.Sprintf("viewer%d@example.com", i)}, at)
		if _, err := s.Register(t.Context(), regs[i], at); err != nil {
			t.Fatalf("Register: %v", err)
		}
	}
	return ev, regs
}

func attendance(t *testing.T, s *store.Store, regID string) store.Attendance {
	t.Helper()
	a, err := s.RegistrationAttendance(t.Context(), regID)
	if err != nil {
		t.Fatalf("RegistrationAttendance: %v", err)
	}
	return a
}

func peak(t *testing.T, s *store.Store, eventID string) int {
	t.Helper()
	n, err := s.PeakViewers(t.Context(), eventID)
	if err != nil {
		t.Fatalf("PeakViewers: %v", err)
	}
	return n
}

func beat(t *testing.T, s *store.Store, ev onair.Event, r onair.Registration, at time.Time) int {
	t.Helper()
	n, err := s.Heartbeat(t.Context(), ev.ID, r.ID, at)
	if err != nil {
		t.Fatalf("Heartbeat at %v: %v", at, err)
	}
	return n
}

func TestAttendanceJoin(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		start := now.Add(time.Hour)
		ev, regs := attendanceFixture(t, s, start, 2)
		ctx := t.Context()

		t.Run("more than 15 minutes before the start is no attendance", func(t *testing.T) {
			ok, err := s.RecordJoin(ctx, ev.ID, regs[0].ID, start.Add(-16*time.Minute))
			if err != nil || ok {
				t.Fatalf("RecordJoin = %v, %v; want false", ok, err)
			}
			if a := attendance(t, s, regs[0].ID); a.Attended || a.FirstJoinedAt != nil {
				t.Errorf("attendance %+v; want none", a)
			}
		})
		t.Run("within 15 minutes before the start attends; the first join is kept", func(t *testing.T) {
			first := start.Add(-15 * time.Minute)
			for _, at := range []time.Time{first, start.Add(-time.Minute)} {
				if ok, err := s.RecordJoin(ctx, ev.ID, regs[0].ID, at); err != nil || !ok {
					t.Fatalf("RecordJoin at %v = %v, %v; want true", at, ok, err)
				}
			}
			a := attendance(t, s, regs[0].ID)
			if !a.Attended || a.FirstJoinedAt == nil || !a.FirstJoinedAt.Equal(first) {
				t.Errorf("attendance %+v; want attended, first joined at %v", a, first)
			}
		})
		t.Run("a live event attends at any time", func(t *testing.T) {
			if _, err := s.UpdateEvent(ctx, ev.HostID, ev.ID, func(e onair.Event) (onair.Event, error) {
				return e.Start(now)
			}); err != nil {
				t.Fatalf("Start: %v", err)
			}
			if ok, err := s.RecordJoin(ctx, ev.ID, regs[1].ID, now); err != nil || !ok {
				t.Fatalf("RecordJoin = %v, %v; want true", ok, err)
			}
		})
		t.Run("a registration of another event is not found", func(t *testing.T) {
			other, _ := attendanceFixture(t, s, start, 0)
			_, err := s.RecordJoin(ctx, other.ID, regs[0].ID, now)
			if !errors.Is(err, onair.ErrNotFound) {
				t.Errorf("err = %v; want ErrNotFound", err)
			}
		})
	})
}

func TestHeartbeatWatchTime(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		start := now
		ev, regs := attendanceFixture(t, s, start, 1)
		r := regs[0]
		beat(t, s, ev, r, start)                     // +0, new session
		beat(t, s, ev, r, start.Add(30*time.Second)) // +30
		beat(t, s, ev, r, start.Add(55*time.Second)) // +25
		// The tab slept for two hours: the viewer was gone; the beat that
		// wakes it starts a new session and adds nothing, the next one adds.
		wake := start.Add(55*time.Second + 2*time.Hour)
		if n := beat(t, s, ev, r, wake); n != 1 {
			t.Errorf("viewers after waking = %d; want 1", n)
		}
		if a := attendance(t, s, r.ID); a.WatchSeconds != 55 || !a.Attended {
			t.Errorf("attendance %+v; want 55 s watched", a)
		}
		beat(t, s, ev, r, wake.Add(20*time.Second)) // +20
		if a := attendance(t, s, r.ID); a.WatchSeconds != 75 {
			t.Errorf("attendance %+v; want 75 s watched", a)
		}
		if n, err := s.CurrentViewers(t.Context(), ev.ID, start.Add(3*time.Hour)); err != nil || n != 0 {
			t.Errorf("CurrentViewers long after = %d, %v; want 0", n, err)
		}
		if p := peak(t, s, ev.ID); p != 1 {
			t.Errorf("peak %d; want 1", p)
		}
	})
}

func TestHeartbeatPeak(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		t.Run("two viewers overlapping: peak 2", func(t *testing.T) {
			ev, regs := attendanceFixture(t, s, now, 2)
			beat(t, s, ev, regs[0], now)
			if n := beat(t, s, ev, regs[1], now.Add(20*time.Second)); n != 2 {
				t.Errorf("viewers = %d; want 2", n)
			}
			beat(t, s, ev, regs[0], now.Add(40*time.Second))
			if p := peak(t, s, ev.ID); p != 2 {
				t.Errorf("peak %d; want 2", p)
			}
			if n, _ := s.CurrentViewers(t.Context(), ev.ID, now.Add(90*time.Second)); n != 1 {
				t.Errorf("CurrentViewers at 90 s = %d; want 1 (only the first viewer's last beat is under 60 s old)", n)
			}
		})
		t.Run("two viewers one after the other: peak 1", func(t *testing.T) {
			ev, regs := attendanceFixture(t, s, now, 2)
			beat(t, s, ev, regs[0], now)
			beat(t, s, ev, regs[0], now.Add(30*time.Second))
			if n := beat(t, s, ev, regs[1], now.Add(90*time.Second)); n != 1 {
				t.Errorf("viewers = %d; want 1", n)
			}
			if p := peak(t, s, ev.ID); p != 1 {
				t.Errorf("peak %d; want 1", p)
			}
		})
		t.Run("20 concurrent heartbeats keep the peak exact", func(t *testing.T) {
			ev, regs := attendanceFixture(t, s, now, 20)
			var wg sync.WaitGroup
			errs := make(chan error, len(regs))
			for i, r := range regs {
				wg.Go(func() {
					_, err := s.Heartbeat(t.Context(), ev.ID, r.ID, now.Add(time.Duration(i)*time.Millisecond))
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("Heartbeat: %v", err)
				}
			}
			if p := peak(t, s, ev.ID); p != 20 {
				t.Errorf("peak %d; want 20", p)
			}
		})
	})
}

func TestEngagementAndRevenue(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		ev, regs := attendanceFixture(t, s, now, 1)
		r := regs[0]
		for _, a := range onair.EngagementActions {
			if err := s.RecordEngagement(ctx, ev.ID, r.ID, a, now); err != nil {
				t.Errorf("RecordEngagement %s: %v", a, err)
			}
		}
		var ve *onair.ValidationError
		for _, a := range []string{"", "Chat", "like"} {
			if err := s.RecordEngagement(ctx, ev.ID, r.ID, a, now); !errors.As(err, &ve) || !ve.Has("action") {
				t.Errorf("RecordEngagement %q = %v; want a validation error on action", a, err)
			}
		}
		if err := s.RecordPurchase(ctx, ev.ID, r.ID, 4900, "EUR", now); err != nil {
			t.Errorf("RecordPurchase: %v", err)
		}
		for _, c := range []struct {
			cents    int64
			currency string
			field    string
		}{{0, "EUR", "amount_cents"}, {-5, "EUR", "amount_cents"}, {onair.MaxPurchaseCents + 1, "EUR", "amount_cents"}, {100, "eur", "currency"},
			{100, "EURO", "currency"}, {100, "", "currency"}} {
			err := s.RecordPurchase(ctx, ev.ID, r.ID, c.cents, c.currency, now)
			if !errors.As(err, &ve) || !ve.Has(c.field) || !errors.Is(err, onair.ErrUnprocessable) {
				t.Errorf("RecordPurchase %d %q = %v; want a validation error on %s", c.cents, c.currency, err, c.field)
			}
		}
		other, _ := attendanceFixture(t, s, now, 0)
		if err := s.RecordEngagement(ctx, other.ID, r.ID, "chat", now); !errors.Is(err, onair.ErrNotFound) {
			t.Errorf("engagement for another event = %v; want ErrNotFound", err)
		}
		if err := s.RecordPurchase(ctx, other.ID, r.ID, 100, "USD", now); !errors.Is(err, onair.ErrNotFound) {
			t.Errorf("purchase for another event = %v; want ErrNotFound", err)
		}
	})
}

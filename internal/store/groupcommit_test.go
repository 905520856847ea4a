package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/store/storetest"
)

func TestRegisterBatch(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		host := newHost(t, s, "batch@example.com")

		t.Run("each registration of one batch is answered as if it ran alone", func(t *testing.T) {
			small := newEvent(t, s, host.ID, func(e *onair.Event) { e.MaxRegistrations = 3 })
			open := newEvent(t, s, host.ID, nil)
			mustRegister(t, s, small, "dup@example.com", now)
			addr := store.Limit{Key: store.LimitKey("addr", "203.0.113.9"), Rate: onair.RateLimit{N: 1, Window: time.Hour},
				Refused: errAddrLimit}
			call := func(ev onair.Event, email string, limits ...store.Limit) store.RegisterCall {
				return store.RegisterCall{Reg: newRegistration(t, ev, onair.RegistrationInput{Email: email}, now), Now: now, Limits: limits}
			}
			bad := call(open, "bad@example.com")
			bad.Reg.Status = "bogus" // the database refuses it
			ghost := call(open, "ghost@example.com")
			ghost.Reg.EventID = onair.NewID()
			calls := []store.RegisterCall{
				call(small, "new1@example.com"),
				call(small, "dup@example.com"),
				call(small, "new2@example.com"),
				call(small, "new3@example.com"),
				call(small, " NEW1@example.com"),
				call(open, "lim1@example.com", addr),
				call(open, "lim2@example.com", addr),
				bad,
				ghost,
				call(open, "after@example.com"),
			}
			got := s.RegisterTogether(ctx, calls)

			ok := func(i, count int) {
				t.Helper()
				if got[i].Err != nil || got[i].Event.RegistrationCount != count {
					t.Errorf("call %d (%s): %v, count %d; want success, count %d", i, calls[i].Reg.Email, got[i].Err,
						got[i].Event.RegistrationCount, count)
				}
			}
			ok(0, 2)
			if !errors.Is(got[1].Err, onair.ErrAlreadyRegistered) {
				t.Errorf("a stored repeat: %v; want already registered", got[1].Err)
			}
			ok(2, 3)
			assertError(t, got[3].Err, onair.ErrConflict, "event_full")
			if !errors.Is(got[4].Err, onair.ErrAlreadyRegistered) {
				t.Errorf("a repeat of the batch's own registration: %v; want already registered", got[4].Err)
			}
			ok(5, 1)
			if !errors.Is(got[6].Err, errAddrLimit) {
				t.Errorf("past the address limit: %v; want the caller's error", got[6].Err)
			}
			if got[7].Err == nil || errors.Is(got[7].Err, onair.ErrAlreadyRegistered) {
				t.Errorf("a registration the database refuses: %v; want its error", got[7].Err)
			}
			if !errors.Is(got[8].Err, onair.ErrNotFound) {
				t.Errorf("an unknown event: %v; want not found", got[8].Err)
			}
			ok(9, 2)

			assertCount(t, s, small.ID, 3)
			assertCount(t, s, open.ID, 2)
			emails := func(ev onair.Event) []string {
				var out []string
				for _, r := range registrations(t, s, store.RegistrationFilter{EventID: ev.ID}) {
					out = append(out, r.Email)
				}
				slices.Sort(out)
				return out
			}
			if got, want := emails(small), []string{"dup@example.com", "new1@example.com", "new2@example.com"}; !slices.Equal(got, want) {
				t.Errorf("stored for the small event: %v; want %v", got, want)
			}
			if got, want := emails(open), []string{"after@example.com", "lim1@example.com"}; !slices.Equal(got, want) {
				t.Errorf("stored for the open event: %v; want %v", got, want)
			}
			// The confirmations: one each, and one again for each repeat.
			var sent []string
			rows, err := s.DB().QueryContext(ctx, `SELECT r.email_norm, d.seq FROM deliveries d
				JOIN registrations r ON r.id = d.registration_id ORDER BY r.email_norm, d.seq`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var email string
				var seq int
				if err := rows.Scan(&email, &seq); err != nil {
					t.Fatal(err)
				}
				sent = append(sent, fmt.Sprintf("%s/%d", email, seq))
			}
			rows.Close()
			want := []string{"after@example.com/0", "dup@example.com/0", "dup@example.com/1", "lim1@example.com/0",
				"new1@example.com/0", "new1@example.com/1", "new2@example.com/0"}
			if !slices.Equal(sent, want) {
				t.Errorf("confirmation deliveries %v; want %v", sent, want)
			}
			var recipients int
			if err := s.DB().QueryRowContext(ctx, `SELECT recipients FROM notifications WHERE event_id = $1 AND kind = 'confirmation'`,
				small.ID).Scan(&recipients); err != nil || recipients != 5 {
				t.Errorf("the small event's confirmation has %d recipients (%v); want 5", recipients, err)
			}
			var viewers int
			if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM viewers WHERE host_id = $1`, host.ID).Scan(&viewers); err != nil || viewers != 5 {
				t.Errorf("%d viewer profiles (%v); want 5", viewers, err)
			}
			// A refused attempt counted nothing against its email address.
			for _, email := range []string{"lim2@example.com", "bad@example.com", "new3@example.com"} {
				var hits string
				err := s.DB().QueryRowContext(ctx, `SELECT hits FROM rate_limits WHERE key = $1`,
					store.LimitKey("email", email)).Scan(&hits)
				if err != nil && !errors.Is(err, sql.ErrNoRows) || hits != "" {
					t.Errorf("the email limit of %s holds %q (%v); want no hit", email, hits, err)
				}
			}
			// And the address limit holds the one hit it took.
			_, err = s.Register(ctx, newRegistration(t, open, onair.RegistrationInput{Email: "lim3@example.com"}, now), now, addr)
			if !errors.Is(err, errAddrLimit) {
				t.Errorf("the address limit after the batch: %v; want it full", err)
			}
		})

		t.Run("a batch's confirmations are queued at once", func(t *testing.T) {
			rec := &sendRecorder{}
			s.SetEnqueuer(rec)
			defer s.SetEnqueuer(nil)
			ev := newEvent(t, s, host.ID, func(e *onair.Event) { e.Notifications.SMSEnabled = true })
			var calls []store.RegisterCall
			for i := range 10 {
				r := newRegistration(t, ev, onair.RegistrationInput{Email: fmt.Sprintf("q%d@example.com", i),
					Phone: fmt.Sprintf("+1415555%04d", i)}, now)
				calls = append(calls, store.RegisterCall{Reg: r, Now: now})
			}
			for i, res := range s.RegisterTogether(ctx, calls) {
				if res.Err != nil {
					t.Fatalf("registration %d: %v", i, res.Err)
				}
			}
			var stored []int64
			rows, err := s.DB().QueryContext(ctx, `SELECT d.id FROM deliveries d JOIN notifications n ON n.id = d.notification_id
				WHERE n.event_id = $1 ORDER BY d.id`, ev.ID)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var id int64
				rows.Scan(&id)
				stored = append(stored, id)
			}
			rows.Close()
			if rec.ready != 1 || len(stored) != 20 {
				t.Fatalf("told %d times that deliveries are ready, %d deliveries stored; want once and 20", rec.ready, len(stored))
			}
			var due int
			if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries d JOIN notifications n ON n.id = d.notification_id
				WHERE n.event_id = $1 AND d.status = 'pending' AND d.lane = 0 AND d.due_at = $2`, ev.ID, now.UnixMicro()).Scan(&due); err != nil || due != 20 {
				t.Errorf("%d of the 20 confirmations pending in the first lane, due at once (%v)", due, err)
			}
		})
	})
}

// sendRecorder is a job queue that counts how often it was told that
// deliveries are ready.
type sendRecorder struct {
	mu    sync.Mutex
	ready int
}

func (r *sendRecorder) EnqueueDispatch(context.Context, *sql.Tx, onair.Notification) error {
	return nil
}
func (r *sendRecorder) ForgetDispatch(context.Context, *sql.Tx, []string) error { return nil }
func (r *sendRecorder) DeliveriesReady() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ready++
}

func TestRegisterContext(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		host := newHost(t, s, "context@example.com")

		t.Run("a context already ended registers nothing", func(t *testing.T) {
			ev := newEvent(t, s, host.ID, nil)
			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			_, err := s.Register(cancelled, newRegistration(t, ev, onair.RegistrationInput{Email: "late@example.com"}, now), now)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Register = %v; want context.Canceled", err)
			}
			assertCount(t, s, ev.ID, 0)
		})

		t.Run("a context that ends in the queue registers nothing; one that ends in its batch completes", func(t *testing.T) {
			ev := newEvent(t, s, host.ID, nil)
			// Hold the event (on SQLite, the one write connection) so that a
			// batch waits for it.
			tx, err := s.DB().BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			if _, err := tx.ExecContext(ctx, `UPDATE events SET title = title WHERE id = $1`, ev.ID); err != nil {
				t.Fatal(err)
			}
			blocked := batchBlockedBy(t, s, tx)

			running, stopRunning := context.WithCancel(ctx)
			defer stopRunning()
			first := make(chan error, 1)
			go func() {
				_, err := s.Register(running, newRegistration(t, ev, onair.RegistrationInput{Email: "first@example.com"}, now), now)
				first <- err
			}()
			waitUntil(t, "the first registration's batch waits for the event", blocked)

			queued, stopQueued := context.WithCancel(ctx)
			second := make(chan error, 1)
			go func() {
				_, err := s.Register(queued, newRegistration(t, ev, onair.RegistrationInput{Email: "second@example.com"}, now), now)
				second <- err
			}()
			waitUntil(t, "the second registration is queued", func() bool { return s.QueuedRegistrations() == 1 })

			stopRunning()
			stopQueued()
			select {
			case err := <-second:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("the queued registration: %v; want context.Canceled", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the queued registration was not answered when its context ended")
			}
			select {
			case err := <-first:
				t.Fatalf("the running registration was answered (%v) before its batch could run", err)
			default:
			}
			tx.Rollback()
			if err := <-first; err != nil {
				t.Errorf("the running registration: %v; want it completed", err)
			}
			assertCount(t, s, ev.ID, 1)
			if regs := registrations(t, s, store.RegistrationFilter{EventID: ev.ID}); len(regs) != 1 || regs[0].Email != "first@example.com" {
				t.Errorf("stored %+v; want only first@example.com", regs)
			}
			waitUntil(t, "the queue is empty", func() bool { return s.QueuedRegistrations() == 0 })
		})
	})
}

// batchBlockedBy reports whether a registration batch waits for tx: on
// SQLite for the write connection tx holds, on PostgreSQL for a lock of tx.
func batchBlockedBy(t *testing.T, s *store.Store, tx *sql.Tx) func() bool {
	t.Helper()
	if s.Dialect() == store.SQLite {
		before := s.DB().Stats().WaitCount
		return func() bool { return s.DB().Stats().WaitCount > before }
	}
	var pid int
	if err := tx.QueryRowContext(t.Context(), `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	return func() bool {
		var n int
		err := s.DB().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`, pid).Scan(&n)
		return err == nil && n > 0
	}
}

// waitUntil waits for cond, failing the test after a generous deadline.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("timed out waiting until %s", what)
		case <-tick.C:
		}
	}
}

func TestCloseWithRegistrationsInFlight(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, databaseURL string) {
		s := storetest.Open(t, databaseURL)
		host := newHost(t, s, "closing@example.com")
		ev := newEvent(t, s, host.ID, nil)

		const n = 300
		errs := make([]error, n)
		answered := make(chan struct{}, n)
		var wg sync.WaitGroup
		for i := range n {
			r := newRegistration(t, ev, onair.RegistrationInput{Email: fmt.Sprintf("v%03d@example.com", i)}, now)
			wg.Go(func() {
				_, errs[i] = s.Register(context.Background(), r, now)
				answered <- struct{}{}
			})
		}
		<-answered // registrations are under way
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			t.Fatal("registrations in flight at Close were never answered")
		}
		if _, err := s.Register(t.Context(), newRegistration(t, ev, onair.RegistrationInput{Email: "after@example.com"}, now), now); !errors.Is(err, store.ErrClosed) {
			t.Errorf("Register after Close: %v; want ErrClosed", err)
		}

		// Every registration answered with success is stored, and no other.
		var want []string
		for i, err := range errs {
			switch {
			case err == nil:
				want = append(want, fmt.Sprintf("v%03d@example.com", i))
			case !errors.Is(err, store.ErrClosed):
				t.Errorf("registration %d: %v; want success or ErrClosed", i, err)
			}
		}
		if len(want) == 0 {
			t.Fatal("no registration succeeded before Close")
		}
		again := storetest.Open(t, databaseURL)
		var stored []string
		for _, r := range registrations(t, again, store.RegistrationFilter{EventID: ev.ID}) {
			stored = append(stored, r.Email)
		}
		slices.Sort(stored)
		if !slices.Equal(stored, want) {
			t.Errorf("%d registrations stored; %d were answered with success", len(stored), len(want))
		}
		assertCount(t, again, ev.ID, len(want))
	})
}

func TestRegisterAgainst(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		h := newHost(t, s, "host@example.com")
		ev := newEvent(t, s, h.ID, nil)
		seen := ev // the event as the registration was validated against it
		for _, tc := range []struct {
			name   string
			change func(onair.Event) (onair.Event, error)
		}{
			{"its time zone changed", func(e onair.Event) (onair.Event, error) { e.Timezone = "Asia/Kathmandu"; return e, nil }},
			{"SMS was switched on", func(e onair.Event) (onair.Event, error) {
				e.Timezone = seen.Timezone
				e.Notifications.SMSEnabled = true
				return e, nil
			}},
		} {
			t.Run("refused when "+tc.name, func(t *testing.T) {
				if _, err := s.UpdateEvent(t.Context(), h.ID, ev.ID, tc.change); err != nil {
					t.Fatalf("UpdateEvent: %v", err)
				}
				r := newRegistration(t, seen, onair.RegistrationInput{Email: "late@example.com", Phone: "+14155550100"}, now)
				if _, err := s.RegisterAgainst(t.Context(), seen, r, now); !errors.Is(err, store.ErrEventChanged) {
					t.Fatalf("RegisterAgainst = %v; want ErrEventChanged", err)
				}
				if regs, total, err := s.Registrations(t.Context(), store.RegistrationFilter{EventID: ev.ID}); err != nil || total != 0 {
					t.Fatalf("Registrations = %v, %d, %v; want none made", regs, total, err)
				}
			})
		}
		t.Run("made against the event as stored", func(t *testing.T) {
			stored, err := s.Event(t.Context(), ev.ID)
			if err != nil {
				t.Fatal(err)
			}
			r := newRegistration(t, stored, onair.RegistrationInput{Email: "late@example.com", Phone: "+14155550100"}, now)
			got, err := s.RegisterAgainst(t.Context(), stored, r, now)
			if err != nil || got.RegistrationCount != 1 {
				t.Fatalf("RegisterAgainst = %d registrations, %v; want 1, nil", got.RegistrationCount, err)
			}
		})
		t.Run("a recent event is the one read a moment ago", func(t *testing.T) {
			before, err := s.Event(t.Context(), ev.ID)
			if err != nil {
				t.Fatal(err)
			}
			recent, err := s.RecentEvent(t.Context(), ev.ID)
			if err != nil || recent.ID != ev.ID || recent.Timezone != before.Timezone {
				t.Fatalf("RecentEvent = %+v, %v; want the event read before", recent, err)
			}
			if _, err := s.RecentEvent(t.Context(), onair.NewID()); !errors.Is(err, onair.ErrNotFound) {
				t.Fatalf("RecentEvent of an unknown id = %v; want ErrNotFound", err)
			}
		})
	})
}

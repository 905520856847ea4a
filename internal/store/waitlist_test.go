package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/store/storetest"
)

func TestWaitlist(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		host := newHost(t, s, "waitlist@example.com")
		withWaitlist := func(e *onair.Event) { e.MaxRegistrations, e.WaitlistEnabled = 2, true }
		join := func(t *testing.T, ev onair.Event, email string, at time.Time) onair.Registration {
			t.Helper()
			stored, err := s.Event(ctx, ev.ID)
			if err != nil {
				t.Fatal(err)
			}
			r, _, err := s.RegisterOrWaitlist(ctx, stored, newRegistration(t, stored, onair.RegistrationInput{Email: email}, at), at)
			if err != nil {
				t.Fatalf("RegisterOrWaitlist %s: %v", email, err)
			}
			return r
		}
		byEmail := func(t *testing.T, eventID string) map[string]onair.Registration {
			t.Helper()
			out := map[string]onair.Registration{}
			for _, r := range registrations(t, s, store.RegistrationFilter{EventID: eventID}) {
				out[r.Email] = r
			}
			return out
		}
		counts := func(t *testing.T, eventID string, registered, waiting int) {
			t.Helper()
			ev, err := s.Event(ctx, eventID)
			if err != nil {
				t.Fatal(err)
			}
			if ev.RegistrationCount != registered || ev.WaitlistCount != waiting {
				t.Errorf("registration_count %d, waitlist_count %d; want %d and %d", ev.RegistrationCount, ev.WaitlistCount, registered, waiting)
			}
		}
		personal := func(t *testing.T, regID string, kind onair.NotificationKind) int {
			t.Helper()
			var n int
			if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries d JOIN notifications n ON n.id = d.notification_id
				WHERE d.registration_id = $1 AND n.kind = $2`, regID, string(kind)).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		t.Run("a full event with a waitlist takes registrations onto it, in order", func(t *testing.T) {
			ev := newEvent(t, s, host.ID, withWaitlist)
			for i, email := range []string{"a@example.com", "b@example.com"} {
				if r := join(t, ev, email, now); r.Status != onair.RegRegistered || r.WaitlistPosition != 0 {
					t.Errorf("registration %d: %s at %d", i, r.Status, r.WaitlistPosition)
				}
			}
			for i, email := range []string{"c@example.com", "d@example.com", "e@example.com"} {
				r := join(t, ev, email, now)
				if r.Status != onair.RegWaitlisted || r.WaitlistPosition != i+1 {
					t.Errorf("%s: %s at %d; want waitlisted at %d", email, r.Status, r.WaitlistPosition, i+1)
				}
				if personal(t, r.ID, onair.KindWaitlisted) != 1 || personal(t, r.ID, onair.KindConfirmation) != 0 {
					t.Errorf("%s: not sent the waitlisted message alone", email)
				}
			}
			counts(t, ev.ID, 2, 3)
			regs := byEmail(t, ev.ID)
			if regs["d@example.com"].WaitlistPosition != 2 || regs["a@example.com"].WaitlistPosition != 0 {
				t.Errorf("listed positions: %+v", regs)
			}

			t.Run("a cancellation gives the seat to the first in line, once", func(t *testing.T) {
				got, err := s.CancelRegistration(ctx, regs["a@example.com"].ID, now.Add(time.Hour))
				if err != nil || got.Status != onair.RegCancelled {
					t.Fatalf("CancelRegistration = %+v, %v", got, err)
				}
				regs := byEmail(t, ev.ID)
				c := regs["c@example.com"]
				if c.Status != onair.RegRegistered || c.PromotedAt == nil || !c.PromotedAt.Equal(now.Add(time.Hour)) {
					t.Errorf("first in line: %s, promoted at %v", c.Status, c.PromotedAt)
				}
				if personal(t, c.ID, onair.KindPromoted) != 1 {
					t.Errorf("the promoted registrant was not sent the promoted message")
				}
				if regs["d@example.com"].WaitlistPosition != 1 || regs["e@example.com"].WaitlistPosition != 2 {
					t.Errorf("the line did not move up: d %d, e %d", regs["d@example.com"].WaitlistPosition, regs["e@example.com"].WaitlistPosition)
				}
				counts(t, ev.ID, 2, 2)

				again, err := s.CancelRegistration(ctx, regs["a@example.com"].ID, now.Add(2*time.Hour))
				if err != nil || again.Status != onair.RegCancelled {
					t.Fatalf("cancelling again = %+v, %v", again, err)
				}
				counts(t, ev.ID, 2, 2)
				if byEmail(t, ev.ID)["d@example.com"].Status != onair.RegWaitlisted {
					t.Error("cancelling twice gave a second seat")
				}
			})

			t.Run("a waitlisted registrant who cancels frees no seat and leaves the line", func(t *testing.T) {
				d := byEmail(t, ev.ID)["d@example.com"]
				if _, err := s.CancelRegistration(ctx, d.ID, now.Add(3*time.Hour)); err != nil {
					t.Fatal(err)
				}
				regs := byEmail(t, ev.ID)
				if regs["e@example.com"].WaitlistPosition != 1 || regs["e@example.com"].Status != onair.RegWaitlisted {
					t.Errorf("e: %s at %d", regs["e@example.com"].Status, regs["e@example.com"].WaitlistPosition)
				}
				counts(t, ev.ID, 2, 1)
			})

			t.Run("the capacity raised promotes as many as it frees", func(t *testing.T) {
				join(t, ev, "f@example.com", now)
				join(t, ev, "g@example.com", now)
				counts(t, ev.ID, 2, 3)
				got, err := s.UpdateEvent(ctx, host.ID, ev.ID, func(cur onair.Event) (onair.Event, error) {
					n := 4
					next, _, err := cur.Update(onair.EventInput{MaxRegistrations: &n}, now.Add(4*time.Hour))
					return next, err
				})
				if err != nil {
					t.Fatal(err)
				}
				if got.RegistrationCount != 4 || got.WaitlistCount != 1 {
					t.Errorf("UpdateEvent returned counts %d and %d; want 4 and 1", got.RegistrationCount, got.WaitlistCount)
				}
				regs := byEmail(t, ev.ID)
				if regs["e@example.com"].Status != onair.RegRegistered || regs["f@example.com"].Status != onair.RegRegistered ||
					regs["g@example.com"].WaitlistPosition != 1 {
					t.Errorf("e %s, f %s, g %s at %d", regs["e@example.com"].Status, regs["f@example.com"].Status,
						regs["g@example.com"].Status, regs["g@example.com"].WaitlistPosition)
				}
				counts(t, ev.ID, 4, 1)
			})

			t.Run("no limit any more promotes everyone", func(t *testing.T) {
				if _, err := s.UpdateEvent(ctx, host.ID, ev.ID, func(cur onair.Event) (onair.Event, error) {
					n := 0
					next, _, err := cur.Update(onair.EventInput{MaxRegistrations: &n}, now.Add(5*time.Hour))
					return next, err
				}); err != nil {
					t.Fatal(err)
				}
				counts(t, ev.ID, 5, 0)
				if g := byEmail(t, ev.ID)["g@example.com"]; g.Status != onair.RegRegistered || personal(t, g.ID, onair.KindPromoted) != 1 {
					t.Errorf("g: %s", g.Status)
				}
			})
		})

		t.Run("without a waitlist a full event refuses", func(t *testing.T) {
			ev := newEvent(t, s, host.ID, func(e *onair.Event) { e.MaxRegistrations = 1 })
			join(t, ev, "one@example.com", now)
			stored, _ := s.Event(ctx, ev.ID)
			_, _, err := s.RegisterOrWaitlist(ctx, stored, newRegistration(t, stored, onair.RegistrationInput{Email: "two@example.com"}, now), now)
			assertError(t, err, onair.ErrConflict, "event_full")
			counts(t, ev.ID, 1, 0)
		})

		t.Run("an unknown registration is not found, an ended event's is gone", func(t *testing.T) {
			if _, err := s.CancelRegistration(ctx, onair.NewID(), now); !errors.Is(err, onair.ErrNotFound) {
				t.Errorf("unknown: %v", err)
			}
			ev := newEvent(t, s, host.ID, withWaitlist)
			r := join(t, ev, "over@example.com", now)
			if _, err := s.UpdateEvent(ctx, host.ID, ev.ID, func(cur onair.Event) (onair.Event, error) { return cur.End(now) }); err != nil {
				t.Fatal(err)
			}
			if _, err := s.CancelRegistration(ctx, r.ID, now); !errors.Is(err, onair.ErrGone) {
				t.Errorf("ended: %v", err)
			}
			counts(t, ev.ID, 1, 0)
		})

		t.Run("unsubscribing or erasing a waitlisted registrant takes it off the line", func(t *testing.T) {
			ev := newEvent(t, s, host.ID, withWaitlist)
			for i := range 4 {
				join(t, ev, fmt.Sprintf("u%d@example.com", i), now)
			}
			regs := byEmail(t, ev.ID)
			if _, _, err := s.Unsubscribe(ctx, regs["u2@example.com"].ID, now); err != nil {
				t.Fatal(err)
			}
			if got := byEmail(t, ev.ID); got["u2@example.com"].Status != onair.RegCancelled || got["u3@example.com"].WaitlistPosition != 1 {
				t.Errorf("u2 %s, u3 at %d", got["u2@example.com"].Status, got["u3@example.com"].WaitlistPosition)
			}
			counts(t, ev.ID, 2, 1)
			if _, err := s.EraseViewer(ctx, host.ID, "u3@example.com", now); err != nil {
				t.Fatal(err)
			}
			counts(t, ev.ID, 2, 0)
		})
	})
}

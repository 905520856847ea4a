package store_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/store/storetest"
)

// abEvent stores an email event with an A/B test: arm a 1day, arm b 3days.
func abEvent(t *testing.T, s *store.Store, email string) onair.Event {
	t.Helper()
	h := newHost(t, s, email)
	return newEvent(t, s, h.ID, func(e *onair.Event) {
		e.Intervals = []onair.Interval{onair.NamedIntervals[3]}                         // 1day
		e.ABTest = &onair.ABTest{IntervalsB: []onair.Interval{onair.NamedIntervals[2]}} // 3days
	})
}

// arms maps each registration of ev to its arm.
func arms(t *testing.T, s *store.Store, ev onair.Event) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, r := range registrations(t, s, store.RegistrationFilter{EventID: ev.ID, Limit: 1000}) {
		out[r.Email] = r.Arm
	}
	return out
}

func TestABArms(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		t.Run("alternate in registration order, a first", func(t *testing.T) {
			ev := abEvent(t, s, "ab-order@example.com")
			got := ""
			for i := range 5 {
				mustRegister(t, s, ev, fmt.Sprintf("v%d@example.com", i), now.Add(time.Duration(i)*time.Second))
				got += arms(t, s, ev)[fmt.Sprintf("v%d@example.com", i)]
			}
			if got != "ababa" {
				t.Errorf("arms %q, want ababa", got)
			}
		})
		t.Run("concurrent registrations split evenly", func(t *testing.T) {
			ev := abEvent(t, s, "ab-race@example.com")
			const n = 60
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() { mustRegister(t, s, ev, fmt.Sprintf("race%d@example.com", i), now) })
			}
			wg.Wait()
			count := map[string]int{}
			for _, arm := range arms(t, s, ev) {
				count[arm]++
			}
			if count["a"] != n/2 || count["b"] != n/2 {
				t.Errorf("arms %v, want %d each", count, n/2)
			}
			after, err := s.Event(ctx, ev.ID)
			if err != nil || after.ABSeq != n {
				t.Errorf("ab_seq %d, %v; want %d", after.ABSeq, err, n)
			}
		})
		t.Run("a test that starts later puts the registrants in arms; one that ends takes them out", func(t *testing.T) {
			h := newHost(t, s, "ab-later@example.com")
			ev := newEvent(t, s, h.ID, nil)
			for i := range 3 {
				mustRegister(t, s, ev, fmt.Sprintf("early%d@example.com", i), now.Add(time.Duration(i)*time.Second))
			}
			if a := arms(t, s, ev); a["early0@example.com"] != "" {
				t.Fatalf("an arm without a test: %v", a)
			}
			change := func(raw onair.JSONValue) onair.Event {
				t.Helper()
				out, err := s.UpdateEvent(ctx, h.ID, ev.ID, func(e onair.Event) (onair.Event, error) {
					next, _, err := e.Update(onair.EventInput{ABTest: raw}, now.Add(time.Minute))
					return next, err
				})
				if err != nil {
					t.Fatal(err)
				}
				return out
			}
			change(`{"intervals_b": ["3days"]}`)
			mustRegister(t, s, ev, "after@example.com", now.Add(2*time.Minute))
			a := arms(t, s, ev)
			if got := a["early0@example.com"] + a["early1@example.com"] + a["early2@example.com"] + a["after@example.com"]; got != "abab" {
				t.Errorf("arms %q, want abab", got)
			}
			ns, err := s.EventNotifications(ctx, ev.ID)
			if err != nil {
				t.Fatal(err)
			}
			perArm := map[string]int{}
			for _, n := range ns {
				if n.IsReminder() && n.Status == onair.NotifScheduled {
					perArm[n.Arm]++
				}
			}
			// The default ladder (1day 1hour 15minutes now) for arm a, 3days for b.
			if perArm["a"] != 4 || perArm["b"] != 1 || perArm[""] != 0 {
				t.Errorf("scheduled reminders per arm %v", perArm)
			}
			change("null")
			for email, arm := range arms(t, s, ev) {
				if arm != "" {
					t.Errorf("%s still in arm %s", email, arm)
				}
			}
		})
		t.Run("each arm's reminder fans out to its arm alone; the analytics count each arm", func(t *testing.T) {
			ev := abEvent(t, s, "ab-fanout@example.com")
			for i := range 5 {
				mustRegister(t, s, ev, fmt.Sprintf("f%d@example.com", i), now.Add(time.Duration(i)*time.Second))
			}
			byEmail := arms(t, s, ev)
			ns, err := s.EventNotifications(ctx, ev.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range ns {
				if !n.IsReminder() {
					continue
				}
				created, _, _, err := s.DispatchStep(ctx, n.ID, 0, n.ScheduledTime, 100)
				want := map[string]int{"a": 3, "b": 2}[n.Arm]
				if err != nil || created != want {
					t.Errorf("%s: %d deliveries, %v; want %d", n.PlanKey(), created, err, want)
				}
				var wrong int
				if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries d JOIN registrations r
					ON r.id = d.registration_id WHERE d.notification_id = $1 AND r.arm <> $2`, n.ID, n.Arm).Scan(&wrong); err != nil || wrong != 0 {
					t.Errorf("%s: %d deliveries to the other arm, %v", n.PlanKey(), wrong, err)
				}
			}
			regs := registrations(t, s, store.RegistrationFilter{EventID: ev.ID, Limit: 100})
			if _, err := s.DB().ExecContext(ctx, `UPDATE registrations SET attended = TRUE WHERE email = $1 OR email = $2`,
				"f0@example.com", "f1@example.com"); err != nil {
				t.Fatal(err)
			}
			a, err := s.EventAnalytics(ctx, ev.ID)
			if err != nil {
				t.Fatal(err)
			}
			if byEmail["f0@example.com"] != "a" || byEmail["f1@example.com"] != "b" || len(regs) != 5 {
				t.Fatalf("arms %v", byEmail)
			}
			if a.Arms["a"] != (onair.ArmFigures{Registrations: 3, Attended: 1, AttendanceRate: 1.0 / 3}) ||
				a.Arms["b"] != (onair.ArmFigures{Registrations: 2, Attended: 1, AttendanceRate: 0.5}) || a.PValue == nil || a.ABTest == nil {
				t.Errorf("arms %+v, p %v", a.Arms, a.PValue)
			}
		})
	})
}

// An SMS reminder due in the viewer's night is put back in the queue, due
// at the end of the quiet hours, and claimed then; one that the quiet hours
// would hold past the next reminder is skipped with the reason.
func TestQuietHoursHoldInTheQueue(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		h := newHost(t, s, "quiet@example.com")
		// Starts 4 Dec 12:00 UTC: 3days is 1 Dec 12:00 UTC = 21:00 in Tokyo
		// (noon in London); 13h is 3 Dec 23:00 UTC = 08:00 in Tokyo, 23:00
		// in London, quiet there until 08:00: after 12hours at midnight.
		ev := newEvent(t, s, h.ID, func(e *onair.Event) {
			e.Notifications.SMSEnabled = true
			e.Intervals = []onair.Interval{onair.NamedIntervals[2], {Offset: 13 * time.Hour}, onair.NamedIntervals[4]}
		})
		tokyo := register(t, s, ev, onair.RegistrationInput{Email: "tokyo@example.com", Phone: "+819012345678", Timezone: "Asia/Tokyo"}, now)
		london := register(t, s, ev, onair.RegistrationInput{Email: "london@example.com", Phone: "+447700900123", Timezone: "Europe/London"}, now)
		ns, err := s.EventNotifications(ctx, ev.ID)
		if err != nil {
			t.Fatal(err)
		}
		reminder := func(ch onair.Channel, iv string) onair.Notification {
			for _, n := range ns {
				if n.Channel == ch && n.Interval == iv {
					return n
				}
			}
			t.Fatalf("no %s %s", ch, iv)
			return onair.Notification{}
		}
		status := func(nid, rid string) (st, reason string) {
			t.Helper()
			if err := s.DB().QueryRowContext(ctx, `SELECT status, error FROM deliveries WHERE notification_id = $1
				AND registration_id = $2`, nid, rid).Scan(&st, &reason); err != nil {
				t.Fatal(err)
			}
			return st, reason
		}
		claimSMS := func(at time.Time) map[string]bool {
			t.Helper()
			items, err := s.ClaimDue(ctx, "worker:test", onair.ChannelSMS, at, at, 100)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, it := range items {
				got[it.Registration.Email] = true
				if err := s.RecordOutcomes(ctx, "worker:test", []store.Outcome{{DeliveryID: it.Delivery.ID, Status: onair.DeliverySent}}, at); err != nil {
					t.Fatal(err)
				}
			}
			return got
		}
		// Settle the confirmations first.
		claimSMS(now.Add(time.Second))

		sms3 := reminder(onair.ChannelSMS, "3days")
		if _, _, _, err := s.DispatchStep(ctx, sms3.ID, 0, sms3.ScheduledTime, 100); err != nil {
			t.Fatal(err)
		}
		got := claimSMS(sms3.ScheduledTime)
		if got["tokyo@example.com"] || !got["london@example.com"] {
			t.Fatalf("claimed at 21:00 in Tokyo: %v; want London only", got)
		}
		morning := time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC) // 08:00 on the 2nd in Tokyo
		st, reason := status(sms3.ID, tokyo.ID)
		if st != "pending" || reason != onair.HeldReason(morning) {
			t.Fatalf("Tokyo's SMS is %s (%q); want pending, %q", st, reason, onair.HeldReason(morning))
		}
		tl, err := s.RegistrantTimeline(ctx, ev.ID, tokyo.ID)
		if err != nil {
			t.Fatal(err)
		}
		held := false
		for _, m := range tl.Messages {
			if until, ok := m.HeldUntil(); ok && until.Equal(morning) && m.Interval == "3days" {
				held = true
			}
		}
		if !held {
			t.Errorf("the timeline does not show the SMS held until %v: %+v", morning, tl.Messages)
		}
		if got := claimSMS(morning.Add(-time.Second)); len(got) != 0 {
			t.Errorf("claimed before the morning: %v", got)
		}
		if got := claimSMS(morning); !got["tokyo@example.com"] || len(got) != 1 {
			t.Errorf("claimed at the morning: %v; want Tokyo", got)
		}
		if got := claimSMS(morning.Add(time.Hour)); len(got) != 0 {
			t.Errorf("claimed again: %v", got)
		}

		// The email of the same reminder is never held.
		email3 := reminder(onair.ChannelEmail, "3days")
		if _, _, _, err := s.DispatchStep(ctx, email3.ID, 0, email3.ScheduledTime, 100); err != nil {
			t.Fatal(err)
		}
		items, err := s.ClaimDue(ctx, "worker:test", onair.ChannelEmail, email3.ScheduledTime, email3.ScheduledTime, 100)
		if err != nil {
			t.Fatal(err)
		}
		emails := 0
		for _, it := range items {
			if it.Notification.ID == email3.ID {
				emails++
			}
		}
		if emails != 2 {
			t.Errorf("%d emails of 3days claimed at their time; want 2", emails)
		}

		sms13 := reminder(onair.ChannelSMS, "13h0m0s")
		if _, _, _, err := s.DispatchStep(ctx, sms13.ID, 0, sms13.ScheduledTime, 100); err != nil {
			t.Fatal(err)
		}
		got = claimSMS(sms13.ScheduledTime)
		if !got["tokyo@example.com"] || got["london@example.com"] {
			t.Errorf("claimed at 23:00 UTC: %v; want Tokyo only", got)
		}
		if st, reason := status(sms13.ID, london.ID); st != "skipped" || reason != onair.ReasonQuietHours {
			t.Errorf("London's 13h SMS is %s (%q); want skipped, %q", st, reason, onair.ReasonQuietHours)
		}

		// A held SMS is stopped by a cancel, or a reschedule, like any
		// other pending message.
		for _, change := range []string{"cancel", "reschedule"} {
			other := newEvent(t, s, h.ID, func(e *onair.Event) {
				e.Notifications.SMSEnabled = true
				e.Notifications.EmailEnabled = false
				e.Intervals = []onair.Interval{onair.NamedIntervals[2]}
			})
			viewer := register(t, s, other, onair.RegistrationInput{Email: change + "@example.com", Phone: "+819012345679", Timezone: "Asia/Tokyo"}, now)
			claimSMS(now.Add(2 * time.Second))
			ns, err := s.EventNotifications(ctx, other.ID)
			if err != nil {
				t.Fatal(err)
			}
			var n onair.Notification
			for _, x := range ns {
				if x.Interval == "3days" {
					n = x
				}
			}
			if _, _, _, err := s.DispatchStep(ctx, n.ID, 0, n.ScheduledTime, 100); err != nil {
				t.Fatal(err)
			}
			if got := claimSMS(n.ScheduledTime); len(got) != 0 {
				t.Fatalf("%s: claimed at night: %v", change, got)
			}
			if _, err := s.UpdateEvent(ctx, h.ID, other.ID, func(e onair.Event) (onair.Event, error) {
				if change == "cancel" {
					return e.Cancel(n.ScheduledTime.Add(time.Hour))
				}
				later := e.ScheduledStart.Add(24 * time.Hour).Format(time.RFC3339)
				next, _, err := e.Update(onair.EventInput{ScheduledStart: &later}, n.ScheduledTime.Add(time.Hour))
				return next, err
			}); err != nil {
				t.Fatal(err)
			}
			if got := claimSMS(morning); got[viewer.Email] {
				t.Errorf("%s: the held SMS left after all", change)
			}
			want := map[string]string{"cancel": onair.ReasonEventCancelled, "reschedule": onair.ReasonEventChanged}[change]
			if st, reason := status(n.ID, viewer.ID); st != "skipped" || reason != want {
				t.Errorf("%s: the held SMS is %s (%q); want skipped, %q", change, st, reason, want)
			}
		}
	})
}

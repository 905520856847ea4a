package store_test

import (
	"testing"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/store/storetest"
)

// The SQL that applies the domain's rules to many rows at once (the
// address of a delivery, the fan-out's recipients) says what onair.Address
// and onair.RecipientReason say, for registrations in every state: with and
// without a phone, unsubscribed, cancelled, erased.
func TestRulesInSQLAgreeWithTheDomain(t *testing.T) {
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		h := newHost(t, s, "rules@example.com")
		ev := newEvent(t, s, h.ID, func(e *onair.Event) { e.Notifications.SMSEnabled = true })
		at := now.Add(time.Minute)
		reg := func(email, phone string) onair.Registration {
			return register(t, s, ev, onair.RegistrationInput{Email: email, Phone: phone}, at)
		}
		reg(" Mixed.Case@Example.COM ", "+14155550100")
		reg("nophone@example.com", "")
		gone := reg("unsubscribed@example.com", "+14155550101")
		if _, _, err := s.Unsubscribe(ctx, gone.ID, at); err != nil {
			t.Fatal(err)
		}
		cancelled := reg("cancelled@example.com", "+14155550102")
		if _, err := s.DB().ExecContext(ctx, `UPDATE registrations SET status = 'cancelled' WHERE id = $1`, cancelled.ID); err != nil {
			t.Fatal(err)
		}
		reg("erased@example.com", "+14155550103")
		if n, err := s.EraseViewer(ctx, h.ID, "erased@example.com", at); err != nil || n != 1 {
			t.Fatalf("EraseViewer = %d, %v", n, err)
		}

		for _, ch := range []onair.Channel{onair.ChannelEmail, onair.ChannelSMS} {
			rules, err := s.RulesInSQL(ctx, ev.ID, ch)
			if err != nil {
				t.Fatal(err)
			}
			if len(rules) != 5 {
				t.Fatalf("%d registrations on %s; want 5", len(rules), ch)
			}
			recipients := 0
			for id, got := range rules {
				r, _, err := s.RegistrationWithEvent(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				want := onair.Address(ch, r)
				if got.Address != want || got.DeliveryAddress != want {
					t.Errorf("%s on %s: the SQL says the address is %q (of a delivery %q), onair.Address %q",
						r.Email, ch, got.Address, got.DeliveryAddress, want)
				}
				reason := onair.RecipientReason(r, ch)
				if got.Recipient != (reason == "") {
					t.Errorf("%s (%s, erased %v) on %s: the SQL says recipient %v, onair.RecipientReason %q",
						r.Email, r.Status, r.Erased(), ch, got.Recipient, reason)
				}
				if got.Recipient {
					recipients++
				}
			}
			// Not a test that agrees by saying nothing: both say yes somewhere.
			if want := map[onair.Channel]int{onair.ChannelEmail: 2, onair.ChannelSMS: 1}[ch]; recipients != want {
				t.Errorf("%d recipients on %s; want %d", recipients, ch, want)
			}
		}
	})
}

// A reminder whose dispatch comes late (the sending nodes were down) goes
// only to those who registered before its time: the one who registered in
// between is a recipient the claim skips, with the reason, and counts as
// skipped.
func TestLateRegistrantSkippedByALateReminder(t *testing.T) {
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		h := newHost(t, s, "late@example.com")
		ev := newEvent(t, s, h.ID, nil)
		dayBefore := ev.ScheduledStart.Add(-24 * time.Hour)
		early := register(t, s, ev, onair.RegistrationInput{Email: "early@example.com"}, now.Add(time.Minute))
		late := register(t, s, ev, onair.RegistrationInput{Email: "late@example.com"}, dayBefore.Add(30*time.Minute))
		recovered := dayBefore.Add(time.Hour)

		ns, err := s.EventNotifications(ctx, ev.ID)
		if err != nil {
			t.Fatal(err)
		}
		var reminder onair.Notification
		for _, n := range ns {
			if n.Kind == onair.KindReminder && n.Interval == "1day" {
				reminder = n
			}
		}
		if created, _, _, err := s.DispatchStep(ctx, reminder.ID, 0, recovered, 100); err != nil || created != 2 {
			t.Fatalf("DispatchStep = %d, %v; want both registrants' deliveries", created, err)
		}
		var got []string
		for _, it := range claimPending(t, s, recovered) {
			if it.Notification.ID == reminder.ID {
				got = append(got, it.Registration.ID)
			}
		}
		if len(got) != 1 || got[0] != early.ID {
			t.Errorf("the reminder is claimed for %v; want the early registrant %s only", got, early.ID)
		}
		var status, reason string
		if err := s.DB().QueryRowContext(ctx, `SELECT status, error FROM deliveries WHERE notification_id = $1
			AND registration_id = $2`, reminder.ID, late.ID).Scan(&status, &reason); err != nil {
			t.Fatal(err)
		}
		if status != "skipped" || reason != onair.ReasonRegisteredLate {
			t.Errorf("the late registrant's reminder is %s (%q); want skipped with %q", status, reason, onair.ReasonRegisteredLate)
		}
		ns, err = s.EventNotifications(ctx, ev.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			if n.ID == reminder.ID && (n.Recipients != 2 || n.SkippedCount != 1) {
				t.Errorf("the reminder counts %d recipients, %d skipped; want 2 and 1", n.Recipients, n.SkippedCount)
			}
		}
	})
}

// The fan-out's audience of each kind (audienceSQL) is onair.AudienceReason:
// the attended follow-up for those who attended, the missed one for the
// others, every other kind for all.
func TestAudienceInSQLAgreesWithTheDomain(t *testing.T) {
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		h := newHost(t, s, "audience@example.com")
		ev := newEvent(t, s, h.ID, nil)
		at := now.Add(time.Minute)
		came := register(t, s, ev, onair.RegistrationInput{Email: "came@example.com"}, at)
		register(t, s, ev, onair.RegistrationInput{Email: "missed@example.com"}, at)
		if _, err := s.DB().ExecContext(ctx, `UPDATE registrations SET attended = TRUE WHERE id = $1`, came.ID); err != nil {
			t.Fatal(err)
		}
		for _, kind := range onair.MessageKinds {
			got, err := s.AudienceInSQL(ctx, ev.ID, kind)
			if err != nil {
				t.Fatal(err)
			}
			in := 0
			for id, sql := range got {
				r, _, err := s.RegistrationWithEvent(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if want := onair.AudienceReason(kind, r) == ""; sql != want {
					t.Errorf("%s, attended %v: the SQL says %v, onair.AudienceReason %v", kind, r.Attended, sql, want)
				}
				if sql {
					in++
				}
			}
			want := 2
			if kind == onair.KindFollowUpAttended || kind == onair.KindFollowUpMissed {
				want = 1
			}
			if in != want {
				t.Errorf("%s: %d in the audience; want %d", kind, in, want)
			}
		}
	})
}

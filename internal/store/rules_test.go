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

package store_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/store/storetest"
)

// TestRegistrantTimeline follows one registrant from registration to
// unsubscription, with a second registrant beside her whose rows must not
// show in her timeline.
func TestRegistrantTimeline(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		at := func(d time.Duration) time.Time { return now.Add(d) }
		start := at(time.Hour)
		join := start.Add(-10 * time.Minute) // inside the window before the start that counts as attending
		h := newHost(t, s, "timeline@example.com")
		ev := newEvent(t, s, h.ID, func(e *onair.Event) {
			e.ScheduledStart, e.DurationMinutes = start, 240
			e.Notifications.SMSEnabled = true
		})

		ada := newRegistration(t, ev, onair.RegistrationInput{Email: "ada@example.com", FirstName: "Ada",
			Phone: "+14155550100", Source: "newsletter"}, now)
		bob := newRegistration(t, ev, onair.RegistrationInput{Email: "bob@example.com"}, now)
		for _, r := range []onair.Registration{ada, bob} {
			if _, err := s.Register(ctx, r, now); err != nil {
				t.Fatalf("Register %s: %v", r.Email, err)
			}
		}

		// The confirmations: Ada's email leaves at 1 min, her SMS fails at
		// 1 min 30 s; Bob's email leaves too.
		items := claimPending(t, s, at(time.Minute))
		var adaEmail, adaSMS store.SendItem
		var outcomes, later []store.Outcome
		for _, it := range items {
			switch {
			case it.Registration.ID == ada.ID && it.Delivery.Channel == onair.ChannelEmail:
				adaEmail = it
				outcomes = append(outcomes, store.Outcome{DeliveryID: it.Delivery.ID, Status: onair.DeliverySent, Provider: "smtp"})
			case it.Registration.ID == ada.ID:
				adaSMS = it
				later = append(later, store.Outcome{DeliveryID: it.Delivery.ID, Status: onair.DeliveryFailed,
					Provider: "twilio", Error: "21211: the To number is not a valid phone number"})
			default:
				outcomes = append(outcomes, store.Outcome{DeliveryID: it.Delivery.ID, Status: onair.DeliverySent, Provider: "smtp"})
			}
		}
		if len(items) != 3 || adaEmail.Delivery.ID == 0 || adaSMS.Delivery.ID == 0 {
			t.Fatalf("claimed %d confirmations; want Ada's email and SMS and Bob's email", len(items))
		}
		recordOutcomes(t, s, outcomes, at(time.Minute))
		recordOutcomes(t, s, later, at(90*time.Second))

		// Ada registers twice more: the confirmation is queued again each time.
		for _, d := range []time.Duration{2 * time.Minute, 3 * time.Minute} {
			again := newRegistration(t, ev, onair.RegistrationInput{Email: "ADA@example.com"}, at(d))
			if _, err := s.Register(ctx, again, at(d)); !errors.Is(err, onair.ErrAlreadyRegistered) {
				t.Fatalf("Register again: %v; want ErrAlreadyRegistered", err)
			}
		}

		// She opens the email twice and clicks once.
		nid, did := adaEmail.Notification.ID, adaEmail.Delivery.ID
		for _, step := range []error{
			s.RecordOpen(ctx, nid, did, at(5*time.Minute)),
			s.RecordOpen(ctx, nid, did, at(6*time.Minute)),
			s.RecordClick(ctx, nid, did, at(7*time.Minute)),
		} {
			if step != nil {
				t.Fatalf("tracking: %v", step)
			}
		}

		// She joins, watches 55 s, is away for two minutes, watches on; she
		// chats twice, reacts once, buys once. Bob joins and buys too.
		if ok, err := s.RecordJoin(ctx, ev.ID, ada.ID, join); err != nil || !ok {
			t.Fatalf("RecordJoin = %v, %v", ok, err)
		}
		for _, d := range []time.Duration{30 * time.Second, 55 * time.Second, 3 * time.Minute, 3*time.Minute + 30*time.Second} {
			beat(t, s, ev, ada, join.Add(d))
		}
		for _, e := range []struct {
			action string
			d      time.Duration
		}{{"chat", time.Minute}, {"reaction", 2*time.Minute + 30*time.Second}, {"chat", 2 * time.Minute}} {
			if err := s.RecordEngagement(ctx, ev.ID, ada.ID, e.action, join.Add(e.d)); err != nil {
				t.Fatalf("RecordEngagement: %v", err)
			}
		}
		if err := s.RecordPurchase(ctx, ev.ID, ada.ID, 4900, "EUR", join.Add(4*time.Minute)); err != nil {
			t.Fatalf("RecordPurchase: %v", err)
		}
		if _, err := s.RecordJoin(ctx, ev.ID, bob.ID, join); err != nil {
			t.Fatalf("RecordJoin Bob: %v", err)
		}
		if err := s.RecordEngagement(ctx, ev.ID, bob.ID, "poll", join); err != nil {
			t.Fatalf("RecordEngagement Bob: %v", err)
		}
		if err := s.RecordPurchase(ctx, ev.ID, bob.ID, 100, "USD", join); err != nil {
			t.Fatalf("RecordPurchase Bob: %v", err)
		}

		// She unsubscribes; the first confirmation sent again is then
		// skipped, the second is still waiting.
		unsubscribed := at(time.Hour)
		if _, _, err := s.Unsubscribe(ctx, ada.ID, unsubscribed); err != nil {
			t.Fatalf("Unsubscribe: %v", err)
		}
		ids, err := s.PendingDeliveries(ctx, at(2*time.Hour), 10)
		if err != nil || len(ids) != 2 {
			t.Fatalf("PendingDeliveries = %v, %v; want Ada's two confirmations sent again", ids, err)
		}
		if sent, err := s.ClaimDeliveries(ctx, ids[:1], "test", at(61*time.Minute)); err != nil || len(sent) != 0 {
			t.Fatalf("ClaimDeliveries = %v, %v; want the delivery skipped", sent, err)
		}

		got, err := s.RegistrantTimeline(ctx, ev.ID, ada.ID)
		if err != nil {
			t.Fatalf("RegistrantTimeline: %v", err)
		}

		t.Run("the registration", func(t *testing.T) {
			r := got.Registration
			if r.ID != ada.ID || r.Email != "ada@example.com" || r.FirstName != "Ada" || r.Source != "newsletter" ||
				r.Status != onair.RegUnsubscribed || !r.Attended || !r.CreatedAt.Equal(now) {
				t.Errorf("registration %+v", r)
			}
			if got.FirstJoinedAt == nil || !got.FirstJoinedAt.Equal(join) {
				t.Errorf("FirstJoinedAt = %v; want %v", got.FirstJoinedAt, join)
			}
			if got.UnsubscribedAt == nil || !got.UnsubscribedAt.Equal(unsubscribed) {
				t.Errorf("UnsubscribedAt = %v; want %v", got.UnsubscribedAt, unsubscribed)
			}
			// The total is the registration's own, as analytics count it;
			// what the beat that ends an absence adds to it is for the
			// attendance rules to say (their tests do), not this one.
			if a := attendance(t, s, ada.ID); got.WatchSeconds != a.WatchSeconds || got.WatchSeconds < 55+30 {
				t.Errorf("WatchSeconds = %d; want the registration's %d, at least the sessions' 85", got.WatchSeconds, a.WatchSeconds)
			}
		})

		t.Run("each message with its status, reason and tracking", func(t *testing.T) {
			sent, failed := at(time.Minute), at(90*time.Second)
			opened, clicked := at(5*time.Minute), at(7*time.Minute)
			want := []onair.TimelineMessage{
				{DeliveryID: adaEmail.Delivery.ID, Kind: onair.KindConfirmation, Channel: onair.ChannelEmail,
					Status: onair.DeliverySent, QueuedAt: now, SettledAt: sent, SentAt: &sent,
					OpenedAt: &opened, OpenCount: 2, ClickedAt: &clicked, ClickCount: 1},
				{DeliveryID: adaSMS.Delivery.ID, Kind: onair.KindConfirmation, Channel: onair.ChannelSMS,
					Status: onair.DeliveryFailed, Error: "21211: the To number is not a valid phone number",
					QueuedAt: now, SettledAt: failed},
				{DeliveryID: ids[0], Kind: onair.KindConfirmation, Channel: onair.ChannelEmail, Seq: 1,
					Status: onair.DeliverySkipped, Error: "the registrant unsubscribed",
					QueuedAt: at(2 * time.Minute), SettledAt: at(61 * time.Minute)},
				{DeliveryID: ids[1], Kind: onair.KindConfirmation, Channel: onair.ChannelEmail, Seq: 2,
					Status: onair.DeliveryPending, QueuedAt: at(3 * time.Minute), SettledAt: at(3 * time.Minute),
					DueAt: ptr(at(3 * time.Minute))},
			}
			// Delivery ids are in the order the rows were made; the two
			// confirmations of one registration share a transaction.
			slices.SortFunc(want, func(a, b onair.TimelineMessage) int { return int(a.DeliveryID - b.DeliveryID) })
			if len(got.Messages) != len(want) {
				t.Fatalf("%d messages; want %d: %+v", len(got.Messages), len(want), got.Messages)
			}
			for i := range want {
				assertSame(t, got.Messages[i], want[i])
			}
		})

		t.Run("sessions, purchases and engagement are hers only", func(t *testing.T) {
			wantSessions := []onair.ViewingSession{
				{StartedAt: join, LastSeenAt: join.Add(55 * time.Second), Seconds: 55},
				{StartedAt: join.Add(3 * time.Minute), LastSeenAt: join.Add(3*time.Minute + 30*time.Second), Seconds: 30},
			}
			wantPurchases := []onair.Purchase{{AmountCents: 4900, Currency: "EUR", At: join.Add(4 * time.Minute)}}
			wantEngagement := []onair.EngagementTally{
				{Action: "chat", Count: 2, First: join.Add(time.Minute), Last: join.Add(2 * time.Minute)},
				{Action: "reaction", Count: 1, First: join.Add(150 * time.Second), Last: join.Add(150 * time.Second)},
			}
			assertSameList(t, "sessions", got.Sessions, wantSessions)
			assertSameList(t, "purchases", got.Purchases, wantPurchases)
			assertSameList(t, "engagement", got.Engagement, wantEngagement)
		})

		t.Run("the entries in time order", func(t *testing.T) {
			var kinds []string
			for _, e := range got.Entries() {
				k := string(e.Kind)
				if e.Message != nil {
					k += fmt.Sprintf(":%s/%s", e.Message.Channel, e.Message.Status)
				}
				kinds = append(kinds, k)
			}
			want := []string{
				"registered", "message:email/sent", "message:sms/failed", "message:email/pending",
				"opened:email/sent", "clicked:email/sent", "joined", "session", "engagement", "engagement",
				"session", "purchase", "unsubscribed", "message:email/skipped",
			}
			if !slices.Equal(kinds, want) {
				t.Errorf("entries\n got %q\nwant %q", kinds, want)
			}
		})

		t.Run("Bob's timeline is his own", func(t *testing.T) {
			b, err := s.RegistrantTimeline(ctx, ev.ID, bob.ID)
			if err != nil {
				t.Fatalf("RegistrantTimeline: %v", err)
			}
			if len(b.Messages) != 1 || b.Messages[0].Status != onair.DeliverySent || len(b.Sessions) != 1 ||
				len(b.Purchases) != 1 || b.Purchases[0].Currency != "USD" || len(b.Engagement) != 1 ||
				b.Engagement[0].Action != "poll" || b.UnsubscribedAt != nil {
				t.Errorf("Bob's timeline %+v", b)
			}
		})

		t.Run("a bounce the provider reports later marks the sent message", func(t *testing.T) {
			b, _ := s.RegistrantTimeline(ctx, ev.ID, bob.ID)
			bounced := at(2 * time.Hour)
			if err := s.SuppressDeliveryAddress(ctx, b.Messages[0].DeliveryID, "bounced: 550 no such mailbox", true, bounced); err != nil {
				t.Fatalf("SuppressDeliveryAddress: %v", err)
			}
			b, err := s.RegistrantTimeline(ctx, ev.ID, bob.ID)
			if err != nil || b.Messages[0].BouncedAt == nil || !b.Messages[0].BouncedAt.Equal(bounced) ||
				b.Messages[0].Status != onair.DeliverySent || b.Messages[0].Error != "bounced: 550 no such mailbox" {
				t.Errorf("Bob's message after the bounce: %+v, %v", b.Messages, err)
			}
			a, err := s.EventAnalytics(ctx, ev.ID)
			if err != nil || a.NotificationsDelivered != a.NotificationsSent-1 {
				t.Errorf("analytics after the bounce: %d sent, %d delivered, %v", a.NotificationsSent, a.NotificationsDelivered, err)
			}
		})

		t.Run("an unknown or foreign registration is not found", func(t *testing.T) {
			other := newEvent(t, s, h.ID, nil)
			for name, ids := range map[string][2]string{
				"another event":                   {other.ID, ada.ID},
				"an unknown registration":         {ev.ID, onair.NewID()},
				"a registration id that is no id": {ev.ID, "not-an-id"},
				"an event id that is no id":       {"' OR 1=1 --", ada.ID},
				"an event as registration":        {ev.ID, ev.ID},
			} {
				if _, err := s.RegistrantTimeline(ctx, ids[0], ids[1]); !errors.Is(err, onair.ErrNotFound) {
					t.Errorf("%s: %v; want ErrNotFound", name, err)
				}
			}
		})
	})
}

// claimPending claims every pending delivery at at.
func claimPending(t *testing.T, s *store.Store, at time.Time) []store.SendItem {
	t.Helper()
	ids, err := s.PendingDeliveries(t.Context(), at, 100)
	if err != nil {
		t.Fatalf("PendingDeliveries: %v", err)
	}
	items, err := s.ClaimDeliveries(t.Context(), ids, "test", at)
	if err != nil {
		t.Fatalf("ClaimDeliveries: %v", err)
	}
	return items
}

func recordOutcomes(t *testing.T, s *store.Store, outcomes []store.Outcome, at time.Time) {
	t.Helper()
	if err := s.RecordOutcomes(t.Context(), "test", outcomes, at); err != nil {
		t.Fatalf("RecordOutcomes: %v", err)
	}
}

// assertSameList checks two lists of structs element by element.
func assertSameList[T any](t *testing.T, what string, got, want []T) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d; want %d: %+v", what, len(got), len(want), got)
		return
	}
	for i := range want {
		assertSame(t, got[i], want[i])
	}
}

// TestBounceBeforeTheSendIsRecorded: a provider may report a bounce in the
// moment between taking a message and onair recording that it sent it; the
// record must keep the bounce and its reason.
func TestBounceBeforeTheSendIsRecorded(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		h := newHost(t, s, "early-bounce@example.com")
		ev := newEvent(t, s, h.ID, nil)
		r := newRegistration(t, ev, onair.RegistrationInput{Email: "gone@example.com"}, now)
		if _, err := s.Register(ctx, r, now); err != nil {
			t.Fatalf("Register: %v", err)
		}
		items := claimPending(t, s, now)
		if len(items) != 1 {
			t.Fatalf("claimed %d deliveries; want the confirmation", len(items))
		}
		d := items[0].Delivery
		bounced := now.Add(time.Second)
		if err := s.SuppressDeliveryAddress(ctx, d.ID, "bounced: 550 no such mailbox", true, bounced); err != nil {
			t.Fatalf("SuppressDeliveryAddress: %v", err)
		}
		recordOutcomes(t, s, []store.Outcome{{DeliveryID: d.ID, Status: onair.DeliverySent, Provider: "test"}}, bounced.Add(time.Second))
		tl, err := s.RegistrantTimeline(ctx, ev.ID, r.ID)
		if err != nil || len(tl.Messages) != 1 {
			t.Fatalf("RegistrantTimeline: %+v, %v", tl, err)
		}
		m := tl.Messages[0]
		if m.Status != onair.DeliverySent || m.BouncedAt == nil || !m.BouncedAt.Equal(bounced) ||
			m.Error != "bounced: 550 no such mailbox" {
			t.Errorf("the message after an early bounce and its record: %+v", m)
		}
		figures, err := s.NotificationFigures(ctx, ev.ID)
		if err != nil || figures[d.NotificationID].Sent != 1 || figures[d.NotificationID].Delivered != 0 {
			t.Errorf("figures: %+v, %v; want 1 sent, 0 delivered", figures[d.NotificationID], err)
		}
	})
}

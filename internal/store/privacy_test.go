package store_test

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/store/storetest"
)

// adaInput is the viewer who asks to be forgotten.
var adaInput = onair.RegistrationInput{Email: "Ada.L@Example.com", FirstName: "Ada", LastName: "Lovelace",
	Phone: "+14155550100", Company: "Analytical Engines", Source: "newsletter"}

// adaTraces are what would give Ada away in any stored text.
var adaTraces = []string{"ada.l@", "4155550100", "lovelace", "analytical"}

func register(t *testing.T, s *store.Store, ev onair.Event, in onair.RegistrationInput, at time.Time) onair.Registration {
	t.Helper()
	r := newRegistration(t, ev, in, at)
	if _, err := s.Register(t.Context(), r, at); err != nil {
		t.Fatalf("Register %s: %v", in.Email, err)
	}
	return r
}

// figures is an event's analytics without the notifications' statuses,
// which an erasure may settle (a pending message skipped).
func figures(t *testing.T, s *store.Store, eventID string) onair.Analytics {
	t.Helper()
	a, err := s.EventAnalytics(t.Context(), eventID)
	if err != nil {
		t.Fatalf("EventAnalytics: %v", err)
	}
	for i := range a.Notifications {
		a.Notifications[i].Status = ""
	}
	return a
}

// traces counts the stored texts of host's rows that hold any of words
// (lower-cased), table by table.
func traces(t *testing.T, s *store.Store, hostID string, words []string) map[string]int {
	t.Helper()
	tables := []struct{ name, from, columns string }{
		{"registrations", "registrations x WHERE x.host_id = $1", "first_name, last_name, email, email_norm, phone, company, answers, search_text"},
		{"viewers", "viewers x WHERE x.host_id = $1", "email, email_norm, first_name, last_name, phone, company"},
		{"deliveries", "deliveries x JOIN notifications n ON n.id = x.notification_id JOIN events e ON e.id = n.event_id WHERE e.host_id = $1", "x.error"},
		{"notifications", "notifications x JOIN events e ON e.id = x.event_id WHERE e.host_id = $1", "x.error_details"},
		{"outbox_messages", "outbox_messages x WHERE x.host_id = $1", "recipient, subject, text_body, html_body, headers, attachments"},
		{"suppressions", "suppressions x WHERE x.host_id = $1", "address, reason"},
	}
	found := map[string]int{}
	for _, tb := range tables {
		for _, col := range strings.Split(tb.columns, ", ") {
			for _, w := range words {
				var n int
				err := s.DB().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM `+tb.from+
					` AND LOWER(`+col+`) LIKE $2`, hostID, "%"+w+"%").Scan(&n)
				if err != nil {
					t.Fatalf("%s.%s: %v", tb.name, col, err)
				}
				if n > 0 {
					found[tb.name+"."+col+" "+w] += n
				}
			}
		}
	}
	return found
}

func TestEraseViewer(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		at := func(d time.Duration) time.Time { return now.Add(d) }
		start := at(time.Hour + time.Minute) // the reminder an hour before is due a minute from now
		h := newHost(t, s, "privacy@example.com")
		otherHost := newHost(t, s, "other-host@example.com")
		ev := newEvent(t, s, h.ID, func(e *onair.Event) {
			e.ScheduledStart, e.DurationMinutes = start, 240
			e.Notifications.SMSEnabled = true
		})
		later := newEvent(t, s, h.ID, nil)
		elsewhere := newEvent(t, s, otherHost.ID, nil)

		ada := register(t, s, ev, adaInput, now)
		adaLater := register(t, s, later, onair.RegistrationInput{Email: "ada.l@example.com", FirstName: "Ada"}, at(time.Second))
		register(t, s, elsewhere, adaInput, now)
		bob := register(t, s, ev, onair.RegistrationInput{Email: "bob@example.com", FirstName: "Bob", Phone: "+14155550199"}, now)

		// The confirmations: Ada's email leaves (the outbox keeps it), her
		// SMS fails with Twilio naming her number; the rest leave.
		var outcomes []store.Outcome
		var adaEmail int64
		for _, it := range claimPending(t, s, at(time.Minute)) {
			o := store.Outcome{DeliveryID: it.Delivery.ID, Status: onair.DeliverySent, Provider: "outbox"}
			switch {
			case it.Registration.ID == ada.ID && it.Delivery.Channel == onair.ChannelSMS:
				o.Status, o.Provider = onair.DeliveryFailed, "twilio"
				o.Error = "twilio: 21211 The 'To' number +14155550100 is not a valid phone number."
			case it.Registration.ID == ada.ID || it.Registration.ID == bob.ID:
				if it.Registration.ID == ada.ID {
					adaEmail = it.Delivery.ID
				}
				to := it.Registration.Email
				if it.Delivery.Channel == onair.ChannelSMS {
					to = it.Registration.Phone
				}
				if _, err := s.SaveOutbox(ctx, store.OutboxMessage{DeliveryID: it.Delivery.ID, Channel: it.Delivery.Channel,
					To: to, Subject: "You're registered, " + it.Registration.FirstName,
					Text:    "Hi " + it.Registration.FirstName + ", watch at https://onair.test/watch/x?token=secret",
					Headers: map[string]string{"To": to}, CreatedAt: at(time.Minute)}); err != nil {
					t.Fatalf("SaveOutbox: %v", err)
				}
			}
			outcomes = append(outcomes, o)
		}
		recordOutcomes(t, s, outcomes, at(time.Minute))
		// A bounce reported later, with the server echoing the address.
		if err := s.SuppressDeliveryAddress(ctx, adaEmail, "550 5.1.1 <ada.l@example.com>: no such user", true, at(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		// She watched, chatted and bought.
		if _, err := s.RecordJoin(ctx, ev.ID, ada.ID, start.Add(-10*time.Minute)); err != nil {
			t.Fatal(err)
		}
		beat(t, s, ev, ada, start.Add(-9*time.Minute-30*time.Second))
		if err := s.RecordEngagement(ctx, ev.ID, ada.ID, "chat", start.Add(-9*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordPurchase(ctx, ev.ID, ada.ID, 4900, "EUR", start.Add(-8*time.Minute)); err != nil {
			t.Fatal(err)
		}
		// A second attempt to register leaves a confirmation pending.
		if _, err := s.Register(ctx, newRegistration(t, ev, adaInput, at(3*time.Minute)), at(3*time.Minute)); !errors.Is(err, onair.ErrAlreadyRegistered) {
			t.Fatalf("second registration: %v", err)
		}

		t.Run("the export shows everything stored about her in this host's events", func(t *testing.T) {
			profile, records, err := s.ViewerData(ctx, h.ID, "ADA.L@example.com")
			if err != nil {
				t.Fatal(err)
			}
			if profile == nil || profile.Phone != adaInput.Phone || profile.Company != adaInput.Company || profile.LastName != "Lovelace" {
				t.Errorf("profile %+v", profile)
			}
			if len(records) != 2 || records[0].EventID != ev.ID || records[1].Timeline.Registration.ID != adaLater.ID {
				t.Fatalf("records %+v", records)
			}
			r := records[0]
			tl := r.Timeline
			if r.EventTitle != ev.Title || tl.Registration.ID != ada.ID || tl.Registration.Company != adaInput.Company ||
				len(tl.Messages) != 3 || len(tl.Sessions) != 1 || len(tl.Purchases) != 1 || tl.WatchSeconds != 30 ||
				len(r.Actions) != 1 || r.Actions[0].Action != "chat" || !r.Actions[0].At.Equal(start.Add(-9*time.Minute)) {
				t.Errorf("record %+v", r)
			}
		})

		before := figures(t, s, ev.ID)
		n, err := s.EraseViewer(ctx, h.ID, "ada.l@EXAMPLE.com", at(4*time.Minute))
		if err != nil || n != 2 {
			t.Fatalf("EraseViewer = %d, %v; want her 2 registrations", n, err)
		}

		t.Run("the analytics keep every number", func(t *testing.T) {
			after := figures(t, s, ev.ID)
			assertSame(t, after, before)
			if after.Registrations != 2 || after.Attended != 1 || after.RevenueCents != 4900 || after.EngagementActions != 1 {
				t.Errorf("figures %+v", after)
			}
		})
		t.Run("no list, search, timeline or export shows her", func(t *testing.T) {
			regs, total, err := s.Registrations(ctx, store.RegistrationFilter{EventID: ev.ID})
			if err != nil || total != 1 || len(regs) != 1 || regs[0].ID != bob.ID {
				t.Errorf("registrations %+v (total %d), %v", regs, total, err)
			}
			for _, q := range []string{"ada", "lovelace", "analytical", "4155550100"} {
				if regs := registrations(t, s, store.RegistrationFilter{EventID: ev.ID, Query: q}); len(regs) != 0 {
					t.Errorf("a search for %q finds %+v", q, regs)
				}
			}
			if _, err := s.RegistrantTimeline(ctx, ev.ID, ada.ID); !errors.Is(err, onair.ErrNotFound) {
				t.Errorf("her timeline: %v", err)
			}
			profile, records, err := s.ViewerData(ctx, h.ID, adaInput.Email)
			if err != nil || profile != nil || len(records) != 0 {
				t.Errorf("export after erasure: %+v %+v %v", profile, records, err)
			}
			msgs, total, err := s.Outbox(ctx, store.OutboxFilter{HostID: h.ID, Limit: 100})
			if err != nil || total != 2 || len(msgs) != 2 {
				t.Errorf("outbox %+v, %v; want Bob's email and SMS", msgs, err)
			}
			for _, m := range msgs {
				if !strings.Contains(m.Subject, "Bob") {
					t.Errorf("outbox entry %+v", m)
				}
			}
		})
		t.Run("no stored text of this host names her", func(t *testing.T) {
			if found := traces(t, s, h.ID, adaTraces); len(found) != 0 {
				t.Errorf("traces left: %v", found)
			}
			// The rows stay, anonymous, each with a key of its own.
			var status string
			var erased sql.NullInt64
			var emailNorm string
			err := s.DB().QueryRowContext(ctx, `SELECT status, erased_at, email_norm FROM registrations WHERE id = $1`, ada.ID).
				Scan(&status, &erased, &emailNorm)
			if err != nil || status != "unsubscribed" || !erased.Valid || emailNorm != "erased:"+ada.ID {
				t.Errorf("her row: %s %v %s, %v", status, erased, emailNorm, err)
			}
		})
		t.Run("nothing more is sent to her", func(t *testing.T) {
			for _, it := range claimPending(t, s, at(5*time.Minute)) {
				if it.Registration.ID == ada.ID {
					t.Errorf("claimed %+v for her", it.Delivery)
				}
			}
			var skipped int
			if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE registration_id = $1
				AND status = 'skipped' AND error = $2`, ada.ID, "the viewer's data was erased").Scan(&skipped); err != nil || skipped != 1 {
				t.Errorf("her pending confirmation: %d skipped, %v", skipped, err)
			}
			// The reminder an hour before the start is due: it goes to Bob only.
			ns, err := s.EventNotifications(ctx, ev.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range ns {
				if n.Kind != onair.KindReminder || n.Interval != "1hour" {
					continue
				}
				created, _, _, err := s.DispatchStep(ctx, n.ID, 0, at(5*time.Minute), 100)
				if err != nil {
					t.Fatal(err)
				}
				if created != 1 {
					t.Errorf("the %s reminder (%+v) fans out to %d deliveries; want Bob's one", n.Channel, n, created)
				}
			}
			for _, it := range claimPending(t, s, at(6*time.Minute)) {
				if it.Registration.ID == ada.ID {
					t.Errorf("a reminder for her: %+v", it.Delivery)
				}
			}
		})
		t.Run("another host's data stays", func(t *testing.T) {
			profile, records, err := s.ViewerData(ctx, otherHost.ID, adaInput.Email)
			if err != nil || profile == nil || len(records) != 1 || records[0].Timeline.Registration.LastName != "Lovelace" {
				t.Errorf("other host's export: %+v %+v %v", profile, records, err)
			}
		})
		t.Run("erasing again erases nothing", func(t *testing.T) {
			if n, err := s.EraseViewer(ctx, h.ID, adaInput.Email, at(7*time.Minute)); err != nil || n != 0 {
				t.Errorf("EraseViewer again = %d, %v", n, err)
			}
		})
		t.Run("two erased viewers in one event keep the unique key", func(t *testing.T) {
			if n, err := s.EraseViewer(ctx, h.ID, "bob@example.com", at(7*time.Minute)); err != nil || n != 1 {
				t.Errorf("EraseViewer Bob = %d, %v", n, err)
			}
			if a := figures(t, s, ev.ID); a.Registrations != 2 {
				t.Errorf("registrations after two erasures: %d", a.Registrations)
			}
		})
		t.Run("she may register again, as anyone new", func(t *testing.T) {
			again := register(t, s, ev, adaInput, at(8*time.Minute))
			regs := registrations(t, s, store.RegistrationFilter{EventID: ev.ID})
			if len(regs) != 1 || regs[0].ID != again.ID || regs[0].Email != adaInput.Email {
				t.Errorf("registrations %+v", regs)
			}
		})
	})
}

func TestEraseExpired(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		day := 24 * time.Hour
		past := now.Add(-90 * day) // when the events were made, registered for and held
		h := newHost(t, s, "retention@example.com")
		keeper := newHost(t, s, "keeps-everything@example.com")
		if err := s.SetHostRetention(ctx, h.ID, 30); err != nil {
			t.Fatal(err)
		}
		// event makes an event of host held at past and brought to its
		// state at over, with two registrants.
		event := func(host onair.Host, name string, over func(onair.Event) (onair.Event, error)) (onair.Event, []onair.Registration) {
			t.Helper()
			ev, err := onair.NewEvent(host.ID, onair.EventInput{Title: ptr(name),
				ScheduledStart: ptr(past.Add(time.Hour).Format(time.RFC3339))}, past)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.CreateEvent(ctx, ev); err != nil {
				t.Fatal(err)
			}
			var regs []onair.Registration
			for _, who := range []string{"ada.l", "bob"} {
				in := adaInput
				in.Email = who + "+" + name + "@example.com"
				regs = append(regs, register(t, s, ev, in, past))
			}
			if over != nil {
				if ev, err = s.UpdateEvent(ctx, host.ID, ev.ID, over); err != nil {
					t.Fatal(err)
				}
			}
			return ev, regs
		}
		endedAt := func(d time.Duration) func(onair.Event) (onair.Event, error) {
			return func(e onair.Event) (onair.Event, error) { return e.End(now.Add(-d)) }
		}
		cancelledAt := func(d time.Duration) func(onair.Event) (onair.Event, error) {
			return func(e onair.Event) (onair.Event, error) { return e.Cancel(now.Add(-d)) }
		}
		old, oldRegs := event(h, "ended31", endedAt(31*day))
		recent, _ := event(h, "ended29", endedAt(29*day))
		cancelled, _ := event(h, "cancelled40", cancelledAt(40*day))
		forgotten, _ := event(h, "neverheld", nil) // still scheduled, 90 days after its time
		live, _ := event(h, "live", func(e onair.Event) (onair.Event, error) { return e.Start(past.Add(time.Hour)) })
		kept, _ := event(keeper, "keeper", endedAt(400*day))
		if err := s.RecordPurchase(ctx, old.ID, oldRegs[0].ID, 1500, "USD", past.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		before := figures(t, s, old.ID)

		n, err := s.EraseExpired(ctx, now)
		if err != nil || n != 6 {
			t.Fatalf("EraseExpired = %d, %v; want the 6 registrants of the 3 events over for more than 30 days", n, err)
		}
		for _, tt := range []struct {
			ev    onair.Event
			left  int
			label string
		}{
			{old, 0, "ended 31 days ago"}, {cancelled, 0, "cancelled 40 days ago"}, {forgotten, 0, "never held, 90 days past"},
			{recent, 2, "ended 29 days ago"}, {live, 2, "live"}, {kept, 2, "of a host that keeps everything"},
		} {
			if got := len(registrations(t, s, store.RegistrationFilter{EventID: tt.ev.ID})); got != tt.left {
				t.Errorf("the event %s lists %d registrants; want %d", tt.label, got, tt.left)
			}
		}
		assertSame(t, figures(t, s, old.ID), before)
		if found := traces(t, s, h.ID, []string{"+ended31", "+cancelled40", "+neverheld"}); len(found) != 0 {
			t.Errorf("traces left: %v", found)
		}
		// Their profiles are gone; the profiles of viewers of recent events stay.
		for email, want := range map[string]bool{"ada.l+ended31@example.com": false, "bob+ended29@example.com": true} {
			profile, _, err := s.ViewerData(ctx, h.ID, email)
			if err != nil || (profile != nil) != want {
				t.Errorf("profile of %s: %+v, %v; want one: %v", email, profile, err, want)
			}
		}
		if n, err := s.EraseExpired(ctx, now); err != nil || n != 0 {
			t.Errorf("EraseExpired again = %d, %v", n, err)
		}
		if n, err := s.EraseExpired(ctx, now.Add(2*day)); err != nil || n != 2 {
			t.Errorf("two days later, EraseExpired = %d, %v; want the event that ended 29 days before", n, err)
		}
	})
}

func TestSetHostRetention(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		h := newHost(t, s, "settings@example.com")
		if got, err := s.HostByEmail(ctx, h.Email); err != nil || got.RetentionDays != 0 {
			t.Fatalf("a new host keeps for %d days, %v; want 0 (keep)", got.RetentionDays, err)
		}
		if err := s.SetHostRetention(ctx, h.ID, 365); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Host(ctx, h.ID); err != nil || got.RetentionDays != 365 {
			t.Errorf("Host = %+v, %v", got, err)
		}
		var ve *onair.ValidationError
		for _, days := range []int{-1, onair.MaxRetentionDays + 1} {
			if err := s.SetHostRetention(ctx, h.ID, days); !errors.As(err, &ve) || !ve.Has("retention_days") {
				t.Errorf("SetHostRetention %d = %v; want a validation error on retention_days", days, err)
			}
		}
		if err := s.SetHostRetention(ctx, onair.NewID(), 1); !errors.Is(err, onair.ErrNotFound) {
			t.Errorf("SetHostRetention of nobody = %v", err)
		}
	})
}

func TestDeleteEvent(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		h := newHost(t, s, "delete@example.com")
		ev := newEvent(t, s, h.ID, nil)
		kept := newEvent(t, s, h.ID, nil)
		ada := register(t, s, ev, adaInput, now)
		register(t, s, kept, onair.RegistrationInput{Email: "bob@example.com", FirstName: "Bob"}, now)
		for _, it := range claimPending(t, s, now.Add(time.Minute)) {
			if _, err := s.SaveOutbox(ctx, store.OutboxMessage{DeliveryID: it.Delivery.ID, Channel: it.Delivery.Channel,
				To: it.Registration.Email, Subject: "hello", CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
			recordOutcomes(t, s, []store.Outcome{{DeliveryID: it.Delivery.ID, Status: onair.DeliverySent, Provider: "outbox"}}, now)
		}
		if err := s.RecordEngagement(ctx, ev.ID, ada.ID, "chat", now); err != nil {
			t.Fatal(err)
		}

		t.Run("an event that is not over is not deleted", func(t *testing.T) {
			assertError(t, s.DeleteEvent(ctx, h.ID, ev.ID, now), onair.ErrConflict, "event_not_over")
			if _, err := s.UpdateEvent(ctx, h.ID, kept.ID, func(e onair.Event) (onair.Event, error) { return e.Start(now) }); err != nil {
				t.Fatal(err)
			}
			assertError(t, s.DeleteEvent(ctx, h.ID, kept.ID, now), onair.ErrConflict, "event_not_over")
		})
		t.Run("another host's event is not found", func(t *testing.T) {
			other := newHost(t, s, "not-the-owner@example.com")
			if err := s.DeleteEvent(ctx, other.ID, ev.ID, now); !errors.Is(err, onair.ErrNotFound) {
				t.Errorf("DeleteEvent = %v; want ErrNotFound", err)
			}
		})
		t.Run("a cancelled event goes with everything of it", func(t *testing.T) {
			if _, err := s.UpdateEvent(ctx, h.ID, ev.ID, func(e onair.Event) (onair.Event, error) { return e.Cancel(now) }); err != nil {
				t.Fatal(err)
			}
			if err := s.DeleteEvent(ctx, h.ID, ev.ID, now); err != nil {
				t.Fatalf("DeleteEvent: %v", err)
			}
			if _, err := s.HostEvent(ctx, h.ID, ev.ID); !errors.Is(err, onair.ErrNotFound) {
				t.Errorf("the event is still there: %v", err)
			}
			for _, table := range []string{"registrations", "notifications", "outbox_messages", "engagement_actions"} {
				var n int
				if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE event_id = $1`, ev.ID).Scan(&n); err != nil || n != 0 {
					t.Errorf("%s of the deleted event: %d, %v", table, n, err)
				}
			}
			var n int
			if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE registration_id = $1`, ada.ID).Scan(&n); err != nil || n != 0 {
				t.Errorf("deliveries of the deleted event: %d, %v", n, err)
			}
			if profile, _, err := s.ViewerData(ctx, h.ID, adaInput.Email); err != nil || profile != nil {
				t.Errorf("the profile of a viewer of that event only: %+v, %v", profile, err)
			}
			if found := traces(t, s, h.ID, adaTraces); len(found) != 0 {
				t.Errorf("traces left: %v", found)
			}
			msgs, total, err := s.Outbox(ctx, store.OutboxFilter{HostID: h.ID, Limit: 10})
			if err != nil || total != 1 || msgs[0].EventID != kept.ID {
				t.Errorf("the other event's outbox: %+v, %v", msgs, err)
			}
			if regs := registrations(t, s, store.RegistrationFilter{EventID: kept.ID}); len(regs) != 1 {
				t.Errorf("the other event's registrations: %+v", regs)
			}
		})
		t.Run("a deleted event is not found again", func(t *testing.T) {
			if err := s.DeleteEvent(ctx, h.ID, ev.ID, now); !errors.Is(err, onair.ErrNotFound) {
				t.Errorf("DeleteEvent again = %v", err)
			}
		})
	})
}

func TestPruneOutbox(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		h := newHost(t, s, "prune@example.com")
		ev := newEvent(t, s, h.ID, nil)
		for i := range 3 {
			register(t, s, ev, onair.RegistrationInput{Email: fmt.Sprintf("v%d@example.com", i)}, now)
		}
		items := claimPending(t, s, now)
		for i, it := range items {
			age := []time.Duration{31, 30, 1}[i] * 24 * time.Hour
			if _, err := s.SaveOutbox(ctx, store.OutboxMessage{DeliveryID: it.Delivery.ID, Channel: onair.ChannelEmail,
				To: it.Registration.Email, Subject: fmt.Sprint(i), CreatedAt: now.Add(-age)}); err != nil {
				t.Fatal(err)
			}
		}
		n, err := s.PruneOutbox(ctx, now.Add(-30*24*time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("PruneOutbox = %d, %v; want the one entry older than 30 days", n, err)
		}
		msgs, total, err := s.Outbox(ctx, store.OutboxFilter{HostID: h.ID, Limit: 10})
		if err != nil || total != 2 || msgs[0].Subject != "2" || msgs[1].Subject != "1" {
			t.Errorf("outbox after pruning: %+v, %v", msgs, err)
		}
	})
}

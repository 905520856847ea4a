package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/store/storetest"
)

// summaryFixture is a host's events with known figures.
type summaryFixture struct {
	launch, review, quiet onair.Event
}

// newSummaryFixture stores three events of one host:
//   - launch (email and SMS): four registrants, Ada with a phone; five
//     confirmations, four sent (three emails, one SMS) and Dan's email
//     failed; Ada's and Bea's emails opened (Ada's twice), Bea's email and
//     Ada's SMS clicked; live, Ada and Bea attended and were present
//     together; purchases of $12.50 and $2.50;
//   - review: one registrant, her email sent, unopened; purchases of
//     10.00 EUR and $5.00;
//   - quiet: nothing at all.
func newSummaryFixture(t *testing.T, s *store.Store) summaryFixture {
	t.Helper()
	ctx := t.Context()
	h := newHost(t, s, onair.RandomString(8)+"@example.com")
	start := now.Add(time.Hour)
	var f summaryFixture
	f.launch = newEvent(t, s, h.ID, func(e *onair.Event) {
		e.Title, e.ScheduledStart, e.DurationMinutes = "Launch", start, 240
		e.Notifications.SMSEnabled = true
	})
	f.review = newEvent(t, s, h.ID, func(e *onair.Event) { e.Title = "Review" })
	f.quiet = newEvent(t, s, h.ID, func(e *onair.Event) { e.Title = "Quiet" })

	at := now.Add(-time.Hour)
	regs := map[string]onair.Registration{}
	for _, in := range []onair.RegistrationInput{
		{Email: "ada@example.com", Phone: "+14155550101"},
		{Email: "bea@example.com"}, {Email: "cy@example.com"}, {Email: "dan@example.com"},
	} {
		r := newRegistration(t, f.launch, in, at)
		if _, err := s.Register(ctx, r, at); err != nil {
			t.Fatalf("Register %s: %v", in.Email, err)
		}
		regs[in.Email] = r
	}
	eve := newRegistration(t, f.review, onair.RegistrationInput{Email: "eve@example.com"}, at)
	if _, err := s.Register(ctx, eve, at); err != nil {
		t.Fatalf("Register: %v", err)
	}

	// Every confirmation is claimed and sent, but Dan's email.
	ids, err := s.PendingDeliveries(ctx, now, 100)
	if err != nil || len(ids) != 6 {
		t.Fatalf("PendingDeliveries = %v, %v; want the 6 confirmations", ids, err)
	}
	items, err := s.ClaimDeliveries(ctx, ids, "summary-test", now)
	if err != nil || len(items) != 6 {
		t.Fatalf("ClaimDeliveries = %d items, %v; want 6", len(items), err)
	}
	type key struct {
		email   string
		channel onair.Channel
	}
	sent := map[key]onair.Delivery{}
	var outcomes []store.Outcome
	for _, it := range items {
		d := it.Delivery
		o := store.Outcome{DeliveryID: d.ID, Status: onair.DeliverySent, Provider: "test"}
		if it.Registration.Email == "dan@example.com" {
			o.Status, o.Error = onair.DeliveryFailed, "550 no such mailbox"
		}
		outcomes = append(outcomes, o)
		sent[key{it.Registration.Email, d.Channel}] = d
	}
	if err := s.RecordOutcomes(ctx, "summary-test", outcomes, now); err != nil {
		t.Fatalf("RecordOutcomes: %v", err)
	}
	track := func(record func(context.Context, string, int64, time.Time) error, email string, ch onair.Channel) {
		t.Helper()
		d, ok := sent[key{email, ch}]
		if !ok {
			t.Fatalf("no %s delivery to %s", ch, email)
		}
		if err := record(ctx, d.NotificationID, d.ID, now); err != nil {
			t.Fatalf("tracking %s %s: %v", email, ch, err)
		}
	}
	track(s.RecordOpen, "ada@example.com", onair.ChannelEmail)
	track(s.RecordOpen, "ada@example.com", onair.ChannelEmail)
	track(s.RecordOpen, "bea@example.com", onair.ChannelEmail)
	track(s.RecordClick, "bea@example.com", onair.ChannelEmail)
	track(s.RecordClick, "ada@example.com", onair.ChannelSMS)

	if _, err := s.UpdateEvent(ctx, h.ID, f.launch.ID, func(e onair.Event) (onair.Event, error) {
		return e.Start(now)
	}); err != nil {
		t.Fatalf("Start: %v", err)
	}
	for _, email := range []string{"ada@example.com", "bea@example.com"} {
		if ok, err := s.RecordJoin(ctx, f.launch.ID, regs[email].ID, now); err != nil || !ok {
			t.Fatalf("RecordJoin %s = %v, %v", email, ok, err)
		}
		if _, err := s.Heartbeat(ctx, f.launch.ID, regs[email].ID, now.Add(time.Second)); err != nil {
			t.Fatalf("Heartbeat %s: %v", email, err)
		}
	}
	for _, p := range []struct {
		ev       onair.Event
		reg      onair.Registration
		cents    int64
		currency string
	}{
		{f.launch, regs["ada@example.com"], 1250, "USD"},
		{f.launch, regs["bea@example.com"], 250, "USD"},
		{f.review, eve, 1000, "EUR"},
		{f.review, eve, 500, "USD"},
	} {
		if err := s.RecordPurchase(ctx, p.ev.ID, p.reg.ID, p.cents, p.currency, now); err != nil {
			t.Fatalf("RecordPurchase: %v", err)
		}
	}
	return f
}

func TestEventSummaries(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := newSummaryFixture(t, s)
		unknown := onair.NewID()
		got, err := s.EventSummaries(ctx, []string{f.launch.ID, f.review.ID, f.quiet.ID, f.launch.ID, unknown})
		if err != nil {
			t.Fatalf("EventSummaries: %v", err)
		}

		t.Run("exact figures of each event", func(t *testing.T) {
			want := map[string]onair.EventSummary{
				f.launch.ID: {Registrations: 4, NotificationsSent: 4, EmailsSent: 3, NotificationsOpened: 2,
					NotificationsClicked: 2, Attended: 2, PeakConcurrentViewers: 2, RevenueCents: 1500,
					RevenueByCurrency: map[string]int64{"USD": 1500}},
				f.review.ID: {Registrations: 1, NotificationsSent: 1, EmailsSent: 1, RevenueCents: 1500,
					RevenueByCurrency: map[string]int64{"EUR": 1000, "USD": 500}},
				f.quiet.ID: {RevenueByCurrency: map[string]int64{}},
			}
			for _, ev := range []onair.Event{f.launch, f.review, f.quiet} {
				t.Run(ev.Title, func(t *testing.T) { assertSame(t, got[ev.ID], want[ev.ID]) })
			}
			if _, ok := got[unknown]; ok || len(got) != 3 {
				t.Errorf("summaries of %d ids (unknown one included: %v); want the 3 events only", len(got), ok)
			}
		})

		t.Run("each agrees with the event's analytics and counters", func(t *testing.T) {
			for _, ev := range []onair.Event{f.launch, f.review, f.quiet} {
				a, err := s.EventAnalytics(ctx, ev.ID)
				if err != nil {
					t.Fatalf("EventAnalytics: %v", err)
				}
				// Emails sent, by the counters of the event's email notifications.
				ns, err := s.EventNotifications(ctx, ev.ID)
				if err != nil {
					t.Fatalf("EventNotifications: %v", err)
				}
				emails := 0
				for _, n := range ns {
					if n.Channel == onair.ChannelEmail {
						emails += n.SentCount
					}
				}
				sum := got[ev.ID]
				rate, _ := sum.AttendanceRate()
				for _, c := range []struct {
					name      string
					got, want any
				}{
					{"registrations", sum.Registrations, a.Registrations},
					{"sent", sum.NotificationsSent, a.NotificationsSent},
					{"emails sent", sum.EmailsSent, emails},
					{"opened", sum.NotificationsOpened, a.NotificationsOpened},
					{"clicked", sum.NotificationsClicked, a.NotificationsClicked},
					{"attended", sum.Attended, a.Attended},
					{"attendance rate", rate, a.AttendanceRate},
					{"peak viewers", sum.PeakConcurrentViewers, a.PeakConcurrentViewers},
					{"revenue", sum.RevenueCents, a.RevenueCents},
				} {
					if c.got != c.want {
						t.Errorf("%s: %s %v in the summary, %v in the analytics or counters", ev.Title, c.name, c.got, c.want)
					}
				}
			}
		})

		t.Run("no id is an empty map, without a query", func(t *testing.T) {
			// A cancelled context fails any query: an answer proves none ran.
			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			for _, ids := range [][]string{nil, {}} {
				got, err := s.EventSummaries(cancelled, ids)
				if err != nil || got == nil || len(got) != 0 {
					t.Errorf("EventSummaries(%v) = %v, %v; want an empty map", ids, got, err)
				}
			}
		})

		t.Run("a full page of ids, and no more", func(t *testing.T) {
			ids := []string{f.review.ID}
			for len(ids) < store.MaxSummaryEvents {
				ids = append(ids, onair.NewID())
			}
			got, err := s.EventSummaries(ctx, ids)
			if err != nil || len(got) != 1 || got[f.review.ID].RevenueCents != 1500 {
				t.Errorf("EventSummaries of %d ids = %v, %v; want the review's summary", len(ids), got, err)
			}
			_, err = s.EventSummaries(ctx, append(ids, onair.NewID()))
			if err == nil || !strings.Contains(err.Error(), "at most 100") {
				t.Errorf("EventSummaries of %d ids: %v; want an error", len(ids)+1, err)
			}
		})

		t.Run("figures change with the rows", func(t *testing.T) {
			mustRegister(t, s, f.quiet, "late@example.com", now)
			got, err := s.EventSummaries(ctx, []string{f.quiet.ID})
			if err != nil || len(got) != 1 || got[f.quiet.ID].Registrations != 1 {
				t.Errorf("after a registration: %v, %v; want the quiet event's 1 registration", got, err)
			}
		})
	})
}

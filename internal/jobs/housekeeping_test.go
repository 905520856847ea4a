package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/store/storetest"
)

// testEngine is an engine on a fresh database whose clock is *clock; its
// workers are not started: the tests run them by hand.
func testEngine(t *testing.T, backend string, clock *time.Time, outboxDays int, log *slog.Logger) (*Engine, *store.Store) {
	t.Helper()
	st := storetest.Open(t, storetest.URL(t, backend))
	if err := Migrate(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e, err := New(Config{Store: st, Sender: NewSender(SenderConfig{Email: &Outbox{Store: st}, SMS: &Outbox{Store: st}, AppURL: "https://onair.test"}),
		Logger: log, Now: func() time.Time { return *clock }, Workers: true, OutboxDays: outboxDays})
	if err != nil {
		t.Fatal(err)
	}
	return e, st
}

// testFixture is a host with an event starting a day after at, with one
// registrant.
func testFixture(t *testing.T, st *store.Store, at time.Time) (onair.Host, onair.Event, onair.Registration) {
	t.Helper()
	ctx := t.Context()
	h := onair.Host{ID: onair.NewID(), Email: onair.RandomString(6) + "@example.com", PasswordHash: "x", CreatedAt: at}
	if err := st.CreateHost(ctx, h); err != nil {
		t.Fatal(err)
	}
	title, start := "Housekeeping", at.Add(24*time.Hour).Format(time.RFC3339)
	ev, err := onair.NewEvent(h.ID, onair.EventInput{Title: &title, ScheduledStart: &start}, at)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	r, err := onair.NewRegistration(ev, onair.RegistrationInput{Email: "ada@example.com", FirstName: "Ada"},
		func(s string) (string, error) { return s, nil }, at)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Register(ctx, r, at); err != nil {
		t.Fatal(err)
	}
	return h, ev, r
}

func TestRetentionJob(t *testing.T) {
	t.Parallel()
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := t.Context()
			clock := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
			e, st := testEngine(t, backend, &clock, 0, nil)
			h, ev, r := testFixture(t, st, clock)
			if err := st.SetHostRetention(ctx, h.ID, 7); err != nil {
				t.Fatal(err)
			}
			if _, err := st.UpdateEvent(ctx, h.ID, ev.ID, func(e onair.Event) (onair.Event, error) {
				return e.End(clock.Add(25 * time.Hour))
			}); err != nil {
				t.Fatal(err)
			}
			work := func() {
				t.Helper()
				if err := (&retentionWorker{e: e}).Work(ctx, &river.Job[retentionArgs]{}); err != nil {
					t.Fatalf("retention job: %v", err)
				}
			}
			listed := func() int {
				t.Helper()
				regs, _, err := st.Registrations(ctx, store.RegistrationFilter{EventID: ev.ID})
				if err != nil {
					t.Fatal(err)
				}
				return len(regs)
			}

			clock = clock.Add(25*time.Hour + 7*24*time.Hour - time.Minute) // a minute short of 7 days after the end
			work()
			if listed() != 1 {
				t.Fatal("erased before the host's 7 days had passed")
			}
			clock = clock.Add(2 * time.Minute)
			work()
			if n := listed(); n != 0 {
				t.Fatalf("%d registrants listed 7 days after the end; want none", n)
			}
			if _, err := st.RegistrantTimeline(ctx, ev.ID, r.ID); !errors.Is(err, onair.ErrNotFound) {
				t.Errorf("the erased registrant's timeline: %v", err)
			}
			a, err := st.EventAnalytics(ctx, ev.ID)
			if err != nil || a.Registrations != 1 {
				t.Errorf("analytics after retention: %+v, %v", a, err)
			}
		})
	}
}

func TestOutboxPruneJob(t *testing.T) {
	t.Parallel()
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := t.Context()
			clock := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
			e, st := testEngine(t, backend, &clock, 30, nil)
			h, _, _ := testFixture(t, st, clock)
			// The confirmation, through the outbox, kept at the clock's time.
			ids, err := st.PendingDeliveries(ctx, clock.Add(time.Hour), 10)
			if err != nil || len(ids) != 1 {
				t.Fatalf("pending confirmations %v, %v", ids, err)
			}
			e.sender.providers[onair.ChannelEmail] = &Outbox{Store: st, Now: func() time.Time { return clock }}
			if n, err := e.Sweep(ctx); err != nil || n != 1 {
				t.Fatalf("Sweep = %d, %v", n, err)
			}
			kept := func() int {
				t.Helper()
				_, total, err := st.Outbox(ctx, store.OutboxFilter{HostID: h.ID, Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				return total
			}
			if kept() != 1 {
				t.Fatal("the outbox kept nothing")
			}
			for _, tt := range []struct {
				after time.Duration
				days  int
				want  int
			}{
				{after: 29 * 24 * time.Hour, days: 30, want: 1},
				{after: 31 * 24 * time.Hour, days: 0, want: 1}, // 0 keeps
				{after: 31 * 24 * time.Hour, days: 30, want: 0},
			} {
				clock = time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC).Add(tt.after)
				e.outboxDays = tt.days
				if err := (&outboxPruneWorker{e: e}).Work(ctx, &river.Job[outboxPruneArgs]{}); err != nil {
					t.Fatal(err)
				}
				if got := kept(); got != tt.want {
					t.Errorf("after %v with ONAIR_OUTBOX_DAYS=%d: %d entries kept; want %d", tt.after, tt.days, got, tt.want)
				}
			}
		})
	}
}

// A deleted event takes its queued dispatch jobs with it, and a dispatch
// that was already running finds nothing and ends without an error.
func TestDeletedEventTakesItsJobs(t *testing.T) {
	t.Parallel()
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := t.Context()
			clock := time.Now().UTC().Truncate(time.Microsecond)
			e, st := testEngine(t, backend, &clock, 0, nil)
			h, ev, _ := testFixture(t, st, clock)
			other, otherEv, _ := testFixture(t, st, clock)
			count := func(eventID string) int {
				t.Helper()
				ns, err := st.EventNotifications(ctx, eventID)
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, n := range ns {
					ids = append(ids, n.ID)
				}
				n := 0
				for _, id := range ids {
					var c int
					q := `SELECT COUNT(*) FROM river_job WHERE kind = 'onair_dispatch' AND args->>'notification_id' = $1`
					if backend == "sqlite" {
						q = `SELECT COUNT(*) FROM river_job WHERE kind = 'onair_dispatch' AND json_extract(args, '$.notification_id') = $1`
					}
					if err := st.DB().QueryRowContext(ctx, q, id).Scan(&c); err != nil {
						t.Fatal(err)
					}
					n += c
				}
				return n
			}
			if count(ev.ID) == 0 || count(otherEv.ID) == 0 {
				t.Fatal("no dispatch job was queued for the reminders")
			}
			ns, err := st.EventNotifications(ctx, ev.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.UpdateEvent(ctx, h.ID, ev.ID, func(e onair.Event) (onair.Event, error) { return e.Cancel(clock) }); err != nil {
				t.Fatal(err)
			}
			if err := st.DeleteEvent(ctx, h.ID, ev.ID, clock); err != nil {
				t.Fatal(err)
			}
			for _, n := range ns {
				var c int
				q := `SELECT COUNT(*) FROM river_job WHERE json_extract(args, '$.notification_id') = $1`
				if backend == "postgres" {
					q = `SELECT COUNT(*) FROM river_job WHERE args->>'notification_id' = $1`
				}
				if err := st.DB().QueryRowContext(ctx, q, n.ID).Scan(&c); err != nil || c != 0 {
					t.Errorf("jobs of the deleted notification %s: %d, %v", n.ID, c, err)
				}
				job := &river.Job[dispatchArgs]{Args: dispatchArgs{NotificationID: n.ID, Version: n.EventVersion}}
				if err := (&dispatchWorker{e: e}).Work(ctx, job); err != nil {
					t.Errorf("a dispatch of the deleted notification %s: %v", n.ID, err)
				}
			}
			if count(otherEv.ID) == 0 {
				t.Errorf("the jobs of host %s's event went too", other.ID)
			}
		})
	}
}

// failing is a provider that fails every message transiently, naming its
// recipient as SMTP servers do, until it is told to work again.
type failing struct {
	mu   sync.Mutex
	down bool
}

func (p *failing) Name() string { return "smtp" }

func (p *failing) Send(ctx context.Context, m notify.Message) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return "", notify.Transient(fmt.Errorf("smtp: 451 4.3.0 <%s>: try again later", m.To), 0)
	}
	return "ok", nil
}

// An outage is a few log lines, whatever the number of messages and
// retries in it, and none names a recipient.
func TestOutageLogging(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	}), nil))
	p := &failing{down: true}
	s := NewSender(SenderConfig{Email: p, SMS: p, Concurrency: 10, Logger: log, AppURL: "https://onair.test"})
	ev := onair.Event{ID: onair.NewID(), Title: "Outage", ScheduledStart: time.Now().Add(time.Hour), Timezone: "UTC", DurationMinutes: 60}
	items := make([]store.SendItem, 50)
	for i := range items {
		items[i] = store.SendItem{
			Delivery:     onair.Delivery{ID: int64(i + 1), Channel: onair.ChannelEmail},
			Notification: onair.Notification{ID: onair.NewID(), Kind: onair.KindConfirmation, Channel: onair.ChannelEmail},
			Event:        ev,
			Registration: onair.Registration{ID: onair.NewID(), EventID: ev.ID, Email: fmt.Sprintf("viewer%d@example.com", i), Timezone: "UTC"},
		}
	}
	for range 20 { // 20 rounds of retries of 50 deliveries: 1,000 failures
		for start := 0; start < len(items); start += 10 {
			outcomes := sendAll(t, s, items[start:start+10])
			for _, o := range outcomes {
				if o.Status != onair.DeliveryPending {
					t.Fatalf("outcome %+v; want a retry", o)
				}
			}
		}
	}
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
	sendAll(t, s, items[:10])

	mu.Lock()
	out := buf.String()
	mu.Unlock()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "provider failing") || !strings.Contains(lines[1], "provider sending again") ||
		!strings.Contains(lines[1], "failures=1000") {
		t.Errorf("the outage logged %d lines; want its start and its end:\n%s", len(lines), out)
	}
	if strings.Contains(out, "@example.com") {
		t.Errorf("the log names a recipient:\n%s", out)
	}
}

// sendAll renders and sends items as the pump's senders do, side by side.
func sendAll(t *testing.T, s *Sender, items []store.SendItem) []store.Outcome {
	outcomes := make([]store.Outcome, len(items))
	var wg sync.WaitGroup
	for i, it := range items {
		wg.Go(func() {
			msg, err := s.render(it)
			outcomes[i], _ = s.deliver(t.Context(), it, msg, err)
		})
	}
	wg.Wait()
	return outcomes
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// picky fails one recipient transiently and takes every other.
type picky struct{ bad string }

func (p picky) Name() string { return "smtp" }

func (p picky) Send(ctx context.Context, m notify.Message) (string, error) {
	if m.To == p.bad {
		return "", notify.Transient(fmt.Errorf("smtp: 452 4.2.2 <%s>: mailbox full", m.To), 0)
	}
	return "ok", nil
}

// One recipient's mailbox full for a while is not one line per retry
// either, though every other message goes through between its retries.
func TestRecipientTroubleLogging(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	s := NewSender(SenderConfig{Email: picky{bad: "full@example.com"}, Concurrency: 1, Logger: log, AppURL: "https://onair.test"})
	ev := onair.Event{ID: onair.NewID(), Title: "Full", ScheduledStart: time.Now().Add(time.Hour), Timezone: "UTC", DurationMinutes: 60}
	item := func(id int64, email string) []store.SendItem {
		return []store.SendItem{{
			Delivery:     onair.Delivery{ID: id, Channel: onair.ChannelEmail},
			Notification: onair.Notification{ID: onair.NewID(), Kind: onair.KindConfirmation, Channel: onair.ChannelEmail},
			Event:        ev,
			Registration: onair.Registration{ID: onair.NewID(), EventID: ev.ID, Email: email, Timezone: "UTC"},
		}}
	}
	for i := range 50 {
		sendAll(t, s, item(int64(2*i+1), "full@example.com"))
		sendAll(t, s, item(int64(2*i+2), fmt.Sprintf("ok%d@example.com", i)))
	}
	if lines := strings.Split(strings.TrimSpace(buf.String()), "\n"); len(lines) > 2 || strings.Contains(buf.String(), "full@") {
		t.Errorf("50 retries of one recipient logged %d lines:\n%s", len(lines), buf.String())
	}
}

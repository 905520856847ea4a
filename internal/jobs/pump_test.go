package jobs

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/notify/mailgun"
	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/store/storetest"
)

// counting is a provider that keeps how often each delivery was handed
// to it.
type counting struct {
	mu   sync.Mutex
	sent map[int64]int
	by   map[string]int // sends per pump, by the owner in the context
}

func (c *counting) Name() string { return "smtp" }

func (c *counting) Send(ctx context.Context, m notify.Message) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent[m.DeliveryID]++
	if owner, ok := ctx.Value(ownerKey{}).(string); ok {
		c.by[owner]++
	}
	return "id-" + strconv.FormatInt(m.DeliveryID, 10), nil
}

type ownerKey struct{}

// registerViewers registers n viewers more to ev at clock.
func registerViewers(t *testing.T, st *store.Store, ev onair.Event, n int, clock time.Time) {
	t.Helper()
	for i := range n {
		r, err := onair.NewRegistration(ev, onair.RegistrationInput{Email: fmt.Sprintf("v%04d@example.com", i)},
			func(s string) (string, error) { return s, nil }, clock)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Register(t.Context(), r, clock); err != nil {
			t.Fatal(err)
		}
	}
}

// waitUntil polls cond until it holds, failing with its last word after
// timeout.
func waitUntil(t *testing.T, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, why := cond()
		if ok {
			return
		}
		select {
		case <-deadline.C:
			t.Fatalf("not in %v: %s", timeout, why)
		case <-tick.C:
		}
	}
}

// Two pumps on one database, as two nodes run them: every delivery leaves
// once, and both take part.
func TestPumpsShareTheWork(t *testing.T) {
	t.Parallel()
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			clock := time.Now().UTC()
			e, st := testEngine(t, backend, &clock, 0, nil)
			p := &counting{sent: map[int64]int{}, by: map[string]int{}}
			e.sender = NewSender(SenderConfig{Email: p, SMS: p, AppURL: "https://onair.test", Concurrency: 4})
			_, ev, _ := testFixture(t, st, clock)
			const viewers = 700
			registerViewers(t, st, ev, viewers-1, clock)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var wg sync.WaitGroup
			for _, owner := range []string{"worker:a", "worker:b"} {
				wg.Go(func() {
					octx := context.WithValue(ctx, ownerKey{}, owner)
					if _, err := e.runPump(octx, octx, owner, false, nil); err != nil {
						t.Errorf("%s: %v", owner, err)
					}
				})
			}
			waitUntil(t, time.Minute, func() (bool, string) {
				p.mu.Lock()
				defer p.mu.Unlock()
				return len(p.sent) == viewers, fmt.Sprintf("%d of %d confirmations sent", len(p.sent), viewers)
			})
			cancel()
			wg.Wait()
			for id, k := range p.sent {
				if k != 1 {
					t.Errorf("delivery %d sent %d times", id, k)
				}
			}
			var sent int
			if err := st.DB().QueryRow(`SELECT COUNT(*) FROM deliveries WHERE status = 'sent'`).Scan(&sent); err != nil || sent != viewers {
				t.Errorf("%d deliveries recorded sent (%v); want %d", sent, err, viewers)
			}
			t.Logf("%s: sends by pump %v", backend, p.by)
		})
	}
}

// A node whose heartbeat stopped gives its claims back; a live one keeps
// them.
func TestDeadNodesReleaseTheirClaims(t *testing.T) {
	t.Parallel()
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := t.Context()
			clock := time.Now().UTC()
			_, st := testEngine(t, backend, &clock, 0, nil)
			_, ev, _ := testFixture(t, st, clock)
			r, err := onair.NewRegistration(ev, onair.RegistrationInput{Email: "bob@example.com"},
				func(s string) (string, error) { return s, nil }, clock)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.Register(ctx, r, clock); err != nil {
				t.Fatal(err)
			}
			claim := func(owner string) []store.SendItem {
				t.Helper()
				if err := st.NodeAlive(ctx, owner, clock); err != nil {
					t.Fatal(err)
				}
				items, err := st.ClaimDue(ctx, owner, onair.ChannelEmail, clock, clock, 1)
				if err != nil || len(items) != 1 {
					t.Fatalf("%s claimed %d, %v; want 1", owner, len(items), err)
				}
				return items
			}
			claim("worker:dead")
			live := claim("worker:live")
			// Both seen at wall time 0; only the live one beats again,
			// and the clock the beats name jumps an hour ahead.
			var watch nodeWatch
			wall := time.Now()
			beats, err := st.Heartbeats(ctx)
			if err != nil || len(watch.silent(beats, wall)) != 0 {
				t.Fatalf("Heartbeats = %v, %v; nobody is silent at first sight", beats, err)
			}
			clock = clock.Add(time.Hour)
			if err := st.NodeAlive(ctx, "worker:live", clock); err != nil {
				t.Fatal(err)
			}
			if beats, err = st.Heartbeats(ctx); err != nil {
				t.Fatal(err)
			}
			silent := watch.silent(beats, wall.Add(nodeDeadAfter))
			if _, ok := silent["worker:dead"]; !ok || len(silent) != 1 {
				t.Fatalf("silent after %v = %v; want worker:dead alone", nodeDeadAfter, silent)
			}
			if n, err := st.ReleaseNodes(ctx, silent); err != nil || n != 1 {
				t.Fatalf("ReleaseNodes = %d, %v; want the dead node's one claim", n, err)
			}
			again, err := st.ClaimDue(ctx, "worker:live", onair.ChannelEmail, clock, clock, 10)
			if err != nil || len(again) != 1 || again[0].Delivery.ID == live[0].Delivery.ID {
				t.Fatalf("after the release the live node claims %+v, %v; want the dead node's delivery only", again, err)
			}
		})
	}
}

// A reminder through Mailgun goes out in calls of up to 1,000 recipients,
// each recipient's message their own; confirmations, which carry the
// viewer's calendar file, go one by one.
func TestPumpBatchesMailgun(t *testing.T) {
	t.Parallel()
	clock := time.Now().UTC().Truncate(time.Second)
	e, st := testEngine(t, storetest.Backends[0], &clock, 0, nil)
	mg := notifytest.NewMailgun(t, "key-test", "mg.example.com")
	p, err := mailgun.New(mailgun.Config{APIKey: "key-test", Domain: "mg.example.com", BaseURL: mg.URL(), From: "onair <no-reply@mg.example.com>"})
	if err != nil {
		t.Fatal(err)
	}
	e.sender = NewSender(SenderConfig{Email: p, SMS: p, AppURL: "https://onair.test", Concurrency: 4})
	_, ev, _ := testFixture(t, st, clock)
	const viewers = 1200
	registerViewers(t, st, ev, viewers-1, clock)
	if n, err := e.Sweep(t.Context()); err != nil || n != viewers {
		t.Fatalf("the confirmations: Sweep = %d, %v; want %d", n, err, viewers)
	}
	confirmations := len(mg.Requests())
	clock = ev.ScheduledStart.Add(-time.Hour) // the 1-hour reminder is due
	if n, err := e.Sweep(t.Context()); err != nil || n != viewers {
		t.Fatalf("the reminder: Sweep = %d, %v; want %d", n, err, viewers)
	}
	calls := mg.Requests()[confirmations:]
	if confirmations != viewers || len(calls) < 2 || len(calls) > 4 {
		t.Errorf("%d calls for %d confirmations, %d for the reminder; want one each, and two to four", confirmations, viewers, len(calls))
	}
	got := map[string]int{}
	for _, m := range mg.Messages() {
		if strings.Contains(m.Subject, "in 1 hour") || strings.Contains(m.Subject, "Starting") {
			got[m.Variables["onair-delivery"]]++
			if !strings.Contains(m.Text, "/u/") || strings.Contains(m.Text, "%recipient") {
				t.Fatalf("%s's reminder is not theirs:\n%s", m.To, m.Text)
			}
		}
	}
	if len(got) != viewers {
		t.Errorf("%d recipients got the reminder; want %d", len(got), viewers)
	}
	for id, k := range got {
		if k != 1 {
			t.Errorf("delivery %s: %d reminders", id, k)
		}
	}
}

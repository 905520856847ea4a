package store_test

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/store/storetest"
)

// TestAnalyticsMatchRecount runs rounds of concurrent activity at one event
// (heartbeats, opens, clicks, engagement, purchases; viewers leaving and
// coming back) and then checks the analytics three ways: against what the
// test itself did, and the maintained counters (the event's peak of
// viewers, each registration's watch time and attendance) against a recount
// from the raw rows (viewing sessions, deliveries, purchases).
func TestAnalyticsMatchRecount(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		const viewers, rounds, step = 16, 24, 10 * time.Second
		ev, regs := attendanceFixture(t, s, now, viewers)
		ctx := t.Context()
		db := s.DB()

		// Each registration's confirmation delivery, to open and click.
		delivery := map[string]int64{}
		rows, err := db.QueryContext(ctx, `SELECT d.registration_id, d.id, d.notification_id FROM deliveries d
			JOIN notifications n ON n.id = d.notification_id WHERE n.event_id = $1 AND d.channel = 'email'`, ev.ID)
		if err != nil {
			t.Fatal(err)
		}
		notificationOf := map[int64]string{}
		for rows.Next() {
			var reg, nid string
			var id int64
			if err := rows.Scan(&reg, &id, &nid); err != nil {
				t.Fatal(err)
			}
			delivery[reg], notificationOf[id] = id, nid
		}
		rows.Close()
		if len(delivery) != viewers {
			t.Fatalf("%d confirmation deliveries, want %d", len(delivery), viewers)
		}

		// The plan: who beats in which round. Viewer i is away for a
		// stretch of rounds (long enough, for some, to end its session).
		rng := rand.New(rand.NewPCG(7, 11))
		beats := make([][]time.Time, viewers)
		plan := make([][]int, rounds)
		for i := range viewers {
			awayFrom, awayFor := rng.IntN(rounds), rng.IntN(9)
			for k := range rounds {
				if (k < awayFrom || k >= awayFrom+awayFor) && rng.IntN(4) > 0 {
					plan[k] = append(plan[k], i)
					beats[i] = append(beats[i], now.Add(time.Duration(k)*step))
				}
			}
		}

		var mu sync.Mutex
		opened, clicked := map[int]bool{}, map[int]bool{}
		var opens, clicks, actions int
		var revenue int64
		purchasers := map[int]bool{}
		for k, who := range plan {
			at := now.Add(time.Duration(k) * step)
			var wg sync.WaitGroup
			errs := make(chan error, 4*len(who))
			for _, i := range who {
				r := regs[i]
				wg.Go(func() { _, err := s.Heartbeat(ctx, ev.ID, r.ID, at); errs <- err })
				if (i+k)%5 == 0 {
					wg.Go(func() {
						err := s.RecordOpen(ctx, notificationOf[delivery[r.ID]], delivery[r.ID], at)
						mu.Lock()
						opened[i], opens = true, opens+1
						mu.Unlock()
						errs <- err
					})
				}
				if (i+k)%7 == 0 {
					wg.Go(func() {
						err := s.RecordClick(ctx, notificationOf[delivery[r.ID]], delivery[r.ID], at)
						mu.Lock()
						clicked[i], clicks = true, clicks+1
						mu.Unlock()
						errs <- err
					})
				}
				if (i*k)%6 == 1 {
					wg.Go(func() {
						err := s.RecordEngagement(ctx, ev.ID, r.ID, onair.EngagementActions[k%5], at)
						mu.Lock()
						actions++
						mu.Unlock()
						errs <- err
					})
				}
				if (i+2*k)%11 == 0 {
					cents := int64(100 * (i + k + 1))
					wg.Go(func() {
						err := s.RecordPurchase(ctx, ev.ID, r.ID, cents, "USD", at)
						mu.Lock()
						revenue += cents
						purchasers[i] = true
						mu.Unlock()
						errs <- err
					})
				}
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("round %d: %v", k, err)
				}
			}
		}

		// What the plan says, by the rules: a viewer is present at t when
		// its last beat at or before t is less than 60 s old; a beat less
		// than 60 s after the previous one adds the time between them.
		present := func(t time.Time) int {
			n := 0
			for i := range viewers {
				for j := len(beats[i]) - 1; j >= 0; j-- {
					if !beats[i][j].After(t) {
						if t.Sub(beats[i][j]) < onair.PresenceTimeout {
							n++
						}
						break
					}
				}
			}
			return n
		}
		wantPeak, attended, watched, returns := 0, 0, 0, 0
		for k := range rounds {
			wantPeak = max(wantPeak, present(now.Add(time.Duration(k)*step)))
		}
		for i := range viewers {
			if len(beats[i]) > 0 {
				attended++
			}
			for j := 1; j < len(beats[i]); j++ {
				if gap := beats[i][j].Sub(beats[i][j-1]); gap < onair.PresenceTimeout {
					watched += int(gap / time.Second)
				} else {
					returns++
				}
			}
		}

		if wantPeak < 2 || returns == 0 || len(opened) == 0 || len(clicked) == 0 || actions == 0 || revenue == 0 {
			t.Fatalf("the plan is too thin to test: peak %d, %d returns after leaving, %d opened, %d clicked, %d actions, %d cents",
				wantPeak, returns, len(opened), len(clicked), actions, revenue)
		}
		a, err := s.EventAnalytics(ctx, ev.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := []any{a.PeakConcurrentViewers, a.Attended, a.AverageWatchSeconds, a.NotificationsOpened,
			a.NotificationsClicked, a.EngagementActions, a.RevenueCents, a.Purchasers}
		want := []any{wantPeak, attended, float64(watched) / float64(attended), len(opened),
			len(clicked), actions, revenue, len(purchasers)}
		for i, name := range []string{"peak", "attended", "average watch", "opened", "clicked",
			"engagement actions", "revenue", "purchasers"} {
			if got[i] != want[i] {
				t.Errorf("%s = %v; the activity makes it %v", name, got[i], want[i])
			}
		}

		// The maintained counters against the raw rows.
		var sessionSeconds, registrationSeconds, attendedRows, sessionViewers, openCount, clickCount int
		for _, q := range []struct {
			dst   *int
			query string
		}{
			{&sessionSeconds, `SELECT COALESCE(SUM(seconds), 0) FROM viewer_sessions WHERE event_id = $1`},
			{&registrationSeconds, `SELECT COALESCE(SUM(watch_seconds), 0) FROM registrations WHERE event_id = $1`},
			{&attendedRows, `SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND attended = TRUE`},
			{&sessionViewers, `SELECT COUNT(DISTINCT registration_id) FROM viewer_sessions WHERE event_id = $1`},
			{&openCount, `SELECT COALESCE(SUM(d.open_count), 0) FROM deliveries d JOIN notifications n
				ON n.id = d.notification_id WHERE n.event_id = $1`},
			{&clickCount, `SELECT COALESCE(SUM(d.click_count), 0) FROM deliveries d JOIN notifications n
				ON n.id = d.notification_id WHERE n.event_id = $1`},
		} {
			if err := db.QueryRowContext(ctx, q.query, ev.ID).Scan(q.dst); err != nil {
				t.Fatal(err)
			}
		}
		if sessionSeconds != watched || registrationSeconds != watched {
			t.Errorf("watch time: sessions %d s, registrations %d s; the activity makes it %d s",
				sessionSeconds, registrationSeconds, watched)
		}
		if attendedRows != sessionViewers || openCount != opens || clickCount != clicks {
			t.Errorf("attended %d of %d with sessions; %d opens of %d; %d clicks of %d",
				attendedRows, sessionViewers, openCount, opens, clickCount, clicks)
		}
		if recount := peakFromSessions(t, s, ev); recount != a.PeakConcurrentViewers {
			t.Errorf("peak %d; the viewing sessions make it %d", a.PeakConcurrentViewers, recount)
		}
	})
}

// peakFromSessions recounts an event's peak of concurrent viewers from its
// viewing sessions: a session keeps its viewer present from its start until
// PresenceTimeout after its last heartbeat, and the most viewers present at
// once is reached at the start of some session.
func peakFromSessions(t *testing.T, s *store.Store, ev onair.Event) int {
	t.Helper()
	rows, err := s.DB().QueryContext(t.Context(), `SELECT registration_id, started_at, last_seen_at
		FROM viewer_sessions WHERE event_id = $1`, ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type span struct {
		reg        string
		start, end int64
	}
	var spans []span
	for rows.Next() {
		var sp span
		if err := rows.Scan(&sp.reg, &sp.start, &sp.end); err != nil {
			t.Fatal(err)
		}
		sp.end += onair.PresenceTimeout.Microseconds()
		spans = append(spans, sp)
	}
	peak := 0
	for _, at := range spans {
		present := map[string]bool{}
		for _, sp := range spans {
			if sp.start <= at.start && at.start < sp.end {
				present[sp.reg] = true
			}
		}
		peak = max(peak, len(present))
	}
	return peak
}

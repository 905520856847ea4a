package main

// The fault tests of the send path at scale: a process killed again and
// again in the middle of a large send, an SMTP server that misbehaves and
// recovers, and PostgreSQL connections cut under a send. They see onair
// only from outside: its HTTP API, what the SMTP servers the test starts
// received (counted per delivery by X-Onair-Delivery), the status of the
// rows of the deliveries table and the notifications' counters (their
// registrants alone are set up through the store, for speed). Nothing here
// knows how the engine queues or batches its work.

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/store/storetest"
)

// The kills of TestFaultSendWorkerKilledRepeatedly, and how long the send
// may take to recover from one.
const (
	faultKillsSQLite        = 10
	faultKillRecoverySQLite = 60 * time.Second
	// On PostgreSQL the killed worker's claimed deliveries go back to
	// pending once its heartbeat has not changed for jobs.nodeDeadAfter (10
	// s of wall time), seen by a node that looks every 3 s.
	faultKillsPostgres        = 10
	faultKillRecoveryPostgres = 60 * time.Second
)

// faultScaled is n recipients, or underRace under the race detector: the
// same scenario, sized to run in about a minute either way.
func faultScaled(n, underRace int) int {
	if raceDetector {
		return underRace
	}
	return n
}

// Rule 2 against repeated crashes: a 10,000-recipient reminder (1,000
// under the race detector), and the process sending it killed with SIGKILL
// ten times along the way (on PostgreSQL one `onair worker` beside `onair
// serve`, killed while the serve goes on: faultKillsPostgres times), each
// time started again at once. Nothing is lost;
// nothing recorded as sent before a kill leaves again; the duplicates are
// at most the messages in flight at the kills: those the SMTP server had
// received and the database did not record as sent, right after each
// kill.
func TestFaultSendWorkerKilledRepeatedly(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		postgres := faultBackend(dbURL) == "postgres"
		kills, recovery := faultKillsSQLite, faultKillRecoverySQLite
		if postgres {
			kills, recovery = faultKillsPostgres, faultKillRecoveryPostgres
		}
		viewers := faultScaled(10000, 1000)
		began := time.Now()
		token, eventID, start := faultSendSetup(t, dbURL)
		emails := faultSeed(t, dbURL, eventID, "kill", viewers)
		st := faultOpen(t, dbURL)

		// The nodes, each with an SMTP server of its own, so that what a
		// killed one had in flight can be told from what the others send.
		var nodes []*faultChild
		clk := newTestClock() // every node's, the restarted ones' too
		mail := notifytest.NewSMTPServer(t)
		a, serve := faultStartNodeOn(t, clk, "serve", dbURL, map[string]string{"SMTP_URL": mail.URL()})
		nodes = append(nodes, serve)
		servers, victim, victimMail := []*notifytest.SMTPServer{mail}, serve, mail
		restart := func() {
			a, victim = faultStartNodeOn(t, clk, "serve", dbURL, map[string]string{"SMTP_URL": mail.URL()})
		}
		if postgres {
			// The serve goes on sending while the worker is killed again
			// and again: it is slowed (2.5 messages a second for 1,000)
			// so that what it sends while the worker starts again leaves
			// work for all the kills; the worker, at about 160 a second,
			// does most of it, and a kill waits for its first message.
			delay := 10 * 100 * time.Second / time.Duration(viewers)
			mail.DelayData(4 * delay)
			victimMail = notifytest.NewSMTPServer(t)
			victimMail.DelayData(delay / 16)
			servers = append(servers, victimMail)
			restart = func() {
				_, victim = faultStartNodeOn(t, clk, "worker", dbURL, map[string]string{"SMTP_URL": victimMail.URL()})
			}
			restart()
		}
		nodes = append(nodes, victim)
		nid, due := faultRemindAt(t, a, token, eventID, start, 3*time.Second)
		got := newFaultReceipts(servers...)

		// Kill at evenly spread points of the send, each once the victim
		// has sent something since it was (re)started.
		type killed struct {
			after                    time.Duration // since the reminder's time
			received, sent, inFlight int
		}
		var killLog []killed
		// A delivery recorded as sent at a kill, and how many times it had
		// been received then (twice if it was in flight at an earlier kill).
		sentAtKill := map[int64]int{}
		inFlight := 0
		for k := 1; k <= kills; k++ {
			target := viewers * k / (kills + 2)
			victimFrom := victimMail.Count()
			waitFor(t, recovery, fmt.Sprintf("%d reminders to arrive before kill %d", target, k), func() (bool, string) {
				got.update(t)
				if got.distinct() >= viewers {
					t.Fatalf("every reminder arrived before kill %d of %d: the send is too quick for the kills", k, kills)
				}
				return got.distinct() >= target && victimMail.Count() > victimFrom,
					fmt.Sprintf("%d distinct reminders received; the victim sent %d since its start", got.distinct(), victimMail.Count()-victimFrom)
			})
			victim.kill()
			killedAt := time.Since(due)
			// What the dead process had handed over has landed once the
			// SMTP server has closed its connections.
			waitFor(t, 10*time.Second, "the killed process's SMTP connections to close", func() (bool, string) {
				return victimMail.OpenConnections() == 0, fmt.Sprintf("%d open", victimMail.OpenConnections())
			})
			// The database first: a message a live node records after this
			// read and before the count below would otherwise be missed.
			// On PostgreSQL what the serve has in flight counts too: the
			// bound is looser there, never too tight.
			sent := faultStatuses(t, st, nid)["sent"]
			got.update(t)
			kl := killed{after: killedAt, received: got.distinct(), sent: len(sent)}
			kl.inFlight = kl.received - kl.sent
			killLog = append(killLog, kl)
			inFlight += kl.inFlight
			for _, id := range sent {
				if _, ok := sentAtKill[id]; !ok {
					sentAtKill[id] = got.per[id]
				}
			}
			restart()
			nodes = append(nodes, victim)
		}

		if postgres {
			// The kills are over: the serve need leave no more work for
			// them, and sends the rest at full speed.
			mail.DelayData(0)
		}
		final, took := faultWaitAllSent(t, recovery, got, st, a, token, eventID, nid, viewers)
		// Every delivery is recorded as sent: no sender may take one up
		// again, so what the servers hold is final.
		got.update(t)
		live := []*faultChild{victim} // on SQLite, the last serve
		if postgres {
			live = append(live, serve)
		}
		for _, n := range live {
			n.stop(t)
		}

		duplicates := got.total - got.distinct()
		var lines []string
		for i, k := range killLog {
			lines = append(lines, fmt.Sprintf("kill %d at +%.1fs: %d received, %d recorded sent, %d in flight",
				i+1, k.after.Seconds(), k.received, k.sent, k.inFlight))
		}
		t.Logf("%s: %d recipients, seeded and started in %v; %d kills:\n\t%s\n"+
			"every reminder recorded %v after the last kill (%v after the reminder's time, %v in all); "+
			"%d messages, %d duplicates, %d in flight at the kills in all; %d per server %v",
			faultBackend(dbURL), viewers, due.Sub(began).Round(time.Millisecond), kills, strings.Join(lines, "\n\t"),
			took.Round(time.Millisecond), time.Since(due).Round(time.Millisecond), time.Since(began).Round(time.Millisecond),
			got.total, duplicates, inFlight, len(servers), got.byServer)

		faultCheckEveryone(t, got, st, nid, emails)
		for did, then := range sentAtKill {
			if got.per[did] != then {
				t.Errorf("delivery %d was recorded as sent at a kill, having arrived %d times; it arrived %d times in all",
					did, then, got.per[did])
			}
		}
		if duplicates > inFlight {
			t.Errorf("%d duplicates, more than the %d messages in flight at the %d kills", duplicates, inFlight, kills)
		}
		faultCheckCounters(t, final, viewers)
		faultCheckNoRace(t, nodes)
	})
}

// Transient SMTP failures are ridden out, and never make a second message:
// while a reminder of 1,000 goes out (500 under the race detector), the
// SMTP server refuses connections with 421, answers 421 at MAIL FROM for a
// couple of seconds, 451 at RCPT TO and at the end of DATA, drops
// connections in the middle of DATA, and holds a few connections without a
// word (a greeting, an answer to DATA) for longer than onair waits; then it
// recovers. Every registrant gets the reminder exactly once (no message
// answered 250 is sent again), every delivery is recorded as sent, none
// failed for good, the counters are exact.
func TestFaultSendSMTPServerMisbehaves(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		viewers := faultScaled(1000, 500)
		began := time.Now()
		token, eventID, start := faultSendSetup(t, dbURL)
		emails := faultSeed(t, dbURL, eventID, "smtp", viewers)
		st := faultOpen(t, dbURL)

		// The first transactions of the send meet these, each at its own
		// point of the conversation; a stall lasts until onair gives up.
		mail := notifytest.NewSMTPServer(t)
		counted := map[notifytest.SMTPFault]int{
			notifytest.Greeting421:   10,
			notifytest.GreetingStall: 2,
			notifytest.Rcpt451:       30,
			notifytest.Data451:       30,
			notifytest.DataDrop:      20,
			notifytest.DataStall:     2,
		}
		for f, n := range counted {
			mail.InjectNext(f, n)
		}
		const window = 2 * time.Second // of 421 at every MAIL FROM
		// A stall costs onair ONAIR_SMTP_TIMEOUT; the default 30 s would
		// make it most of the test's time.
		a := startApp(t, dbURL, map[string]string{"SMTP_URL": mail.URL(), "ONAIR_SMTP_TIMEOUT": "5s"})
		nid, due := faultRemindAt(t, a, token, eventID, start, 3*time.Second)
		got := newFaultReceipts(mail)

		// Once a tenth has gone through, a couple of seconds of 421 at
		// every MAIL FROM: each one also costs onair its connection.
		waitFor(t, 60*time.Second, "a tenth of the reminders to arrive", func() (bool, string) {
			return mail.Count() >= viewers/10, fmt.Sprintf("%d arrived", mail.Count())
		})
		mail.InjectFor(notifytest.Mail421, window)
		windowAt := time.Since(due)

		final, _ := faultWaitAllSent(t, 120*time.Second, got, st, a, token, eventID, nid, viewers)
		got.update(t)

		var happened []string
		for _, f := range []notifytest.SMTPFault{notifytest.Greeting421, notifytest.GreetingStall, notifytest.Mail421,
			notifytest.Rcpt451, notifytest.Data451, notifytest.DataDrop, notifytest.DataStall} {
			happened = append(happened, fmt.Sprintf("%s ×%d", f, mail.Injected(f)))
		}
		refused := mail.Refused()
		t.Logf("%s: %d recipients; the send took %v after the reminder's time (the 421 window opened at +%.1fs); "+
			"faults: %s; %d messages arrived whole and were refused; %d accepted, %d connections; %v in all",
			faultBackend(dbURL), viewers, time.Since(due).Round(time.Millisecond), windowAt.Seconds(),
			strings.Join(happened, ", "), len(refused), got.total, mail.Connections(), time.Since(began).Round(time.Millisecond))

		for f, n := range counted {
			if mail.Injected(f) != n {
				t.Errorf("%s happened %d times, want %d: the send must meet every fault", f, mail.Injected(f), n)
			}
		}
		if mail.Injected(notifytest.Mail421) == 0 {
			t.Errorf("no transaction met the %v window of %s", window, notifytest.Mail421)
		}
		faultCheckEveryone(t, got, st, nid, emails)
		duplicated := 0
		for did, n := range got.per {
			if n != 1 {
				duplicated++
				t.Errorf("delivery %d was accepted %d times: a transient failure made a second message", did, n)
			}
		}
		refusedFor := map[int64]bool{}
		for _, m := range faultParse(t, refused) {
			refusedFor[m.delivery] = true
			if got.per[m.delivery] != 1 {
				t.Errorf("delivery %d was refused once and accepted %d times, want once", m.delivery, got.per[m.delivery])
			}
		}
		t.Logf("%d deliveries had a refused attempt before the accepted one; %d accepted more than once",
			len(refusedFor), duplicated)
		faultCheckCounters(t, final, viewers)
	})
}

// Rule 2 against a database that drops onair's connections: while a
// reminder of 2,000 goes out (1,000 under the race detector), every
// PostgreSQL connection of the sending process is terminated, four times.
// Nothing is lost, nothing is sent twice (every outcome is recorded on a
// fresh connection), the counters are exact, and the process is ready
// afterwards.
func TestFaultSendPostgresConnectionsKilled(t *testing.T) {
	t.Parallel()
	dbURL := storetest.URL(t, "postgres") // skips without ONAIR_TEST_DATABASE_URL
	const cuts = 4
	viewers := faultScaled(2000, 1000)
	began := time.Now()
	token, eventID, start := faultSendSetup(t, dbURL)
	emails := faultSeed(t, dbURL, eventID, "cut", viewers)
	st := faultOpen(t, dbURL)

	// Every test has a schema of its own in one shared database, beside
	// other tests and other programs: only connections that carry this
	// test's application name are cut, never the test's own (st).
	appName := "onair_fault_" + strings.ToLower(onair.RandomString(12))
	nodeURL := faultWithParam(t, dbURL, "application_name", appName)
	mail := notifytest.NewSMTPServer(t)
	a := startApp(t, nodeURL, map[string]string{"SMTP_URL": mail.URL()})
	nid, due := faultRemindAt(t, a, token, eventID, start, 3*time.Second)
	got := newFaultReceipts(mail)

	// Between the cuts the test reads the database itself, not the API: a
	// request that meets a cut connection fails with a 500, which is
	// onair's honest answer then, but not what this test is about.
	var terminated []int
	for k := 1; k <= cuts; k++ {
		target := viewers * k / (cuts + 1)
		waitFor(t, 150*time.Second, fmt.Sprintf("%d reminders to arrive before cut %d", target, k), func() (bool, string) {
			got.update(t)
			if got.distinct() >= viewers {
				t.Fatalf("every reminder arrived before cut %d of %d", k, cuts)
			}
			return got.distinct() >= target, fmt.Sprintf("%d distinct received", got.distinct())
		})
		var n int
		err := st.DB().QueryRowContext(context.Background(), `SELECT COUNT(*) FILTER (WHERE pg_terminate_backend(pid))
			FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid()`, appName).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatalf("cut %d: no connection is named %s: onair's connections do not carry the URL's application_name", k, appName)
		}
		terminated = append(terminated, n)
	}

	var counts map[string]int
	lastRead := time.Time{}
	// A cut can lose the answer to the queue's own bookkeeping (a job
	// taken, a job finished); such a job is rescued after jobs.rescueAfter.
	took := waitFor(t, 150*time.Second, "every reminder to be received and recorded as sent", func() (bool, string) {
		got.update(t)
		if time.Since(lastRead) < 250*time.Millisecond {
			return false, fmt.Sprintf("%d distinct received; %v", got.distinct(), counts)
		}
		lastRead = time.Now()
		counts = faultStatusCounts(t, st, nid)
		return got.distinct() == viewers && counts["sent"] == viewers,
			fmt.Sprintf("%d distinct received; deliveries %v", got.distinct(), counts)
	})
	got.update(t)
	t.Logf("%d recipients; %d cuts terminated %v connections; every reminder recorded %v after the last cut, "+
		"%v after the reminder's time; %d messages; %v in all",
		viewers, cuts, terminated, took.Round(time.Millisecond), time.Since(due).Round(time.Millisecond), got.total,
		time.Since(began).Round(time.Millisecond))

	if status, _ := a.do("GET", "/readyz", "", nil); status != 200 {
		t.Errorf("/readyz after the cuts: %d, want 200", status)
	}
	faultCheckEveryone(t, got, st, nid, emails)
	for did, n := range got.per {
		if n != 1 {
			t.Errorf("delivery %d arrived %d times: a cut connection made a second message", did, n)
		}
	}
	faultCheckCounters(t, faultByID(faultNotifications(a, token, eventID))[nid], viewers)
}

// faultSendSetup makes a host and an event starting in half an hour, with
// email off so that seeding it sends no confirmation, through a server
// that is stopped again: the test starts the nodes it wants.
func faultSendSetup(t *testing.T, dbURL string) (token, eventID string, start time.Time) {
	t.Helper()
	a := startApp(t, dbURL, nil)
	token = a.signup()
	start = time.Now().Add(30 * time.Minute).Truncate(time.Second)
	ev := a.createEvent(token, map[string]any{
		"scheduled_start":       start.UTC().Format(time.RFC3339),
		"notification_settings": map[string]any{"email_enabled": false},
		"selected_intervals":    []string{"15minutes"},
	})
	a.Stop()
	return token, ev["id"].(string), start
}

// faultSeed registers n viewers, prefixNNNNN@example.com, to an event
// through the store, many at once (over HTTP it would take minutes), and
// returns their addresses.
func faultSeed(t *testing.T, dbURL, eventID, prefix string, n int) []string {
	t.Helper()
	ctx := context.Background()
	if faultBackend(dbURL) == "postgres" {
		// The test's own fixture: its commits need not wait for the disk.
		dbURL = faultWithParam(t, dbURL, "synchronous_commit", "off")
	}
	st := faultOpen(t, dbURL)
	ev, err := st.Event(ctx, eventID)
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	emails := make([]string, n)
	errs := make(chan error, n)
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i := range n {
		emails[i] = fmt.Sprintf("%s%05d@example.com", prefix, i)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			now := time.Now()
			r, err := onair.NewRegistration(ev, onair.RegistrationInput{
				FirstName: "Viewer", LastName: fmt.Sprintf("No %d", i), Email: emails[i]}, nil, now)
			if err == nil {
				_, err = st.Register(ctx, r, now)
			}
			if err != nil {
				errs <- fmt.Errorf("registering %s: %w", emails[i], err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("registered %d through the store in %v", n, time.Since(began).Round(time.Millisecond))
	return emails
}

// faultOpen opens the database for the test's own reads, until it ends.
func faultOpen(t *testing.T, dbURL string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// faultRemindAt turns the event's email on and gives it one reminder, due
// lead from now on a's clock (to the second), moves the clock there (every
// node on it follows) and returns the reminder's id and the wall time at
// which it fell due.
func faultRemindAt(t *testing.T, a *app, token, eventID string, start time.Time, lead time.Duration) (string, time.Time) {
	t.Helper()
	due := a.now().Add(lead).Truncate(time.Second).Add(time.Second)
	interval := start.Sub(due).String()
	a.expect(200, "PATCH", "/api/events/"+eventID, token, map[string]any{
		"notification_settings": map[string]any{"email_enabled": true},
		"selected_intervals":    []string{interval},
	})
	n, ok := faultByInterval(faultNotifications(a, token, eventID))[interval]
	if !ok || n.Status != "scheduled" || n.Channel != "email" {
		t.Fatalf("no scheduled email reminder %q after the PATCH: %+v", interval, faultNotifications(a, token, eventID))
	}
	a.advanceTo(due)
	return n.ID, time.Now()
}

// faultByID indexes notifications by id.
func faultByID(ns []faultNotification) map[string]faultNotification {
	out := map[string]faultNotification{}
	for _, n := range ns {
		out[n.ID] = n
	}
	return out
}

// faultReceipts counts the messages SMTP servers received, per delivery.
type faultReceipts struct {
	servers  []*notifytest.SMTPServer
	seen     []int
	per      map[int64]int // delivery → messages received
	to       map[int64]string
	total    int
	byServer []int
	other    []string // messages that are not reminders
}

func newFaultReceipts(servers ...*notifytest.SMTPServer) *faultReceipts {
	return &faultReceipts{servers: servers, seen: make([]int, len(servers)), byServer: make([]int, len(servers)),
		per: map[int64]int{}, to: map[int64]string{}}
}

// update counts what arrived since the last update.
func (r *faultReceipts) update(t *testing.T) {
	t.Helper()
	for i, s := range r.servers {
		msgs := s.Messages()
		for _, m := range faultParse(t, msgs[r.seen[i]:]) {
			if m.kind != "reminder" {
				r.other = append(r.other, fmt.Sprintf("%s to %s (delivery %d)", m.kind, m.to, m.delivery))
				continue
			}
			if prev, ok := r.to[m.delivery]; ok && prev != m.to {
				r.other = append(r.other, fmt.Sprintf("delivery %d went to %s and to %s", m.delivery, prev, m.to))
			}
			r.per[m.delivery]++
			r.to[m.delivery] = m.to
			r.total++
			r.byServer[i]++
		}
		r.seen[i] = len(msgs)
	}
}

// distinct is how many deliveries arrived at least once.
func (r *faultReceipts) distinct() int { return len(r.per) }

// faultStatuses lists a notification's deliveries by status.
func faultStatuses(t *testing.T, st *store.Store, notificationID string) map[string][]int64 {
	t.Helper()
	out := map[string][]int64{}
	faultQuery(t, st, `SELECT id, status FROM deliveries WHERE notification_id = $1`, []any{notificationID}, func(rows *sql.Rows) error {
		var id int64
		var status string
		if err := rows.Scan(&id, &status); err != nil {
			return err
		}
		out[status] = append(out[status], id)
		return nil
	})
	return out
}

// faultStatusCounts counts a notification's deliveries by status.
// faultWaitAllSent waits until each of viewers has received the reminder
// nid at the servers, its deliveries are recorded sent and the API shows
// the notification sent, and returns the notification as the API then
// shows it and how long the wait took.
func faultWaitAllSent(t *testing.T, timeout time.Duration, got *faultReceipts, st *store.Store, a *app,
	token, eventID, nid string, viewers int) (faultNotification, time.Duration) {
	t.Helper()
	var final faultNotification
	var counts map[string]int
	lastRead := time.Time{}
	took := waitFor(t, timeout, "every reminder to be received and recorded as sent", func() (bool, string) {
		got.update(t)
		if time.Since(lastRead) < 250*time.Millisecond {
			return false, fmt.Sprintf("%d distinct received; %v", got.distinct(), counts)
		}
		lastRead = time.Now()
		counts = faultStatusCounts(t, st, nid)
		final = faultByID(faultNotifications(a, token, eventID))[nid]
		return got.distinct() == viewers && counts["sent"] == viewers && final.SentCount == viewers && final.Status == "sent",
			fmt.Sprintf("%d distinct received; deliveries %v; %+v", got.distinct(), counts, final)
	})
	return final, took
}

func faultStatusCounts(t *testing.T, st *store.Store, notificationID string) map[string]int {
	t.Helper()
	out := map[string]int{}
	faultQuery(t, st, `SELECT status, COUNT(*) FROM deliveries WHERE notification_id = $1 GROUP BY status`,
		[]any{notificationID}, func(rows *sql.Rows) error {
			var status string
			var n int
			if err := rows.Scan(&status, &n); err != nil {
				return err
			}
			out[status] = n
			return nil
		})
	return out
}

func faultQuery(t *testing.T, st *store.Store, query string, args []any, row func(*sql.Rows) error) {
	t.Helper()
	rows, err := st.DB().QueryContext(context.Background(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows); err != nil {
			t.Fatal(err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// faultCheckEveryone checks that every delivery of the notification is
// recorded as sent and was received, each by its own registrant, and that
// every registrant had one, and nothing else came.
func faultCheckEveryone(t *testing.T, got *faultReceipts, st *store.Store, notificationID string, emails []string) {
	t.Helper()
	statuses := faultStatuses(t, st, notificationID)
	for status, ids := range statuses {
		if status != "sent" {
			t.Errorf("%d deliveries ended %s, want every one sent (e.g. %d)", len(ids), status, ids[0])
		}
	}
	if len(statuses["sent"]) != len(emails) {
		t.Errorf("%d deliveries recorded as sent, want %d", len(statuses["sent"]), len(emails))
	}
	for _, id := range statuses["sent"] {
		if got.per[id] == 0 {
			t.Errorf("delivery %d is recorded as sent, and no SMTP server received it", id)
		}
	}
	byAddress := map[string]int{}
	for id, to := range got.to {
		byAddress[to] += got.per[id]
	}
	var missing []string
	for _, e := range emails {
		if byAddress[e] == 0 {
			missing = append(missing, e)
		}
		delete(byAddress, e)
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d registrants never got the reminder, e.g. %v", len(missing), missing[:min(5, len(missing))])
	}
	for e, n := range byAddress {
		t.Errorf("%d reminders went to %s, who is not a registrant", n, e)
	}
	for _, o := range got.other {
		t.Errorf("an unexpected message: %s", o)
	}
}

// faultCheckCounters checks a reminder's counters after a send to n.
func faultCheckCounters(t *testing.T, n faultNotification, want int) {
	t.Helper()
	if n.Status != "sent" || n.Recipients != want || n.SentCount != want || n.FailedCount != 0 || n.SkippedCount != 0 {
		t.Errorf("the reminder ended %+v (error_details %q), want sent with recipients and sent_count %d",
			n, faultDeref(n.ErrorDetails), want)
	}
}

// faultCheckNoRace checks the logs of child processes for the race
// detector's reports.
func faultCheckNoRace(t *testing.T, nodes []*faultChild) {
	t.Helper()
	for _, n := range nodes {
		if strings.Contains(n.log.String(), "DATA RACE") {
			t.Errorf("the race detector found a race in onair %s:\n%s", n.cmd.Args[1], n.log)
		}
	}
}

// faultWithParam adds a query parameter to a database URL.
func faultWithParam(t *testing.T, dbURL, key, value string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

package main

// The fault tests of the delivery engine: downtime, the cron endpoint and
// `onair send-due` called many times at once, and a process killed in the
// middle of a batch. Each runs on SQLite and on PostgreSQL with a real SMTP
// server, and counts at that server what every recipient received (rules 2
// and 5 of DESIGN.md). Helpers here are prefixed "fault" to stay out of the
// way of the other end-to-end files of this package.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/store/storetest"
)

// faultChildEnv makes the test binary run onair itself instead of the
// tests: TestFaultWorkerKilledMidBatch starts it as `onair serve` in a
// process of its own, to kill it with SIGKILL.
const faultChildEnv = "ONAIR_FAULT_CHILD"

// faultClockEnv names the file in which a child finds its clock's offset
// from the wall clock, read at start and on each SIGUSR1: the parent's
// testClock, moved by the test.
const faultClockEnv = "ONAIR_FAULT_CLOCK"

func TestMain(m *testing.M) {
	if os.Getenv(faultChildEnv) == "1" {
		faultChildMain()
	}
	code := m.Run()
	storetest.RemoveTemplates()
	os.Exit(code)
}

// faultChildMain is main on the clock of the parent test (faultClockEnv),
// or on the wall clock when it names none.
func faultChildMain() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	clk := newTestClock()
	file := os.Getenv(faultClockEnv)
	follow := func() {
		if file == "" {
			return // a child of onair bench: the wall clock
		}
		raw, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintln(os.Stderr, "onair: reading the clock:", err)
			os.Exit(1)
		}
		offset, err := time.ParseDuration(strings.TrimSpace(string(raw)))
		if err != nil {
			fmt.Fprintln(os.Stderr, "onair: reading the clock:", err)
			os.Exit(1)
		}
		clk.mu.Lock()
		d := offset - clk.offset
		clk.mu.Unlock()
		clk.Advance(d)
	}
	moved := make(chan os.Signal, 1)
	signal.Notify(moved, syscall.SIGUSR1)
	follow()
	go func() {
		for range moved {
			follow()
		}
	}()
	if err := runWith(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, clk.forRun()); err != nil {
		fmt.Fprintln(os.Stderr, "onair:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// The fault tests are the longest of the package, and each runs its two
// backends one after the other in its own slot. go test hands slots out
// first come, first served, and parallel subtests join the line behind
// every top-level test: as parallel subtests, the fault tests' backends
// started last and made the package's tail, alone on the machine.

// Rule 5: a reminder found late after downtime goes out only while it is
// before the next reminder's time and the start; otherwise it is skipped,
// and the host sees why. Nothing is sent twice across the restart.
func TestFaultDowntimeSkipsStaleReminders(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		mail := notifytest.NewSMTPServer(t)
		env := map[string]string{"SMTP_URL": mail.URL()}
		clk := newTestClock() // the servers' before and after the downtime
		a := startAppOn(t, dbURL, env, clk)
		token := a.signup()

		// The start an hour from now; reminders 3 and 2 minutes before it
		// and at the start.
		start := clk.Now().Truncate(time.Second).Add(time.Hour)
		remindFirst, remindLate := start.Add(-3*time.Minute), start.Add(-2*time.Minute)
		ev := a.createEvent(token, map[string]any{
			"scheduled_start":    start.UTC().Format(time.RFC3339),
			"selected_intervals": []string{"3m", "2m", "now"},
		})
		id := ev["id"].(string)
		emails := faultRegister(t, a, id, "downtime", 2)
		// The confirmations, sent and recorded, before going down.
		faultWaitConfirmed(t, a, token, id, len(emails))
		a.Stop()
		if stopped := clk.Now(); !stopped.Before(remindFirst) {
			t.Fatalf("setup too slow: the server stopped at %s, after the first reminder's time %s",
				stopped.Format(time.RFC3339Nano), remindFirst.Format(time.RFC3339Nano))
		}

		// Down until the "2m" reminder is late: the "3m" one is then past
		// the next reminder's time (stale), the "2m" one still before the
		// start and before the next ("now") time, with a minute and more
		// for the restart.
		clk.AdvanceTo(remindLate.Add(500 * time.Millisecond))
		b := startAppOn(t, dbURL, env, clk)
		up := clk.Now()
		if !up.Before(start.Add(-time.Minute)) {
			t.Fatalf("restart too slow: up at %s, the start is at %s", up.Format(time.RFC3339Nano), start.Format(time.RFC3339Nano))
		}
		var byInterval map[string]faultNotification
		settled := func(iv string) bool {
			n, ok := byInterval[iv]
			return ok && n.Status != "scheduled" && n.Status != "sending"
		}
		lateArrived := waitFor(t, 30*time.Second, "the stale reminder skipped and the late one sent", func() (bool, string) {
			byInterval = faultByInterval(faultNotifications(b, token, id))
			return settled("3m0s") && settled("2m0s"), fmt.Sprintf("%+v", byInterval)
		})
		// Then the start, for the "now" message.
		clk.AdvanceTo(start)
		took := waitFor(t, 30*time.Second, "the reminders to settle", func() (bool, string) {
			byInterval = faultByInterval(faultNotifications(b, token, id))
			return settled("3m0s") && settled("2m0s") && settled("now"), fmt.Sprintf("%+v", byInterval)
		})
		t.Logf("down from %.1fs to %.1fs before the start; the late reminder was settled %v after the restart, the start's %v after its time",
			start.Sub(remindFirst).Seconds(), start.Sub(up).Seconds(), lateArrived.Round(time.Millisecond), took.Round(time.Millisecond))
		b.waitIdle() // room for a message that should not come

		stale, late, now := byInterval["3m0s"], byInterval["2m0s"], byInterval["now"]
		if stale.Status != "skipped" || stale.Recipients != 0 || stale.SentCount != 0 || stale.ErrorDetails == nil ||
			!strings.Contains(*stale.ErrorDetails, "next reminder") {
			t.Errorf(`the "3m" reminder: want skipped with the reason "…after the next reminder's time", nothing sent; got %+v (error_details %q)`,
				stale, faultDeref(stale.ErrorDetails))
		}
		for _, n := range []faultNotification{late, now} {
			if n.Status != "sent" || n.Recipients != len(emails) || n.SentCount != len(emails) || n.FailedCount != 0 {
				t.Errorf("the %q reminder: want sent to %d, got %+v (error_details %q)",
					faultDeref(n.Interval), len(emails), n, faultDeref(n.ErrorDetails))
			}
		}

		mails := faultParse(t, mail.Messages())
		owner := faultDeliveryIndex(t, dbURL)
		for _, m := range mails {
			if m.kind == "reminder" && owner[m.delivery].notification != late.ID {
				t.Errorf("a reminder to %s came from delivery %d of notification %q, not from the \"2m\" reminder %s",
					m.to, m.delivery, owner[m.delivery].notification, late.ID)
			}
		}
		want := map[string]int{"confirmation": 1, "reminder": 1, "starting_now": 1}
		got := faultTally(mails)
		for _, e := range emails {
			if !faultSameCounts(got[e], want) {
				t.Errorf("%s received %v, want %v", e, got[e], want)
			}
		}
		if len(got) != len(emails) {
			t.Errorf("messages went to %d addresses, want %d: %v", len(got), len(emails), got)
		}
	})
}

// Rule 2 and the cron contract: the cron endpoint wants its secret (404
// when none is set), and any number of sweeps at once — `onair send-due`
// processes, cron calls, beside the workers or without them — send each
// message once; "processed" adds up to what the sweeps sent.
func TestFaultCronInParallelSendsNothingTwice(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		const (
			secret   = "fault-cron-secret-0123456789abcdef"
			viewers  = 55 // two batches: 50 and 5
			parallel = 20
		)
		// Two databases, each with a reminder whose time passes while no
		// server runs: one for send-due processes alone, one for cron calls
		// beside a restarted server's own workers.
		dbSweeps, dbCron := dbURL, storetest.URL(t, faultBackend(dbURL))
		mailSweeps, mailCron := notifytest.NewSMTPServer(t), notifytest.NewSMTPServer(t)
		envSweeps := map[string]string{"SMTP_URL": mailSweeps.URL(), "CRON_SECRET": secret}
		envCron := map[string]string{"SMTP_URL": mailCron.URL(), "CRON_SECRET": secret}

		// Each database's servers and sweeps share a clock.
		clkSweeps, clkCron := newTestClock(), newTestClock()
		a := startAppOn(t, dbSweeps, envSweeps, clkSweeps)
		for _, c := range []struct{ name, authz string }{
			{"no Authorization", ""},
			{"a wrong secret", "Bearer wrong-" + secret},
			{"an empty bearer", "Bearer "},
			{"the secret with another scheme", "Basic " + secret},
			{"the secret without a scheme", secret},
		} {
			if status, out, err := faultCron(a.URL, c.authz); err != nil || status != http.StatusUnauthorized {
				t.Errorf("cron with %s: %d %v %v, want 401", c.name, status, out, err)
			}
		}
		if status, out, err := faultCron(a.URL, "Bearer "+secret); err != nil || status != http.StatusOK || out["processed"] != 0.0 {
			t.Errorf("cron with the secret, nothing due: %d %v %v, want 200 processed 0", status, out, err)
		}
		c := startAppOn(t, dbCron, envCron, clkCron)

		setup := time.Now()
		remindAt := a.now().Add(time.Hour)
		tokenSweeps := a.signup()
		idSweeps, atSweeps := faultEventRemindingAt(t, a, tokenSweeps, remindAt)
		tokenCron := c.signup()
		idCron, atCron := faultEventRemindingAt(t, c, tokenCron, remindAt)
		// Both at once: two databases, no contention between them.
		var emailsCron, serverErrorsCron []string
		var errCron error
		registered := make(chan struct{})
		go func() {
			defer close(registered)
			emailsCron, serverErrorsCron, errCron = faultTryRegister(c.URL, idCron, "cron", viewers)
		}()
		emailsSweeps := faultRegister(t, a, idSweeps, "sweeps", viewers)
		<-registered
		for _, e := range serverErrorsCron {
			t.Errorf("a registration failed with a 5xx (tried again): %s", e)
		}
		if errCron != nil {
			t.Fatal(errCron)
		}
		faultWaitConfirmed(t, a, tokenSweeps, idSweeps, viewers)
		faultWaitConfirmed(t, c, tokenCron, idCron, viewers)
		a.Stop()
		c.Stop()
		t.Logf("setup: %v", time.Since(setup).Round(time.Millisecond))
		if !a.now().Before(atSweeps) || !c.now().Before(atCron) {
			t.Fatalf("setup too slow: the servers stopped at %s, after the reminders' time %s",
				a.now().Format(time.RFC3339Nano), atSweeps.Format(time.RFC3339Nano))
		}
		clkSweeps.AdvanceTo(atSweeps.Add(300 * time.Millisecond))
		clkCron.AdvanceTo(atCron.Add(300 * time.Millisecond))

		// send-due, 20 at once, with no worker running anywhere.
		getenv := func(k string) string {
			return map[string]string{"DATABASE_URL": dbSweeps, "APP_URL": testAppURL, "SMTP_URL": mailSweeps.URL()}[k]
		}
		type result struct {
			processed      int
			stdout, stderr string
			err            error
		}
		results := make([]result, parallel)
		gate := make(chan struct{})
		var wg sync.WaitGroup
		for i := range parallel {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-gate
				var stdout, stderr bytes.Buffer
				err := runWith(context.Background(), []string{"send-due"}, getenv, &stdout, &stderr, clkSweeps.forRun())
				r := result{stdout: stdout.String(), stderr: stderr.String(), err: err}
				if _, serr := fmt.Sscanf(r.stdout, "processed %d messages", &r.processed); serr != nil && err == nil {
					r.err = fmt.Errorf("stdout %q: %v", r.stdout, serr)
				}
				results[i] = r
			}()
		}
		began := time.Now()
		close(gate)
		wg.Wait()
		processed, split := 0, []int{}
		for i, r := range results {
			if r.err != nil {
				t.Errorf("send-due #%d: %v\nstderr:\n%s", i, r.err, r.stderr)
			}
			processed += r.processed
			split = append(split, r.processed)
		}
		reminders := faultOfKind(faultParse(t, mailSweeps.Messages()), "reminder")
		t.Logf("%d send-due at once: %v; processed %v (sum %d); %d reminder messages", parallel,
			time.Since(began).Round(time.Millisecond), split, processed, len(reminders))
		faultExactlyOnce(t, "send-due", reminders, emailsSweeps)
		if processed != len(reminders) {
			t.Errorf("the sweeps say they processed %d messages; the SMTP server received %d reminders from them", processed, len(reminders))
		}

		// A server started on that database now: its workers find the send
		// jobs the sweeps queued, and must send nothing again. Without
		// CRON_SECRET, the endpoint is not there.
		b := startAppOn(t, dbSweeps, map[string]string{"SMTP_URL": mailSweeps.URL()}, clkSweeps)
		for _, authz := range []string{"Bearer " + secret, ""} {
			if status, out, err := faultCron(b.URL, authz); err != nil || status != http.StatusNotFound {
				t.Errorf("cron without CRON_SECRET (Authorization %q): %d %v %v, want 404", authz, status, out, err)
			}
		}
		faultWaitQueueIdle(t, dbSweeps)
		n := faultReminderOf(t, faultNotifications(b, tokenSweeps, idSweeps))
		if n.Status != "sent" || n.Recipients != viewers || n.SentCount != viewers {
			t.Errorf("after the sweeps: %+v, want sent to %d", n, viewers)
		}
		faultExactlyOnce(t, "send-due, then a server", faultOfKind(faultParse(t, mailSweeps.Messages()), "reminder"), emailsSweeps)

		// The cron endpoint, 20 calls at once, on a server whose own
		// workers are dispatching and sending the same reminder.
		c2 := startAppOn(t, dbCron, envCron, clkCron)
		type cronResult struct {
			status    int
			processed int
			err       error
		}
		cronResults := make([]cronResult, parallel)
		gate = make(chan struct{})
		for i := range parallel {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-gate
				status, out, err := faultCron(c2.URL, "Bearer "+secret)
				p, _ := out["processed"].(float64)
				cronResults[i] = cronResult{status: status, processed: int(p), err: err}
			}()
		}
		close(gate)
		wg.Wait()
		processed, split = 0, split[:0]
		for i, r := range cronResults {
			if r.err != nil || r.status != http.StatusOK {
				t.Errorf("cron call #%d: %d %v", i, r.status, r.err)
			}
			processed += r.processed
			split = append(split, r.processed)
		}
		waitFor(t, 30*time.Second, "the reminder to be sent", func() (bool, string) {
			n := faultReminderOf(t, faultNotifications(c2, tokenCron, idCron))
			return n.Status == "sent" && n.SentCount == viewers, fmt.Sprintf("%+v", n)
		})
		faultWaitQueueIdle(t, dbCron)
		reminders = faultOfKind(faultParse(t, mailCron.Messages()), "reminder")
		t.Logf("%d cron calls beside the workers: processed %v (sum %d); %d reminder messages", parallel, split, processed, len(reminders))
		faultExactlyOnce(t, "cron beside the workers", reminders, emailsCron)
		if processed > len(reminders) {
			t.Errorf("the cron calls say they processed %d messages, more than the %d reminders the SMTP server received", processed, len(reminders))
		}
		n = faultReminderOf(t, faultNotifications(c2, tokenCron, idCron))
		if n.Recipients != viewers || n.SentCount != viewers || n.FailedCount != 0 {
			t.Errorf("after the cron calls: %+v, want sent to %d", n, viewers)
		}
	})
}

// Rule 2 against a real crash: `onair serve` in its own process, killed
// with SIGKILL while batches are in flight, then started again on the same
// database. Nothing is lost; nothing recorded as sent leaves again; the
// duplicates are only deliveries that were claimed and not yet recorded at
// the kill (at most one batch per send job: internal/jobs runs 8 send
// workers per process with batches of 50, so at most 400 per process).
func TestFaultWorkerKilledMidBatch(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		const (
			viewers = 120 // batches of 50, 50 and 20
			delay   = 400 * time.Millisecond
			// maxInFlight is what one process can have claimed and not yet
			// recorded: a page of the pump's email lane (jobs.pumpPage).
			maxInFlight = 500
		)
		// On PostgreSQL, a dead node's claims go back to pending once its
		// heartbeat has not changed for jobs.nodeDeadAfter (10 s of wall time),
		// seen by a node that looks every 3 s; on SQLite the next start takes them at once.
		recovery := 30 * time.Second
		if faultBackend(dbURL) == "postgres" {
			recovery = 60 * time.Second
		}
		mail := notifytest.NewSMTPServer(t)
		clk := newTestClock() // both processes'
		a, first := faultStartChildOn(t, clk, dbURL, mail.URL())
		token := a.signup()
		// A start far enough ahead that the reminder is not stale after a
		// PostgreSQL recovery; the reminder an hour ahead, its time come
		// when the setup is done.
		remindAt := clk.Now().Add(time.Hour)
		id, at := faultEventRemindingAt(t, a, token, remindAt, 5*time.Minute)
		reminder := faultReminderOf(t, faultNotifications(a, token, id))
		setup := time.Now()
		emails := faultRegister(t, a, id, "viewer", viewers)
		faultWaitConfirmed(t, a, token, id, viewers)
		t.Logf("registered %d and sent their confirmations in %v", viewers, time.Since(setup).Round(time.Millisecond))
		if now := clk.Now(); !now.Before(at.Add(-500 * time.Millisecond)) {
			t.Fatalf("setup too slow: confirmations done at %s, the reminder is due at %s", now.Format(time.RFC3339Nano), at.Format(time.RFC3339Nano))
		}
		mail.DelayData(delay) // every message now stays in flight a while
		clk.AdvanceTo(at)

		// Kill once some reminders have arrived, preferably after a batch
		// has been recorded as sent, and before they all have.
		var killedAt time.Time
		var sentAtKill, arrivedAtKill int
		lastPoll := time.Time{}
		waitFor(t, 60*time.Second, "some but not all reminders to arrive", func() (bool, string) {
			arrived := mail.Count() - viewers
			if arrived >= viewers {
				t.Fatalf("all %d reminders arrived before the kill: raise the SMTP delay", viewers)
			}
			if time.Since(lastPoll) >= 100*time.Millisecond {
				lastPoll = time.Now()
				sentAtKill = faultReminderOf(t, faultNotifications(a, token, id)).SentCount
			}
			if arrived > 0 && (sentAtKill > 0 || arrived >= viewers*2/3) {
				first.kill()
				killedAt, arrivedAtKill = clk.Now(), arrived
				return true, ""
			}
			return false, fmt.Sprintf("%d arrived, %d recorded sent", arrived, sentAtKill)
		})
		client.CloseIdleConnections()
		// The messages in flight at the SMTP server land: the server closes
		// each connection of the dead process after its message's delay.
		waitFor(t, 30*time.Second, "the killed process's SMTP connections to close", func() (bool, string) {
			n := mail.OpenConnections()
			return n == 0, fmt.Sprintf("%d open", n)
		})
		landed := mail.Count() - viewers - arrivedAtKill

		atKill := map[string][]int64{} // delivery status → ids, as the kill left them
		for did, d := range faultDeliveryIndex(t, dbURL) {
			if d.notification == reminder.ID {
				atKill[d.status] = append(atKill[d.status], did)
			}
		}
		claimed := len(atKill["sending"])
		t.Logf("killed %v after the reminder's time: %d reminders had arrived (%d more were in flight at the SMTP server); "+
			"deliveries then: %d sent, %d sending (claimed, not recorded), %d pending; API sent_count seen %d",
			killedAt.Sub(at).Round(time.Millisecond), arrivedAtKill, landed, len(atKill["sent"]), claimed,
			len(atKill["pending"]), sentAtKill)
		if claimed > maxInFlight {
			t.Errorf("%d deliveries claimed and not recorded at the kill, more than the %d of the pump's page", claimed, maxInFlight)
		}

		mail.DelayData(0)
		b, second := faultStartChildOn(t, clk, dbURL, mail.URL())
		// The dead process's heartbeat is old enough at once for its
		// claims to go back (PostgreSQL; SQLite took them at the start).
		clk.Advance(11 * time.Second)
		var final faultNotification
		took := waitFor(t, recovery, "every registrant to get the reminder", func() (bool, string) {
			final = faultReminderOf(t, faultNotifications(b, token, id))
			got := len(faultTally(faultOfKind(faultParse(t, mail.Messages()), "reminder")))
			return got == viewers && final.Status == "sent" && final.SentCount == viewers,
				fmt.Sprintf("%d of %d registrants have it; %+v", got, viewers, final)
		})
		t.Logf("%s: every registrant had the reminder %v after the restart (%v after the kill)",
			faultBackend(dbURL), took.Round(time.Millisecond), clk.Now().Sub(killedAt).Round(time.Millisecond))
		faultWaitQueueIdle(t, dbURL)
		second.stop(t)

		reminders := faultOfKind(faultParse(t, mail.Messages()), "reminder")
		perDelivery := map[int64]int{}
		for _, m := range reminders {
			perDelivery[m.delivery]++
		}
		duplicates := len(reminders) - len(perDelivery)
		t.Logf("%d reminder messages for %d registrants: %d duplicates; bound: %d claimed at the kill (≤ %d). "+
			"Of those claimed, %d were in flight at the SMTP server at the kill and %d had been accepted by it "+
			"before the kill but not yet recorded (outcomes are committed in batches at most 100 ms apart)",
			len(reminders), viewers, duplicates, claimed, maxInFlight, landed, arrivedAtKill-len(atKill["sent"]))
		got := faultTally(reminders)
		for _, e := range emails {
			if got[e]["reminder"] == 0 {
				t.Errorf("%s never got the reminder", e)
			}
		}
		for _, did := range atKill["sent"] {
			if perDelivery[did] != 1 {
				t.Errorf("delivery %d was recorded as sent before the kill, and the SMTP server received it %d times", did, perDelivery[did])
			}
		}
		wasClaimed := map[int64]bool{}
		for _, did := range atKill["sending"] {
			wasClaimed[did] = true
		}
		for did, k := range perDelivery {
			if k > 1 && !wasClaimed[did] {
				t.Errorf("delivery %d arrived %d times but was not in flight at the kill", did, k)
			}
			if k > 2 {
				t.Errorf("delivery %d arrived %d times: one crash may re-send a message once at most", did, k)
			}
		}
		if duplicates > claimed || duplicates > maxInFlight {
			t.Errorf("%d duplicates, more than the %d deliveries in flight at the kill", duplicates, claimed)
		}
		if final.Recipients != viewers || final.SentCount != viewers || final.FailedCount != 0 || final.Status != "sent" {
			t.Errorf("the reminder ended %+v, want sent with sent_count %d", final, viewers)
		}
		for _, l := range []*faultLog{first.log, second.log} {
			if strings.Contains(l.String(), "DATA RACE") {
				t.Errorf("the race detector found a race in onair serve:\n%s", l)
			}
		}
	})
}

// A graceful stop (SIGTERM: what app.Stop does) lets a send in flight
// finish and records it, so that the next start does not send it again
// (DESIGN.md, Operations: "finish or release in-flight jobs"; rule 2: the
// only duplicate window is a crash).
func TestFaultGracefulStopFinishesInFlightSends(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		mail := notifytest.NewSMTPServer(t)
		env := map[string]string{"SMTP_URL": mail.URL()}
		a := startApp(t, dbURL, env)
		token := a.signup()
		id := a.createEvent(token, nil)["id"].(string)
		// The confirmation stays at the SMTP server for 2 s after its body
		// has arrived; the server is stopped meanwhile.
		mail.DelayData(2 * time.Second)
		emails := faultRegister(t, a, id, "graceful", 1)
		waitFor(t, 10*time.Second, "the confirmation's data to be at the server", func() (bool, string) {
			return mail.Held() > 0, fmt.Sprintf("%d SMTP connections open, no message held", mail.OpenConnections())
		})
		stopping := time.Now()
		a.Stop()
		t.Logf("stopped in %v with the message in flight", time.Since(stopping).Round(time.Millisecond))
		mail.WaitFor(1, 5*time.Second) // the message in flight has landed, whatever the stop did
		mail.DelayData(0)

		b := startApp(t, dbURL, env)
		faultWaitConfirmed(t, b, token, id, 1)
		faultWaitQueueIdle(t, dbURL)
		b.waitIdle()
		got := faultTally(faultParse(t, mail.Messages()))
		if got[emails[0]]["confirmation"] != 1 {
			t.Errorf("%s received %d confirmations across a graceful restart, want 1 (%v)",
				emails[0], got[emails[0]]["confirmation"], got)
		}
	})
}

// faultWaitConfirmed waits until an event's email confirmations are
// recorded as sent to n registrants.
func faultWaitConfirmed(t *testing.T, a *app, token, eventID string, n int) {
	t.Helper()
	waitFor(t, 60*time.Second, "the confirmations to be recorded as sent", func() (bool, string) {
		for _, c := range faultNotifications(a, token, eventID) {
			if c.Kind == "confirmation" && c.Channel == "email" {
				return c.SentCount == n, fmt.Sprintf("%+v", c)
			}
		}
		return false, "no confirmation notification"
	})
}

// faultBackend names the backend of a test database URL.
func faultBackend(dbURL string) string {
	if strings.HasPrefix(dbURL, "sqlite:") {
		return "sqlite"
	}
	return "postgres"
}

// faultEventRemindingAt creates an event with one reminder, due at about
// remindAt (to the second), and returns its id and the reminder's time. The
// start is a minute after it unless told otherwise; a custom interval
// carries the offset.
func faultEventRemindingAt(t *testing.T, a *app, token string, remindAt time.Time, lead ...time.Duration) (string, time.Time) {
	t.Helper()
	startIn := time.Minute
	if len(lead) > 0 {
		startIn = lead[0]
	}
	start := remindAt.Truncate(time.Second).Add(startIn)
	ev := a.createEvent(token, map[string]any{
		"scheduled_start":    start.UTC().Format(time.RFC3339),
		"selected_intervals": []string{startIn.String()},
	})
	return ev["id"].(string), start.Add(-startIn)
}

// faultRegister registers n viewers, prefixNNN@example.com, eight at a
// time, and returns their addresses. A registration answered with a 5xx is
// an error of the test (the API allows none), but is tried again so that
// the scenario still runs and shows what it is about.
func faultRegister(t *testing.T, a *app, eventID, prefix string, n int) []string {
	t.Helper()
	emails, serverErrors, err := faultTryRegister(a.URL, eventID, prefix, n)
	for _, e := range serverErrors {
		t.Errorf("a registration failed with a 5xx (tried again): %s", e)
	}
	if err != nil {
		t.Fatal(err)
	}
	return emails
}

// faultTryRegister is faultRegister without the test, for goroutines: it
// returns the 5xx answers it got and tried again after.
func faultTryRegister(baseURL, eventID, prefix string, n int) (emails, serverErrors []string, err error) {
	emails = make([]string, n)
	errs := make([]error, n)
	var mu sync.Mutex
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i := range n {
		emails[i] = fmt.Sprintf("%s%03d@example.com", prefix, i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			body := fmt.Sprintf(`{"first_name":"Viewer","last_name":"No %d","email":%q}`, i, emails[i])
			for try := 0; ; try++ {
				resp, err := client.Post(baseURL+"/api/events/"+eventID+"/register", "application/json", strings.NewReader(body))
				if err != nil {
					errs[i] = err
					return
				}
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				switch {
				case resp.StatusCode == http.StatusCreated:
					return
				case resp.StatusCode >= 500 && try < 3:
					mu.Lock()
					serverErrors = append(serverErrors, fmt.Sprintf("registering %s: %d %s", emails[i], resp.StatusCode, raw))
					mu.Unlock()
					continue
				}
				errs[i] = fmt.Errorf("registering %s: %d %s", emails[i], resp.StatusCode, raw)
				return
			}
		}()
	}
	wg.Wait()
	return emails, serverErrors, errors.Join(errs...)
}

// faultCron calls the cron endpoint with an Authorization header (none
// when empty). It does not touch the test, so goroutines may call it.
func faultCron(baseURL, authz string) (int, map[string]any, error) {
	req, err := http.NewRequest("POST", baseURL+"/api/cron/send-notifications", nil)
	if err != nil {
		return 0, nil, err
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return resp.StatusCode, nil, fmt.Errorf("body %q: %v", raw, err)
	}
	return resp.StatusCode, out, nil
}

// faultNotification is a notification as GET /api/events/{id}/notifications shows it.
type faultNotification struct {
	ID            string  `json:"id"`
	Kind          string  `json:"kind"`
	Interval      *string `json:"interval"`
	Channel       string  `json:"channel"`
	ScheduledTime string  `json:"scheduled_time"`
	Status        string  `json:"status"`
	Recipients    int     `json:"recipients"`
	SentCount     int     `json:"sent_count"`
	FailedCount   int     `json:"failed_count"`
	SkippedCount  int     `json:"skipped_count"`
	ErrorDetails  *string `json:"error_details"`
}

func faultNotifications(a *app, token, eventID string) []faultNotification {
	a.t.Helper()
	status, raw, _ := a.raw("GET", "/api/events/"+eventID+"/notifications", token, nil)
	var out struct {
		Notifications []faultNotification `json:"notifications"`
	}
	if err := json.Unmarshal(raw, &out); status != http.StatusOK || err != nil {
		a.t.Fatalf("GET notifications: %d %s", status, raw)
	}
	return out.Notifications
}

// faultByInterval indexes an event's reminders by interval.
func faultByInterval(ns []faultNotification) map[string]faultNotification {
	out := map[string]faultNotification{}
	for _, n := range ns {
		if n.Interval != nil && (n.Kind == "reminder" || n.Kind == "starting_now") {
			out[*n.Interval] = n
		}
	}
	return out
}

// faultReminderOf is the one reminder of an event planned with a single
// interval.
func faultReminderOf(t *testing.T, ns []faultNotification) faultNotification {
	t.Helper()
	var found []faultNotification
	for _, n := range ns {
		if n.Kind == "reminder" {
			found = append(found, n)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one reminder, got %+v", ns)
	}
	return found[0]
}

func faultDeref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// faultMail is one message the SMTP server received, classified.
type faultMail struct {
	to       string
	kind     string // confirmation, reminder, starting_now, or "other: SUBJECT"
	delivery int64  // X-Onair-Delivery
}

func faultParse(t *testing.T, msgs []notifytest.ReceivedMessage) []faultMail {
	t.Helper()
	out := make([]faultMail, 0, len(msgs))
	for _, m := range msgs {
		if len(m.To) != 1 {
			t.Fatalf("a message to %v: want one recipient each", m.To)
		}
		did, err := strconv.ParseInt(m.Header.Get("X-Onair-Delivery"), 10, 64)
		if err != nil {
			t.Fatalf("a message to %v without a delivery id: %v", m.To, err)
		}
		out = append(out, faultMail{to: strings.ToLower(m.To[0]), kind: faultKind(m.Subject()), delivery: did})
	}
	return out
}

// faultKind tells a message's kind by its subject (internal/notify's
// wording: every reminder with an offset under a minute and a half says
// "Starting in 1 minute", so the delivery id tells reminders apart).
func faultKind(subject string) string {
	switch {
	case strings.HasPrefix(subject, "You're registered:"):
		return "confirmation"
	case strings.HasPrefix(subject, "Starting "):
		return "reminder"
	case strings.HasPrefix(subject, "Live now:"):
		return "starting_now"
	}
	return "other: " + subject
}

func faultOfKind(mails []faultMail, kind string) []faultMail {
	var out []faultMail
	for _, m := range mails {
		if m.kind == kind {
			out = append(out, m)
		}
	}
	return out
}

// faultTally counts messages per recipient and kind.
func faultTally(mails []faultMail) map[string]map[string]int {
	out := map[string]map[string]int{}
	for _, m := range mails {
		if out[m.to] == nil {
			out[m.to] = map[string]int{}
		}
		out[m.to][m.kind]++
	}
	return out
}

func faultSameCounts(got, want map[string]int) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// faultExactlyOnce checks that every address got exactly one of mails, and
// nobody else any.
func faultExactlyOnce(t *testing.T, what string, mails []faultMail, emails []string) {
	t.Helper()
	per := map[string]int{}
	for _, m := range mails {
		per[m.to]++
	}
	var wrong []string
	for _, e := range emails {
		if per[e] != 1 {
			wrong = append(wrong, fmt.Sprintf("%s×%d", e, per[e]))
		}
		delete(per, e)
	}
	for e, k := range per {
		wrong = append(wrong, fmt.Sprintf("%s×%d (not a registrant)", e, k))
	}
	sort.Strings(wrong)
	if len(wrong) > 0 {
		t.Errorf("%s: %d messages for %d registrants; not exactly once: %v", what, len(mails), len(emails), wrong)
	}
}

// faultDelivery is a delivery row as the test reads it from the database.
type faultDelivery struct {
	notification, status, claimedBy string
}

// faultDeliveryIndex reads every delivery of the database.
func faultDeliveryIndex(t *testing.T, dbURL string) map[int64]faultDelivery {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := st.DB().QueryContext(ctx, `SELECT id, notification_id, status, claimed_by FROM deliveries`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]faultDelivery{}
	for rows.Next() {
		var id int64
		var d faultDelivery
		if err := rows.Scan(&id, &d.notification, &d.status, &d.claimedBy); err != nil {
			t.Fatal(err)
		}
		out[id] = d
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// faultWaitQueueIdle waits until no send or dispatch job is left to run,
// so that a message that should not leave has had its chance to.
func faultWaitQueueIdle(t *testing.T, dbURL string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	waitFor(t, 30*time.Second, "the job queue to be idle", func() (bool, string) {
		var n int
		err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job
			WHERE kind IN ('onair_send', 'onair_dispatch') AND state IN ('available', 'running')`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n == 0, fmt.Sprintf("%d jobs to run", n)
	})
}

// faultChild is `onair serve` or `onair worker` running as a process of
// its own: the test binary re-executed with faultChildEnv set.
type faultChild struct {
	cmd  *exec.Cmd
	log  *faultLog
	done chan struct{}
	err  error // cmd.Wait's, once done is closed
}

// faultStartChild starts onair serve on a free port in a new process and
// returns a client of it; the process is killed when the test ends.
func faultStartChild(t *testing.T, dbURL, smtpURL string) (*app, *faultChild) {
	t.Helper()
	return faultStartNode(t, "serve", dbURL, map[string]string{"SMTP_URL": smtpURL})
}

// faultStartChildOn is faultStartChild on the clock clk, which the test
// moves for the child as for an app of its own.
func faultStartChildOn(t *testing.T, clk *testClock, dbURL, smtpURL string) (*app, *faultChild) {
	t.Helper()
	return faultStartNodeOn(t, clk, "serve", dbURL, map[string]string{"SMTP_URL": smtpURL})
}

// faultStartNode starts `onair serve` (on a free port) or `onair worker`
// in a new process on dbURL, env on top of the test's settings, and waits
// until it runs; a serve comes with a client of it, a worker with none.
// The process is killed when the test ends.
func faultStartNode(t *testing.T, command, dbURL string, env map[string]string) (*app, *faultChild) {
	t.Helper()
	return faultStartNodeOn(t, newTestClock(), command, dbURL, env)
}

// faultStartNodeOn is faultStartNode on the clock clk: the child reads
// its offset from a file, again on each SIGUSR1 that a move of clk sends.
func faultStartNodeOn(t *testing.T, clk *testClock, command, dbURL string, env map[string]string) (*app, *faultChild) {
	t.Helper()
	clockFile := filepath.Join(t.TempDir(), "clock")
	writeOffset := func(offset time.Duration) {
		if err := os.WriteFile(clockFile+".new", []byte(offset.String()), 0o600); err == nil {
			_ = os.Rename(clockFile+".new", clockFile)
		}
	}
	clk.mu.Lock()
	writeOffset(clk.offset)
	clk.mu.Unlock()
	cmd := exec.Command(os.Args[0], command)
	cmd.Env = append(os.Environ(), faultChildEnv+"=1", faultClockEnv+"="+clockFile, "ONAIR_ADDR=127.0.0.1:0", "DATABASE_URL="+dbURL,
		"APP_URL="+testAppURL, "CRON_SECRET=", "ONAIR_REGISTER_LIMIT=0")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	ready := faultListenRE
	if command != "serve" {
		ready = faultWorkerRE
	}
	c := &faultChild{cmd: cmd, log: &faultLog{addr: make(chan string, 1), ready: ready}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = c.log, c.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	// Moves of clk reach the file at once, and the child by a signal once
	// it runs (before, the signal would kill it).
	var running bool
	tell := func() {
		select {
		case <-c.done:
		default:
			_ = cmd.Process.Signal(syscall.SIGUSR1)
		}
	}
	clk.mu.Lock()
	clk.children = append(clk.children, func(offset time.Duration) {
		writeOffset(offset)
		if running {
			tell()
		}
	})
	clk.mu.Unlock()
	t.Cleanup(func() {
		c.kill()
		if t.Failed() {
			t.Logf("onair %s (pid %d) log:\n%s", command, cmd.Process.Pid, c.log)
		}
	})
	var addr string
	select {
	case addr = <-c.log.addr:
	case <-c.done:
		t.Fatalf("onair %s stopped at start: %v\n%s", command, c.err, c.log)
	case <-time.After(60 * time.Second):
		t.Fatalf("onair %s did not start in 60s\n%s", command, c.log)
	}
	clk.mu.Lock()
	running = true
	clk.mu.Unlock()
	tell() // a move since the child read its file
	if command != "serve" {
		return nil, c
	}
	a := &app{t: t, URL: "http://" + addr, DBURL: dbURL, stop: c.kill, clock: clk, db: &appDB{}}
	t.Cleanup(func() {
		if a.db.st != nil {
			a.db.st.Close()
		}
	})
	return a, c
}

// kill ends the process with SIGKILL, as a crash or the OOM killer would,
// and waits for it.
func (c *faultChild) kill() {
	select {
	case <-c.done:
		return
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.done
}

// stop ends the process with SIGTERM and checks that it exits cleanly.
func (c *faultChild) stop(t *testing.T) {
	t.Helper()
	client.CloseIdleConnections()
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
		if c.err != nil {
			t.Errorf("onair %s exited with %v after SIGTERM\n%s", c.cmd.Args[1], c.err, c.log)
		}
	case <-time.After(30 * time.Second):
		c.kill()
		t.Errorf("onair %s did not stop in 30s after SIGTERM", c.cmd.Args[1])
	}
}

// faultLog keeps a child's output and finds in it the line that says the
// child runs: the listening address of a serve, the start of a worker.
type faultLog struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	addr  chan string // the first submatch of ready, once
	found bool
	ready *regexp.Regexp
}

var (
	faultListenRE = regexp.MustCompile(`msg="onair listening" addr=(\S+)`)
	faultWorkerRE = regexp.MustCompile(`msg="onair worker running"()`)
)

func (l *faultLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	// Searched until found only: a child sending thousands of messages
	// writes a long log.
	if !l.found {
		if m := l.ready.FindSubmatch(l.buf.Bytes()); m != nil {
			l.found = true
			l.addr <- string(m[1])
		}
	}
	return len(p), nil
}

func (l *faultLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

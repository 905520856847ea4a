package main

import (
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/store/storetest"
)

// Several nodes on one PostgreSQL database (DESIGN.md, Scale): `onair
// serve` and two `onair worker` share a reminder of 5,000 (1,000 under the
// race detector). Each registrant gets it exactly once, and every process
// sends part of it. Each process has an SMTP server of its own, which is
// how the test sees who sent what: the deliveries table does not say (its
// claimed_by is cleared once an outcome is recorded, and provider is
// "smtp" for all).
func TestMultinodeThreeProcessesShareASend(t *testing.T) {
	t.Parallel()
	dbURL := storetest.URL(t, "postgres") // skips without ONAIR_TEST_DATABASE_URL
	viewers := faultScaled(5000, 1000)
	began := time.Now()
	token, eventID, start := faultSendSetup(t, dbURL)
	emails := faultSeed(t, dbURL, eventID, "node", viewers)
	st := faultOpen(t, dbURL)

	names := []string{"serve", "worker", "worker"}
	servers := make([]*notifytest.SMTPServer, len(names))
	nodes := make([]*faultChild, len(names))
	var a *app
	clk := newTestClock() // the three nodes'
	for i, command := range names {
		servers[i] = notifytest.NewSMTPServer(t)
		api, node := faultStartNodeOn(t, clk, command, dbURL, map[string]string{"SMTP_URL": servers[i].URL()})
		if api != nil {
			a = api
		}
		nodes[i] = node
	}
	nid, due := faultRemindAt(t, a, token, eventID, start, 3*time.Second)
	got := newFaultReceipts(servers...)

	final, _ := faultWaitAllSent(t, 120*time.Second, got, st, a, token, eventID, nid, viewers)
	sent := time.Since(due)
	got.update(t)
	for _, n := range nodes {
		n.stop(t)
	}
	t.Logf("%d recipients, seeded and started in %v; every reminder recorded %v after its time; %d messages; "+
		"sent by serve, worker, worker: %v; %v in all",
		viewers, due.Sub(began).Round(time.Millisecond), sent.Round(time.Millisecond), got.total, got.byServer,
		time.Since(began).Round(time.Millisecond))

	faultCheckEveryone(t, got, st, nid, emails)
	for did, n := range got.per {
		if n != 1 {
			t.Errorf("delivery %d arrived %d times, want once", did, n)
		}
	}
	// A node claims up to a page (500) at a time: a send of a few pages
	// may leave one node out.
	want, took := len(got.byServer), 0
	if viewers < 3000 {
		want = 2
	}
	for _, n := range got.byServer {
		if n > 0 {
			took++
		}
	}
	if took < want {
		t.Errorf("%d of the %d processes sent reminders (per process: %v); want at least %d", took, len(got.byServer), got.byServer, want)
	}
	faultCheckCounters(t, final, viewers)
	faultCheckNoRace(t, nodes)
}

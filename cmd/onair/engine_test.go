package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/store/storetest"
)

// inbox watches a test SMTP server and notes, on the clock of the app it
// serves, when each message was first seen, so that a test can tell that
// none arrived before its time.
type inbox struct {
	t     *testing.T
	srv   *notifytest.SMTPServer
	clock *testClock // the app's: startAppOn(t, dbURL, in.env(), in.clock)
	mu    sync.Mutex
	seen  []time.Time
	noted chan struct{} // closed and replaced when seen grows
	stop  chan struct{}
}

func newInbox(t *testing.T) *inbox {
	t.Helper()
	in := &inbox{t: t, srv: notifytest.NewSMTPServer(t), clock: newTestClock(), noted: make(chan struct{}), stop: make(chan struct{})}
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-in.stop:
				return
			case <-tick.C:
				n := in.srv.Count()
				in.mu.Lock()
				if len(in.seen) < n {
					for len(in.seen) < n {
						in.seen = append(in.seen, in.clock.Now())
					}
					close(in.noted)
					in.noted = make(chan struct{})
				}
				in.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() { close(in.stop) })
	return in
}

// env is the environment that sends email to this inbox.
func (in *inbox) env() map[string]string { return map[string]string{"SMTP_URL": in.srv.URL()} }

// received is one message, simplified.
type received struct {
	To, Subject string
	Body        string
	Unsubscribe string // the List-Unsubscribe header
	Seen        time.Time
}

// wait waits until at least n messages have arrived and returns them all.
func (in *inbox) wait(n int, timeout time.Duration) []received {
	in.t.Helper()
	msgs := in.srv.WaitFor(n, timeout)
	if len(msgs) < n {
		in.t.Fatalf("%d messages arrived in %v, want %d:\n%s", len(msgs), timeout, n, summarize(in.simplify(msgs)))
	}
	// The watcher notes the last arrivals on its next tick.
	for {
		in.mu.Lock()
		seen, noted := len(in.seen), in.noted
		in.mu.Unlock()
		if seen >= len(msgs) {
			break
		}
		select {
		case <-noted:
		case <-time.After(timeout):
			in.t.Fatalf("the watcher noted %d of %d messages in %v", seen, len(msgs), timeout)
		}
	}
	return in.simplify(msgs)
}

// settle waits until a has nothing left due (waitIdle) and returns every
// message, to check that no more came than expected.
func (in *inbox) settle(a *app) []received {
	in.t.Helper()
	a.waitIdle()
	return in.simplify(in.srv.Messages())
}

func (in *inbox) simplify(msgs []notifytest.ReceivedMessage) []received {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make([]received, len(msgs))
	for i, m := range msgs {
		out[i] = received{To: strings.Join(m.To, ","), Subject: m.Subject(), Body: string(m.Data),
			Unsubscribe: m.DecodedHeader("List-Unsubscribe")}
		if i < len(in.seen) {
			out[i].Seen = in.seen[i]
		}
	}
	return out
}

func summarize(ms []received) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "  %s: %s\n", m.To, m.Subject)
	}
	return b.String()
}

// count tallies messages by recipient and by the kind their subject names.
func count(ms []received) map[string]int {
	out := map[string]int{}
	for _, m := range ms {
		kind, _, _ := strings.Cut(m.Subject, ":")
		if strings.HasPrefix(kind, "Starting") {
			kind = "Starting"
		}
		out[m.To+" "+kind]++
	}
	return out
}

func expectCounts(t *testing.T, ms []received, want map[string]int) {
	t.Helper()
	got := count(ms)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %d messages, want %d", k, got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected: %d × %s", v, k)
		}
	}
	if t.Failed() {
		t.Logf("messages:\n%s", summarize(ms))
	}
}

// notifications returns an event's notifications keyed by
// kind/interval/channel, and /arm for a reminder of an A/B test's arm.
func (a *app) notifications(token, eventID string) map[string]map[string]any {
	a.t.Helper()
	out := map[string]map[string]any{}
	list := a.expect(http.StatusOK, "GET", "/api/events/"+eventID+"/notifications", token, nil)["notifications"].([]any)
	for _, x := range list {
		n := x.(map[string]any)
		key := fmt.Sprintf("%v/%v/%v", n["kind"], n["interval"], n["channel"])
		if n["interval"] == nil {
			key = fmt.Sprintf("%v/%v", n["kind"], n["channel"])
		}
		if arm, ok := n["arm"].(string); ok {
			key += "/" + arm
		}
		if prev, dup := out[key]; dup && prev["status"] != "cancelled" {
			key += "#2"
		}
		out[key] = n
	}
	return out
}

func startsIn(d time.Duration) time.Time { return time.Now().Add(d).UTC().Truncate(time.Second) }

// startsAt is a start d after the app's now, in whole seconds.
func (a *app) startsAt(d time.Duration) time.Time { return a.now().Add(d).UTC().Truncate(time.Second) }

func TestRemindersArriveOnceAndOnTime(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		in := newInbox(t)
		a := startAppOn(t, dbURL, in.env(), in.clock)
		token := a.signup()
		start := a.startsAt(2 * time.Hour)
		ev := a.createEvent(token, map[string]any{
			"scheduled_start": start.Format(time.RFC3339), "selected_intervals": []string{"1hour", "15minutes", "now"},
		})
		id := ev["id"].(string)
		viewers := []string{"ada@example.com", "grace@example.com", "alan@example.com"}
		for _, v := range viewers {
			a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", map[string]string{"email": v, "first_name": "V"})
		}
		in.wait(3, 20*time.Second)
		// Each reminder's time comes in two steps: a second before it,
		// nothing may leave; at it, the reminder does.
		sent := 3
		for _, due := range []time.Time{start.Add(-time.Hour), start.Add(-15 * time.Minute), start} {
			a.advanceTo(due.Add(-time.Second))
			if early := in.settle(a); len(early) != sent {
				t.Fatalf("%d messages a second before %v, want %d:\n%s", len(early), due, sent, summarize(early))
			}
			a.advanceTo(due)
			sent += len(viewers)
			in.wait(sent, time.Minute)
		}
		got := in.wait(12, 20*time.Second)
		want := map[string]int{}
		for _, v := range viewers {
			want[v+" You're registered"], want[v+" Starting"], want[v+" Live now"] = 1, 2, 1
		}
		expectCounts(t, got, want)
		for _, m := range got {
			var due time.Time
			switch {
			case strings.HasPrefix(m.Subject, "Live now"):
				due = start
			case strings.HasPrefix(m.Subject, "Starting"):
				due = start.Add(-time.Hour)
			}
			// The watcher polls every 20 ms: a message seen before its time
			// minus that was sent early.
			if m.Seen.Before(due.Add(-50 * time.Millisecond)) {
				t.Errorf("%s to %s arrived at %v, before its time %v", m.Subject, m.To, m.Seen, due)
			}
		}

		t.Run("go live and end send nothing", func(t *testing.T) {
			a.expect(http.StatusOK, "POST", "/api/events/"+id+"/start", token, nil)
			a.expect(http.StatusOK, "POST", "/api/events/"+id+"/end", token, nil)
			if after := in.settle(a); len(after) != 12 {
				t.Errorf("%d messages after go live and end, want 12:\n%s", len(after), summarize(after))
			}
		})
		t.Run("the notifications show what was sent", func(t *testing.T) {
			ns := a.notifications(token, id)
			for _, key := range []string{"confirmation/email", "reminder/1hour/email", "reminder/15minutes/email", "starting_now/now/email"} {
				n := ns[key]
				if n == nil || n["status"] != "sent" || n["sent_count"] != 3.0 || n["recipients"] != 3.0 || n["failed_count"] != 0.0 {
					t.Errorf("%s: %v", key, n)
				}
			}
		})
	})
}

func TestLateRegistrantGetsOnlyWhatIsAhead(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		in := newInbox(t)
		a := startApp(t, dbURL, in.env())
		token := a.signup()
		start := a.startsAt(2 * time.Hour)
		id := a.createEvent(token, map[string]any{
			"scheduled_start": start.Format(time.RFC3339), "selected_intervals": []string{"1week", "1day", "1hour", "now"},
		})["id"].(string)

		ns := a.notifications(token, id)
		for _, key := range []string{"reminder/1week/email", "reminder/1day/email"} {
			if ns[key]["status"] != "skipped" || ns[key]["error_details"] == nil {
				t.Errorf("%s planned in the past: %v", key, ns[key])
			}
		}
		a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", map[string]string{"email": "early@example.com"})
		in.wait(1, 20*time.Second)
		a.advanceTo(start.Add(-time.Hour))
		in.wait(2, 20*time.Second) // the confirmation and the 1hour reminder
		a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", map[string]string{"email": "late@example.com"})
		in.wait(3, 20*time.Second)
		a.advanceTo(start)
		in.wait(5, 20*time.Second)
		a.waitIdle()

		// Once the event is live, a late joiner's confirmation says so and
		// sends them straight to the watch page; the "now" message that
		// went at the start is behind them.
		a.expect(http.StatusOK, "POST", "/api/events/"+id+"/start", token, nil)
		out := a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", map[string]string{"email": "joiner@example.com"})
		msgs := in.wait(6, 20*time.Second)
		joiner, text := msgs[5], in.texts(t)[5]
		if joiner.To != "joiner@example.com" || !strings.HasPrefix(joiner.Subject, "You're in: live now") ||
			!strings.Contains(text, "it is live now") || !strings.Contains(text, out["watch_url"].(string)) {
			t.Errorf("the late joiner's confirmation to %s: %q\n%s", joiner.To, joiner.Subject, text)
		}
		expectCounts(t, in.settle(a), map[string]int{
			"early@example.com You're registered": 1, "early@example.com Starting": 1, "early@example.com Live now": 1,
			"late@example.com You're registered": 1, "late@example.com Live now": 1,
			"joiner@example.com You're in": 1,
		})
	})
}

func TestRescheduleCancelAndUnsubscribe(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		in := newInbox(t)
		a := startApp(t, dbURL, in.env())
		token := a.signup()
		start := startsIn(time.Hour)
		id := a.createEvent(token, map[string]any{
			"scheduled_start": start.Format(time.RFC3339), "timezone": "America/New_York",
			"selected_intervals": []string{"30m", "now"},
		})["id"].(string)
		var watch []string
		for _, v := range []string{"stays@example.com", "leaves@example.com"} {
			out := a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "",
				map[string]string{"email": v, "timezone": "Europe/Berlin"})
			watch = append(watch, out["watch_url"].(string))
		}
		in.wait(2, 10*time.Second)

		newStart := start.Add(2 * time.Hour)
		a.expect(http.StatusOK, "PATCH", "/api/events/"+id, token, map[string]any{"scheduled_start": newStart.Format(time.RFC3339)})
		got := in.wait(4, 10*time.Second)
		expectCounts(t, got, map[string]int{
			"stays@example.com You're registered": 1, "leaves@example.com You're registered": 1,
			"stays@example.com New time": 1, "leaves@example.com New time": 1,
		})
		for _, m := range got {
			// Old and new time in the viewer's own zone, with the zone named.
			if strings.HasPrefix(m.Subject, "New time") && !(strings.Contains(m.Body, "CET") || strings.Contains(m.Body, "CEST")) {
				t.Errorf("the notice does not show the viewer's zone:\n%s", m.Body)
			}
		}
		// The messages reach the test server a moment before onair records
		// that they were sent.
		var ns map[string]map[string]any
		waitFor(t, 10*time.Second, "the reschedule notice to be recorded as sent", func() (bool, string) {
			ns = a.notifications(token, id)
			n := ns["rescheduled/email"]
			return n["status"] == "sent" && n["sent_count"] == 2.0, fmt.Sprint(n)
		})
		if n := ns["reminder/30m0s/email"]; n["status"] != "scheduled" || n["scheduled_time"] != newStart.Add(-30*time.Minute).Format(time.RFC3339) {
			t.Errorf("the reminder did not move: %v", n)
		}
		status, ics, _ := a.raw("GET", "/events/"+id+".ics", "", nil)
		if status != http.StatusOK || !strings.Contains(string(ics), "SEQUENCE:1\r\n") ||
			!strings.Contains(string(ics), "DTSTART:"+newStart.Format("20060102T150405Z")+"\r\n") {
			t.Errorf("calendar after reschedule: %d\n%s", status, ics)
		}

		t.Run("watch links stay valid", func(t *testing.T) {
			tok := strings.SplitN(watch[0], "token=", 2)[1]
			status, body, _ := a.raw("GET", "/api/registrations/ics?token="+tok, "", nil)
			unfolded := strings.ReplaceAll(string(body), "\r\n ", "")
			if status != http.StatusOK || !strings.Contains(unfolded, tok) {
				t.Errorf("%d %s", status, body)
			}
		})

		t.Run("GET never unsubscribes, POST does", func(t *testing.T) {
			// The link is the one in the email's List-Unsubscribe header.
			var link string
			for _, m := range got {
				if m.To == "leaves@example.com" {
					link = strings.Trim(m.Unsubscribe, "<>")
				}
			}
			if !strings.HasPrefix(link, testAppURL+"/u/") {
				t.Fatalf("no unsubscribe link in the messages to leaves@example.com")
			}
			tok := strings.TrimPrefix(link, testAppURL+"/u/")
			watchToken := strings.SplitN(watch[1], "token=", 2)[1]
			if status, _, _ := a.raw("POST", "/u/"+watchToken, "", "List-Unsubscribe=One-Click"); status != http.StatusNotFound {
				t.Errorf("the watch token unsubscribes: %d", status)
			}
			status, page, _ := a.raw("GET", "/u/"+tok, "", nil)
			if status != http.StatusOK || !strings.Contains(string(page), "<form method=\"post\"") {
				t.Fatalf("%d %s", status, page)
			}
			regs := a.expect(http.StatusOK, "GET", "/api/events/"+id+"/registrations", token, nil)["registrations"].([]any)
			for _, r := range regs {
				if r.(map[string]any)["status"] != "registered" {
					t.Errorf("a GET unsubscribed %v", r)
				}
			}
			status, _, _ = a.raw("POST", "/u/"+tok, "", "List-Unsubscribe=One-Click")
			if status != http.StatusOK {
				t.Fatalf("one-click POST: %d", status)
			}
			if status, _, _ := a.raw("GET", "/u/not-a-token", "", nil); status != http.StatusNotFound {
				t.Errorf("unknown token: %d", status)
			}
		})

		a.expect(http.StatusOK, "POST", "/api/events/"+id+"/cancel", token, nil)
		in.wait(5, 10*time.Second)
		after := in.settle(a)
		expectCounts(t, after, map[string]int{
			"stays@example.com You're registered": 1, "leaves@example.com You're registered": 1,
			"stays@example.com New time": 1, "leaves@example.com New time": 1,
			"stays@example.com Cancelled": 1,
		})
		ns = a.notifications(token, id)
		for _, key := range []string{"reminder/30m0s/email", "starting_now/now/email"} {
			if ns[key]["status"] != "cancelled" {
				t.Errorf("%s after cancel: %v", key, ns[key])
			}
		}
		if n := ns["cancelled/email"]; n["sent_count"] != 1.0 || n["recipients"] != 1.0 || n["skipped_count"] != 0.0 {
			t.Errorf("cancel notice: %v", n)
		}
		if _, ics, _ := a.raw("GET", "/events/"+id+".ics", "", nil); !strings.Contains(string(ics), "METHOD:CANCEL\r\n") {
			t.Errorf("calendar after cancel:\n%s", ics)
		}
	})
}

func TestConfirmationSentAgainOnRepeatedRegistration(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		in := newInbox(t)
		a := startApp(t, dbURL, in.env())
		token := a.signup()
		id := a.createEvent(token, nil)["id"].(string)
		a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", map[string]string{"email": "again@example.com"})
		for range 5 {
			a.expect(http.StatusConflict, "POST", "/api/events/"+id+"/register", "", map[string]string{"email": "AGAIN@example.com"})
		}
		in.wait(4, 10*time.Second)
		expectCounts(t, in.settle(a), map[string]int{"again@example.com You're registered": 4})
	})
}

func TestSMTPFailures(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		in := newInbox(t)
		a := startApp(t, dbURL, in.env())
		token := a.signup()
		start := a.startsAt(2 * time.Hour)
		id := a.createEvent(token, map[string]any{
			"scheduled_start": start.Format(time.RFC3339), "selected_intervals": []string{"1hour"},
		})["id"].(string)

		in.srv.FailRecipient("bounce@example.com", 550)
		in.srv.FailNext(2) // 421: try again later
		for _, v := range []string{"ok@example.com", "bounce@example.com", "retry@example.com"} {
			a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", map[string]string{"email": v})
		}
		// The first tries are made; the retries wait a second, then (for
		// one that failed twice) two more.
		a.waitIdle()
		a.advance(time.Second)
		a.waitIdle()
		a.advance(2 * time.Second)
		in.wait(2, 20*time.Second)
		a.advanceTo(start.Add(-time.Hour))
		in.wait(4, 20*time.Second)
		expectCounts(t, in.settle(a), map[string]int{
			"ok@example.com You're registered": 1, "retry@example.com You're registered": 1,
			"ok@example.com Starting": 1, "retry@example.com Starting": 1,
		})
		ns := a.notifications(token, id)
		if n := ns["confirmation/email"]; n["status"] != "partially_failed" || n["sent_count"] != 2.0 || n["failed_count"] != 1.0 ||
			n["error_details"] == nil || !strings.Contains(n["error_details"].(string), "550") {
			t.Errorf("confirmation: %v", n)
		}
		// The hard bounce suppressed the address: the reminder skips it.
		if n := ns["reminder/1hour/email"]; n["status"] != "sent" || n["sent_count"] != 2.0 || n["skipped_count"] != 1.0 {
			t.Errorf("reminder: %v", n)
		}
	})
}

// A second process running workers on the same SQLite file would take the
// first one's running jobs for orphans and send their batches again.
func TestSQLiteRefusesASecondWorkerProcess(t *testing.T) {
	t.Parallel()
	dbURL := storetest.URL(t, "sqlite")
	startApp(t, dbURL, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var stdout, stderr strings.Builder
	err := run(ctx, []string{"worker"}, func(k string) string { return map[string]string{"DATABASE_URL": dbURL}[k] }, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "another onair process") {
		t.Fatalf("a second worker on the same SQLite file: %v", err)
	}
	// send-due runs no workers and may run beside them.
	if out, _, err := runCLI(t, map[string]string{"DATABASE_URL": dbURL}, "send-due"); err != nil || !strings.Contains(out, "processed 0") {
		t.Errorf("send-due beside serve: %v %q", err, out)
	}
}

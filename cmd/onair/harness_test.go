package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/store"
)

// app is onair running in-process through run(), on a free port.
type app struct {
	t     *testing.T
	URL   string
	DBURL string
	stop  func()
	log   *logSink   // what the process logged
	clock *testClock // what it tells the time by
	db    *appDB     // its database, as the test reads it
}

// appDB is an app's database opened beside it, once, when the test first
// reads it; shared by the copies of the app that subtests make.
type appDB struct {
	once sync.Once
	st   *store.Store
	err  error
}

// testClock is onair's clock in a test: the wall clock plus an offset that
// the test moves forward, so that a reminder's time, a retry's or the end
// of a window comes when the test says instead of when the wall clock gets
// there. Between moves it ticks with the wall clock, so that whatever
// measures real time (heartbeats, watch time, timeouts) goes on as it
// would.
type testClock struct {
	mu     sync.Mutex
	offset time.Duration
	jumps  []chan struct{} // one per run() on this clock
	// children are told each new offset: onair processes of their own
	// (faultStartNode) that run on this clock.
	children []func(offset time.Duration)
}

func newTestClock() *testClock { return &testClock{} }

// Now is the clock's time.
func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock d ahead and tells every process on it.
func (c *testClock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
	for _, tell := range c.children {
		tell(c.offset)
	}
	for _, ch := range c.jumps {
		select {
		case ch <- struct{}{}:
		default: // a jump not yet taken up covers this one too
		}
	}
}

// AdvanceTo moves the clock ahead to t, if it is not there yet.
func (c *testClock) AdvanceTo(t time.Time) { c.Advance(t.Sub(c.Now())) }

// forRun is the clock one run() of onair tells the time by.
func (c *testClock) forRun() clock {
	ch := make(chan struct{}, 1)
	c.mu.Lock()
	c.jumps = append(c.jumps, ch)
	c.mu.Unlock()
	return clock{now: c.Now, jumps: ch}
}

// now is the app's time.
func (a *app) now() time.Time { return a.clock.Now() }

// advance moves the app's clock d ahead: what falls due in that time is
// due at once.
func (a *app) advance(d time.Duration) { a.clock.Advance(d) }

// advanceTo moves the app's clock ahead to t.
func (a *app) advanceTo(t time.Time) { a.clock.AdvanceTo(t) }

// Stop shuts the process down as SIGTERM would, and waits for it.
func (a *app) Stop() { a.stop() }

// Log is everything the process has logged so far.
func (a *app) Log() string { return a.log.String() }

// logSink keeps the process's log and finds the listening address in it.
type logSink struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	addr chan string
	once sync.Once
}

var listenRE = regexp.MustCompile(`msg="onair listening" addr=(\S+)`)

func (l *logSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	if m := listenRE.FindSubmatch(l.buf.Bytes()); m != nil {
		l.once.Do(func() { l.addr <- string(m[1]) })
	}
	return len(p), nil
}

func (l *logSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// testAppURL is the public base URL the tests give onair.
const testAppURL = "http://onair.test"

// startApp runs `onair serve` on databaseURL, on a clock of its own, until
// the test ends. env adds to or overrides the environment. Each test has
// its own database, port and clock, so the tests run in parallel.
func startApp(t *testing.T, databaseURL string, env map[string]string) *app {
	t.Helper()
	return startAppOn(t, databaseURL, env, newTestClock())
}

// startAppOn is startApp on the clock clk (several nodes of one database
// share theirs).
func startAppOn(t *testing.T, databaseURL string, env map[string]string, clk *testClock) *app {
	t.Helper()
	appTemplate.Seed(t, databaseURL)
	vars := map[string]string{
		"ONAIR_ADDR":   "127.0.0.1:0",
		"DATABASE_URL": databaseURL,
		"APP_URL":      testAppURL,
		// The tests register many viewers from 127.0.0.1; the tests of the
		// limit set it.
		"ONAIR_REGISTER_LIMIT": "0",
	}
	for k, v := range env {
		vars[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	sink := &logSink{addr: make(chan string, 1)}
	done := make(chan error, 1)
	go func() {
		done <- runWith(ctx, []string{"serve"}, func(k string) string { return vars[k] }, io.Discard, sink, clk.forRun())
	}()
	var addr string
	select {
	case addr = <-sink.addr:
	case err := <-done:
		cancel()
		t.Fatalf("onair serve stopped at start: %v\n%s", err, sink)
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatalf("onair serve did not start in 60s\n%s", sink)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			// Connections dialled but never used count as busy for 5 s in
			// Shutdown; close them so that the server stops at once.
			client.CloseIdleConnections()
			cancel()
			if err := <-done; err != nil {
				t.Errorf("onair serve: %v", err)
			}
		})
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("onair log:\n%s", sink)
		}
	})
	a := &app{t: t, URL: "http://" + addr, DBURL: databaseURL, stop: stop, log: sink, clock: clk, db: &appDB{}}
	t.Cleanup(func() {
		if a.db.st != nil {
			a.db.st.Close()
		}
	})
	if status, _ := a.do("GET", "/healthz", "", nil); status != http.StatusOK {
		t.Fatalf("/healthz: %d", status)
	}
	return a
}

// client has room for many concurrent requests.
var client = &http.Client{
	Timeout:   60 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 100, MaxConnsPerHost: 0},
}

// do sends a request with an optional bearer token and JSON body (a string
// body is sent as it is) and returns the status and the decoded JSON object.
func (a *app) do(method, path, token string, body any) (int, map[string]any) {
	a.t.Helper()
	status, raw, _ := a.raw(method, path, token, body)
	var out map[string]any
	if len(raw) > 0 && json.Unmarshal(raw, &out) != nil {
		a.t.Fatalf("%s %s: %d with a body that is not a JSON object: %q", method, path, status, raw)
	}
	return status, out
}

// raw is do without decoding.
func (a *app) raw(method, path, token string, body any) (int, []byte, http.Header) {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, a.URL+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	if resp.StatusCode >= 500 {
		a.t.Errorf("%s %s: %d (no input may cause a 5xx): %s", method, path, resp.StatusCode, raw)
	}
	a.checkContract(req, resp, raw)
	return resp.StatusCode, raw, resp.Header
}

// expect is do that fails the test unless the status is want.
func (a *app) expect(want int, method, path, token string, body any) map[string]any {
	a.t.Helper()
	status, out := a.do(method, path, token, body)
	if status != want {
		a.t.Fatalf("%s %s: status %d, want %d: %v", method, path, status, want, out)
	}
	return out
}

var hostSeq struct {
	sync.Mutex
	n int
}

// signup creates a new host and returns its API token.
func (a *app) signup() string {
	a.t.Helper()
	hostSeq.Lock()
	hostSeq.n++
	n := hostSeq.n
	hostSeq.Unlock()
	out := a.expect(http.StatusCreated, "POST", "/api/auth/signup", "",
		map[string]string{"email": fmt.Sprintf("host%d@example.com", n), "password": "correct horse"})
	return out["token"].(string)
}

// createEvent creates an event an hour ahead with body's fields on top of
// a minimal valid one, and returns the event's JSON.
func (a *app) createEvent(token string, fields map[string]any) map[string]any {
	a.t.Helper()
	body := map[string]any{
		"title":           "Product Launch Webinar",
		"scheduled_start": a.now().Add(time.Hour).UTC().Format(time.RFC3339),
	}
	for k, v := range fields {
		body[k] = v
	}
	return a.expect(http.StatusCreated, "POST", "/api/events", token, body)["event"].(map[string]any)
}

// errCode returns the error code of an error response.
func errCode(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

// errField returns the problem with one field of a validation error.
func errField(out map[string]any, field string) string {
	e, _ := out["error"].(map[string]any)
	fields, _ := e["fields"].(map[string]any)
	s, _ := fields[field].(string)
	return s
}

// waitFor polls done every 50 ms until it reports true, failing the test
// with done's last word after timeout. It returns how long it waited.
func waitFor(t *testing.T, timeout time.Duration, what string, done func() (bool, string)) time.Duration {
	t.Helper()
	began := time.Now()
	for {
		ok, state := done()
		if ok {
			return time.Since(began)
		}
		if time.Since(began) > timeout {
			t.Fatalf("waited %v for %s; last: %s", timeout, what, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// store is the app's database, opened beside it for the test to read.
func (a *app) store() *store.Store {
	a.t.Helper()
	a.db.once.Do(func() { a.db.st, a.db.err = store.Open(context.Background(), a.DBURL) })
	if a.db.err != nil {
		a.t.Fatalf("opening the app's database: %v", a.db.err)
	}
	return a.db.st
}

// waitIdle waits until nothing is due at the app's time: no notification
// left to dispatch, no delivery due to be sent, none being sent. A message
// that was to leave has left then (the test's servers have it before
// onair records it), and one that should not have left has had every
// chance to; what waits for a later time (a retry, a reminder) waits for
// the clock to move. It stands for "wait a moment to see that nothing
// more comes", which a busy machine makes too short.
func (a *app) waitIdle() {
	a.t.Helper()
	st := a.store()
	ctx := context.Background()
	waitFor(a.t, 30*time.Second, "nothing due to be left", func() (bool, string) {
		now := a.now()
		due, err := st.DueNotifications(ctx, now, 10)
		if err != nil {
			return false, err.Error()
		}
		pending, err := st.HasDue(ctx, now)
		if err != nil {
			return false, err.Error()
		}
		var sending int
		if err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE status = 'sending'`).Scan(&sending); err != nil {
			return false, err.Error()
		}
		return len(due) == 0 && !pending && sending == 0,
			fmt.Sprintf("%d notifications to dispatch, deliveries due: %v, %d being sent", len(due), pending, sending)
	})
}

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
)

// app is onair running in-process through run(), on a free port.
type app struct {
	t     *testing.T
	URL   string
	DBURL string
	stop  func()
	log   *logSink // what the process logged
}

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

// startApp runs `onair serve` on databaseURL until the test ends. env adds
// to or overrides the environment. Each test has its own database and port,
// so the tests run in parallel: most of their time is spent waiting for a
// reminder's time to come.
func startApp(t *testing.T, databaseURL string, env map[string]string) *app {
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
		done <- run(ctx, []string{"serve"}, func(k string) string { return vars[k] }, io.Discard, sink)
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
	a := &app{t: t, URL: "http://" + addr, DBURL: databaseURL, stop: stop, log: sink}
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
		"scheduled_start": time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
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

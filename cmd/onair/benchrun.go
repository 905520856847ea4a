package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// benchFrom is the sender of the benchmark's messages (EMAIL_FROM).
const benchFrom = "onair bench <bench@localhost>"

// reminderLead is how far ahead of its PATCH the reminder is due: time
// for the PATCH to commit and for the measurements to be armed.
const reminderLead = 4 * time.Second

// sendDeadline is how long the benchmark waits for n messages: generous,
// a hundred messages a second after a minute's start.
func sendDeadline(n int) time.Duration {
	return time.Minute + time.Duration(n)*10*time.Millisecond
}

// bench is one run of `onair bench`.
type bench struct {
	o      benchOptions
	tmp    string // where temporary files go ($TMPDIR)
	stderr io.Writer
	prog   *progress

	smtpURL   string   // the sink's, or --smtp-url
	pprofAddr string   // of `onair serve`, with --cpuprofile
	logf      *os.File // the children's log
	cleanups  []func() // run last first
	procs     []*benchProc
	sink      *benchSink // nil with --smtp-url
	client    *http.Client

	baseURL string
	token   string
	eventID string
	start   time.Time // the event's start

	res benchResult
}

// benchResult is what `onair bench` reports; the keys API.md names, and more.
type benchResult struct {
	Recipients         int     `json:"recipients"`
	SMTPConns          int     `json:"smtp_conns"`
	Workers            int     `json:"workers"`
	RawSMTPPerSec      float64 `json:"raw_smtp_per_sec"`
	DeliveryPerSec     float64 `json:"delivery_per_sec"`
	DueToFirstHandoffS float64 `json:"due_to_first_handoff_s"`
	DueToLastHandoffS  float64 `json:"due_to_last_handoff_s"`
	Delivered          int     `json:"delivered"`
	Duplicates         int     `json:"duplicates"`
	Lost               int     `json:"lost"`
	// ReminderRecipients is how many distinct addresses the reminder
	// reached at the sink: the recipients when every one got it.
	ReminderRecipients  int     `json:"reminder_recipients"`
	RegistrationsPerSec float64 `json:"registrations_per_sec"`
	RegistrationP50Ms   float64 `json:"registration_p50_ms"`
	RegistrationP99Ms   float64 `json:"registration_p99_ms"`
	ConfirmationLagS    float64 `json:"confirmation_lag_s"`
	HealthzPerSec       float64 `json:"healthz_per_sec"`
	PeakRSSBytes        int64   `json:"peak_rss_bytes"`
	PeakRSSBytesTotal   int64   `json:"peak_rss_bytes_total"`
	// PeakRSSMethod: vmhwm (the kernel's peak, reset before the send),
	// sampled (VmRSS read every 10 ms) or unavailable (no /proc: 0).
	PeakRSSMethod string `json:"peak_rss_method"`
	// OtherMessages are messages at the sink that were neither a
	// confirmation nor the reminder (none are expected).
	OtherMessages  int    `json:"other_messages"`
	Database       string `json:"database"`
	DatabaseSchema string `json:"database_schema,omitempty"`
	SMTP           string `json:"smtp"` // sink, or external (--smtp-url)
	CPUProfile     string `json:"cpu_profile,omitempty"`
	GoVersion      string `json:"go_version"`
	OS             string `json:"os"`
	CPUs           int    `json:"cpus"`
}

// cleanup undoes what run made, last first, and says where the children's
// log is kept when the run failed.
func (b *bench) cleanup(failed bool) {
	b.prog.end()
	for i := len(b.cleanups) - 1; i >= 0; i-- {
		b.cleanups[i]()
	}
	if b.logf == nil {
		return
	}
	b.logf.Close()
	if !failed {
		os.Remove(b.logf.Name())
		return
	}
	if tail := logTail(b.logf.Name(), 40); tail != "" {
		fmt.Fprintf(b.stderr, "onair bench: the last lines of onair's log (%s):\n%s\n", b.logf.Name(), tail)
	}
}

// logTail is the last n lines of the file at path.
func logTail(path string, n int) string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func (b *bench) run(ctx context.Context) (*benchResult, error) {
	b.res = benchResult{Recipients: b.o.recipients, SMTPConns: b.o.smtpConns, Workers: b.o.workers,
		GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH, CPUs: runtime.NumCPU(), SMTP: "sink"}
	var err error
	if b.logf, err = os.CreateTemp(b.tmp, "onair-bench-*.log"); err != nil {
		return nil, fmt.Errorf("creating the log file: %w", err)
	}
	smtpURL := b.o.smtpURL
	if smtpURL == "" {
		if b.sink, err = startSink(); err != nil {
			return nil, fmt.Errorf("starting the SMTP sink: %w", err)
		}
		b.cleanups = append(b.cleanups, b.sink.Close)
		smtpURL = "smtp://" + b.sink.Addr()
	} else {
		b.res.SMTP = "external"
	}
	b.smtpURL = smtpURL
	dbURL, err := b.database(ctx)
	if err != nil {
		return nil, err
	}
	if err := b.startOnair(ctx, dbURL, smtpURL); err != nil {
		return nil, err
	}
	b.client = newBenchClient()
	b.cleanups = append(b.cleanups, b.client.CloseIdleConnections)
	if err := b.setUp(ctx); err != nil {
		return nil, err
	}
	if err := b.registrations(ctx); err != nil {
		return nil, err
	}
	hammer := healthzFor(b.o.recipients)
	fmt.Fprintf(b.stderr, "%-14s %d clients for %v\n", "healthz", benchClients, hammer)
	if b.res.HealthzPerSec, err = hammerHealthz(ctx, b.client, b.baseURL, hammer); err != nil {
		return nil, fmt.Errorf("healthz: %w", err)
	}
	profile, err := b.reminder(ctx)
	if err != nil {
		return nil, err
	}
	if err := b.raw(ctx); err != nil {
		return nil, err
	}
	if profile != nil {
		if err := <-profile; err != nil {
			return nil, err
		}
		b.res.CPUProfile = b.o.cpuProfile
	}
	res := b.res
	switch {
	case res.Lost > 0:
		return &res, fmt.Errorf("%d of %d reminders had not arrived %v after they were due", res.Lost, res.Recipients, sendDeadline(res.Recipients))
	case res.Duplicates > 0:
		return &res, fmt.Errorf("%d reminders arrived more than once", res.Duplicates)
	}
	return &res, nil
}

// healthzFor is how long the health check is asked for: 2 s, or half a
// second in a run of fewer than 1,000 recipients, a quick look whose every
// figure is rough.
func healthzFor(recipients int) time.Duration {
	if recipients < 1000 {
		return 500 * time.Millisecond
	}
	return 2 * time.Second
}

// freeAddr is a loopback address with a port that was free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startOnair starts `onair serve` and the workers, and waits until each runs.
func (b *bench) startOnair(ctx context.Context, dbURL, smtpURL string) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding onair's executable: %w", err)
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	b.baseURL = "http://" + addr
	vars := map[string]string{
		"DATABASE_URL": dbURL, "APP_URL": b.baseURL, "SMTP_URL": smtpURL, "EMAIL_FROM": benchFrom,
		"ONAIR_SMTP_CONNS": strconv.Itoa(b.o.smtpConns), "TMPDIR": b.tmp,
	}
	serveVars := map[string]string{"ONAIR_ADDR": addr, "ONAIR_REGISTER_LIMIT": "0"}
	if b.o.cpuProfile != "" {
		if serveVars["ONAIR_PPROF_ADDR"], err = freeAddr(); err != nil {
			return err
		}
	}
	for k, v := range vars {
		serveVars[k] = v
	}
	b.cleanups = append(b.cleanups, func() {
		for _, p := range b.procs {
			p.stop(20 * time.Second)
		}
	})
	p, err := startProc("onair serve", exe, []string{"serve"}, childEnv(serveVars), b.logf)
	if err != nil {
		return err
	}
	b.procs = append(b.procs, p)
	b.pprofAddr = serveVars["ONAIR_PPROF_ADDR"]

	ready := func() (bool, error) {
		resp, err := http.Get(b.baseURL + "/healthz")
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	}
	if ok, err := b.waitUntil(ctx, time.Now().Add(time.Minute), 50*time.Millisecond, ready); err != nil || !ok {
		return orTimeout(err, "onair serve did not answer /healthz within a minute")
	}
	for i := 1; i < b.o.workers; i++ {
		p, err := startProc(fmt.Sprintf("onair worker %d", i), exe, []string{"worker"}, childEnv(vars), b.logf)
		if err != nil {
			return err
		}
		b.procs = append(b.procs, p)
	}
	running := func() (bool, error) {
		raw, err := os.ReadFile(b.logf.Name())
		return bytes.Count(raw, []byte(`msg="onair worker running"`)) >= b.o.workers-1, err
	}
	if ok, err := b.waitUntil(ctx, time.Now().Add(time.Minute), 50*time.Millisecond, running); err != nil || !ok {
		return orTimeout(err, "the onair workers did not start within a minute")
	}
	return nil
}

// orTimeout is err, or a timeout saying what did not happen.
func orTimeout(err error, what string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%s", what)
}

// waitUntil polls cond every period until it holds (true), the deadline
// passes (false), ctx ends or an onair process stops (an error).
func (b *bench) waitUntil(ctx context.Context, deadline time.Time, period time.Duration, cond func() (bool, error)) (bool, error) {
	for {
		ok, err := cond()
		if err != nil || ok {
			return ok, err
		}
		for _, p := range b.procs {
			if err := p.failed(); err != nil {
				return false, err
			}
		}
		if time.Now().After(deadline) {
			return false, nil
		}
		select {
		case <-ctx.Done():
			return false, context.Cause(ctx)
		case <-time.After(period):
		}
	}
}

// api sends a request to onair as the benchmark's host and decodes the
// answer into out, failing unless the status is want.
func (b *bench) api(ctx context.Context, method, path string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		enc, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.baseURL+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if b.token != "" {
		req.Header.Set("Authorization", "Bearer "+b.token)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, bytes.TrimSpace(raw))
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return nil
}

// setUp creates the host and the event: email only, a reminder an hour
// before a start three hours ahead, so that nothing but the confirmations
// leaves until the benchmark adds its own reminder.
func (b *bench) setUp(ctx context.Context) error {
	var signup struct{ Token string }
	creds := map[string]string{"email": "host@bench.example.com", "password": "a benchmark password"}
	if err := b.api(ctx, "POST", "/api/auth/signup", creds, http.StatusCreated, &signup); err != nil {
		return err
	}
	b.token = signup.Token
	b.start = time.Now().Add(3 * time.Hour).Truncate(time.Second).UTC()
	event := map[string]any{
		"title":                 "onair bench",
		"scheduled_start":       b.start.Format(time.RFC3339),
		"notification_settings": map[string]bool{"email_enabled": true, "sms_enabled": false},
		"selected_intervals":    []string{"1hour"},
	}
	var created struct{ Event struct{ ID string } }
	if err := b.api(ctx, "POST", "/api/events", event, http.StatusCreated, &created); err != nil {
		return err
	}
	b.eventID = created.Event.ID
	return nil
}

// benchNotification is a notification as GET …/notifications shows it.
type benchNotification struct {
	ID           string  `json:"id"`
	Kind         string  `json:"kind"`
	Interval     *string `json:"interval"`
	Status       string  `json:"status"`
	Recipients   int     `json:"recipients"`
	SentCount    int     `json:"sent_count"`
	FailedCount  int     `json:"failed_count"`
	SkippedCount int     `json:"skipped_count"`
}

// settled is how many of its recipients onair has finished with.
func (n benchNotification) settled() int { return n.SentCount + n.FailedCount + n.SkippedCount }

// notification finds the event's notification of kind (and interval, for
// a reminder); the zero value while there is none.
func (b *bench) notification(ctx context.Context, kind, interval string) (benchNotification, error) {
	var out struct{ Notifications []benchNotification }
	if err := b.api(ctx, "GET", "/api/events/"+b.eventID+"/notifications", nil, http.StatusOK, &out); err != nil {
		return benchNotification{}, err
	}
	for _, n := range out.Notifications {
		if n.Kind == kind && (interval == "" || n.Interval != nil && *n.Interval == interval) {
			return n, nil
		}
	}
	return benchNotification{}, nil
}

// registrations registers the viewers and waits for their confirmations.
func (b *bench) registrations(ctx context.Context) error {
	n := b.o.recipients
	var done atomic.Int64
	b.prog.begin("registering", n, func() int { return int(done.Load()) })
	load, err := register(ctx, b.client, b.baseURL, b.eventID, n, &done)
	b.prog.end()
	if err != nil {
		return fmt.Errorf("registering: %w", err)
	}
	b.res.RegistrationsPerSec = float64(n) / load.elapsed.Seconds()
	b.res.RegistrationP50Ms = load.percentile(50)
	b.res.RegistrationP99Ms = load.percentile(99)

	var arrived atomic.Int64
	var lastAt time.Time
	all := func() (bool, error) {
		if b.sink != nil {
			arrived.Store(int64(b.sink.distinct(mailConfirmation)))
			lastAt = b.sink.snapshot(mailConfirmation).lastNew
		} else {
			c, err := b.notification(ctx, "confirmation", "")
			if err != nil {
				return false, err
			}
			// Sent or given up on: a refusal is the server's to explain.
			arrived.Store(int64(c.settled()))
			lastAt = time.Now()
		}
		return arrived.Load() >= int64(n), nil
	}
	period := 5 * time.Millisecond
	if b.sink == nil {
		period = 100 * time.Millisecond
	}
	b.prog.begin("confirmations", n, func() int { return int(arrived.Load()) })
	ok, err := b.waitUntil(ctx, time.Now().Add(sendDeadline(n)), period, all)
	b.prog.end()
	if err != nil {
		return fmt.Errorf("waiting for the confirmations: %w", err)
	}
	if !ok {
		return fmt.Errorf("%d of %d confirmations arrived within %v", arrived.Load(), n, sendDeadline(n))
	}
	// The last confirmation can reach the sink before its 201 reaches the
	// client: no lag, then.
	b.res.ConfirmationLagS = max(0, lastAt.Sub(load.lastOK).Seconds())
	return nil
}

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gomail "github.com/wneessen/go-mail"
	gosmtp "github.com/wneessen/go-mail/smtp"

	"github.com/onair-live/onair/internal/notify/smtp"
)

// benchClients is how many HTTP clients register viewers and ask for
// /healthz at once, each on a connection it keeps.
const benchClients = 32

// progress draws the benchmark's progress on stderr: the phase, how far it
// is, its rate and how long it has to go. On a terminal one line is redrawn
// in place; elsewhere (a log, CI) a line is written every few seconds.
type progress struct {
	w   io.Writer
	tty bool

	stop chan struct{}
	done chan struct{}
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

// begin shows phase until end, with count of total done so far.
func (p *progress) begin(phase string, total int, count func() int) {
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	began, before := time.Now(), count()
	period := 5 * time.Second
	if p.tty {
		period = 200 * time.Millisecond
	}
	go func() {
		defer close(p.done)
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				p.draw(phase, count(), before, total, time.Since(began), true)
				return
			case <-t.C:
				p.draw(phase, count(), before, total, time.Since(began), false)
			}
		}
	}()
}

// end draws the phase's last state and stops.
func (p *progress) end() {
	if p.stop == nil {
		return
	}
	close(p.stop)
	<-p.done
	p.stop = nil
}

// draw shows n of total done, before of them when the phase began.
func (p *progress) draw(phase string, n, before, total int, elapsed time.Duration, last bool) {
	rate := float64(n-before) / max(elapsed.Seconds(), 1e-9)
	eta := "-"
	switch {
	case n >= total:
		eta = "done"
	case rate > 0:
		eta = (time.Duration(float64(total-n) / rate * float64(time.Second))).Round(time.Second).String()
	}
	line := fmt.Sprintf("%-14s %s %*d/%d  %7.0f/s  ETA %s", phase, bar(n, total), len(fmt.Sprint(total)), n, total, rate, eta)
	switch {
	case p.tty && last:
		fmt.Fprintf(p.w, "\r\033[K%s  (%s)\n", line, elapsed.Round(100*time.Millisecond))
	case p.tty:
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	default:
		fmt.Fprintln(p.w, line)
	}
}

// bar is a 20-character bar of n out of total.
func bar(n, total int) string {
	const width = 20
	full := 0
	if total > 0 {
		full = min(width, n*width/total)
	}
	return "[" + strings.Repeat("#", full) + strings.Repeat(".", width-full) + "]"
}

// newBenchClient is an HTTP client whose connections are kept between
// requests, one per concurrent client.
func newBenchClient() *http.Client {
	return &http.Client{
		Timeout: time.Minute,
		Transport: &http.Transport{
			MaxIdleConns:        2 * benchClients,
			MaxIdleConnsPerHost: 2 * benchClients,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
		},
	}
}

// registrationLoad is the outcome of registering viewers.
type registrationLoad struct {
	elapsed   time.Duration // from the first request to the last 201
	lastOK    time.Time     // when the last 201 arrived
	latencies []time.Duration
}

// percentile is the p-th percentile (0–100) of the latencies, in ms.
func (l registrationLoad) percentile(p float64) float64 {
	if len(l.latencies) == 0 {
		return 0
	}
	s := slices.Clone(l.latencies)
	slices.Sort(s)
	i := int(p / 100 * float64(len(s)-1))
	return float64(s[i]) / float64(time.Millisecond)
}

// viewerEmail is the address of the benchmark's i-th viewer.
func viewerEmail(i int) string { return fmt.Sprintf("viewer%07d@bench.example.com", i) }

// register registers n distinct viewers for the event at baseURL through the
// public API, from benchClients clients at once. Any answer but a 201
// stops it: the benchmark measures the path that works.
func register(ctx context.Context, client *http.Client, baseURL, eventID string, n int, done *atomic.Int64) (registrationLoad, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	url := baseURL + "/api/events/" + eventID + "/register"
	var next atomic.Int64
	load := registrationLoad{latencies: make([]time.Duration, n)}
	ends := make([]time.Time, benchClients)
	began := time.Now()
	var wg sync.WaitGroup
	for c := range benchClients {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				body := fmt.Sprintf(`{"email":%q,"first_name":"Viewer","timezone":"Europe/Berlin"}`, viewerEmail(i))
				t0 := time.Now()
				status, answer, err := post(ctx, client, url, body)
				if err == nil && status != http.StatusCreated {
					err = fmt.Errorf("registration %d: status %d: %s", i, status, answer)
				}
				if err != nil {
					cancel(err)
					return
				}
				end := time.Now()
				load.latencies[i] = end.Sub(t0)
				ends[c] = end
				done.Add(1)
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return load, err
	}
	for _, e := range ends {
		if e.After(load.lastOK) {
			load.lastOK = e
		}
	}
	load.elapsed = load.lastOK.Sub(began)
	return load, nil
}

// post sends a JSON body and returns the status and the start of the answer.
func post(ctx context.Context, client *http.Client, url, body string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(bytes.TrimSpace(answer[:min(len(answer), 300)])), err
}

// hammerHealthz asks for /healthz from benchClients clients for d and
// returns the answers per second.
func hammerHealthz(ctx context.Context, client *http.Client, baseURL string, d time.Duration) (float64, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var ok atomic.Int64
	began := time.Now()
	until := began.Add(d)
	var wg sync.WaitGroup
	for range benchClients {
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(until) {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/healthz", nil)
				resp, err := client.Do(req)
				if err != nil {
					cancel(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					cancel(fmt.Errorf("/healthz: status %d", resp.StatusCode))
					return
				}
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return 0, err
	}
	return float64(ok.Load()) / time.Since(began).Seconds(), nil
}

// smtpTarget is the server the raw SMTP run sends to, as onair's SMTP_URL
// names it.
type smtpTarget struct {
	cfg  smtp.Config
	from string // the envelope sender
}

// dialRaw opens one connection as onair's SMTP provider does, through
// go-mail: EHLO, STARTTLS when offered (TLS from the start for smtps://),
// AUTH when the URL has a user.
func (t smtpTarget) dialRaw(ctx context.Context) (*gosmtp.Client, error) {
	opts := []gomail.Option{
		gomail.WithPort(t.cfg.Port),
		gomail.WithTimeout(30 * time.Second),
		gomail.WithHELO("localhost"),
	}
	if t.cfg.ImplicitTLS {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if t.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(t.cfg.Username), gomail.WithPassword(t.cfg.Password))
	}
	c, err := gomail.NewClient(t.cfg.Host, opts...)
	if err != nil {
		return nil, err
	}
	return c.DialToSMTPClientWithContext(ctx)
}

// rawSMTP sends msg to n recipients over conns connections opened first,
// without database or queue: the ceiling of what onair's delivery can do
// with the same client and connections. It returns how long the sending
// took, from the first MAIL FROM to the last message accepted.
func rawSMTP(ctx context.Context, t smtpTarget, conns, n int, msg []byte, done *atomic.Int64) (time.Duration, error) {
	clients := make([]*gosmtp.Client, conns)
	defer func() {
		for _, c := range clients {
			if c != nil {
				_ = c.Quit()
			}
		}
	}()
	for i := range clients {
		c, err := t.dialRaw(ctx)
		if err != nil {
			return 0, fmt.Errorf("connecting to the SMTP server: %w", err)
		}
		clients[i] = c
	}
	var next atomic.Int64
	errs := make([]error, conns)
	began := time.Now()
	var wg sync.WaitGroup
	for ci, c := range clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := sendRaw(c, t.from, viewerEmail(i), msg); err != nil {
					errs[ci] = err
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(began)
	if err := errors.Join(append(errs, ctx.Err())...); err != nil {
		return elapsed, err
	}
	return elapsed, nil
}

// sendRaw is one mail transaction, the one onair's provider runs.
func sendRaw(c *gosmtp.Client, from, to string, msg []byte) error {
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	return w.Close()
}

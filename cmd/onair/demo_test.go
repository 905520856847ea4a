package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// demoTokenRE finds the API token the demo prints, and demoDBRE its
// database.
var (
	demoTokenRE = regexp.MustCompile(`export TOKEN=(\S+)`)
	demoDBRE    = regexp.MustCompile(`removed when it stops: (\S+)\)`)
)

// runDemoForTest starts `onair demo` with env and args in a temporary
// folder of the test's own; it returns the printed text once the demo says
// it is ready, the listening address, and a stop that returns its error.
func runDemoForTest(t *testing.T, env map[string]string, args ...string) (out, addr string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &logSink{addr: make(chan string, 1)}, &logSink{addr: make(chan string, 1)}
	done := make(chan error, 1)
	go func() {
		done <- runWith(ctx, append([]string{"demo"}, args...), func(k string) string { return env[k] }, stdout, stderr, newTestClock().forRun())
	}()
	stop = func() error {
		cancel()
		return <-done
	}
	select {
	case addr = <-stderr.addr:
	case err := <-done:
		t.Fatalf("onair demo stopped at start: %v\n%s", err, stderr)
	case <-time.After(60 * time.Second):
		stop()
		t.Fatalf("onair demo did not listen in 60s\n%s", stderr)
	}
	waitFor(t, 60*time.Second, "the demo to print its token", func() (bool, string) {
		return demoTokenRE.MatchString(stdout.String()), stdout.String()
	})
	return stdout.String(), addr, stop
}

// The demo: it listens on 127.0.0.1 whatever ONAIR_ADDR's interface,
// prints a login and an API token that work, its data has a finished event
// with something in every chart, and it removes its database when it
// stops.
func TestDemo(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // os.MkdirTemp's folder: the demo's database goes there
	out, addr, stop := runDemoForTest(t, map[string]string{"ONAIR_ADDR": ":0"})
	stopped := false
	defer func() {
		if !stopped {
			stop()
		}
	}()
	if host, _, _ := net.SplitHostPort(addr); host != "127.0.0.1" {
		t.Errorf("the demo listens on %s; without --addr it must be 127.0.0.1 (its password is printed)", addr)
	}
	for _, want := range []string{"demo@onair.local", "onair-demo", "/login", "curl -s http://localhost:"} {
		if !strings.Contains(out, want) {
			t.Errorf("the demo's greeting lacks %q:\n%s", want, out)
		}
	}
	token := demoTokenRE.FindStringSubmatch(out)[1]
	db := demoDBRE.FindStringSubmatch(out)
	if db == nil || !strings.HasPrefix(db[1], tmp) {
		t.Fatalf("the demo names no database in %s:\n%s", tmp, out)
	}
	if _, err := os.Stat(db[1]); err != nil {
		t.Errorf("the demo's database: %v", err)
	}

	a := &app{URL: "http://" + addr, t: t}
	statuses := map[string]int{}
	var ended, launch string
	for _, e := range a.expect(http.StatusOK, "GET", "/api/events", token, nil)["events"].([]any) {
		e := e.(map[string]any)
		statuses[e["status"].(string)]++
		if e["status"] == "ended" {
			ended = e["id"].(string)
		}
		if e["cover_image_url"] != "" {
			launch = e["id"].(string)
		}
	}
	// The launch's landing page: the host's brand, the cover (which onair
	// serves), the questions.
	if launch == "" {
		t.Error("no demo event has a cover")
	} else {
		page := a.rawBody(t, "/register/"+launch, "")
		for _, want := range []string{"Acme Live", "/static/sample-cover.svg", "/static/sample-logo.svg", "Your role"} {
			if !strings.Contains(page, want) {
				t.Errorf("the launch's registration page lacks %q", want)
			}
		}
	}
	if statuses["scheduled"] < 1 || statuses["live"] != 1 || statuses["ended"] != 1 {
		t.Fatalf("the demo's events by status: %v", statuses)
	}
	analytics := a.expect(http.StatusOK, "GET", "/api/events/"+ended+"/analytics", token, nil)["analytics"].(map[string]any)
	for _, k := range []string{"registrations", "attended", "peak_concurrent_viewers", "engagement_actions",
		"revenue_cents", "average_watch_seconds", "attendance_rate", "conversion_rate"} {
		if v, _ := analytics[k].(float64); v <= 0 {
			t.Errorf("the finished demo event's %s is %v: its chart would be empty", k, analytics[k])
		}
	}
	if byDay, _ := analytics["registrations_by_day"].(map[string]any); len(byDay) < 3 {
		t.Errorf("the finished demo event's registrations came on %d days: %v", len(byDay), byDay)
	}

	// Its follow-ups leave at once, one to each registrant: a thank-you to
	// those who came, a "sorry we missed you" to the others.
	waitFor(t, 30*time.Second, "the finished demo event's follow-ups sent", func() (bool, string) {
		ns := a.notifications(token, ended)
		att, missed := ns["follow_up_attended/email"], ns["follow_up_missed/email"]
		return att["status"] == "sent" && missed["status"] == "sent" &&
				att["sent_count"] == analytics["attended"] &&
				att["sent_count"].(float64)+missed["sent_count"].(float64) == analytics["registrations"],
			fmt.Sprintf("attended %v, missed %v", att, missed)
	})

	// The printed login works on the page.
	resp, err := client.Post("http://"+addr+"/api/auth/login", "application/json",
		strings.NewReader(fmt.Sprintf(`{"email": %q, "password": %q}`, demoEmail, demoPassword)))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("logging in as printed: %d", resp.StatusCode)
	}

	stopped = true
	if err := stop(); err != nil {
		t.Errorf("the demo stopped with %v", err)
	}
	if _, err := os.Stat(filepath.Dir(db[1])); !os.IsNotExist(err) {
		t.Errorf("the demo's folder is still there after it stopped (%v)", err)
	}
}

// A demo that cannot listen says so before it makes or prints anything.
func TestDemoOnATakenPort(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	stdout, stderr := &logSink{addr: make(chan string, 1)}, &logSink{addr: make(chan string, 1)}
	err = runWith(context.Background(), []string{"demo", "--addr", ln.Addr().String()}, func(string) string { return "" },
		stdout, stderr, newTestClock().forRun())
	if err == nil || !strings.Contains(err.Error(), "cannot listen on "+ln.Addr().String()) {
		t.Errorf("a demo on a taken port: %v", err)
	}
	if stdout.String() != "" {
		t.Errorf("a demo that cannot listen printed:\n%s", stdout)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("a demo that cannot listen left %d files behind", len(left))
	}
}

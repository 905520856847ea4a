package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// benchChildEnv is added to the environment of the processes `onair bench`
// starts. Tests set it: their executable is the test binary, which runs
// onair only when told so.
var benchChildEnv []string

// benchProc is one onair process under test, a child of the benchmark.
type benchProc struct {
	name    string
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
}

// startProc runs exe with args and env, its output appended to logf.
func startProc(name, exe string, args, env []string, logf *os.File) (*benchProc, error) {
	cmd := exec.Command(exe, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logf, logf
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &benchProc{name: name, cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// Pid is the process id.
func (p *benchProc) Pid() int { return p.cmd.Process.Pid }

// failed says whether the process has stopped, and how.
func (p *benchProc) failed() error {
	select {
	case <-p.exited:
		if p.waitErr != nil {
			return fmt.Errorf("%s stopped: %v", p.name, p.waitErr)
		}
		return fmt.Errorf("%s stopped", p.name)
	default:
		return nil
	}
}

// stop asks the process to shut down as an operator would (SIGTERM), and
// kills it if it has not after grace.
func (p *benchProc) stop(grace time.Duration) {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// onairVariable reports whether onair reads the environment variable k:
// the children get none of the benchmark's own, only what it sets, so that
// a shell configured for a real deployment measures the same as any other.
func onairVariable(k string) bool {
	switch k {
	case "DATABASE_URL", "APP_URL", "EMAIL_FROM", "SMTP_URL", "CRON_SECRET":
		return true
	}
	return strings.HasPrefix(k, "ONAIR_") || strings.HasPrefix(k, "MAILGUN_") || strings.HasPrefix(k, "TWILIO_")
}

// childEnv is this process's environment without onair's variables, with
// vars on top.
func childEnv(vars map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !onairVariable(k) && k != "TMPDIR" {
			env = append(env, kv)
		}
	}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return append(env, benchChildEnv...)
}

// procStatus reads one "Field:   N kB" line of /proc/PID/status, in bytes.
func procStatus(pid int, field string) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/status: %s: %v", pid, field, err)
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, field)
}

// rssWatch measures the peak resident memory of processes over a span of
// time. Linux keeps each process's peak (VmHWM) and resets it to the
// current size when told so through clear_refs; where that is refused, the
// watch samples the current size (VmRSS) instead, which can miss a peak
// shorter than its period.
type rssWatch struct {
	pids   []int
	method string // vmhwm, sampled or unavailable

	stopSampling chan struct{}
	sampled      sync.WaitGroup
	mu           sync.Mutex
	peaks        []int64
}

// rssSamplePeriod is how often the fallback reads VmRSS.
const rssSamplePeriod = 10 * time.Millisecond

// watchRSS starts measuring the peaks of pids from now on.
func watchRSS(pids []int) *rssWatch {
	w := &rssWatch{pids: pids, method: "vmhwm", peaks: make([]int64, len(pids))}
	for _, pid := range pids {
		if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0o200); err != nil {
			w.method = "sampled"
		}
	}
	if w.method == "vmhwm" {
		return w
	}
	if _, err := procStatus(pids[0], "VmRSS"); err != nil {
		w.method = "unavailable" // not Linux, or no /proc
		return w
	}
	w.stopSampling = make(chan struct{})
	w.sampled.Add(1)
	go func() {
		defer w.sampled.Done()
		t := time.NewTicker(rssSamplePeriod)
		defer t.Stop()
		for {
			w.sample()
			select {
			case <-w.stopSampling:
				return
			case <-t.C:
			}
		}
	}()
	return w
}

func (w *rssWatch) sample() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, pid := range w.pids {
		if rss, err := procStatus(pid, "VmRSS"); err == nil && rss > w.peaks[i] {
			w.peaks[i] = rss
		}
	}
}

// finish ends the watch and returns each process's peak since it began.
func (w *rssWatch) finish() []int64 {
	switch w.method {
	case "vmhwm":
		for i, pid := range w.pids {
			if hwm, err := procStatus(pid, "VmHWM"); err == nil {
				w.peaks[i] = hwm
			}
		}
	case "sampled":
		close(w.stopSampling)
		w.sampled.Wait()
		w.sample()
	}
	return w.peaks
}

package main

import (
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var pprofListenRE = regexp.MustCompile(`msg="pprof listening" addr=(\S+)`)

// ONAIR_PPROF_ADDR serves the runtime profiles on a listener of its own;
// the public server never does.
func TestPprofListener(t *testing.T) {
	t.Parallel()
	a := startApp(t, "sqlite:"+filepath.Join(t.TempDir(), "onair.db"), map[string]string{"ONAIR_PPROF_ADDR": "127.0.0.1:0"})
	var addr string
	waitFor(t, 10*time.Second, "the pprof listener", func() (bool, string) {
		m := pprofListenRE.FindStringSubmatch(a.Log())
		if m != nil {
			addr = m[1]
		}
		return m != nil, a.Log()
	})
	resp, err := http.Get("http://" + addr + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(body) == 0 {
		t.Errorf("pprof cmdline: %d %q", resp.StatusCode, body)
	}
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/cmdline", "/debug/pprof/profile?seconds=1"} {
		status, raw, _ := a.raw("GET", path, "", nil)
		if status != http.StatusNotFound || strings.Contains(string(raw), "goroutine") {
			t.Errorf("the public server answers %s with %d", path, status)
		}
	}
}

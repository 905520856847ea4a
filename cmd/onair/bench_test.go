package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/store/storetest"
)

// The benchmark's children are this test binary, which runs onair when
// told so (TestMain).
func init() { benchChildEnv = append(benchChildEnv, faultChildEnv+"=1") }

// benchKeys are the numeric keys API.md promises in `onair bench --json`.
var benchKeys = []string{"recipients", "smtp_conns", "workers", "raw_smtp_per_sec", "delivery_per_sec",
	"due_to_first_handoff_s", "due_to_last_handoff_s", "delivered", "duplicates", "registrations_per_sec",
	"registration_p99_ms", "healthz_per_sec", "peak_rss_bytes"}

// runBenchJSON runs `onair bench --json` with its temporary files in tmp
// and returns the numbers of its one JSON object, and its strings.
func runBenchJSON(t *testing.T, tmp string, args ...string) (map[string]float64, map[string]string) {
	t.Helper()
	stdout, stderr, err := runCLI(t, map[string]string{"TMPDIR": tmp}, append([]string{"bench", "--json"}, args...)...)
	if err != nil {
		t.Fatalf("onair bench %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout, stderr)
	}
	if testing.Verbose() {
		t.Logf("onair bench %s:\n%s", strings.Join(args, " "), stderr)
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("stdout is not a JSON object: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Fatalf("stdout holds more than one JSON value:\n%s", stdout)
	}
	nums, strs := map[string]float64{}, map[string]string{}
	for k, v := range out {
		switch v := v.(type) {
		case json.Number:
			f, err := v.Float64()
			if err != nil {
				t.Errorf("%s: %v", k, err)
			}
			nums[k] = f
		case string:
			strs[k] = v
		}
	}
	for _, k := range benchKeys {
		if _, ok := nums[k]; !ok {
			t.Errorf("key %s is missing or not a number: %v", k, out[k])
		}
	}
	if !strings.Contains(stderr, "reminder") || !strings.Contains(stderr, "registering") {
		t.Errorf("stderr shows no progress:\n%s", stderr)
	}
	return nums, strs
}

// checkBenchDelivery checks that every viewer got the reminder exactly once.
func checkBenchDelivery(t *testing.T, nums map[string]float64, recipients, workers int) {
	t.Helper()
	want := map[string]float64{"recipients": float64(recipients), "delivered": float64(recipients),
		"reminder_recipients": float64(recipients), "duplicates": 0, "lost": 0, "workers": float64(workers),
		"smtp_conns": 10, "other_messages": 0}
	for k, v := range want {
		if nums[k] != v {
			t.Errorf("%s = %v, want %v", k, nums[k], v)
		}
	}
	for _, k := range []string{"raw_smtp_per_sec", "delivery_per_sec", "registrations_per_sec", "healthz_per_sec", "due_to_last_handoff_s"} {
		if nums[k] <= 0 {
			t.Errorf("%s = %v: nothing measured", k, nums[k])
		}
	}
	if runtime.GOOS == "linux" && (nums["peak_rss_bytes"] <= 0 || nums["peak_rss_bytes_total"] < nums["peak_rss_bytes"]) {
		t.Errorf("peak RSS %v, all processes %v", nums["peak_rss_bytes"], nums["peak_rss_bytes_total"])
	}
}

// assertEmptyDir fails unless dir holds nothing: the benchmark removed what it made.
func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left behind in the temporary folder: %s", e.Name())
	}
}

func TestBenchSQLite(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	profile := filepath.Join(t.TempDir(), "cpu.prof")
	nums, strs := runBenchJSON(t, tmp, "--recipients", "300", "--cpuprofile", profile)
	checkBenchDelivery(t, nums, 300, 1)
	if strs["database"] != "sqlite" || strs["smtp"] != "sink" {
		t.Errorf("database %q, smtp %q", strs["database"], strs["smtp"])
	}
	assertEmptyDir(t, tmp)

	raw, err := os.ReadFile(profile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte{0x1f, 0x8b}) { // a profile is gzipped protobuf
		t.Errorf("the CPU profile is not a pprof profile: %q…", raw[:min(len(raw), 40)])
	}
}

func TestBenchPostgres(t *testing.T) {
	t.Parallel()
	base := os.Getenv(storetest.EnvPostgres)
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: CI must run the PostgreSQL tests", storetest.EnvPostgres)
		}
		t.Skipf("%s is not set: skipping the benchmark on PostgreSQL", storetest.EnvPostgres)
	}
	// Two workers, the serve and a worker sending side by side: one
	// sender alone is the SQLite run's case.
	tmp := t.TempDir()
	nums, strs := runBenchJSON(t, tmp, "--recipients", "300", "--database-url", base, "--workers", "2")
	checkBenchDelivery(t, nums, 300, 2)
	schema := strs["database_schema"]
	if strs["database"] != "postgres" || !strings.HasPrefix(schema, "onair_bench_") {
		t.Fatalf("database %q, schema %q", strs["database"], schema)
	}
	assertEmptyDir(t, tmp)
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1`, schema).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("the schema %s is still there", schema)
	}
}

// With --smtp-url the messages go to that server, and the figures come
// from onair's own counts.
func TestBenchExternalSMTP(t *testing.T) {
	t.Parallel()
	srv := notifytest.NewSMTPServer(t, notifytest.CountOnly())
	tmp := t.TempDir()
	nums, strs := runBenchJSON(t, tmp, "--recipients", "50", "--smtp-url", srv.URL())
	if strs["smtp"] != "external" {
		t.Errorf("smtp %q", strs["smtp"])
	}
	for k, v := range map[string]float64{"delivered": 50, "lost": 0, "duplicates": -1} {
		if nums[k] != v {
			t.Errorf("%s = %v, want %v", k, nums[k], v)
		}
	}
	// The confirmations, the reminder and the raw run's copies of it.
	if got := srv.Count(); got != 150 {
		t.Errorf("the SMTP server received %d messages, want 150", got)
	}
	assertEmptyDir(t, tmp)
}

func TestBenchFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.db")
	if err := os.WriteFile(existing, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no recipients", []string{"--recipients", "0"}, "--recipients 0 must be from 1"},
		{"recipients that are not a number", []string{"--recipients", "many"}, "recipients"},
		{"no SMTP connection", []string{"--smtp-conns", "0"}, "--smtp-conns"},
		{"no worker", []string{"--workers", "0"}, "--workers"},
		{"several workers on SQLite", []string{"--workers", "2"}, "needs PostgreSQL"},
		{"several workers on a SQLite file", []string{"--workers", "3", "--database-url", "sqlite:" + filepath.Join(dir, "new.db")}, "needs PostgreSQL"},
		{"an unknown database", []string{"--database-url", "mysql://root@localhost/onair"}, "--database-url"},
		{"a SQLite file that exists", []string{"--database-url", "sqlite:" + existing}, "exists"},
		{"a SQLite file in a missing folder", []string{"--database-url", "sqlite:" + filepath.Join(dir, "nope", "x.db")}, "does not exist"},
		{"an SMTP URL that is not one", []string{"--smtp-url", "http://mail.example.com"}, "--smtp-url"},
		{"a profile in a missing folder", []string{"--cpuprofile", filepath.Join(dir, "nope", "cpu.prof")}, "--cpuprofile"},
		{"an unknown flag", []string{"--verbose"}, "verbose"},
		{"an argument", []string{"--json", "now"}, `unexpected argument "now"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runCLI(t, nil, append([]string{"bench"}, tt.args...)...)
			var ue usageError
			if !errors.As(err, &ue) {
				t.Fatalf("err %v, want a usage error (exit status 2)", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
	t.Run("help names every flag", func(t *testing.T) {
		out, _, err := runCLI(t, nil, "bench", "--help")
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"Usage: onair bench", "-recipients", "-smtp-conns", "-database-url", "-workers", "-json", "-smtp-url", "-cpuprofile"} {
			if !strings.Contains(out, f) {
				t.Errorf("help does not mention %s:\n%s", f, out)
			}
		}
	})
	t.Run("every problem at once", func(t *testing.T) {
		_, _, err := runCLI(t, nil, "bench", "--recipients", "0", "--smtp-conns", "0")
		if err == nil || !strings.Contains(err.Error(), "--recipients") || !strings.Contains(err.Error(), "--smtp-conns") {
			t.Errorf("err %v", err)
		}
	})
}

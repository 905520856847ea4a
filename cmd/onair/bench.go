package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/onair-live/onair/internal/notify/smtp"
	"github.com/onair-live/onair/internal/store"
)

// benchOptions are the flags of `onair bench`.
type benchOptions struct {
	recipients  int
	smtpConns   int
	workers     int
	databaseURL string
	smtpURL     string
	cpuProfile  string
	json        bool
}

// Bounds of the flags: beyond them a run says nothing a smaller one would not.
const (
	maxBenchRecipients = 10_000_000
	maxBenchWorkers    = 64
)

const benchSummary = `Measures this machine end to end: starts a local SMTP sink (or sends to
--smtp-url), a temporary database (SQLite, or a fresh schema on the PostgreSQL
of --database-url) and onair itself as child processes (one 'onair serve' and
--workers minus one 'onair worker'); registers --recipients viewers through the
public API from 32 clients, waits for their confirmations, asks /healthz for
2 s, then adds a reminder due a few seconds ahead and measures its delivery to
every viewer at the sink; finally sends the same message as often, over as many
connections, with the same SMTP client straight to the sink (raw_smtp_per_sec,
the ceiling). Prints a table, or one JSON object with --json; progress goes to
stderr. Removes everything it made, on Ctrl-C too. Exits 1 if a reminder is
missing at the deadline or one arrived twice.

The environment's onair variables (DATABASE_URL, SMTP_URL, …) are ignored:
the benchmark never touches a deployment's database unless given one here.`

// parseBench reads the flags of `onair bench`; help goes to stdout.
func parseBench(args []string, stdout, stderr io.Writer) (benchOptions, bool, error) {
	var o benchOptions
	fs := flag.NewFlagSet("onair bench", flag.ContinueOnError)
	fs.IntVar(&o.recipients, "recipients", 100_000, "viewers to register, and to send the reminder to")
	fs.IntVar(&o.smtpConns, "smtp-conns", 10, "SMTP connections of each onair process (ONAIR_SMTP_CONNS) and of the raw SMTP run")
	fs.StringVar(&o.databaseURL, "database-url", "", "postgres://…: run in a fresh schema there, dropped at the end;\nsqlite:PATH: a new SQLite file there (PATH must not exist), removed at the end;\nunset: a SQLite file in a temporary folder")
	fs.IntVar(&o.workers, "workers", 1, "onair processes that send: one 'onair serve' and N-1 'onair worker' (N > 1 needs PostgreSQL)")
	fs.BoolVar(&o.json, "json", false, "print one JSON object on stdout instead of the table")
	fs.StringVar(&o.smtpURL, "smtp-url", "", "send to this SMTP server (smtp://user:pass@host:port or smtps://…) instead of the built-in sink;\nthe delivery figures then come from onair's own counts, and duplicates are not measured (-1)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write the CPU profile of 'onair serve' during the reminder's send to this file")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: onair bench [flags]\n\n%s\n\nFlags:\n", benchSummary)
		fs.PrintDefaults()
	}
	for _, a := range args {
		if a == "--" {
			break
		}
		if isHelp(a) {
			fs.SetOutput(stdout)
			fs.Usage()
			return o, true, nil
		}
	}
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return o, false, usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return o, false, usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return o, false, o.validate()
}

// validate checks the flags, every problem at once.
func (o *benchOptions) validate() error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if o.recipients < 1 || o.recipients > maxBenchRecipients {
		bad("--recipients %d must be from 1 to %d", o.recipients, maxBenchRecipients)
	}
	if o.smtpConns < 1 || o.smtpConns > 1000 {
		bad("--smtp-conns %d must be from 1 to 1000", o.smtpConns)
	}
	if o.workers < 1 || o.workers > maxBenchWorkers {
		bad("--workers %d must be from 1 to %d", o.workers, maxBenchWorkers)
	}
	dialect := store.SQLite
	if o.databaseURL != "" {
		d, path, err := store.ParseURL(o.databaseURL)
		switch {
		case err != nil:
			bad("--database-url: %s", strings.TrimPrefix(err.Error(), "DATABASE_URL: "))
		case d == store.SQLite:
			if _, err := os.Stat(path); err == nil {
				bad("--database-url: %s exists; the benchmark needs a new file, which it removes at the end", path)
			} else if fi, err := os.Stat(filepath.Dir(path)); err != nil || !fi.IsDir() {
				bad("--database-url: the folder %q does not exist", filepath.Dir(path))
			}
		}
		dialect = d
	}
	if o.workers > 1 && dialect != store.Postgres {
		bad("--workers %d needs PostgreSQL (--database-url postgres://…): on SQLite one process sends", o.workers)
	}
	if o.smtpURL != "" {
		if _, err := smtp.ParseURL(o.smtpURL); err != nil {
			bad("--smtp-url: %v", err)
		}
	}
	if o.cpuProfile != "" {
		if fi, err := os.Stat(filepath.Dir(o.cpuProfile)); err != nil || !fi.IsDir() {
			bad("--cpuprofile: the folder %q does not exist", filepath.Dir(o.cpuProfile))
		}
	}
	if len(errs) > 0 {
		return usageError{strings.Join(errs, "; ")}
	}
	return nil
}

// runBench is `onair bench`.
func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, help, err := parseBench(args, stdout, stderr)
	if help || err != nil {
		return err
	}
	tmp := getenv("TMPDIR")
	if tmp == "" {
		tmp = os.TempDir()
	}
	b := &bench{o: o, tmp: tmp, stderr: stderr, prog: newProgress(stderr)}
	res, runErr := b.run(ctx)
	// An interrupted run keeps no log: nothing went wrong in onair.
	b.cleanup(runErr != nil && ctx.Err() == nil)
	if res == nil {
		return runErr
	}
	if o.json {
		err = writeBenchJSON(stdout, res)
	} else {
		err = writeBenchTable(stdout, res)
	}
	return errors.Join(runErr, err)
}

// Command onair is the onair service: event scheduling and notifications for
// live streams and webinars, in one binary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // every IANA zone, whatever the machine has installed
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "onair:", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is a mistake in the command line itself (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

const usage = `onair — event scheduling and notifications for live streams and webinars

Usage:
  onair <command> [flags]

Commands:
  demo          serve a fresh demo database: a sample host, events, registrants, outbox
  serve         run the HTTP API, the scheduler and the delivery workers
  worker        run the scheduler and delivery workers only (extra nodes)
  send-due      send whatever is due, once, then exit
  migrate       apply database migrations and exit
  host create   create a host account and print its API token
  viewer export print everything stored about one viewer in one host's events
  viewer erase  erase one viewer's personal data from one host's events
  version       print version and build information
  bench         measure this machine end to end: registrations, reminders, SMTP

Run 'onair <command> --help' for a command's flags. Configuration comes from
the environment (DATABASE_URL, APP_URL, ONAIR_ADDR, …; see README.md); a flag
overrides the variable of the same name.
`

// run is onair's main, with its inputs and outputs as parameters so that
// tests can run the whole program in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runWith(ctx, args, getenv, stdout, stderr, wallClock())
}

// clock is what onair tells the time by: what is due, when a retry may go,
// what a page shows as past. onair runs on the wall clock; the end-to-end
// tests run it on one of their own that they move forward, instead of
// waiting for a reminder's time to come.
type clock struct {
	now func() time.Time
	// jumps receives when now has moved ahead by more than its own
	// ticking; nil for a clock that only ticks.
	jumps <-chan struct{}
}

func wallClock() clock { return clock{now: time.Now} }

// runWith is run on the clock clk.
func runWith(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, clk clock) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command given"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr, clk)
	case "demo":
		return runDemo(ctx, rest, getenv, stdout, stderr, clk)
	case "migrate":
		return runMigrate(ctx, rest, getenv, stdout, stderr)
	case "worker":
		return runWorker(ctx, rest, getenv, stdout, stderr, clk)
	case "send-due":
		return runSendDue(ctx, rest, getenv, stdout, stderr, clk)
	case "host":
		if len(rest) == 0 || isHelp(rest[0]) {
			fmt.Fprint(stdout, hostUsage)
			if len(rest) == 0 {
				return usageError{"host needs a subcommand: create"}
			}
			return nil
		}
		if rest[0] != "create" {
			return usageError{fmt.Sprintf("unknown host subcommand %q (known: create)", rest[0])}
		}
		return runHostCreate(ctx, rest[1:], getenv, stdout, stderr, clk)
	case "viewer":
		return runViewer(ctx, rest, getenv, stdout, stderr, clk)
	case "bench":
		return runBench(ctx, rest, getenv, stdout, stderr)
	case "version", "--version":
		return runVersion(rest, stdout)
	}
	return usageError{fmt.Sprintf("unknown command %q; run 'onair help' for the list", cmd)}
}

const hostUsage = `Usage:
  onair host create --email E --password P   create a host account; prints an API token
`

func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}

// command is one subcommand's flags over the shared configuration.
type command struct {
	fs      *flag.FlagSet
	cfg     config
	numbers map[string]string
	set     map[string]*string // flag name → value, for flags that override a variable
}

// newCommand prepares a subcommand with the configuration from the
// environment and a flag for each of the named variables it uses.
func newCommand(name, summary string, getenv func(string) string, vars ...string) *command {
	c := &command{fs: flag.NewFlagSet("onair "+name, flag.ContinueOnError), set: map[string]*string{}}
	c.cfg, c.numbers = loadConfig(getenv)
	c.fs.Usage = func() {
		fmt.Fprintf(c.fs.Output(), "Usage: onair %s [flags]\n\n%s\n\nFlags:\n", name, summary)
		c.fs.PrintDefaults()
	}
	for _, v := range vars {
		flagName := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(v, "ONAIR_"), "_", "-"))
		c.set[v] = c.fs.String(flagName, "", "overrides $"+v)
	}
	return c
}

// parse reads the flags; help goes to stdout and is not an error.
func (c *command) parse(args []string, stdout, stderr io.Writer) (help bool, err error) {
	for _, a := range args {
		if a == "--" {
			break
		}
		if isHelp(a) {
			c.fs.SetOutput(stdout)
			c.fs.Usage()
			return true, nil
		}
	}
	c.fs.SetOutput(stderr)
	if err := c.fs.Parse(args); err != nil {
		return false, usageError{err.Error()}
	}
	if c.fs.NArg() > 0 {
		return false, usageError{fmt.Sprintf("unexpected argument %q", c.fs.Arg(0))}
	}
	for v, val := range c.set {
		if *val == "" {
			continue
		}
		switch v {
		case "ONAIR_ADDR":
			c.cfg.Addr = *val
		case "DATABASE_URL":
			c.cfg.DatabaseURL = *val
		case "APP_URL":
			c.cfg.AppURL = *val
		}
	}
	return false, c.cfg.validate(c.numbers)
}

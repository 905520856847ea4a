package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/onair-live/onair/internal/accounts"
	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
)

// The demo host's credentials, printed at start.
const (
	demoEmail    = "demo@onair.local"
	demoPassword = "onair-demo"
)

func runDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, clk clock) error {
	c := newCommand("demo", "Serves onair on a fresh demo database (a new SQLite file in a temporary folder)\nwith a sample host, three events, registrants and an outbox full of messages.\nNothing is sent: every message goes to the outbox.", getenv, "ONAIR_ADDR", "APP_URL")
	if help, err := c.parse(args, stdout, stderr); help || err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "onair-demo-")
	if err != nil {
		return err
	}
	cfg := c.cfg
	cfg.DatabaseURL = "sqlite:" + filepath.Join(dir, "demo.db")
	// The demo never sends: whatever providers the environment names, every
	// message goes to the outbox.
	cfg.SMTPURL, cfg.MailgunAPIKey, cfg.MailgunDomain = "", "", ""
	cfg.TwilioAccountSID, cfg.TwilioAuthToken, cfg.TwilioPhoneNumber = "", "", ""
	fmt.Fprintf(stdout, "onair demo: database %s\n", filepath.Join(dir, "demo.db"))
	fmt.Fprintf(stdout, "Log in at %s/login as %s with the password %s\n", cfg.AppURL, demoEmail, demoPassword)
	return serve(ctx, cfg, clk, stderr, seedDemo)
}

// seedDemo creates the demo host and three events: one upcoming with
// registrants, one live, one ended.
func seedDemo(ctx context.Context, st *store.Store) error {
	now := time.Now().UTC().Truncate(time.Second)
	host, err := accounts.SignUp(ctx, st, onair.Credentials{Email: demoEmail, Password: demoPassword}, now)
	if err != nil {
		return err
	}
	type demoEvent struct {
		title, description, zone string
		startIn                  time.Duration
		capacity                 int
		intervals                []string
		sms                      bool
		viewers                  int
		then                     func(onair.Event, time.Time) (onair.Event, error)
	}
	events := []demoEvent{
		{"Product Launch Webinar", "Be the first to see what we have been building, with a live Q&A at the end.",
			"America/New_York", 3 * 24 * time.Hour, 120, []string{"1day", "1hour", "15minutes", "now"}, true, 36, nil},
		{"Weekly Community Q&A", "Bring your questions: we answer them live.",
			"Europe/Berlin", 2 * time.Minute, 0, []string{"1hour", "now"}, false, 12,
			func(e onair.Event, at time.Time) (onair.Event, error) { return e.Start(at) }},
		{"Kickoff Workshop", "How to get the most out of the next quarter.",
			"Asia/Kathmandu", 2 * time.Minute, 50, []string{"1day", "now"}, false, 9,
			func(e onair.Event, at time.Time) (onair.Event, error) {
				e, err := e.Start(at)
				if err != nil {
					return e, err
				}
				return e.End(at)
			}},
	}
	first := []string{"Ada", "Grace", "Alan", "Katherine", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances", "Edsger", "Radia"}
	last := []string{"Lovelace", "Hopper", "Turing", "Johnson", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Allen", "Dijkstra", "Perlman"}
	zones := []string{"Europe/London", "America/Chicago", "Asia/Tokyo", "Australia/Sydney", "Europe/Paris", "America/Los_Angeles"}
	sources := []string{"email", "social", "direct", "sms", "social", "newsletter"}
	for i, d := range events {
		start := now.Add(d.startIn).Format(time.RFC3339)
		title, desc, zone, capacity := d.title, d.description, d.zone, d.capacity
		ev, err := onair.NewEvent(host.ID, onair.EventInput{
			Title: &title, Description: &desc, ScheduledStart: &start, Timezone: &zone,
			MaxRegistrations: &capacity, SelectedIntervals: &d.intervals,
			NotificationSettings: &onair.NotificationSettingsInput{SMSEnabled: &d.sms},
		}, now)
		if err != nil {
			return err
		}
		if err := st.CreateEvent(ctx, ev); err != nil {
			return err
		}
		for v := range d.viewers {
			k := (v + i*5) % len(first)
			in := onair.RegistrationInput{
				FirstName: first[k], LastName: last[k], Email: fmt.Sprintf("%s.%s%d@example.com", first[k], last[k], v),
				Company: "Example Co", Timezone: zones[v%len(zones)], Source: sources[v%len(sources)],
			}
			if v%3 == 0 {
				in.Phone = fmt.Sprintf("+1415555%04d", 1000+v+i*100)
			}
			r, err := onair.NewRegistration(ev, in, func(s string) (string, error) { return s, nil }, now)
			if err != nil {
				return err
			}
			if _, err := st.Register(ctx, r, now); err != nil {
				return err
			}
		}
		if d.then != nil {
			if _, err := st.UpdateEvent(ctx, host.ID, ev.ID, func(e onair.Event) (onair.Event, error) { return d.then(e, now) }); err != nil {
				return err
			}
		}
	}
	return nil
}

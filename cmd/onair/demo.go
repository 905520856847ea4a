package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
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
	c := newCommand("demo", "Serves onair on a fresh demo database (a new SQLite file in a temporary folder,\n"+
		"removed when the demo stops) with a sample host, four events, registrants, attendance\n"+
		"and an outbox full of messages. Nothing is sent: every message goes to the outbox.\n"+
		"It listens on 127.0.0.1 (port 8080, or that of $ONAIR_ADDR) unless --addr names\n"+
		"another address: the demo host's password is printed for anyone to read.", getenv, "ONAIR_ADDR", "APP_URL")
	if help, err := c.parse(args, stdout, stderr); help || err != nil {
		return err
	}
	cfg := c.cfg
	if *c.set["ONAIR_ADDR"] == "" {
		_, port, _ := net.SplitHostPort(cfg.Addr) // validated by parse
		cfg.Addr = net.JoinHostPort("127.0.0.1", port)
	}
	// The port first: nothing is made or printed for a demo that cannot
	// listen.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", cfg.Addr, err)
	}
	defer ln.Close()
	if getenv("APP_URL") == "" && *c.set["APP_URL"] == "" {
		cfg.AppURL = "http://localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	}
	dir, err := os.MkdirTemp("", "onair-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg.DatabaseURL = "sqlite:" + filepath.Join(dir, "demo.db")
	// The demo never sends: whatever providers the environment names, every
	// message goes to the outbox.
	cfg.SMTPURL, cfg.MailgunAPIKey, cfg.MailgunDomain = "", "", ""
	cfg.TwilioAccountSID, cfg.TwilioAuthToken, cfg.TwilioPhoneNumber = "", "", ""
	seed := func(ctx context.Context, st *store.Store) error {
		token, err := seedDemo(ctx, st, clk.now(), cfg.AppURL)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "onair demo at %s (its database, removed when it stops: %s)\n", cfg.AppURL, filepath.Join(dir, "demo.db"))
		fmt.Fprintf(stdout, "Log in at %s/login as %s with the password %s\n", cfg.AppURL, demoEmail, demoPassword)
		fmt.Fprintf(stdout, "The API, with the demo host's token:\n  export TOKEN=%s\n  curl -s %s/api/events -H \"Authorization: Bearer $TOKEN\"\n", token, cfg.AppURL)
		return nil
	}
	return serve(ctx, cfg, clk, stderr, ln, seed)
}

// seedDemo creates the demo host, its API token and four events: two
// upcoming with registrants, one live, and one that ran this last hour and
// a quarter, with attendance, watch time, engagement, revenue and its
// follow-ups.
func seedDemo(ctx context.Context, st *store.Store, now time.Time, appURL string) (token string, err error) {
	now = now.UTC().Truncate(time.Second)
	host, err := accounts.SignUp(ctx, st, onair.Credentials{Email: demoEmail, Password: demoPassword}, now)
	if err != nil {
		return "", err
	}
	// The host's brand and the launch's cover, served by onair itself,
	// where its address may carry them (https, or this machine).
	name, color, logo := "Acme Live", "#0f766e", appURL+"/static/sample-logo.svg"
	brand := onair.HostSettingsInput{Name: &name, BrandColor: &color}
	if onair.SecureURL(logo) {
		brand.LogoURL = &logo
	}
	if _, err := st.UpdateHostSettings(ctx, host.ID, brand); err != nil {
		return "", err
	}
	cover := appURL + "/static/sample-cover.svg"
	if !onair.SecureURL(cover) {
		cover = ""
	}
	if token, err = accounts.NewToken(ctx, st, host.ID, now); err != nil {
		return "", err
	}
	for i, d := range demoEvents(now, cover) {
		ev, regs, err := d.create(ctx, st, host.ID, i)
		if err != nil {
			return "", fmt.Errorf("%s: %w", d.title, err)
		}
		if d.then != nil {
			if err := d.then(ctx, st, ev, regs); err != nil {
				return "", fmt.Errorf("%s: %w", d.title, err)
			}
		}
	}
	return token, nil
}

// A demoEvent is one event of the demo, created at created and registered
// to from then until registeredBy.
type demoEvent struct {
	title, description, zone string
	created, start           time.Time
	registeredBy             time.Time
	capacity                 int
	intervals                []string
	sms                      bool
	viewers                  int
	questions                []onair.QuestionInput // the registration page's own questions, answered by every viewer
	cover                    string
	then                     func(context.Context, *store.Store, onair.Event, []onair.Registration) error
}

func demoEvents(now time.Time, cover string) []demoEvent {
	ranFrom := now.Add(-75 * time.Minute)
	return []demoEvent{
		{title: "Product Launch Webinar",
			description: "Be the first to see what we have been building, with a **live Q&A** at the end.\n\n" +
				"- a tour of what is new\n- the roadmap for next year\n- your questions, answered live",
			zone: "America/New_York", created: now, start: now.Add(3 * 24 * time.Hour), registeredBy: now,
			capacity: 120, intervals: []string{"1day", "1hour", "15minutes", "now"}, sms: true, viewers: 36, cover: cover,
			questions: []onair.QuestionInput{
				{Key: "role", Label: "Your role", Required: true},
				{Key: "team_size", Label: "Team size", Type: "select", Options: []string{"1-10", "11-50", "51+"}},
				{Key: "newsletter", Label: "Send me the monthly newsletter", Type: "checkbox"},
			}},
		{title: "Pricing Office Hours", description: "Half an hour with the team on plans and invoices.",
			zone: "Europe/London", created: now, start: now.Add(26 * time.Hour), registeredBy: now,
			capacity: 12, intervals: []string{"1day", "1hour", "now"}, viewers: 12},
		{title: "Weekly Community Q&A", description: "Bring your questions: we answer them live.",
			zone: "Europe/Berlin", created: now, start: now.Add(2 * time.Minute), registeredBy: now,
			intervals: []string{"1hour", "now"}, viewers: 12,
			then: func(ctx context.Context, st *store.Store, ev onair.Event, regs []onair.Registration) error {
				if _, err := st.UpdateEvent(ctx, ev.HostID, ev.ID, func(e onair.Event) (onair.Event, error) { return e.Start(now) }); err != nil {
					return err
				}
				for _, r := range regs[:5] {
					if _, err := st.RecordJoin(ctx, ev.ID, r.ID, now); err != nil {
						return err
					}
				}
				return nil
			}},
		{title: "Kickoff Workshop", description: "How to get the most out of the next quarter.",
			zone: "Asia/Kathmandu", created: now.Add(-4 * 24 * time.Hour), start: ranFrom, registeredBy: ranFrom,
			capacity: 50, intervals: []string{}, viewers: 24, // its reminders would have gone out before the demo started
			then: func(ctx context.Context, st *store.Store, ev onair.Event, regs []onair.Registration) error {
				return demoRun(ctx, st, ev, regs, ranFrom, now)
			}},
	}
}

// create makes the event and its registrants, registered at even steps
// from d.created to d.registeredBy.
func (d demoEvent) create(ctx context.Context, st *store.Store, hostID string, n int) (onair.Event, []onair.Registration, error) {
	title, desc, zone, capacity := d.title, d.description, d.zone, d.capacity
	start := d.start.Format(time.RFC3339)
	ev, err := onair.NewEvent(hostID, onair.EventInput{
		Title: &title, Description: &desc, ScheduledStart: &start, Timezone: &zone,
		MaxRegistrations: &capacity, SelectedIntervals: &d.intervals,
		NotificationSettings: &onair.NotificationSettingsInput{SMSEnabled: &d.sms},
		RegistrationFields:   &d.questions, CoverImageURL: &d.cover,
	}, d.created)
	if err != nil {
		return onair.Event{}, nil, err
	}
	if err := st.CreateEvent(ctx, ev); err != nil {
		return onair.Event{}, nil, err
	}
	first := []string{"Ada", "Grace", "Alan", "Katherine", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances", "Edsger", "Radia"}
	last := []string{"Lovelace", "Hopper", "Turing", "Johnson", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Allen", "Dijkstra", "Perlman"}
	zones := []string{"Europe/London", "America/Chicago", "Asia/Tokyo", "Australia/Sydney", "Europe/Paris", "America/Los_Angeles"}
	sources := []string{"email", "social", "direct", "sms", "social", "newsletter"}
	step := d.registeredBy.Sub(d.created) / time.Duration(d.viewers+1)
	var regs []onair.Registration
	for v := range d.viewers {
		k := (v + n*5) % len(first)
		in := onair.RegistrationInput{
			FirstName: first[k], LastName: last[k], Email: fmt.Sprintf("%s.%s%d@example.com", first[k], last[k], v),
			Company: "Example Co", Timezone: zones[v%len(zones)], Source: sources[v%len(sources)],
		}
		if len(d.questions) > 0 {
			roles := []string{"Engineer", "Designer", "Product manager", "Founder"}
			sizes := []string{"1-10", "11-50", "51+"}
			in.Answers = map[string]any{"role": roles[v%len(roles)], "team_size": sizes[v%len(sizes)], "newsletter": v%2 == 0}
		}
		if v%3 == 0 {
			in.Phone = fmt.Sprintf("+1415555%04d", 1000+v+n*100)
		}
		at := d.created.Add(step * time.Duration(v+1)).Truncate(time.Second)
		r, err := onair.NewRegistration(ev, in, func(s string) (string, error) { return s, nil }, at)
		if err != nil {
			return onair.Event{}, nil, err
		}
		if _, err := st.Register(ctx, r, at); err != nil {
			return onair.Event{}, nil, err
		}
		regs = append(regs, r)
	}
	return ev, regs, nil
}

// demoRun plays a finished event: live from start, two thirds of the
// registrants watching for a quarter of an hour to an hour, chatting,
// asking and buying, then ended at end with a replay and both follow-ups.
func demoRun(ctx context.Context, st *store.Store, ev onair.Event, regs []onair.Registration, start, end time.Time) error {
	if _, err := st.UpdateEvent(ctx, ev.HostID, ev.ID, func(e onair.Event) (onair.Event, error) { return e.Start(start) }); err != nil {
		return err
	}
	actions := []string{"chat", "reaction", "question", "poll", "chat"}
	for i, r := range regs {
		if i%3 == 2 {
			continue // missed it
		}
		joined := start.Add(time.Duration(i%5) * time.Minute)
		if _, err := st.RecordJoin(ctx, ev.ID, r.ID, joined); err != nil {
			return err
		}
		watched := 15*time.Minute + time.Duration(i*7%45)*time.Minute
		for at := joined; at.Before(joined.Add(watched)) && at.Before(end); at = at.Add(50 * time.Second) {
			if _, err := st.Heartbeat(ctx, ev.ID, r.ID, at); err != nil {
				return err
			}
		}
		for a := range i % 4 {
			if err := st.RecordEngagement(ctx, ev.ID, r.ID, actions[(i+a)%len(actions)], joined.Add(time.Duration(a+2)*time.Minute)); err != nil {
				return err
			}
		}
		if i%4 == 0 {
			if err := st.RecordPurchase(ctx, ev.ID, r.ID, 4900, "USD", joined.Add(20*time.Minute)); err != nil {
				return err
			}
		}
	}
	// Both follow-ups, due at the end: the demo's outbox and the event's
	// schedule show them sent (to the outbox) within moments of starting.
	on, after := true, "0s"
	thanks, sorry := "Thanks for coming! The slides and the recording are below.", "Sorry we missed you: the whole workshop is in the recording."
	replay := "https://example.com/replays/kickoff-workshop"
	in := onair.EventInput{ReplayURL: &replay, FollowUps: &onair.FollowUpsInput{
		Attended: &onair.FollowUpInput{Enabled: &on, After: &after, Message: &thanks},
		Missed:   &onair.FollowUpInput{Enabled: &on, After: &after, Message: &sorry},
	}}
	_, err := st.UpdateEvent(ctx, ev.HostID, ev.ID, func(e onair.Event) (onair.Event, error) {
		next, _, err := e.Update(in, end)
		if err != nil {
			return next, err
		}
		return next.End(end)
	})
	return err
}

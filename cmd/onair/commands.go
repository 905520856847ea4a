package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/onair-live/onair/internal/accounts"
	"github.com/onair-live/onair/internal/jobs"
	"github.com/onair-live/onair/internal/metrics"
	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/redact"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/web"
	"github.com/onair-live/onair/internal/webhook"
)

// newLogger is the process's log, on stderr. Every line is redacted: no
// viewer's email address, phone number or token reaches it, whatever wrote
// the line (onair, River, net/http) and whatever a provider's error says.
func newLogger(stderr io.Writer) *slog.Logger {
	return slog.New(redact.Handler(slog.NewTextHandler(stderr, nil)))
}

// openStore opens the database and brings its schema, and the job queue's,
// up to date.
func openStore(ctx context.Context, databaseURL string) (*store.Store, error) {
	st, err := store.Open(ctx, databaseURL)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	if err := jobs.Migrate(ctx, st); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// secretKey is ONAIR_SECRET_KEY, or the one generated on the first start
// and kept in the database, which every node reads alike. It signs the
// unsubscribe and tracking links and derives the watch links: changing it
// breaks every link already sent.
func secretKey(ctx context.Context, st *store.Store, cfg config) (string, error) {
	if cfg.SecretKey != "" {
		return cfg.SecretKey, nil
	}
	key, err := st.Setting(ctx, "secret_key", func() string { return onair.RandomString(32) })
	if err != nil {
		return "", fmt.Errorf("reading the secret key: %w", err)
	}
	return key, nil
}

// newEngine builds the delivery engine with the providers cfg names, and
// the outbox for a channel that has none.
func newEngine(st *store.Store, cfg config, clk clock, log *slog.Logger, workers bool, m *metrics.Metrics) (*jobs.Engine, func(), error) {
	email, sms, closeProviders, err := providers(st, cfg, clk.now)
	if err != nil {
		return nil, nil, err
	}
	sender := jobs.NewSender(jobs.SenderConfig{
		Email: email, SMS: sms, EmailRate: cfg.EmailRate, SMSRate: cfg.SMSRate,
		AppURL: cfg.AppURL, EmailFrom: cfg.EmailFrom, Concurrency: cfg.SMTPConns, Logger: log, Secret: cfg.SecretKey, Metrics: m, Now: clk.now,
	})
	// Every process that records facts shapes the webhooks that report them.
	st.SetHookViews(web.NewHookViews(cfg.AppURL, cfg.SecretKey))
	engine, err := jobs.New(jobs.Config{Store: st, Sender: sender, Logger: log, Now: clk.now, Jumps: clk.jumps,
		Workers: workers, OutboxDays: cfg.OutboxDays, Webhooks: webhook.Guard{AllowPrivate: cfg.WebhookAllowPrivate}})
	if err != nil {
		closeProviders()
		return nil, nil, err
	}
	log.Info("delivery", "email", email.Name(), "sms", sms.Name())
	return engine, closeProviders, nil
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, clk clock) error {
	c := newCommand("serve", "Runs the HTTP API and pages, the scheduler and the delivery workers.\nMigrates the database first.", getenv, "ONAIR_ADDR", "DATABASE_URL", "APP_URL")
	if help, err := c.parse(args, stdout, stderr); help || err != nil {
		return err
	}
	return serve(ctx, c.cfg, clk, stderr, nil, nil)
}

// serve runs onair until ctx ends, on ln (nil: it listens on cfg.Addr
// itself). seed, when given, fills the database once the workers run and
// before the server serves (onair demo).
func serve(ctx context.Context, cfg config, clk clock, stderr io.Writer, ln net.Listener, seed func(context.Context, *store.Store) error) error {
	log := newLogger(stderr)
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", cfg.Addr); err != nil {
			return fmt.Errorf("cannot listen on %s: %w", cfg.Addr, err)
		}
	}
	defer ln.Close()
	if cfg.PprofAddr != "" {
		stopPprof, err := startPprof(cfg.PprofAddr, log)
		if err != nil {
			return err
		}
		defer stopPprof()
	}

	st, err := openStore(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if cfg.SecretKey, err = secretKey(ctx, st, cfg); err != nil {
		return err
	}
	secret := cfg.SecretKey

	m := metrics.New()
	engine, closeProviders, err := newEngine(st, cfg, clk, log, true, m)
	if err != nil {
		return err
	}
	defer closeProviders()
	// A cancelled Start context stops River abruptly, cancelling jobs
	// mid-send; stopEngine stops it gracefully instead.
	if err := engine.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("starting the delivery workers: %w", err)
	}
	defer stopEngine(engine, log)
	if seed != nil {
		if err := seed(ctx, st); err != nil {
			return fmt.Errorf("filling the demo database: %w", err)
		}
	}

	srv := &http.Server{
		Handler: web.New(web.Config{Store: st, AppURL: cfg.AppURL, EmailFrom: cfg.EmailFrom, Logger: log, Now: clk.now,
			Sweep: engine.Sweep, CronSecret: cfg.CronSecret,
			TwilioAuthToken: cfg.TwilioAuthToken, MailgunSigningKey: cfg.MailgunSigningKey, Secret: secret, Metrics: m,
			RegisterLimit: cfg.RegisterLimit, TrustedProxies: cfg.TrustedProxies, SMSPolicy: &cfg.SMSPolicy,
			MetricsToken: cfg.MetricsToken, SignupClosed: cfg.Signup == "closed", SendNow: engine.SendNow,
			Webhooks: webhook.Guard{AllowPrivate: cfg.WebhookAllowPrivate}}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("onair listening", "addr", ln.Addr().String(), "database", string(st.Dialect()), "app_url", cfg.AppURL)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// stopEngine lets running jobs finish for a while, then cancels them (they
// are retried later, by this node or another).
func stopEngine(engine *jobs.Engine, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := engine.Stop(ctx); err != nil {
		log.Warn("stopping the delivery workers", "err", err)
	}
}

func runWorker(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, clk clock) error {
	c := newCommand("worker", "Runs the scheduler and delivery workers without HTTP: an extra node beside\n'onair serve' on the same PostgreSQL database.", getenv, "DATABASE_URL", "APP_URL")
	if help, err := c.parse(args, stdout, stderr); help || err != nil {
		return err
	}
	log := newLogger(stderr)
	if c.cfg.PprofAddr != "" {
		stopPprof, err := startPprof(c.cfg.PprofAddr, log)
		if err != nil {
			return err
		}
		defer stopPprof()
	}
	st, err := openStore(ctx, c.cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if c.cfg.SecretKey, err = secretKey(ctx, st, c.cfg); err != nil {
		return err
	}
	engine, closeProviders, err := newEngine(st, c.cfg, clk, log, true, nil)
	if err != nil {
		return err
	}
	defer closeProviders()
	// A cancelled Start context stops River abruptly, cancelling jobs
	// mid-send; stopEngine stops it gracefully instead.
	if err := engine.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("starting the delivery workers: %w", err)
	}
	log.Info("onair worker running", "database", string(st.Dialect()))
	<-ctx.Done()
	log.Info("shutting down")
	stopEngine(engine, log)
	return nil
}

func runSendDue(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, clk clock) error {
	c := newCommand("send-due", "Dispatches every notification that is due and sends every pending message,\nonce, then exits (what POST /api/cron/send-notifications does).", getenv, "DATABASE_URL", "APP_URL")
	if help, err := c.parse(args, stdout, stderr); help || err != nil {
		return err
	}
	log := newLogger(stderr)
	st, err := openStore(ctx, c.cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if c.cfg.SecretKey, err = secretKey(ctx, st, c.cfg); err != nil {
		return err
	}
	engine, closeProviders, err := newEngine(st, c.cfg, clk, log, false, nil)
	if err != nil {
		return err
	}
	defer closeProviders()
	n, err := engine.Sweep(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "processed %d messages\n", n)
	return nil
}

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c := newCommand("migrate", "Applies every database migration not yet applied, then exits.", getenv, "DATABASE_URL")
	if help, err := c.parse(args, stdout, stderr); help || err != nil {
		return err
	}
	st, err := openStore(ctx, c.cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(stdout, "database is up to date (%s)\n", st.Dialect())
	return nil
}

func runHostCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, clk clock) error {
	c := newCommand("host create", "Creates a host account and prints its API token on stdout.", getenv, "DATABASE_URL")
	email := c.fs.String("email", "", "the host's email (required)")
	password := c.fs.String("password", "", "the host's password, at least 8 characters (required)")
	if help, err := c.parse(args, stdout, stderr); help || err != nil {
		return err
	}
	if *email == "" || *password == "" {
		return usageError{"host create needs --email and --password"}
	}
	st, err := openStore(ctx, c.cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	host, err := accounts.SignUp(ctx, st, onair.Credentials{Email: *email, Password: *password}, clk.now().UTC())
	var ve *onair.ValidationError
	if errors.As(err, &ve) {
		return fmt.Errorf("cannot create the host: %s", ve.Error())
	}
	if err != nil {
		return fmt.Errorf("cannot create the host: %w", err)
	}
	token, err := accounts.NewToken(ctx, st, host.ID, clk.now().UTC())
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	return nil
}

func runVersion(args []string, stdout io.Writer) error {
	if len(args) > 0 && !isHelp(args[0]) {
		return usageError{"version takes no arguments"}
	}
	version, revision, built := "(devel)", "", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.time":
				built = s.Value
			}
		}
	}
	fmt.Fprintf(stdout, "onair %s\n", version)
	if revision != "" {
		fmt.Fprintf(stdout, "commit %s %s\n", revision, built)
	}
	fmt.Fprintf(stdout, "%s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}

// Package jobs runs onair's durable work: River jobs for the dispatch of
// each notification at its time and for the periodic housekeeping, and the
// pump (pump.go), which streams the pending deliveries of the store's send
// queue to the providers on every node. The store's rows are the truth
// about what was sent; a job or a pump only claims and records them, so
// running a job twice, or a sweep beside the pump, sends nothing twice.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/webhook"
)

// Tuning. River's defaults poll every second and let the scheduler look 5 s
// ahead; polling every 100 ms makes a reminder leave within a few hundred
// milliseconds of its time.
const (
	pollInterval = 100 * time.Millisecond
	// A job that runs longer is cancelled (and retried). Every job is
	// short: a dispatch step is one page, a send job one batch.
	jobTimeout = 30 * time.Second
	// A job still "running" this long after it started belongs to a dead
	// node and is rescued (retried) by the leader.
	rescueAfter = 60 * time.Second
	// sweepEvery is how often the leader looks for stranded work.
	sweepEvery = 30 * time.Second

	// pageSize is how many registrants one dispatch step gives a
	// delivery, in one statement.
	pageSize = 20_000
	// firstPageSize is the first step's: small, so that the first
	// messages leave while the rest is fanned out.
	firstPageSize = 1000
	// maxDeliveryAttempts: a delivery that failed transiently this often
	// (with backoff between tries) fails for good.
	maxDeliveryAttempts = 15
)

// Config is what the engine needs.
type Config struct {
	Store  *store.Store
	Sender *Sender
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Jumps receives when Now moves ahead by more than its own ticking (a
	// test driving the clock); the workers then do at once what fell due,
	// as they do at start. Nil in production, where time only ticks.
	Jumps <-chan struct{}
	// Workers is false for a process that only enqueues (onair send-due).
	Workers bool
	// OutboxDays is how long outbox entries are kept (ONAIR_OUTBOX_DAYS);
	// 0 keeps them.
	OutboxDays int
	// Webhooks says which addresses outgoing webhooks may reach.
	Webhooks webhook.Guard
}

// Engine is the durable queue with onair's workers.
type Engine struct {
	workers bool
	lock    *os.File // on SQLite, held while this process runs the workers
	store   *store.Store
	sender  *Sender
	log     *slog.Logger
	now     func() time.Time
	jumps   <-chan struct{}
	// client inserts jobs, in the store's transactions (database/sql).
	client *river.Client[*sql.Tx]
	// runner fetches and works the jobs: client itself on SQLite; on
	// PostgreSQL a client on River's native pgx driver, which hears of new
	// jobs through LISTEN/NOTIFY (client's inserts notify in their
	// transaction) instead of polling for them, on a pool of its own.
	runner interface {
		Start(context.Context) error
		Stop(context.Context) error
		StopAndCancel(context.Context) error
	}
	pool *pgxpool.Pool
	// outboxDays is Config.OutboxDays.
	outboxDays int
	// owner names this process's claims of deliveries.
	owner string
	// wake tells the pump that deliveries were created in this process;
	// hookWake, the webhook sender that webhook deliveries were.
	wake, hookWake chan struct{}
	// hookClient sends the webhooks.
	hookClient *http.Client
	// stopPump ends the pump's claiming, stopSends its sending; pumpDone
	// is closed when the pump and its heartbeat have ended.
	stopPump, stopSends context.CancelFunc
	pumpDone            chan struct{}
}

func driver(st *store.Store) riverdriver.Driver[*sql.Tx] {
	if st.Dialect() == store.SQLite {
		return riversqlite.New(st.DB())
	}
	return riverdatabasesql.New(st.DB())
}

// Migrate brings River's own tables up to date.
func Migrate(ctx context.Context, st *store.Store) error {
	m, err := rivermigrate.New(driver(st), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrating the job queue: %w", err)
	}
	return nil
}

// New builds the engine and makes it the store's enqueuer.
func New(cfg Config) (*Engine, error) {
	e := &Engine{store: cfg.Store, sender: cfg.Sender, log: cfg.Logger, now: cfg.Now, jumps: cfg.Jumps, workers: cfg.Workers,
		outboxDays: cfg.OutboxDays, owner: workerOwnerPrefix + onair.RandomString(12), wake: make(chan struct{}, 1),
		hookWake: make(chan struct{}, 1), hookClient: cfg.Webhooks.Client()}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.now == nil {
		e.now = time.Now
	}
	rc := &river.Config{
		Logger:               e.log.With("component", "river"),
		FetchPollInterval:    pollInterval,
		FetchCooldown:        20 * time.Millisecond,
		JobTimeout:           jobTimeout,
		RescueStuckJobsAfter: rescueAfter,
		MaxAttempts:          20,
		PollOnly:             true, // LISTEN/NOTIFY is not there on SQLite or through database/sql
	}
	native := cfg.Workers && cfg.Store.Dialect() == store.Postgres
	if cfg.Workers {
		e.addWorkers(rc)
	} else {
		rc.SkipUnknownJobCheck = true
	}
	if native {
		pool, err := pgxpool.New(context.Background(), cfg.Store.PostgresURL())
		if err != nil {
			return nil, fmt.Errorf("the job queue's connections: %w", err)
		}
		wc := *rc
		wc.PollOnly = false
		runner, err := river.NewClient(riverpgxv5.New(pool), &wc)
		if err != nil {
			pool.Close()
			return nil, err
		}
		e.pool, e.runner = pool, runner
		// The inserting client works nothing.
		rc = &river.Config{Logger: rc.Logger, SkipUnknownJobCheck: true, MaxAttempts: rc.MaxAttempts}
	}
	client, err := river.NewClient(driver(cfg.Store), rc)
	if err != nil {
		if e.pool != nil {
			e.pool.Close()
		}
		return nil, err
	}
	e.client = client
	if e.runner == nil {
		e.runner = client
	}
	cfg.Store.SetEnqueuer(e)
	return e, nil
}

// addWorkers gives rc the engine's workers, their queues and the
// periodic jobs.
func (e *Engine) addWorkers(rc *river.Config) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &dispatchWorker{e: e})
	river.AddWorker(workers, &sweepWorker{e: e})
	river.AddWorker(workers, &retentionWorker{e: e})
	river.AddWorker(workers, &outboxPruneWorker{e: e})
	river.AddWorker(workers, &autoEndWorker{e: e})
	rc.Workers = workers
	rc.Queues = map[string]river.QueueConfig{
		// The periodic jobs, every 30 s at most often: looking for them
		// every second is plenty.
		river.QueueDefault: {MaxWorkers: 1, FetchPollInterval: time.Second},
		queueDispatch:      {MaxWorkers: 4},
	}
	periodic := func(every time.Duration, id string, args river.JobArgs) *river.PeriodicJob {
		return river.NewPeriodicJob(river.PeriodicInterval(every),
			func() (river.JobArgs, *river.InsertOpts) { return args, nil },
			&river.PeriodicJobOpts{ID: id, RunOnStart: true})
	}
	rc.PeriodicJobs = []*river.PeriodicJob{
		periodic(sweepEvery, "sweep", sweepArgs{}),
		periodic(retentionEvery, "retention", retentionArgs{}),
		periodic(outboxPruneEvery, "outbox_prune", outboxPruneArgs{}),
		periodic(autoEndEvery, "auto_end", autoEndArgs{}),
	}
}

// Start runs the workers until ctx ends or Stop is called (cancelling ctx
// stops them abruptly; Stop lets running jobs finish). On SQLite, where
// one process owns the database, jobs left "running" can only belong to a
// process that died: they are made available at once instead of waiting for
// the rescuer.
func (e *Engine) Start(ctx context.Context) error {
	if e.store.Dialect() == store.SQLite && e.workers {
		// One process runs the workers of a SQLite database: another would
		// take this one's running jobs for orphans. The lock is the
		// kernel's, so it goes with the process, however it ends.
		f, err := os.OpenFile(e.store.SQLitePath()+".workers.lock", os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			return err
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			return fmt.Errorf("another onair process already runs the delivery workers on %s; SQLite takes one node (use PostgreSQL for several)", e.store.SQLitePath())
		}
		e.lock = f
		if err := e.store.RequeueOrphanedJobs(ctx); err != nil {
			return fmt.Errorf("requeueing interrupted jobs: %w", err)
		}
		// What the worker process before this one had claimed and not
		// recorded: it died with them.
		if n, err := e.store.ReleaseClaimsOf(ctx, workerOwnerPrefix); err != nil {
			return fmt.Errorf("releasing interrupted deliveries: %w", err)
		} else if n > 0 {
			e.log.Warn("deliveries in flight when onair last stopped are sent again; a few may arrive twice", "count", n)
		}
	}
	// Whatever fell due while no node ran goes out now, not when River's
	// scheduler first looks (seconds later, after a leader is elected).
	if err := e.dispatchDue(ctx); err != nil {
		return err
	}
	if e.workers {
		// Earlier versions queued a send job per batch of deliveries; the
		// pump sends every pending delivery, and such jobs have nothing
		// left to do.
		if _, err := e.store.DB().ExecContext(ctx, `DELETE FROM river_job WHERE kind = 'onair_send'`); err != nil {
			return fmt.Errorf("clearing the send jobs of an earlier version: %w", err)
		}
	}
	if err := e.runner.Start(ctx); err != nil {
		return err
	}
	if e.workers {
		pumpCtx, stopPump := context.WithCancel(ctx)
		sendCtx, stopSends := context.WithCancel(context.WithoutCancel(ctx))
		e.stopPump, e.stopSends, e.pumpDone = stopPump, stopSends, make(chan struct{})
		go func() {
			defer close(e.pumpDone)
			alive := e.heartbeat(pumpCtx, e.owner, true)
			jumped := e.followJumps(pumpCtx)
			hooked := newHookSender(e, e.hookClient).run(pumpCtx, sendCtx)
			if _, err := e.runPump(pumpCtx, sendCtx, e.owner, false, e.wake); err != nil {
				e.log.Error("the delivery pump stopped", "err", err)
			}
			<-alive
			<-jumped
			<-hooked
		}()
	}
	return nil
}

// followJumps, until ctx ends, dispatches what fell due each time the
// clock jumps ahead, and wakes the pump for what became due to send (a
// retry's time, say). River's scheduler, on the wall clock, would only
// come to it at the wall time the job was scheduled for. The returned
// channel is closed when it has ended.
func (e *Engine) followJumps(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	if e.jumps == nil {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-e.jumps:
			}
			if err := e.dispatchDue(ctx); err != nil && ctx.Err() == nil {
				e.log.Warn("dispatching what fell due failed", "err", err)
			}
			e.DeliveriesReady()
			e.HooksReady()
		}
	}()
	return done
}

// SendNow sends m at once through the providers (Sender.SendNow).
func (e *Engine) SendNow(ctx context.Context, m notify.Message) (string, error) {
	return e.sender.SendNow(ctx, m)
}

// DeliveriesReady wakes the pump: deliveries were created.
func (e *Engine) DeliveriesReady() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Stop stops taking work and waits for running jobs, up to ctx's deadline,
// then cancels them; a cancelled job is retried later, and a batch it had
// claimed is taken up again by that retry.
func (e *Engine) Stop(ctx context.Context) error {
	if e.lock != nil {
		defer e.lock.Close() // releases the lock
	}
	if e.pumpDone != nil {
		// Stop claiming; the messages being sent finish and are recorded,
		// the rest is handed back. Past ctx's deadline, sending is cut.
		e.stopPump()
		select {
		case <-e.pumpDone:
		case <-ctx.Done():
			e.stopSends()
			select {
			case <-e.pumpDone:
			case <-time.After(5 * time.Second):
			}
		}
		e.stopSends()
	}
	if e.pool != nil {
		defer e.pool.Close()
	}
	err := e.runner.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		hard, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return e.runner.StopAndCancel(hard)
	}
	return err
}

// Queue names.
const (
	queueDispatch = "dispatch"
)

// schedulerLookahead is how far ahead River's scheduler (every 5 s, on the
// leader) makes scheduled jobs available. A job due sooner than that could
// wait for the next pass; such a job is queued at once instead, and its
// worker snoozes until the time comes.
const schedulerLookahead = 5 * time.Second

// EnqueueDispatch schedules n's dispatch at its time, once per notification
// and version.
func (e *Engine) EnqueueDispatch(ctx context.Context, tx *sql.Tx, n onair.Notification) error {
	opts := &river.InsertOpts{Queue: queueDispatch, UniqueOpts: river.UniqueOpts{ByArgs: true}}
	// River tells the time by the wall clock: the job is scheduled for
	// the wall time at which e.now reaches n's time (the same time, but
	// for a clock that a test moves).
	if wait := n.ScheduledTime.Sub(e.now()); wait > schedulerLookahead {
		opts.ScheduledAt = time.Now().Add(wait)
	}
	_, err := e.client.InsertTx(ctx, tx, dispatchArgs{NotificationID: n.ID, Version: n.EventVersion}, opts)
	return err
}

// ForgetDispatch removes the dispatch jobs of notificationIDs still
// waiting in the queue (not one that runs: it finds its notification gone,
// and ends). River keeps a job's args as JSON: jsonb on PostgreSQL, SQLite's
// JSONB, each read with its engine's operator.
func (e *Engine) ForgetDispatch(ctx context.Context, tx *sql.Tx, notificationIDs []string) error {
	notification := `args->>'notification_id'`
	if e.store.Dialect() == store.SQLite {
		notification = `json_extract(args, '$.notification_id')`
	}
	for start := 0; start < len(notificationIDs); start += 500 {
		ids := notificationIDs[start:min(start+500, len(notificationIDs))]
		args := []any{dispatchArgs{}.Kind()}
		marks := make([]string, len(ids))
		for i, id := range ids {
			args = append(args, id)
			marks[i] = fmt.Sprintf("$%d", i+2)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM river_job WHERE kind = $1
			AND state IN ('available', 'pending', 'retryable', 'scheduled')
			AND `+notification+` IN (`+strings.Join(marks, ", ")+`)`, args...); err != nil {
			return err
		}
	}
	return nil
}

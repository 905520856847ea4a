package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
)

// sweepTimeout bounds one Sweep.
const sweepTimeout = 5 * time.Minute

// dispatchArgs: fan a notification out to its registrants.
type dispatchArgs struct {
	NotificationID string `json:"notification_id"`
	Version        int    `json:"version"`
}

func (dispatchArgs) Kind() string { return "onair_dispatch" }

type dispatchWorker struct {
	river.WorkerDefaults[dispatchArgs]
	e *Engine
}

// Work takes dispatch steps for a while; a fan-out too large for one run
// snoozes and goes on where it stopped.
func (w *dispatchWorker) Work(ctx context.Context, job *river.Job[dispatchArgs]) error {
	deadline := time.Now().Add(jobTimeout / 2)
	for page := firstPageSize; ; page = pageSize {
		_, more, wait, err := w.e.store.DispatchStep(ctx, job.Args.NotificationID, job.Args.Version, w.e.now(), page)
		if errors.Is(err, onair.ErrNotFound) {
			return nil // deleted with its event: nothing to send, nothing to retry
		}
		if wait > 0 {
			// Queued early (see EnqueueDispatch): River makes a job
			// snoozed for less than its scheduler's interval available at
			// once, to be fetched when its time comes.
			return river.JobSnooze(wait)
		}
		if err != nil || !more {
			return err
		}
		if time.Now().After(deadline) {
			return river.JobSnooze(time.Millisecond)
		}
	}
}

// record writes outcomes, trying again for a while when the database is
// busy or a transaction is aborted: a failure here would make the retry of
// the job send again what was already sent. It records even when ctx has
// ended (a stop in the middle of a group) for the same reason.
func (e *Engine) record(ctx context.Context, owner string, outcomes []store.Outcome) error {
	ctx = context.WithoutCancel(ctx)
	var err error
	for attempt := range 6 {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt*attempt) * 200 * time.Millisecond)
		}
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err = e.store.RecordOutcomes(rctx, owner, outcomes, e.now())
		cancel()
		if err == nil {
			return nil
		}
		e.log.Warn("recording outcomes failed; trying again", "owner", owner, "err", err)
	}
	return fmt.Errorf("recording %d outcomes: %w", len(outcomes), err)
}

// sweepArgs: the leader's periodic look for stranded work.
type sweepArgs struct{}

func (sweepArgs) Kind() string { return "onair_sweep" }

type sweepWorker struct {
	river.WorkerDefaults[sweepArgs]
	e *Engine
}

func (w *sweepWorker) Work(ctx context.Context, job *river.Job[sweepArgs]) error {
	return w.e.requeueStranded(ctx)
}

// requeueStranded queues again what no job is doing: notifications due
// whose dispatch job is gone, and deliveries still claimed by an owner that
// is no node (a send job of an earlier version) long after it must have
// died. Pending deliveries need nothing: the pumps take them.
func (e *Engine) requeueStranded(ctx context.Context) error {
	now := e.now()
	due, err := e.store.DueNotifications(ctx, now.Add(-sweepEvery), 500)
	if err != nil {
		return err
	}
	for _, n := range due {
		if _, err := e.client.Insert(ctx, dispatchArgs{NotificationID: n.ID, Version: n.EventVersion},
			&river.InsertOpts{Queue: queueDispatch, UniqueOpts: river.UniqueOpts{ByArgs: true}}); err != nil {
			return err
		}
	}
	// A claim of an owner that is no node (a send job of an earlier
	// version) is dead when no job or sweep can hold one this long (jobs
	// end within jobTimeout, sweeps within sweepTimeout).
	if n, err := e.store.ReleaseStaleClaims(ctx, now.Add(-30*time.Minute)); err != nil {
		return err
	} else if n > 0 {
		e.log.Warn("released deliveries whose sender died; they may be sent twice", "count", n)
	}
	_, err = e.store.PruneRateLimits(ctx, now)
	return err
}

// Sweep does now, in this process, whatever is due: it dispatches every
// notification whose time has come and sends every pending delivery. It is
// the cron endpoint and `onair send-due`. Any number of sweeps may run at
// once, beside the workers: each delivery is claimed by one of them only.
// It returns how many messages it handled.
func (e *Engine) Sweep(ctx context.Context) (int, error) {
	// A deadline well under the 30 minutes after which a claim is taken to
	// be dead; it also lets the rate limit hand back what cannot go in time.
	ctx, cancel := context.WithTimeout(ctx, sweepTimeout)
	defer cancel()
	if err := e.dispatchDue(ctx); err != nil {
		return 0, err
	}
	owner := "sweep:" + onair.RandomString(12)
	// Another node releases the claims of a sweep whose heart stops.
	beat, stop := context.WithCancel(ctx)
	alive := e.heartbeat(beat, owner, false)
	n, err := e.runPump(ctx, ctx, owner, true, nil)
	stop()
	<-alive
	newHookSender(e, e.hookClient).drain(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return n, nil // the rest is for the next sweep or the workers
	}
	return n, err
}

// dispatchDue ends the events overdue for it (endOverdue) and dispatches,
// here and now, every notification whose time has come. At start it saves the wait for River's scheduler; a dispatch job
// that runs afterwards finds the work done.
func (e *Engine) dispatchDue(ctx context.Context) error {
	now := e.now()
	// An event left live too long ends first, so that follow-ups due at
	// its end go out in this same pass.
	if err := e.endOverdue(ctx, now); err != nil {
		return err
	}
	due, err := e.store.DueNotifications(ctx, now, 1000)
	if err != nil {
		return err
	}
	for _, n := range due {
		for page := firstPageSize; ; page = pageSize {
			_, more, _, err := e.store.DispatchStep(ctx, n.ID, 0, now, page)
			if errors.Is(err, onair.ErrNotFound) {
				break // deleted with its event since it was listed
			}
			if err != nil {
				return fmt.Errorf("dispatching notification %s: %w", n.ID, err)
			}
			if !more {
				break
			}
		}
	}
	return nil
}

var _ store.Enqueuer = (*Engine)(nil)

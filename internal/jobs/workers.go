package jobs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
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
	for {
		_, more, wait, err := w.e.store.DispatchStep(ctx, job.Args.NotificationID, job.Args.Version, w.e.now(), pageSize, batchSize)
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

// sendArgs: send a batch of deliveries.
type sendArgs struct {
	DeliveryIDs []int64 `json:"delivery_ids"`
}

func (sendArgs) Kind() string { return "onair_send" }

type sendWorker struct {
	river.WorkerDefaults[sendArgs]
	e *Engine
}

func (w *sendWorker) Work(ctx context.Context, job *river.Job[sendArgs]) error {
	owner := "job:" + strconv.FormatInt(job.ID, 10)
	_, retryIn, err := w.e.sendBatch(ctx, owner, job.Args.DeliveryIDs)
	if err != nil {
		return err
	}
	if retryIn > 0 {
		// Some deliveries failed transiently; they are pending again, and
		// this job tries them after the provider's wait (or River's backoff).
		return river.JobSnooze(retryIn)
	}
	return nil
}

// sendBatch claims, sends and records a batch of deliveries as owner. It
// returns how many messages it sent or failed for good, and how long to wait
// before retrying the deliveries that failed transiently (0 when none did). Messages go out in groups of the
// sender's concurrency, each group recorded as soon as it is done: a crash
// can re-send only the group in flight, never what was already recorded.
func (e *Engine) sendBatch(ctx context.Context, owner string, ids []int64) (handled int, retryIn time.Duration, err error) {
	items, err := e.store.ClaimDeliveries(ctx, ids, owner, e.now())
	if err != nil || len(items) == 0 {
		return 0, 0, err
	}
	release := func(rest []store.SendItem) error {
		var ids []int64
		for _, it := range rest {
			ids = append(ids, it.Delivery.ID)
		}
		releaseCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		return e.store.ReleaseClaims(releaseCtx, owner, ids)
	}
	for start := 0; start < len(items); start += e.sender.concurrency {
		group := items[start:min(start+e.sender.concurrency, len(items))]
		if ctx.Err() != nil {
			// Stopping: hand back what was claimed and not sent.
			return handled, 0, errors.Join(ctx.Err(), release(items[start:]))
		}
		// A channel's rate limit (SMS above all) is shared by every worker
		// of the process: rather than wait past the job's deadline, hand
		// the rest back and come again when the limit allows.
		if deadline, ok := ctx.Deadline(); ok {
			if wait := e.sender.RateDelay(group); time.Now().Add(wait).After(deadline.Add(-5 * time.Second)) {
				return handled, max(wait, time.Second), release(items[start:])
			}
		}
		outcomes, wait := e.sender.Send(ctx, group)
		retryIn = max(retryIn, wait)
		if err := e.record(ctx, owner, outcomes); err != nil {
			return handled, 0, err
		}
		for _, o := range outcomes {
			if o.Status != onair.DeliveryPending {
				handled++
			}
		}
	}
	return handled, retryIn, nil
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
// whose dispatch job is gone, and deliveries left pending (their send job
// gave up or was lost) or claimed by a sweep that died.
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
	// No job or sweep holds a claim this long (jobs end within jobTimeout,
	// sweeps within sweepTimeout): its sender is gone for good.
	if n, err := e.store.ReleaseStaleClaims(ctx, now.Add(-30*time.Minute)); err != nil {
		return err
	} else if n > 0 {
		e.log.Warn("released deliveries whose sender died; they may be sent twice", "count", n)
	}
	if _, err := e.store.PruneRateLimits(ctx, now); err != nil {
		return err
	}
	ids, err := e.store.PendingDeliveries(ctx, now.Add(-2*time.Minute), 5000)
	if err != nil {
		return err
	}
	for start := 0; start < len(ids); start += batchSize {
		if _, err := e.client.Insert(ctx, sendArgs{DeliveryIDs: ids[start:min(start+batchSize, len(ids))]},
			&river.InsertOpts{Queue: queueSend}); err != nil {
			return err
		}
	}
	return nil
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
	owner := "sweep:" + onair.RandomString(9)
	processed := 0
	seen := map[int64]bool{}
	for {
		ids, err := e.store.PendingDeliveries(ctx, e.now(), batchSize)
		if err != nil {
			return processed, err
		}
		// A delivery that failed transiently is pending again: it stays for
		// the workers' retries, not for another round here.
		fresh := ids[:0]
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				fresh = append(fresh, id)
			}
		}
		if len(fresh) == 0 {
			return processed, nil
		}
		n, _, err := e.sendBatch(ctx, owner, fresh)
		processed += n
		if errors.Is(err, context.DeadlineExceeded) {
			return processed, nil // the rest is for the next sweep or the workers
		}
		if err != nil {
			return processed, err
		}
	}
}

// dispatchDue dispatches, here and now, every notification whose time has
// come. At start it saves the wait for River's scheduler; a dispatch job
// that runs afterwards finds the work done.
func (e *Engine) dispatchDue(ctx context.Context) error {
	now := e.now()
	due, err := e.store.DueNotifications(ctx, now, 1000)
	if err != nil {
		return err
	}
	for _, n := range due {
		for {
			_, more, _, err := e.store.DispatchStep(ctx, n.ID, 0, now, pageSize, batchSize)
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

package jobs

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
)

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
	retryIn, err := w.e.sendBatch(ctx, owner, job.Args.DeliveryIDs)
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
// returns how long to wait before retrying the deliveries that failed
// transiently, or 0 when none did.
func (e *Engine) sendBatch(ctx context.Context, owner string, ids []int64) (time.Duration, error) {
	items, err := e.store.ClaimDeliveries(ctx, ids, owner, e.now())
	if err != nil || len(items) == 0 {
		return 0, err
	}
	outcomes, retryIn := e.sender.Send(ctx, items)
	// Record even when ctx has ended (a stop in the middle of a batch):
	// what was handed to the provider must not be sent again.
	recordCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := e.store.RecordOutcomes(recordCtx, owner, outcomes, e.now()); err != nil {
		return 0, fmt.Errorf("recording %d outcomes: %w", len(outcomes), err)
	}
	return retryIn, ctx.Err()
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
	if err := e.store.ReleaseSweepClaims(ctx, now.Add(-10*time.Minute)); err != nil {
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
	now := e.now()
	due, err := e.store.DueNotifications(ctx, now, 1000)
	if err != nil {
		return 0, err
	}
	for _, n := range due {
		for {
			_, more, _, err := e.store.DispatchStep(ctx, n.ID, 0, now, pageSize, batchSize)
			if err != nil {
				return 0, fmt.Errorf("dispatching notification %s: %w", n.ID, err)
			}
			if !more {
				break
			}
		}
	}
	owner := "sweep:" + onair.RandomString(9)
	processed := 0
	for {
		ids, err := e.store.PendingDeliveries(ctx, e.now(), batchSize)
		if err != nil || len(ids) == 0 {
			return processed, err
		}
		items, err := e.store.ClaimDeliveries(ctx, ids, owner, e.now())
		if err != nil {
			return processed, err
		}
		if len(items) == 0 {
			continue // claimed by others meanwhile, or skipped: look again
		}
		outcomes, _ := e.sender.Send(ctx, items)
		if err := e.store.RecordOutcomes(context.WithoutCancel(ctx), owner, outcomes, e.now()); err != nil {
			return processed, err
		}
		processed += len(outcomes)
		for _, o := range outcomes {
			if o.Status == onair.DeliveryPending {
				// Transient failures stay for the workers' retries; do not
				// spin on them here.
				return processed, nil
			}
		}
	}
}

var _ store.Enqueuer = (*Engine)(nil)

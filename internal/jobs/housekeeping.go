package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// How often the leader erases expired personal data and prunes the outbox.
// Each also runs when a leader starts, so a node restarted every night
// still does both.
const (
	retentionEvery   = 24 * time.Hour
	outboxPruneEvery = time.Hour
	// autoEndEvery is how often the leader ends the events left live
	// onair.AutoEndAfter past their end (a clock that jumps, in tests,
	// ends them at once: see dispatchDue).
	autoEndEvery = time.Minute
)

// retentionArgs: erase the personal data of registrants of events over
// for longer than their host's retention_days.
type retentionArgs struct{}

func (retentionArgs) Kind() string { return "onair_retention" }

type retentionWorker struct {
	river.WorkerDefaults[retentionArgs]
	e *Engine
}

func (w *retentionWorker) Work(ctx context.Context, job *river.Job[retentionArgs]) error {
	n, err := w.e.store.EraseExpired(ctx, w.e.now())
	if n > 0 {
		w.e.log.Info("erased the personal data of registrants past their host's retention", "registrations", n)
	}
	return err
}

// outboxPruneArgs: delete the outbox entries older than ONAIR_OUTBOX_DAYS.
type outboxPruneArgs struct{}

func (outboxPruneArgs) Kind() string { return "onair_outbox_prune" }

type outboxPruneWorker struct {
	river.WorkerDefaults[outboxPruneArgs]
	e *Engine
}

func (w *outboxPruneWorker) Work(ctx context.Context, job *river.Job[outboxPruneArgs]) error {
	if w.e.outboxDays <= 0 {
		return nil
	}
	n, err := w.e.store.PruneOutbox(ctx, w.e.now().Add(-time.Duration(w.e.outboxDays)*24*time.Hour))
	if n > 0 {
		w.e.log.Info("pruned old outbox entries", "entries", n, "days", w.e.outboxDays)
	}
	return err
}

// autoEndArgs: end the events still live long after their scheduled end.
type autoEndArgs struct{}

func (autoEndArgs) Kind() string { return "onair_auto_end" }

type autoEndWorker struct {
	river.WorkerDefaults[autoEndArgs]
	e *Engine
}

func (w *autoEndWorker) Work(ctx context.Context, job *river.Job[autoEndArgs]) error {
	return w.e.endOverdue(ctx, w.e.now())
}

// endOverdue ends, at now, every event still live onair.AutoEndAfter after
// its scheduled end, which plans its follow-ups as the host's End does.
func (e *Engine) endOverdue(ctx context.Context, now time.Time) error {
	n, err := e.store.EndOverdueEvents(ctx, now)
	if n > 0 {
		e.log.Info("ended events still live long after their scheduled end", "events", n)
	}
	return err
}

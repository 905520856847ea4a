package jobs

import (
	"context"
	"time"
)

// heartbeat says, until ctx ends, that owner is alive; with release, it
// also hands back what dead nodes had claimed. The returned channel is
// closed when it has ended.
func (e *Engine) heartbeat(ctx context.Context, owner string, release bool) <-chan struct{} {
	done := make(chan struct{})
	var last time.Time
	beat := func() {
		// Each beat a new value, even on a clock that stands still or
		// steps back: the others see the node alive by its changing.
		// The store keeps microseconds.
		at := e.now().Truncate(time.Microsecond)
		if !at.After(last) {
			at = last.Add(time.Microsecond)
		}
		last = at
		if err := e.store.NodeAlive(ctx, owner, last); err != nil && ctx.Err() == nil {
			e.log.Warn("the node's heartbeat failed", "err", err)
		}
	}
	beat()
	go func() {
		defer close(done)
		t := time.NewTicker(nodeHeartbeat)
		defer t.Stop()
		var watch nodeWatch
		for i := 1; ; i++ {
			select {
			case <-ctx.Done():
				leave, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				defer cancel()
				e.store.LeaveNode(leave, owner)
				return
			case <-t.C:
			}
			beat()
			if release && i%3 == 0 {
				e.releaseDead(ctx, &watch)
			}
		}
	}()
	return done
}

// releaseDead hands back what the nodes silent for nodeDeadAfter had
// claimed.
func (e *Engine) releaseDead(ctx context.Context, watch *nodeWatch) {
	beats, err := e.store.Heartbeats(ctx)
	if err == nil {
		var n int
		if silent := watch.silent(beats, time.Now()); len(silent) > 0 {
			n, err = e.store.ReleaseNodes(ctx, silent)
		}
		if n > 0 {
			e.log.Warn("a node stopped with deliveries in flight; they are sent again, and a few may arrive twice", "count", n)
		}
	}
	if err != nil && ctx.Err() == nil {
		e.log.Warn("releasing the deliveries of dead nodes failed", "err", err)
	}
}

// nodeWatch tells the nodes that have stopped beating. A node is silent
// when its heartbeat has not changed for nodeDeadAfter of this process's
// own elapsed time: the time a heartbeat names is only compared with the
// same node's earlier ones, so the clock of another machine, or a clock
// that jumps (a host's after a suspend, a test's), never makes a live
// node look dead.
type nodeWatch struct {
	seen map[string]nodeSeen
}

// nodeSeen is a node's heartbeat as last read, and when it was first
// read with that value.
type nodeSeen struct {
	beat  time.Time
	since time.Time
}

// silent takes the heartbeats read at now (of the monotonic wall clock)
// and returns those of the nodes silent for nodeDeadAfter, with the
// heartbeat each was last seen with.
func (w *nodeWatch) silent(beats map[string]time.Time, now time.Time) map[string]time.Time {
	seen := make(map[string]nodeSeen, len(beats))
	silent := map[string]time.Time{}
	for id, beat := range beats {
		s, ok := w.seen[id]
		if !ok || !s.beat.Equal(beat) {
			s = nodeSeen{beat: beat, since: now}
		}
		seen[id] = s
		if now.Sub(s.since) >= nodeDeadAfter {
			silent[id] = beat
		}
	}
	w.seen = seen
	return silent
}

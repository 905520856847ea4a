package store

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// Registrations are many small writes that each want their own commit: on
// SQLite an fsync (synchronous=FULL), on PostgreSQL an fsync and the lock of
// their event's row to the end. The group committer pays those once for many:
// one goroutine per store takes every registration waiting, runs them in one
// transaction and answers each caller once that transaction has committed.
// It waits for nobody: a batch is what arrived while the previous one ran.

// maxBatch bounds the registrations of one transaction.
const maxBatch = 500

// batchTimeout bounds one batch's transaction on PostgreSQL, across the
// network. Once a batch has begun its callers wait for its answer, whatever
// their own contexts say: the answer is what happened. On SQLite a batch
// takes no deadline: the busy timeout bounds its wait for the file, and a
// context that can end costs the driver a goroutine for every statement.
const batchTimeout = 30 * time.Second

// ErrClosed answers a registration that reaches a closed store.
var ErrClosed = fmt.Errorf("%w: the database is closed", onair.ErrInternal)

// The states of a request: waiting, taken into a batch, or ended without
// running (answered with its context's error, or given up by its caller).
const (
	requestQueued int32 = iota
	requestRunning
	requestDropped
)

// registerRequest is one caller's registration on its way through the
// group committer.
type registerRequest struct {
	ctx context.Context
	// against is the event reg was validated against, if the caller says
	// (RegisterAgainst).
	against *onair.Event
	reg     onair.Registration
	now     time.Time
	limits  []Limit
	state   atomic.Int32
	answer  chan registerResult // buffered: the committer never waits for a caller
}

type registerResult struct {
	ev  onair.Event
	reg onair.Registration // as stored: registered or waitlisted, with its place
	err error
}

// groupCommitter queues registrations for the store's committing goroutine.
type groupCommitter struct {
	mu      sync.Mutex
	cond    sync.Cond
	waiting []*registerRequest
	closed  bool
	stopped chan struct{}
}

// startCommitter starts the goroutine that commits s's registrations; Close
// stops it.
func (s *Store) startCommitter() {
	c := &groupCommitter{stopped: make(chan struct{})}
	c.cond.L = &c.mu
	s.committer = c
	go s.commitLoop(c)
}

// submit queues req, or says that the store is closed.
func (c *groupCommitter) submit(req *registerRequest) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	c.waiting = append(c.waiting, req)
	c.cond.Signal()
	return nil
}

// stop refuses every further request, lets the goroutine commit what was
// already queued, and waits for it to end.
func (c *groupCommitter) stop() {
	c.mu.Lock()
	c.closed = true
	c.cond.Signal()
	c.mu.Unlock()
	<-c.stopped
}

// next waits for requests and takes up to maxBatch of them, oldest first;
// none once the committer is closed and everything queued has been taken.
func (c *groupCommitter) next() []*registerRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.waiting) == 0 && !c.closed {
		c.cond.Wait()
	}
	n := min(len(c.waiting), maxBatch)
	batch := make([]*registerRequest, n)
	copy(batch, c.waiting)
	rest := copy(c.waiting, c.waiting[n:])
	clear(c.waiting[rest:])
	c.waiting = c.waiting[:rest]
	return batch
}

func (s *Store) commitLoop(c *groupCommitter) {
	defer close(c.stopped)
	for {
		waiting := c.next()
		if len(waiting) == 0 {
			s.closeStatements()
			return
		}
		batch := waiting[:0]
		for _, req := range waiting {
			if req.claim() {
				batch = append(batch, req)
			}
		}
		if len(batch) > 0 {
			s.commitRegistrations(batch)
			// Let the callers just answered run: those that register again at
			// once then join the next batch instead of waiting for the one
			// after it.
			runtime.Gosched()
		}
	}
}

// claim takes req into a batch, unless its caller's context ended first:
// then it is answered with the context's error and not run.
func (req *registerRequest) claim() bool {
	if err := req.ctx.Err(); err != nil {
		if req.state.CompareAndSwap(requestQueued, requestDropped) {
			req.answer <- registerResult{err: err}
		}
		return false
	}
	return req.state.CompareAndSwap(requestQueued, requestRunning)
}

// commitRegistrations runs reqs in one transaction and answers each after
// the commit. A batch that fails is split in halves that run apart, down
// to each request alone, so that one request the database refuses (text
// PostgreSQL cannot store, say) fails alone and costs the others a few
// transactions, not one each.
func (s *Store) commitRegistrations(reqs []*registerRequest) {
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if s.dialect == Postgres {
		ctx, cancel = context.WithTimeout(ctx, batchTimeout)
	}
	results, err := s.registerBatch(ctx, reqs)
	cancel()
	switch {
	case err == nil:
		if s.checkpoints != nil {
			s.checkpoints.nudge()
		}
		for i, req := range reqs {
			req.answer <- results[i]
		}
	case len(reqs) == 1:
		reqs[0].answer <- registerResult{err: err}
	default:
		half := len(reqs) / 2
		s.commitRegistrations(reqs[:half])
		s.commitRegistrations(reqs[half:])
	}
}

// wait is the caller's side: the answer, or the context's error if the
// context ends before a batch takes req. Once taken, req completes and its
// answer is awaited.
func (req *registerRequest) wait() (onair.Event, error) {
	select {
	case res := <-req.answer:
		return res.ev, res.err
	case <-req.ctx.Done():
		if req.state.CompareAndSwap(requestQueued, requestDropped) {
			return onair.Event{}, req.ctx.Err()
		}
		res := <-req.answer
		return res.ev, res.err
	}
}

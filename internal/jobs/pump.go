package jobs

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
)

// The pump streams due deliveries from the store to the providers, in
// four stages that run side by side: a claimer takes pages of due
// deliveries (store.ClaimDue), renderers turn them into messages, a sender
// per connection of the channel's provider hands them over, and a recorder
// writes their outcomes in batched commits (store.RecordOutcomes). A page
// is claimed while the one before is still being sent, so that every
// connection stays busy; and only about two pages are held at a time, so
// memory stays flat however large the notification. A crash can send again
// only what had been handed over and not yet recorded: the messages in
// flight, and those waiting at most recordEvery for their commit.
const (
	// pumpPage is how many deliveries of a channel one claim takes;
	// batchPage, of email to a provider that takes many recipients per
	// call (Mailgun: mailgun.MaxBatch).
	pumpPage  = 500
	batchPage = 1000
	// pumpPoll is how often an idle pump looks for due deliveries that
	// another process created (a registration on another node, a dispatch
	// there). Deliveries created in this process wake it at once.
	pumpPoll = 100 * time.Millisecond
	// recordEvery is the most an outcome waits for its commit. A lane's
	// outcomes are committed as soon as they make one of its pages: the
	// lane holds at most unrecorded pages that were claimed and not yet
	// recorded, and senders quicker than that would otherwise sit idle
	// until the timer.
	recordEvery = 100 * time.Millisecond
	// A node says it is alive every nodeHeartbeat; one silent for
	// nodeDeadAfter of wall time is dead (nodeWatch), and what it had
	// claimed goes back to pending.
	nodeHeartbeat = time.Second
	nodeDeadAfter = 10 * time.Second
	// claimAhead is how long the deliveries a lane holds last its senders.
	claimAhead = time.Second
	// unrecorded bounds, in lane pages, what may have been handed over and
	// not yet recorded: what a crash could send twice, were the database
	// to fall behind.
	unrecorded = 2
	// rateAhead: of a rate-limited channel, a claim takes what the limit
	// lets out in this long.
	rateAhead = 2 * time.Second
)

// workerOwnerPrefix begins the claim owner of a process that runs the
// workers; a sweep's owner begins with "sweep:".
const workerOwnerPrefix = "worker:"

// pumpJob is one claimed delivery on its way through the pump.
type pumpJob struct {
	item      store.SendItem
	msg       notify.Message
	renderErr error
}

// pumpResult is what became of a job: its outcome, or its release (the
// pump stopped before sending it).
type pumpResult struct {
	outcome store.Outcome
	channel onair.Channel
	release bool
}

// pump is one run of the pipeline.
type pump struct {
	e     *Engine
	owner string
	// drain: stop once nothing due at the start is left (a sweep), rather
	// than wait for more.
	drain   bool
	dueBy   time.Time // drain: only what was due at the start
	wake    <-chan struct{}
	lanes   map[onair.Channel]*pumpLane
	results chan pumpResult
	// room is signalled when deliveries handed over or recorded free room
	// in the lanes.
	room chan struct{}
	// stopping is set when the run's context ends: what is not yet sent is
	// released instead.
	stopping atomic.Bool
	handled  atomic.Int64
}

// pumpLane is one channel's part of the pipeline.
type pumpLane struct {
	channel  onair.Channel
	claimed  chan store.SendItem
	rendered chan pumpJob
	// pages, instead of claimed, takes whole claims to a provider that
	// sends many recipients per call.
	pages chan []store.SendItem
	// inFlight counts what was claimed and not yet recorded; queued, what
	// was claimed and not yet handed over (or released).
	inFlight, queued atomic.Int64
	// wanted is how much the lane holds claimed and unsent: what its
	// senders hand over in about claimAhead, between a floor and limit, so
	// that a slow node does not sit on deliveries a faster one could send.
	// It doubles when the senders ran dry since the last claim (ranDry),
	// and follows the rate they hand over at otherwise.
	wanted   atomic.Int64
	ranDry   atomic.Bool
	handed   atomic.Int64
	rateAt   time.Time
	handedAt int64
	limit    int
}

// runPump runs the pipeline as owner until ctx ends (or, with drain, until
// nothing due is left), and returns how many messages it sent or failed for
// good. sendCtx bounds the sending itself: after ctx ends, the messages in
// hand are finished under sendCtx, and the rest is released.
func (e *Engine) runPump(ctx, sendCtx context.Context, owner string, drain bool, wake <-chan struct{}) (int, error) {
	p := &pump{e: e, owner: owner, drain: drain, dueBy: e.now(), wake: wake,
		lanes: map[onair.Channel]*pumpLane{}, results: make(chan pumpResult, 4*pumpPage), room: make(chan struct{}, 1)}
	batcher := e.sender.batcher()
	for _, ch := range []onair.Channel{onair.ChannelEmail, onair.ChannelSMS} {
		limit := pumpPage
		if r := e.sender.rate(ch); r > 0 {
			limit = max(1, min(pumpPage, int(r*rateAhead.Seconds())))
		}
		l := &pumpLane{channel: ch, limit: limit,
			claimed: make(chan store.SendItem, 2*limit), rendered: make(chan pumpJob, 2*e.sender.concurrency)}
		if ch == onair.ChannelEmail && batcher != nil {
			l.limit, l.pages = batchPage, make(chan []store.SendItem, 2)
		}
		p.lanes[ch] = l
	}
	var stages sync.WaitGroup
	for _, l := range p.lanes {
		if l.pages != nil {
			var senders sync.WaitGroup
			for range e.sender.concurrency {
				senders.Go(func() { p.sendBatches(sendCtx, l, batcher) })
			}
			stages.Go(senders.Wait)
			continue
		}
		var renderers sync.WaitGroup
		for range max(1, runtime.GOMAXPROCS(0)) {
			renderers.Go(func() { p.render(l) })
		}
		var senders sync.WaitGroup
		for range e.sender.concurrency {
			senders.Go(func() { p.send(sendCtx, l) })
		}
		stages.Go(func() {
			renderers.Wait()
			close(l.rendered)
			senders.Wait()
		})
	}
	claimErr := make(chan error, 1)
	go func() {
		err := p.claim(ctx)
		for _, l := range p.lanes {
			close(l.claimed)
			if l.pages != nil {
				close(l.pages)
			}
		}
		claimErr <- err
	}()
	go func() {
		stages.Wait()
		close(p.results)
	}()
	recErr := p.record()
	return int(p.handled.Load()), errors.Join(<-claimErr, recErr)
}

// claim takes pages of due deliveries while the lanes have room, until ctx
// ends or, draining, nothing is left.
func (p *pump) claim(ctx context.Context) error {
	defer p.stopping.Store(true)
	poll := time.NewTicker(pumpPoll)
	defer poll.Stop()
	for ctx.Err() == nil {
		took, full := 0, false
		for _, l := range p.lanes {
			// Room for what is not yet being sent, so that the next page
			// is there before the senders run dry; and a bound on what
			// waits for its record, should the database fall behind.
			want := l.want(p.e.sender.concurrency)
			room := min(want-int(l.queued.Load()), unrecorded*l.limit-int(l.inFlight.Load()))
			if room < want/2 {
				full = true // the page before is still mostly there
				continue
			}
			now := p.e.now()
			dueBy := now
			if p.drain {
				dueBy = p.dueBy
			}
			items, err := p.e.store.ClaimDue(ctx, p.owner, l.channel, now, dueBy, room)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				p.e.log.Warn("claiming deliveries failed; trying again", "err", err)
				full = true // try again after a pause
				continue
			}
			l.inFlight.Add(int64(len(items)))
			l.queued.Add(int64(len(items)))
			if l.pages != nil && len(items) > 0 {
				l.pages <- items
			} else {
				for _, it := range items {
					l.claimed <- it
				}
			}
			took += len(items)
			full = full || len(items) == room
		}
		if took > 0 && !full {
			continue // more may be due at once
		}
		if took == 0 && !full && p.drain && p.idle() {
			return nil
		}
		// Wait for room, a wake-up or the next poll; an idle poll reads
		// before it claims, so that an idle node writes nothing.
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-p.wake:
			case <-p.room:
				if !full {
					continue // a claim found nothing due: room alone changes nothing
				}
			case <-poll.C:
				if !full && !p.drain {
					due, err := p.e.store.HasDue(ctx, p.e.now())
					if err == nil && !due {
						continue
					}
				}
			}
			break
		}
	}
	return nil
}

// want is how many deliveries the lane should hold, claimed and unsent.
func (l *pumpLane) want(senders int) int {
	if l.pages != nil {
		// A claim is one call to the provider: the larger, the fewer.
		l.wanted.Store(int64(l.limit))
		return l.limit
	}
	floor := min(l.limit, 4*senders)
	w := int(l.wanted.Load())
	now := time.Now()
	switch {
	case w == 0:
		w = floor
	case l.ranDry.Swap(false):
		w *= 2
	case now.Sub(l.rateAt) >= claimAhead:
		n := l.handed.Load()
		rate := float64(n-l.handedAt) / now.Sub(l.rateAt).Seconds()
		l.rateAt, l.handedAt = now, n
		w = max(int(rate*claimAhead.Seconds()), w/2)
	}
	w = max(floor, min(w, l.limit))
	l.wanted.Store(int64(w))
	return w
}

// done passes r on to the recorder: its delivery is no longer queued.
func (p *pump) done(l *pumpLane, r pumpResult) {
	l.handed.Add(1)
	left := l.queued.Add(-1)
	if left == 0 {
		l.ranDry.Store(true)
	}
	if left <= l.wanted.Load()/2 {
		p.signalRoom()
	}
	r.channel = l.channel
	p.results <- r
}

// signalRoom tells the claimer that a lane may have room.
func (p *pump) signalRoom() {
	select {
	case p.room <- struct{}{}:
	default:
	}
}

// idle tells whether nothing claimed is still on its way.
func (p *pump) idle() bool {
	for _, l := range p.lanes {
		if l.inFlight.Load() > 0 {
			return false
		}
	}
	return true
}

// render turns claimed deliveries into messages.
func (p *pump) render(l *pumpLane) {
	for it := range l.claimed {
		if p.stopping.Load() {
			p.done(l, pumpResult{outcome: store.Outcome{DeliveryID: it.Delivery.ID}, release: true})
			continue
		}
		msg, err := p.e.sender.render(it)
		l.rendered <- pumpJob{item: it, msg: msg, renderErr: err}
	}
}

// send hands rendered messages to the provider, one at a time on each of
// the lane's senders.
func (p *pump) send(ctx context.Context, l *pumpLane) {
	for job := range l.rendered {
		if p.stopping.Load() {
			p.done(l, pumpResult{outcome: store.Outcome{DeliveryID: job.item.Delivery.ID}, release: true})
			continue
		}
		out, _ := p.e.sender.deliver(ctx, job.item, job.msg, job.renderErr)
		p.done(l, pumpResult{outcome: out})
	}
}

// sendBatches hands claimed deliveries to a provider that takes many
// recipients per call: each claim, split by notification, in as few calls
// as it allows.
func (p *pump) sendBatches(ctx context.Context, l *pumpLane, b notify.BatchProvider) {
	for items := range l.pages {
		byNotification := map[string][]store.SendItem{}
		var order []string
		for _, it := range items {
			id := it.Notification.ID
			if byNotification[id] == nil {
				order = append(order, id)
			}
			byNotification[id] = append(byNotification[id], it)
		}
		for _, id := range order {
			group := byNotification[id]
			if p.stopping.Load() {
				for _, it := range group {
					p.done(l, pumpResult{outcome: store.Outcome{DeliveryID: it.Delivery.ID}, release: true})
				}
				continue
			}
			for _, out := range p.e.sender.deliverBatch(ctx, b, group) {
				p.done(l, pumpResult{outcome: out})
			}
		}
	}
}

// record commits outcomes in batches: when a page of one lane has come, or
// recordEvery after the first of a batch. A delivery's room in its lane is
// freed once its outcome is committed. Released deliveries go back to
// pending at the end.
func (p *pump) record() error {
	var batch []store.Outcome
	var channels []onair.Channel
	perLane := map[onair.Channel]int{} // of batch
	var released []int64
	var errs []error
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if err := p.e.record(context.Background(), p.owner, batch); err != nil {
			errs = append(errs, err)
		}
		for i, o := range batch {
			if o.Status != onair.DeliveryPending {
				p.handled.Add(1)
			}
			p.lanes[channels[i]].inFlight.Add(-1)
		}
		batch, channels = batch[:0], channels[:0]
		clear(perLane)
		p.signalRoom()
	}
	for {
		select {
		case r, ok := <-p.results:
			if !ok {
				flush()
				if len(released) > 0 {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					if err := p.e.store.ReleaseClaims(ctx, p.owner, released); err != nil {
						errs = append(errs, fmt.Errorf("releasing %d unsent deliveries: %w", len(released), err))
					}
					cancel()
				}
				return errors.Join(errs...)
			}
			if r.release {
				released = append(released, r.outcome.DeliveryID)
				p.lanes[r.channel].inFlight.Add(-1)
				continue
			}
			if len(batch) == 0 {
				timer.Reset(recordEvery)
			}
			batch, channels = append(batch, r.outcome), append(channels, r.channel)
			perLane[r.channel]++
			if perLane[r.channel] >= p.lanes[r.channel].limit {
				timer.Stop()
				flush()
			}
		case <-timer.C:
			flush()
		}
	}
}

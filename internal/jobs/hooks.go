package jobs

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/webhook"
)

// The webhook sender: every node that runs the workers claims the due
// webhook deliveries (store.ClaimHooks), a few at a time, POSTs each to its
// receiver and records the attempt. A claim is a lease, not an owner: the
// rows of a node that dies in the middle of an attempt come due again when
// their lease ends, and another node sends them. Their times are the
// engine's clock, so that a test moves past a retry's backoff by moving it.
const (
	// hookLease is how long a claimed delivery is left to its sender:
	// well beyond an attempt's webhook.Timeout.
	hookLease = 2 * time.Minute
	// hookSenders is how many attempts run at once on a node.
	hookSenders = 8
	// hookPoll is how often an idle sender looks for deliveries queued by
	// another node or come due by their retry time.
	hookPoll = 250 * time.Millisecond
)

// hookSender is a node's webhook sender.
type hookSender struct {
	e      *Engine
	client *http.Client
	slots  chan struct{}
	// done is signalled when an attempt ends and frees a slot.
	done chan struct{}
	wg   sync.WaitGroup
}

func newHookSender(e *Engine, client *http.Client) *hookSender {
	return &hookSender{e: e, client: client, slots: make(chan struct{}, hookSenders), done: make(chan struct{}, 1)}
}

// HooksReady wakes the webhook sender: a transaction queued deliveries.
func (e *Engine) HooksReady() {
	select {
	case e.hookWake <- struct{}{}:
	default:
	}
}

// run sends due webhook deliveries until ctx ends, then waits for the
// attempts in flight, which sendCtx bounds. The returned channel is closed
// when it has ended.
func (h *hookSender) run(ctx, sendCtx context.Context) <-chan struct{} {
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		poll := time.NewTicker(hookPoll)
		defer poll.Stop()
		for ctx.Err() == nil {
			if _, full := h.claim(ctx, sendCtx); full {
				continue // more may be due at once
			}
			select {
			case <-ctx.Done():
			case <-h.e.hookWake:
			case <-h.done:
			case <-poll.C:
				if due, err := h.e.store.HasDueHooks(ctx, h.e.now()); err != nil || !due {
					continue
				}
			}
		}
		h.wg.Wait()
	}()
	return ended
}

// claim takes as many due deliveries as there are free slots and starts
// their attempts; it tells how many it took, and whether they filled
// every slot.
func (h *hookSender) claim(ctx, sendCtx context.Context) (int, bool) {
	free := cap(h.slots) - len(h.slots)
	if free == 0 {
		return 0, false
	}
	sends, err := h.e.store.ClaimHooks(ctx, h.e.now(), hookLease, free)
	if err != nil {
		if ctx.Err() == nil {
			h.e.log.Warn("claiming webhook deliveries failed; trying again", "err", err)
		}
		return 0, false
	}
	for _, s := range sends {
		h.slots <- struct{}{}
		h.wg.Go(func() {
			defer func() {
				<-h.slots
				select {
				case h.done <- struct{}{}:
				default:
				}
			}()
			h.attempt(sendCtx, s)
		})
	}
	return len(sends), len(sends) == free
}

// attempt POSTs one delivery and records what came of it. An attempt cut
// by a stop is not recorded: its lease sends it again.
func (h *hookSender) attempt(ctx context.Context, s store.HookSend) {
	status, err := webhook.Post(ctx, h.client, webhook.Message{URL: s.URL, Secret: s.Secret, ID: s.ID, Body: s.Body}, h.e.now())
	if ctx.Err() != nil {
		return
	}
	a := store.HookAttempt{Send: s, Status: status}
	if err != nil {
		a.Err = err.Error()
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	outcome, rerr := h.e.store.RecordHookAttempt(rctx, a, h.e.now())
	switch {
	case rerr != nil:
		h.e.log.Warn("recording a webhook attempt failed; it will be sent again", "webhook", s.WebhookID, "delivery", s.ID, "err", rerr)
	case outcome == onair.HookFailed:
		h.e.log.Warn("webhook delivery failed for good", "webhook", s.WebhookID, "delivery", s.ID, "type", s.Type,
			"attempts", s.Attempts, "err", a.Err)
	case outcome == onair.HookPending:
		h.e.log.Info("webhook attempt failed; it will be retried", "webhook", s.WebhookID, "delivery", s.ID,
			"attempt", s.Attempts, "err", a.Err)
	}
}

// drain sends, once, the webhook deliveries due, and waits for the
// attempts (a sweep's share of the webhooks). A failed attempt is due again
// only later, so a drain ends.
func (h *hookSender) drain(ctx context.Context) {
	for ctx.Err() == nil {
		n, _ := h.claim(ctx, ctx)
		if n == 0 && len(h.slots) == 0 {
			break
		}
		select {
		case <-ctx.Done():
		case <-h.done:
		}
	}
	h.wg.Wait()
}

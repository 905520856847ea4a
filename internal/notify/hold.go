package notify

import (
	"sync"
	"time"
)

// Hold keeps a sender quiet after its provider answered 429: no request
// before the time the provider asked for, whatever goroutine would send
// it. It is safe for concurrent use; the zero Hold lets everything pass.
type Hold struct {
	mu    sync.Mutex
	until time.Time
	// unannounced counts the 429s in a row that gave no Retry-After: each
	// doubles the wait, from DefaultHold.
	unannounced int
}

// Waits after a 429 without Retry-After: DefaultHold, doubled for each
// such answer in a row, up to MaxDefaultHold.
const (
	DefaultHold    = time.Second
	MaxDefaultHold = time.Minute
)

// Remaining is how long a request at now must still wait, or 0.
func (h *Hold) Remaining(now time.Time) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	if now.Before(h.until) {
		return h.until.Sub(now)
	}
	return 0
}

// Throttled records a 429 received at now that asked to wait retryAfter
// (0 when it said nothing), and returns how long the sender is now held.
// A hold only ever grows: an answer asking for less does not shorten the
// wait another one asked for.
func (h *Hold) Throttled(now time.Time, retryAfter time.Duration) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	if retryAfter <= 0 {
		h.unannounced++
		retryAfter = min(DefaultHold<<min(h.unannounced-1, 10), MaxDefaultHold)
	} else {
		h.unannounced = 0
	}
	if until := now.Add(retryAfter); until.After(h.until) {
		h.until = until
	}
	return h.until.Sub(now)
}

// Passed records an answer that was not a 429.
func (h *Hold) Passed() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.unannounced = 0
}

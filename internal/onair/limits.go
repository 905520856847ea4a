package onair

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The abuse limits of the public registration (DESIGN rule 16): a public
// form is not a free sender.
const (
	// MaxNewRegistrationsPerEmail is how many new registrations one email
	// address may make across all events within EmailLimitWindow: enough
	// for a viewer of several shows, too few to flood a victim's inbox by
	// registering it everywhere.
	MaxNewRegistrationsPerEmail = 5
	EmailLimitWindow            = time.Hour
)

// RateLimit is at most N hits in any Window. The zero RateLimit is off.
type RateLimit struct {
	N      int
	Window time.Duration
}

// Off reports whether l limits nothing.
func (l RateLimit) Off() bool { return l.N <= 0 }

func (l RateLimit) String() string {
	if l.Off() {
		return "0"
	}
	return strconv.Itoa(l.N) + "/" + l.Window.String()
}

// maxRateLimitHits bounds N: the window's hits are kept one by one.
const maxRateLimitHits = 10000

// ParseRateLimit reads a limit written N/DURATION ("20/10m"), or "0" for
// none.
func ParseRateLimit(s string) (RateLimit, error) {
	s = strings.TrimSpace(s)
	if s == "0" {
		return RateLimit{}, nil
	}
	n, d, ok := strings.Cut(s, "/")
	if !ok {
		return RateLimit{}, fmt.Errorf("%q is not a limit: write N/DURATION, e.g. 20/10m, or 0 for none", s)
	}
	count, err := strconv.Atoi(n)
	if err != nil || count < 1 || count > maxRateLimitHits {
		return RateLimit{}, fmt.Errorf("%q: the count must be a whole number from 1 to %d", s, maxRateLimitHits)
	}
	window, err := time.ParseDuration(d)
	if err != nil || window < time.Second || window > 7*24*time.Hour {
		return RateLimit{}, fmt.Errorf("%q: the window must be a duration from 1s to 168h, e.g. 10m", s)
	}
	return RateLimit{N: count, Window: window}, nil
}

// TakeHit adds a hit at now to hits, the earlier hits of one key oldest
// first, when l allows it: at most l.N in the window that ends at now. It
// returns the hits still inside the window (with the new one when it was
// taken), and, when the hit is refused, how long until the oldest leaves
// the window.
func TakeHit(hits []time.Time, l RateLimit, now time.Time) (kept []time.Time, ok bool, retry time.Duration) {
	for len(hits) > 0 && !hits[0].After(now.Add(-l.Window)) {
		hits = hits[1:]
	}
	if len(hits) >= l.N {
		return hits, false, hits[len(hits)-l.N].Add(l.Window).Sub(now)
	}
	return append(hits, now), true, 0
}

// RetryError is an error after which the client may try again, not before
// After: a 429's Retry-After.
type RetryError struct {
	Err   error
	After time.Duration
}

func (e *RetryError) Error() string { return e.Err.Error() }
func (e *RetryError) Unwrap() error { return e.Err }

// RetryAfter wraps err with the time the client should wait.
func RetryAfter(err error, after time.Duration) error {
	return &RetryError{Err: err, After: after}
}

// RetrySeconds is how long err asks a client to wait, in whole seconds (at
// least 1), and whether it says so at all.
func RetrySeconds(err error) (int, bool) {
	var re *RetryError
	if !errors.As(err, &re) {
		return 0, false
	}
	return max(1, int((re.After+time.Second-1)/time.Second)), true
}

package web

import (
	"sync"
	"time"
)

// limiter counts events per key in a fixed window: at most n in every
// window. It is per process, like every rate limit of onair.
type limiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	counts map[string]*windowCount
	swept  time.Time
}

type windowCount struct {
	start time.Time
	n     int
}

func newLimiter(n int, window time.Duration) *limiter {
	return &limiter{n: n, window: window, counts: map[string]*windowCount{}}
}

// Blocked reports whether key has used up its window at now, and if so how
// long until it may try again.
func (l *limiter) Blocked(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.counts[key]
	if c == nil || now.Sub(c.start) >= l.window || c.n < l.n {
		return false, 0
	}
	return true, c.start.Add(l.window).Sub(now)
}

// Add counts one event for key at now.
func (l *limiter) Add(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > l.window {
		for k, c := range l.counts {
			if now.Sub(c.start) >= l.window {
				delete(l.counts, k)
			}
		}
		l.swept = now
	}
	c := l.counts[key]
	if c == nil || now.Sub(c.start) >= l.window {
		c = &windowCount{start: now}
		l.counts[key] = c
	}
	c.n++
}

// Forget drops what was counted for key (a login that succeeded).
func (l *limiter) Forget(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.counts, key)
}

// rateLimiter allows at most n events per key in any window of time, not
// only in fixed windows (where 2n could pass around a window's edge): it
// keeps the times of the last n events of each key. It is per process.
type rateLimiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	times  map[string][]time.Time
	swept  time.Time
}

func newRateLimiter(n int, window time.Duration) *rateLimiter {
	return &rateLimiter{n: n, window: window, times: map[string][]time.Time{}}
}

// Allow counts an event of key at now unless n of them fell in the window
// before now; then it counts nothing and says how long until one may.
func (l *rateLimiter) Allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > l.window {
		for k, ts := range l.times {
			if now.Sub(ts[len(ts)-1]) >= l.window {
				delete(l.times, k)
			}
		}
		l.swept = now
	}
	ts := l.times[key]
	if len(ts) == l.n {
		if wait := ts[0].Add(l.window).Sub(now); wait > 0 {
			return false, wait
		}
		copy(ts, ts[1:])
		ts = ts[:len(ts)-1]
	}
	l.times[key] = append(ts, now)
	return true, 0
}

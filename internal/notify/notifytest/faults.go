package notifytest

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// injected is one failure an HTTP double answers with.
type injected struct {
	status     int
	retryAfter time.Duration // for a 429; negative: no Retry-After header
}

// faultScript is the queue of failures the Mailgun and Twilio doubles
// answer their next authenticated requests with, each in its API's own
// error shape.
type faultScript struct {
	mu    sync.Mutex
	queue []injected
	clock func() time.Time
}

// SetClock makes the double time the requests it records with now
// (time.Now until then).
func (f *faultScript) SetClock(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clock = now
}

// now is the double's time.
func (f *faultScript) now() time.Time {
	f.mu.Lock()
	clock := f.clock
	f.mu.Unlock()
	if clock == nil {
		return time.Now()
	}
	return clock()
}

// setRetryAfter writes inj's Retry-After, if it has one.
func setRetryAfter(w http.ResponseWriter, inj *injected) {
	if inj.retryAfter >= 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(inj.retryAfter.Seconds())))
	}
}

// FailNext makes the next n authenticated requests answer status (500,
// 503…) with the API's error body.
func (f *faultScript) FailNext(n, status int) { f.add(n, injected{status: status}) }

// ThrottleNext makes the next n authenticated requests answer 429 with a
// Retry-After of retryAfter (whole seconds).
func (f *faultScript) ThrottleNext(n int, retryAfter time.Duration) {
	f.add(n, injected{status: http.StatusTooManyRequests, retryAfter: retryAfter})
}

// ThrottleNextWithoutRetryAfter makes the next n authenticated requests
// answer 429 with no Retry-After header.
func (f *faultScript) ThrottleNextWithoutRetryAfter(n int) {
	f.add(n, injected{status: http.StatusTooManyRequests, retryAfter: -1})
}

func (f *faultScript) add(n int, inj injected) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.queue = append(f.queue, inj)
	}
}

// next takes the next failure, or nil when none is queued.
func (f *faultScript) next() *injected {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.queue) == 0 {
		return nil
	}
	inj := f.queue[0]
	f.queue = f.queue[1:]
	return &inj
}

package store_test

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/jobs"
	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store/storetest"
)

// BenchmarkRegister measures registrations into one event with email and
// SMS confirmations, from 16 and from 64 callers at once (HTTP handlers,
// say): each is the registration (capacity, repeat and limit checks, the
// registration, its viewer profile, its confirmation deliveries and their
// send job, queued by the job queue of a process that only enqueues),
// answered once it is committed. Registrations commit in groups, so more
// callers make bigger groups.
//
//	go test -run '^$' -bench Register ./internal/store
//
// On the project's 2-core machine, shared with other builds (load 4–5), the
// old and new test binaries run one after the other, twice: registrations/s
// with one transaction each → by group commit:
//
//	SQLite      16 callers: 280–760 → 1,800–2,900    64 callers: 260–790 → 2,800–5,300
//	PostgreSQL  16 callers: 145–225 → 1,860–2,140    64 callers: 135–240 → 3,100–3,800
func BenchmarkRegister(b *testing.B) {
	for _, backend := range storetest.Backends {
		for _, callers := range []int{16, 64} {
			b.Run(fmt.Sprintf("%s/callers=%d", backend, callers), func(b *testing.B) {
				benchmarkRegister(b, backend, callers)
			})
		}
	}
}

func benchmarkRegister(b *testing.B, backend string, callers int) {
	s := storetest.Open(b, storetest.URL(b, backend))
	if err := jobs.Migrate(b.Context(), s); err != nil {
		b.Fatal(err)
	}
	if _, err := jobs.New(jobs.Config{Store: s}); err != nil {
		b.Fatal(err)
	}
	h := onair.Host{ID: onair.NewID(), Email: "bench@example.com", PasswordHash: "x", CreatedAt: now}
	if err := s.CreateHost(b.Context(), h); err != nil {
		b.Fatal(err)
	}
	ev, err := onair.NewEvent(h.ID, onair.EventInput{
		Title: ptr("Benchmark"), ScheduledStart: ptr(time.Now().Add(30 * 24 * time.Hour).Format(time.RFC3339)),
	}, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	ev.Notifications.SMSEnabled = true
	if err := s.CreateEvent(b.Context(), ev); err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	b.SetParallelism(max(1, callers/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			at := time.Now()
			r, err := onair.NewRegistration(ev, onair.RegistrationInput{
				Email: fmt.Sprintf("viewer%d@example.com", i), Phone: fmt.Sprintf("+1415%07d", i),
			}, keepPhone, at)
			if err == nil {
				_, err = s.Register(b.Context(), r, at)
			}
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "registrations/s")
}

package store_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/jobs"
	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store/storetest"
)

// BenchmarkRegister measures registrations into one event with email and
// SMS confirmations, from 8 goroutines per core at once: each is the
// registration transaction (capacity and duplicate checks, the
// registration, its confirmation deliveries and their send job's row, by
// the job queue of a process that only enqueues).
//
//	go test -run '^$' -bench Register ./internal/store
func BenchmarkRegister(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
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
			b.SetParallelism(8)
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
		})
	}
}

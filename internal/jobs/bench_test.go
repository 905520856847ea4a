package jobs_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/jobs"
	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/notify/smtp"
	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/store/storetest"
)

// BenchmarkFanOutAndSend measures the production path of one reminder to
// 10,000 registrants: River's dispatch job fans the notification out, send
// jobs deliver it in batches over pooled SMTP connections to a local server.
// It reports deliveries per second, from the reminder's time to the last
// message accepted by the server. Run it with -benchtime=1x: each run sets
// up 10,000 registrations (and sends their confirmations) first.
//
//	go test -run '^$' -bench FanOutAndSend -benchtime 1x ./internal/jobs
func BenchmarkFanOutAndSend(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			const registrants = 10_000
			b.StopTimer()
			for range b.N {
				st := storetest.Open(b, storetest.URL(b, backend))
				srv := notifytest.NewSMTPServer(b, notifytest.CountOnly())
				stop := startEngine(b, st, srv)
				ev := benchEvent(b, st)
				register(b, st, ev, registrants)
				waitCount(b, srv, registrants, 5*time.Minute) // the confirmations
				before := srv.Count()

				// Add a reminder due two seconds from now: its dispatch is queued
				// in the same transaction and leaves at that time.
				due := time.Now().Add(2 * time.Second)
				offset := ev.ScheduledStart.Sub(due).Round(time.Second)
				ivs := []string{"1hour", offset.String()}
				if _, err := st.UpdateEvent(context.Background(), ev.HostID, ev.ID, func(cur onair.Event) (onair.Event, error) {
					next, _, err := cur.Update(onair.EventInput{SelectedIntervals: &ivs}, time.Now().UTC())
					return next, err
				}); err != nil {
					b.Fatal(err)
				}
				dueAt := ev.ScheduledStart.Add(-offset)
				time.Sleep(time.Until(dueAt))
				b.StartTimer()
				if testing.Verbose() {
					go func() {
						for srv.Count() < before+registrants {
							b.Logf("%5.1fs: %d sent", time.Since(dueAt).Seconds(), srv.Count()-before)
							time.Sleep(500 * time.Millisecond)
						}
					}()
				}
				waitCount(b, srv, before+registrants, 5*time.Minute)
				b.StopTimer()
				elapsed := time.Since(dueAt)
				b.ReportMetric(float64(registrants)/elapsed.Seconds(), "deliveries/s")
				stop()
			}
		})
	}
}

func startEngine(b *testing.B, st *store.Store, srv *notifytest.SMTPServer) func() {
	b.Helper()
	if err := jobs.Migrate(context.Background(), st); err != nil {
		b.Fatal(err)
	}
	p, err := smtp.New(smtp.Config{Host: srv.Host(), Port: srv.Port(), From: "onair <no-reply@example.com>", Conns: 10})
	if err != nil {
		b.Fatal(err)
	}
	sender := jobs.NewSender(jobs.SenderConfig{Email: p, SMS: p, AppURL: "https://events.example.com", Concurrency: 10})
	engine, err := jobs.New(jobs.Config{Store: st, Sender: sender, Workers: true})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := engine.Start(ctx); err != nil {
		b.Fatal(err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer scancel()
			engine.Stop(sctx)
			cancel()
			p.Close()
		})
	}
	b.Cleanup(stop)
	return stop
}

func benchEvent(b *testing.B, st *store.Store) onair.Event {
	b.Helper()
	now := time.Now().UTC()
	h := onair.Host{ID: onair.NewID(), Email: "bench@example.com", PasswordHash: "-", CreatedAt: now}
	if err := st.CreateHost(context.Background(), h); err != nil {
		b.Fatal(err)
	}
	title, start := "Benchmark Webinar", now.Add(2*time.Hour).Format(time.RFC3339)
	ivs := []string{"1hour"}
	ev, err := onair.NewEvent(h.ID, onair.EventInput{Title: &title, ScheduledStart: &start, SelectedIntervals: &ivs}, now)
	if err != nil {
		b.Fatal(err)
	}
	if err := st.CreateEvent(context.Background(), ev); err != nil {
		b.Fatal(err)
	}
	return ev
}

func register(b *testing.B, st *store.Store, ev onair.Event, n int) {
	b.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 16)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			now := time.Now().UTC()
			r, err := onair.NewRegistration(ev, onair.RegistrationInput{
				Email: fmt.Sprintf("viewer%05d@example.com", i), FirstName: "Viewer", Timezone: "Europe/Berlin",
			}, nil, now)
			if err == nil {
				_, err = st.Register(context.Background(), r, now)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

func waitCount(b *testing.B, srv *notifytest.SMTPServer, n int, timeout time.Duration) {
	b.Helper()
	deadline := time.Now().Add(timeout)
	for srv.Count() < n {
		if time.Now().After(deadline) {
			b.Fatalf("%d messages after %v, want %d", srv.Count(), timeout, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

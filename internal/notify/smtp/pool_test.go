package smtp_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/notify/smtp"
)

// eventually polls cond for up to two seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func sendConcurrently(t *testing.T, p *smtp.Provider, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			m := message()
			m.To, m.DeliveryID = fmt.Sprintf("viewer%d@example.com", i), int64(i)
			if _, err := p.Send(context.Background(), m); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestPool(t *testing.T) {
	bothExchanges(t, func(t *testing.T, exchange func(*smtp.Provider)) {
		t.Run("50 concurrent messages with a pool of 3 open at most 3 connections", func(t *testing.T) {
			srv := notifytest.NewSMTPServer(t)
			p := newProvider(t, srv, func(c *smtp.Config) { c.Conns = 3 })
			exchange(p)
			sendConcurrently(t, p, 50)
			msgs := srv.WaitFor(50, 5*time.Second)
			if n := srv.Connections(); n < 1 || n > 3 {
				t.Errorf("%d connections opened, want 1 to 3", n)
			}
			seen := map[int]bool{}
			for _, m := range msgs {
				seen[m.Conn] = true
			}
			if len(seen) > 3 || len(msgs) != 50 {
				t.Errorf("%d messages over %d connections", len(msgs), len(seen))
			}
		})
		t.Run("messages in sequence share one connection", func(t *testing.T) {
			srv := notifytest.NewSMTPServer(t)
			p := newProvider(t, srv, nil)
			exchange(p)
			for range 5 {
				if _, err := p.Send(context.Background(), message()); err != nil {
					t.Fatal(err)
				}
			}
			if srv.Connections() != 1 {
				t.Errorf("%d connections, want 1", srv.Connections())
			}
		})
		t.Run("a refused recipient leaves the connection usable", func(t *testing.T) {
			srv := notifytest.NewSMTPServer(t)
			srv.FailRecipient("bad@example.com", 550)
			p := newProvider(t, srv, nil)
			exchange(p)
			bad := message()
			bad.To = "bad@example.com"
			if _, err := p.Send(context.Background(), bad); !notify.IsPermanent(err) {
				t.Fatalf("err = %v", err)
			}
			if _, err := p.Send(context.Background(), message()); err != nil {
				t.Fatal(err)
			}
			if srv.Connections() != 1 {
				t.Errorf("%d connections, want 1", srv.Connections())
			}
		})
		t.Run("a dropped connection is redialled without failing the send", func(t *testing.T) {
			srv := notifytest.NewSMTPServer(t)
			p := newProvider(t, srv, nil)
			exchange(p)
			if _, err := p.Send(context.Background(), message()); err != nil {
				t.Fatal(err)
			}
			srv.DropConnections()
			if _, err := p.Send(context.Background(), message()); err != nil {
				t.Fatalf("send after the server dropped the connection: %v", err)
			}
			if srv.Count() != 2 || srv.Connections() != 2 {
				t.Errorf("count %d, connections %d; want 2, 2", srv.Count(), srv.Connections())
			}
		})
		t.Run("idle connections are closed", func(t *testing.T) {
			srv := notifytest.NewSMTPServer(t)
			p := newProvider(t, srv, func(c *smtp.Config) { c.Conns, c.IdleTimeout = 3, 50*time.Millisecond })
			exchange(p)
			sendConcurrently(t, p, 6)
			if srv.OpenConnections() == 0 {
				t.Fatal("no connection kept open after sending")
			}
			eventually(t, "idle connections to close", func() bool { return srv.OpenConnections() == 0 })
			if _, err := p.Send(context.Background(), message()); err != nil {
				t.Fatalf("send after idle close: %v", err)
			}
		})
		t.Run("Close closes every connection and later sends fail", func(t *testing.T) {
			srv := notifytest.NewSMTPServer(t)
			p := newProvider(t, srv, func(c *smtp.Config) { c.Conns = 3 })
			exchange(p)
			sendConcurrently(t, p, 9)
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			eventually(t, "connections to close", func() bool { return srv.OpenConnections() == 0 })
			if _, err := p.Send(context.Background(), message()); err == nil || notify.IsPermanent(err) {
				t.Errorf("send after Close: %v, want a transient error", err)
			}
		})
		t.Run("Close waits for sends in flight", func(t *testing.T) {
			srv := notifytest.NewSMTPServer(t)
			srv.DelayData(200 * time.Millisecond)
			p := newProvider(t, srv, nil)
			exchange(p)
			done := make(chan error, 1)
			go func() {
				_, err := p.Send(context.Background(), message())
				done <- err
			}()
			eventually(t, "the send to start", func() bool { return srv.Connections() == 1 })
			_ = p.Close()
			if err := <-done; err != nil {
				t.Errorf("send in flight during Close: %v", err)
			}
			if srv.Count() != 1 {
				t.Errorf("count %d", srv.Count())
			}
		})
	})
}

// BenchmarkSMTPSend sends through a pool of 10 connections to a local
// server, the shape of a worker talking to a relay on the same host, with
// and without PIPELINING.
func BenchmarkSMTPSend(b *testing.B) {
	for _, on := range []bool{true, false} {
		name := "pipelined"
		if !on {
			name = "one command at a time"
		}
		b.Run(name, func(b *testing.B) {
			srv := notifytest.NewSMTPServer(b, notifytest.CountOnly())
			p := newProvider(b, srv, func(c *smtp.Config) { c.Conns = 10 })
			smtp.SetPipelining(p, on)
			m := message()
			b.SetParallelism(10) // at least ten senders even on one CPU
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := p.Send(context.Background(), m); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
			if srv.Connections() > 10 {
				b.Errorf("%d connections for a pool of 10", srv.Connections())
			}
		})
	}
}

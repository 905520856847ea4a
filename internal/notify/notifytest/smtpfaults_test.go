package notifytest_test

import (
	"errors"
	"net"
	"net/smtp"
	"os"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify/notifytest"
)

// dialWithin connects to srv with every read and write bounded by d, as a
// client with a timeout does.
func dialWithin(t *testing.T, srv *notifytest.SMTPServer, d time.Duration) (*smtp.Client, error) {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.SetDeadline(time.Now().Add(d)); err != nil {
		t.Fatal(err)
	}
	return smtp.NewClient(conn, srv.Host())
}

// transactErr is transact returning the first error instead of failing.
func transactErr(c *smtp.Client) error {
	if err := c.Mail("host@example.com"); err != nil {
		return err
	}
	if err := c.Rcpt("viewer@example.com"); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(sample)); err != nil {
		return err
	}
	return w.Close()
}

func TestSMTPServerInjectedFaults(t *testing.T) {
	tests := []struct {
		fault notifytest.SMTPFault
		// check looks at the error of a transaction that met the fault.
		check   func(err error) bool
		want    string
		refused int // messages that arrived whole without being accepted
	}{
		{notifytest.Greeting421, func(err error) bool { return smtpCode(err) == 421 }, "a 421 greeting", 0},
		{notifytest.GreetingStall, isTimeout, "a timeout waiting for the greeting", 0},
		{notifytest.Mail421, func(err error) bool { return smtpCode(err) == 421 }, "421 at MAIL", 0},
		{notifytest.Rcpt451, func(err error) bool { return smtpCode(err) == 451 }, "451 at RCPT", 0},
		{notifytest.Data451, func(err error) bool { return smtpCode(err) == 451 }, "451 after the data", 1},
		{notifytest.DataDrop, func(err error) bool { return err != nil && smtpCode(err) == 0 && !isTimeout(err) },
			"a broken connection, not an answer", 0},
		{notifytest.DataStall, isTimeout, "a timeout waiting for the answer to the data", 1},
	}
	for _, tt := range tests {
		t.Run(tt.fault.String(), func(t *testing.T) {
			t.Parallel()
			srv := notifytest.NewSMTPServer(t)
			srv.InjectNext(tt.fault, 1)
			c, err := dialWithin(t, srv, 2*time.Second)
			if err == nil {
				err = transactErr(c)
			}
			if !tt.check(err) {
				t.Errorf("the faulty transaction ended with %v (code %d), want %s", err, smtpCode(err), tt.want)
			}
			if srv.Injected(tt.fault) != 1 {
				t.Errorf("Injected = %d, want 1", srv.Injected(tt.fault))
			}
			if n := len(srv.Refused()); n != tt.refused {
				t.Errorf("%d refused messages, want %d", n, tt.refused)
			}
			// The fault happened once: the next transaction goes through,
			// and only it is accepted.
			if err := send(t, srv.Addr(), nil, "viewer@example.com"); err != nil {
				t.Fatalf("the next transaction: %v", err)
			}
			if srv.Count() != 1 || srv.Injected(tt.fault) != 1 {
				t.Errorf("Count %d, Injected %d; want 1 and 1", srv.Count(), srv.Injected(tt.fault))
			}
		})
	}
}

func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

func TestSMTPServerFaultCountsAndWindows(t *testing.T) {
	t.Run("the next n occasions", func(t *testing.T) {
		srv := notifytest.NewSMTPServer(t)
		srv.InjectNext(notifytest.Rcpt451, 3)
		for i := range 3 {
			if code := smtpCode(send(t, srv.Addr(), nil, "v@example.com")); code != 451 {
				t.Errorf("attempt %d: code %d, want 451", i, code)
			}
		}
		if err := send(t, srv.Addr(), nil, "v@example.com"); err != nil {
			t.Errorf("fourth attempt: %v", err)
		}
		if srv.Injected(notifytest.Rcpt451) != 3 || srv.Count() != 1 {
			t.Errorf("Injected %d, Count %d; want 3 and 1", srv.Injected(notifytest.Rcpt451), srv.Count())
		}
	})
	t.Run("every occasion in a window", func(t *testing.T) {
		srv := notifytest.NewSMTPServer(t)
		window := 300 * time.Millisecond
		began := time.Now()
		srv.InjectFor(notifytest.Data451, window)
		failed := 0
		for {
			err := send(t, srv.Addr(), nil, "v@example.com")
			if err == nil {
				break
			}
			if smtpCode(err) != 451 {
				t.Fatalf("in the window: %v, want 451", err)
			}
			failed++
			if time.Since(began) > 10*time.Second {
				t.Fatal("the window did not end")
			}
		}
		if took := time.Since(began); failed == 0 || took < window {
			t.Errorf("%d transactions failed; the first went through after %v, inside the %v window", failed, took, window)
		}
		if srv.Injected(notifytest.Data451) != failed || len(srv.Refused()) != failed || srv.Count() != 1 {
			t.Errorf("Injected %d, Refused %d, Count %d; want %d, %d, 1",
				srv.Injected(notifytest.Data451), len(srv.Refused()), srv.Count(), failed, failed)
		}
	})
	t.Run("faults meet a transaction at their own points", func(t *testing.T) {
		srv := notifytest.NewSMTPServer(t)
		srv.InjectNext(notifytest.Greeting421, 1)
		srv.InjectNext(notifytest.Rcpt451, 1)
		srv.InjectNext(notifytest.DataDrop, 1)
		srv.InjectNext(notifytest.Data451, 1)
		var codes []int
		for range 5 {
			codes = append(codes, smtpCode(send(t, srv.Addr(), nil, "v@example.com")))
		}
		// 421 at the greeting; 451 at RCPT; a dropped connection (no
		// code); 451 after the data; then through.
		want := []int{421, 451, 0, 451, 0}
		for i := range want {
			if codes[i] != want[i] {
				t.Fatalf("codes %v, want %v", codes, want)
			}
		}
		if srv.Count() != 1 {
			t.Errorf("Count %d, want 1", srv.Count())
		}
	})
	t.Run("ClearFailures stops them", func(t *testing.T) {
		srv := notifytest.NewSMTPServer(t)
		srv.InjectFor(notifytest.Mail421, time.Hour)
		srv.InjectNext(notifytest.Greeting421, 5)
		srv.ClearFailures()
		if err := send(t, srv.Addr(), nil, "v@example.com"); err != nil {
			t.Errorf("after ClearFailures: %v", err)
		}
	})
}

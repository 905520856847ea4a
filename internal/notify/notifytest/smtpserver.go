// Package notifytest holds test doubles of the outside services onair sends
// through: a real SMTP server on 127.0.0.1 and httptest doubles of the Mailgun
// and Twilio REST APIs that check auth and fields and answer, errors
// included, the way the real services document.
//
// Every double is started by a New… function taking the test, and stops on
// t.Cleanup. They record what they received for the test to inspect, and can
// be told to fail in the ways providers fail, so that a provider's error
// classification is tested against the wire, not against a mock.
package notifytest

import (
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// ReceivedMessage is one message the SMTP server accepted.
type ReceivedMessage struct {
	// From is the envelope sender (MAIL FROM).
	From string
	// To are the envelope recipients (RCPT TO) that were accepted.
	To []string
	// Data is the message as received, headers and body, CRLF line ends.
	Data []byte
	// Header is Data's header, parsed; values are as sent (still
	// RFC 2047-encoded): use Subject or DecodedHeader for the text.
	Header mail.Header
	// Username is who authenticated on the connection, or "".
	Username string
	// TLS reports whether the connection was encrypted.
	TLS bool
	// Conn numbers the connection the message came on, from 1, so that a
	// test can tell which messages shared a connection.
	Conn int
}

// SMTPServer is an SMTP server listening on 127.0.0.1 for the length of a
// test.
type SMTPServer struct {
	t         testing.TB
	srv       *smtp.Server
	addr      *net.TCPAddr
	clientTLS *tls.Config

	username, password string
	mechanisms         []string
	implicitTLS        bool
	countOnly          bool

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced whenever count grows
	messages  []ReceivedMessage
	count     int
	failRcpt  map[string]int
	failAll   int
	faults    map[SMTPFault]*smtpFaultScript
	refused   []ReceivedMessage
	dataDelay time.Duration
	held      int // messages read and waiting out dataDelay
	accepted  int
	open      map[*trackedConn]struct{}
}

// SMTPOption configures an SMTPServer.
type SMTPOption func(*SMTPServer)

// WithAuth makes the server advertise AUTH PLAIN and LOGIN and refuse MAIL
// FROM until a client has authenticated as username with password.
func WithAuth(username, password string) SMTPOption {
	return func(s *SMTPServer) {
		s.username, s.password = username, password
		if s.mechanisms == nil {
			s.mechanisms = []string{sasl.Plain, sasl.Login}
		}
	}
}

// WithAuthMechanisms limits the mechanisms WithAuth advertises, to test a
// client's choice: "PLAIN", "LOGIN" or both.
func WithAuthMechanisms(mechanisms ...string) SMTPOption {
	return func(s *SMTPServer) { s.mechanisms = mechanisms }
}

// WithSTARTTLS makes the server offer STARTTLS with a self-signed
// certificate for 127.0.0.1; ClientTLSConfig trusts it.
func WithSTARTTLS() SMTPOption {
	return func(s *SMTPServer) { s.srv.TLSConfig = s.serverTLS() }
}

// WithImplicitTLS makes the server speak TLS from the first byte, as on
// port 465 (smtps), with the certificate ClientTLSConfig trusts.
func WithImplicitTLS() SMTPOption {
	return func(s *SMTPServer) { s.implicitTLS = true }
}

// CountOnly makes the server count messages without keeping them, for
// benchmarks that send more than memory should hold.
func CountOnly() SMTPOption {
	return func(s *SMTPServer) { s.countOnly = true }
}

// NewSMTPServer starts an SMTP server on 127.0.0.1:0 and stops it when the
// test ends. Without options it accepts every message without
// authentication or TLS, like a local relay.
func NewSMTPServer(t testing.TB, opts ...SMTPOption) *SMTPServer {
	t.Helper()
	s := &SMTPServer{
		t:        t,
		changed:  make(chan struct{}),
		failRcpt: make(map[string]int),
		faults:   make(map[SMTPFault]*smtpFaultScript),
		open:     make(map[*trackedConn]struct{}),
	}
	s.srv = smtp.NewServer(smtp.BackendFunc(s.newSession))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true // tests authenticate on plain 127.0.0.1
	s.srv.MaxMessageBytes = 25 << 20
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	// The server logs to the process, not the test: t.Log after the test
	// has ended panics, and connections outlive tests by a few instants.
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	for _, opt := range opts {
		opt(s)
	}
	s.serverTLS() // prepares ClientTLSConfig, so that it only reads

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("notifytest: listen: %v", err)
	}
	s.addr = ln.Addr().(*net.TCPAddr)
	var served net.Listener = &countingListener{Listener: ln, s: s}
	if s.implicitTLS {
		served = tls.NewListener(served, s.serverTLS())
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.srv.Serve(served)
	}()
	t.Cleanup(func() {
		// Close the listener ourselves too: a server closed before its
		// Serve goroutine has registered the listener would not close it.
		_ = ln.Close()
		_ = s.srv.Close()
		<-done
		s.DropConnections() // those a greeting fault holds
	})
	return s
}

// Addr is the server's host:port.
func (s *SMTPServer) Addr() string { return s.addr.String() }

// Host is the server's IP address, 127.0.0.1.
func (s *SMTPServer) Host() string { return s.addr.IP.String() }

// Port is the server's port.
func (s *SMTPServer) Port() int { return s.addr.Port }

// URL is an SMTP_URL for the server: smtp://127.0.0.1:PORT, or smtps:// with
// WithImplicitTLS, with the credentials of WithAuth.
func (s *SMTPServer) URL() string {
	scheme := "smtp"
	if s.implicitTLS {
		scheme = "smtps"
	}
	u := url.URL{Scheme: scheme, Host: s.Addr()}
	if s.username != "" {
		u.User = url.UserPassword(s.username, s.password)
	}
	return u.String()
}

// ClientTLSConfig is a client configuration that trusts the server's
// self-signed certificate.
func (s *SMTPServer) ClientTLSConfig() *tls.Config { return s.clientTLS.Clone() }

// Messages returns the messages accepted so far, oldest first.
func (s *SMTPServer) Messages() []ReceivedMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ReceivedMessage(nil), s.messages...)
}

// Count is the number of messages accepted so far (kept or not).
func (s *SMTPServer) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// WaitFor waits until at least n messages have been accepted and returns
// them; it fails the test if that takes longer than timeout. Call it from
// the test's goroutine.
func (s *SMTPServer) WaitFor(n int, timeout time.Duration) []ReceivedMessage {
	s.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		count, changed := s.count, s.changed
		s.mu.Unlock()
		if count >= n {
			return s.Messages()
		}
		select {
		case <-changed:
		case <-deadline.C:
			s.t.Fatalf("notifytest: waited %v for %d messages, got %d", timeout, n, count)
			return nil
		}
	}
}

// FailRecipient makes RCPT TO for addr (case-insensitive) answer code: a
// 4xx is a transient failure, a 5xx a permanent one (550: no such user).
func (s *SMTPServer) FailRecipient(addr string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failRcpt[strings.ToLower(addr)] = code
}

// FailAllRecipients makes every RCPT TO answer code; 0 stops it.
func (s *SMTPServer) FailAllRecipients(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failAll = code
}

// FailNext makes the next n transactions answer MAIL FROM with 421
// (service not available): InjectNext(Mail421, n).
func (s *SMTPServer) FailNext(n int) { s.InjectNext(Mail421, n) }

// ClearFailures undoes FailRecipient, FailAllRecipients, FailNext and
// every fault injected; what happened stays counted.
func (s *SMTPServer) ClearFailures() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failRcpt = make(map[string]int)
	s.failAll = 0
	for _, f := range s.faults {
		f.next, f.until = 0, time.Time{}
	}
}

// DelayData makes the server wait d after receiving a message before
// answering, to test a client's timeout.
func (s *SMTPServer) DelayData(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dataDelay = d
}

// Held is the number of messages whose data the server has read and
// holds for DelayData's wait before answering: messages in flight.
func (s *SMTPServer) Held() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held
}

// Connections is the number of connections accepted since the start: a
// pooling client opens few.
func (s *SMTPServer) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// OpenConnections is the number of connections open now.
func (s *SMTPServer) OpenConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.open)
}

// DropConnections closes every open connection from the server side, as a
// restarted relay or a NAT timeout would.
func (s *SMTPServer) DropConnections() {
	s.mu.Lock()
	conns := make([]*trackedConn, 0, len(s.open))
	for c := range s.open {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// newSession is the server's backend: one session per connection, new
// again after STARTTLS.
func (s *SMTPServer) newSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	se := &session{s: s, tls: isTLS}
	if tc := findTracked(c.Conn()); tc != nil {
		se.conn, se.raw = tc.id, tc
	}
	return se, nil
}

func (s *SMTPServer) record(m ReceivedMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count++
	if !s.countOnly {
		s.messages = append(s.messages, m)
	}
	close(s.changed)
	s.changed = make(chan struct{})
}

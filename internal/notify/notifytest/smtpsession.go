package notifytest

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// session is one SMTP connection's state.
type session struct {
	s        *SMTPServer
	tls      bool
	conn     int
	raw      *trackedConn // the connection under any TLS, for the faults that drop it
	username string
	from     string
	to       []string
}

var _ smtp.AuthSession = (*session)(nil)

func (se *session) AuthMechanisms() []string {
	if se.s.username == "" {
		return nil
	}
	return se.s.mechanisms
}

func (se *session) Auth(mech string) (sasl.Server, error) {
	check := func(username, password string) error {
		if username != se.s.username || password != se.s.password {
			return smtp.ErrAuthFailed
		}
		se.username = username
		return nil
	}
	switch {
	case se.s.username == "":
		return nil, smtp.ErrAuthUnsupported
	case mech == sasl.Plain && contains(se.s.mechanisms, sasl.Plain):
		return sasl.NewPlainServer(func(_, username, password string) error {
			return check(username, password)
		}), nil
	case mech == sasl.Login && contains(se.s.mechanisms, sasl.Login):
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.s.username != "" && se.username == "" {
		return smtp.ErrAuthRequired
	}
	if se.s.take(Mail421) {
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2},
			Message: "Service not available, closing transmission channel"}
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.s.mu.Lock()
	code, ok := se.s.failRcpt[strings.ToLower(to)]
	if !ok && se.s.failAll != 0 {
		code, ok = se.s.failAll, true
	}
	se.s.mu.Unlock()
	if ok {
		return recipientError(code, to)
	}
	if se.s.take(Rcpt451) {
		return recipientError(451, to)
	}
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	if faulty, err := se.dataFault(r); faulty {
		return err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	se.s.mu.Lock()
	delay := se.s.dataDelay
	se.s.held++
	se.s.mu.Unlock()
	time.Sleep(delay)
	se.s.mu.Lock()
	se.s.held--
	se.s.mu.Unlock()
	se.s.record(se.message(data))
	return nil
}

// message is the transaction's message with data as its content.
func (se *session) message(data []byte) ReceivedMessage {
	m := ReceivedMessage{
		From: se.from, To: append([]string(nil), se.to...), Data: data,
		Username: se.username, TLS: se.tls, Conn: se.conn,
	}
	if parsed, err := mail.ReadMessage(bytes.NewReader(data)); err == nil {
		m.Header = parsed.Header
	}
	return m
}

func (se *session) Reset() { se.from, se.to = "", nil }

func (se *session) Logout() error { return nil }

// recipientError is the answer a real server gives for code at RCPT TO,
// with the enhanced status code (RFC 3463) that goes with it, naming the
// recipient as Postfix and Exim do ("<ada@example.com>: No such user
// here"): whatever logs a provider's error must expect an address in it.
func recipientError(code int, to string) *smtp.SMTPError {
	e := &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}}
	switch code {
	case 550:
		e.EnhancedCode, e.Message = smtp.EnhancedCode{5, 1, 1}, "No such user here"
	case 551:
		e.EnhancedCode, e.Message = smtp.EnhancedCode{5, 1, 6}, "User not local"
	case 552:
		e.EnhancedCode, e.Message = smtp.EnhancedCode{5, 2, 2}, "Mailbox full"
	case 553:
		e.EnhancedCode, e.Message = smtp.EnhancedCode{5, 1, 3}, "Mailbox name not allowed"
	case 450:
		e.EnhancedCode, e.Message = smtp.EnhancedCode{4, 2, 1}, "Mailbox temporarily unavailable"
	case 451:
		e.EnhancedCode, e.Message = smtp.EnhancedCode{4, 3, 0}, "Local error in processing"
	case 452:
		e.EnhancedCode, e.Message = smtp.EnhancedCode{4, 2, 2}, "Insufficient system storage"
	default:
		e.Message = "Recipient refused (" + strconv.Itoa(code) + ")"
	}
	e.Message = "<" + to + ">: " + e.Message
	return e
}

// loginServer is the server side of AUTH LOGIN, which go-sasl no longer
// provides: two base64 prompts, for the username and the password.
type loginServer struct {
	check    func(username, password string) error
	step     int
	username string
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step++
		if len(response) > 0 { // an initial response carries the username
			l.username = string(response)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 1:
		l.step++
		l.username = string(response)
		return []byte("Password:"), false, nil
	case 2:
		l.step++
		return nil, true, l.check(l.username, string(response))
	}
	return nil, false, errors.New("unexpected LOGIN response")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// countingListener counts and tracks the connections it accepts, below TLS
// so that every connection is seen whatever the protocol on top.
type countingListener struct {
	net.Listener
	s *SMTPServer
}

func (l *countingListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.s.mu.Lock()
		l.s.accepted++
		tc := &trackedConn{Conn: c, s: l.s, id: l.s.accepted}
		l.s.open[tc] = struct{}{}
		l.s.mu.Unlock()
		if !l.s.greetingFault(tc) {
			return tc, nil
		}
	}
}

type trackedConn struct {
	net.Conn
	s    *SMTPServer
	id   int
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.s.mu.Lock()
		delete(c.s.open, c)
		c.s.mu.Unlock()
	})
	return c.Conn.Close()
}

// findTracked finds the trackedConn under c, which may be wrapped in TLS.
func findTracked(c net.Conn) *trackedConn {
	for {
		switch v := c.(type) {
		case *trackedConn:
			return v
		case *tls.Conn:
			c = v.NetConn()
		default:
			return nil
		}
	}
}

package notifytest

import (
	"io"
	"time"

	"github.com/emersion/go-smtp"
)

// SMTPFault is one way a real SMTP server, or the network in front of it,
// fails a client. Each happens at its own point of the conversation: the
// greeting faults when a connection is accepted, the others in a
// transaction. None of them accepts the message: only a message answered
// 250 at the end of DATA is in Messages.
type SMTPFault int

const (
	// Greeting421 answers a new connection with 421 instead of the
	// greeting and closes it, as a relay over its connection limit does.
	Greeting421 SMTPFault = iota + 1
	// GreetingStall accepts a connection and never greets: the client
	// waits until it gives up and hangs up (or the test ends).
	GreetingStall
	// Mail421 answers MAIL FROM with 421 (service not available). The
	// connection stays open: a client should drop it anyway, as RFC 5321
	// says a 421 closes the channel.
	Mail421
	// Rcpt451 answers RCPT TO with 451 (local error in processing).
	Rcpt451
	// Data451 reads the whole message and answers 451 at its end.
	Data451
	// DataDrop closes the connection in the middle of the message.
	DataDrop
	// DataStall reads the whole message and never answers: the client
	// waits until it gives up and hangs up (or the test ends).
	DataStall
)

func (f SMTPFault) String() string {
	switch f {
	case Greeting421:
		return "421 at the greeting"
	case GreetingStall:
		return "no greeting"
	case Mail421:
		return "421 at MAIL FROM"
	case Rcpt451:
		return "451 at RCPT TO"
	case Data451:
		return "451 at the end of DATA"
	case DataDrop:
		return "connection dropped in DATA"
	case DataStall:
		return "no answer to DATA"
	}
	return "unknown fault"
}

// smtpFaultScript is when one fault happens: for the next occasions, while a
// window lasts, and how often it has.
type smtpFaultScript struct {
	next     int
	until    time.Time
	happened int
}

// InjectNext makes the next n occasions of fault fail that way (0 stops
// it): n connections for the greeting faults, n transactions reaching
// that point for the others. It replaces what was injected of that fault
// before, and adds to the others: a transaction meets each fault at its
// own point, the data faults in the order DataDrop, DataStall, Data451.
func (s *SMTPServer) InjectNext(fault SMTPFault, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.script(fault)
	f.next, f.until = n, time.Time{}
}

// InjectFor makes every occasion of fault fail that way for d from now,
// replacing what was injected of that fault before.
func (s *SMTPServer) InjectFor(fault SMTPFault, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.script(fault)
	f.next, f.until = 0, time.Now().Add(d)
}

// Injected is how many times fault has happened so far.
func (s *SMTPServer) Injected(fault SMTPFault) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.script(fault).happened
}

// Refused returns the messages that arrived whole and were not accepted
// (Data451, DataStall), oldest first: a client that sends one again has
// not sent it twice.
func (s *SMTPServer) Refused() []ReceivedMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ReceivedMessage(nil), s.refused...)
}

// script is fault's state; s.mu is held.
func (s *SMTPServer) script(fault SMTPFault) *smtpFaultScript {
	f := s.faults[fault]
	if f == nil {
		f = &smtpFaultScript{}
		s.faults[fault] = f
	}
	return f
}

// take reports whether fault happens at this occasion, and counts it.
func (s *SMTPServer) take(fault SMTPFault) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults[fault]
	switch {
	case f == nil:
		return false
	case f.next > 0:
		f.next--
	case time.Now().Before(f.until):
	default:
		return false
	}
	f.happened++
	return true
}

// greetingFault plays a greeting fault on a connection just accepted, and
// reports whether it did: the connection is then not the SMTP server's.
func (s *SMTPServer) greetingFault(c *trackedConn) bool {
	switch {
	case s.take(Greeting421):
		_, _ = io.WriteString(c, "421 4.3.2 Service not available, closing transmission channel\r\n")
		_ = c.Close()
		return true
	case s.take(GreetingStall):
		go holdUntilHangUp(c)
		return true
	}
	return false
}

// dataFault plays a fault of the DATA stage, if one is due, on the message
// being read from r. It reports whether it did, with the error to answer.
func (se *session) dataFault(r io.Reader) (bool, error) {
	s := se.s
	switch {
	case s.take(DataDrop):
		// Some of the message, not all of it: onair's are kilobytes.
		_, _ = io.CopyN(io.Discard, r, 256)
		if se.raw != nil {
			_ = se.raw.Close()
		}
		return true, &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 4, 2}, Message: "Connection dropped"}
	case s.take(DataStall):
		se.refuse(r)
		if se.raw != nil {
			holdUntilHangUp(se.raw)
		}
		return true, &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 4, 2}, Message: "Timed out"}
	case s.take(Data451):
		se.refuse(r)
		return true, &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Local error in processing"}
	}
	return false, nil
}

// refuse reads the message from r and keeps it among the refused.
func (se *session) refuse(r io.Reader) {
	data, err := io.ReadAll(r)
	if err != nil {
		return
	}
	m := se.message(data)
	se.s.mu.Lock()
	defer se.s.mu.Unlock()
	se.s.refused = append(se.s.refused, m)
}

// holdUntilHangUp says nothing on c and reads whatever comes until the
// client closes it, or the server does at the end of the test; then it
// closes c. Nothing else reads c meanwhile: the SMTP server either never
// had it or waits for the session that holds it.
func holdUntilHangUp(c *trackedConn) {
	_ = c.SetDeadline(time.Time{}) // the server's own timeouts would end the stall
	_, _ = io.Copy(io.Discard, c)
	_ = c.Close()
}

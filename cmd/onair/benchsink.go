package main

import (
	"bufio"
	"bytes"
	"io"
	"log"
	"mime"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// mailKind is which of the benchmark's notifications a message belongs to.
type mailKind int

const (
	mailOther mailKind = iota
	mailConfirmation
	mailReminder
	mailKinds
)

// kindOf tells a message's notification by its subject, as onair words it
// (internal/notify): the confirmation says "You're registered", a reminder
// "Starting in …" (or "Live now" at offset zero, which the benchmark does
// not use). The benchmark's events are in English, whatever the machine.
func kindOf(subject string) mailKind {
	switch {
	case strings.HasPrefix(subject, "You're registered"):
		return mailConfirmation
	case strings.HasPrefix(subject, "Starting "), strings.HasPrefix(subject, "Live now"):
		return mailReminder
	}
	return mailOther
}

// sinkTally is what the sink keeps of the messages of one kind.
type sinkTally struct {
	messages    int
	first, last time.Time     // when the first and the latest message arrived
	lastNew     time.Time     // when the latest new delivery arrived
	deliveries  map[int64]int // X-Onair-Delivery → messages received
	recipients  map[string]struct{}
	noDelivery  int // messages without a readable delivery id

	// Counts of the maps, in a snapshot.
	distinct, addresses int
}

// benchSink is the SMTP server `onair bench` sends to: it accepts every
// message from anyone, like a local relay that delivers nowhere, and keeps
// per message only what the figures need: when it arrived, its recipient,
// its delivery id (the X-Onair-Delivery header of every onair email) and
// its notification. It keeps one reminder whole, the message the raw SMTP
// run sends again.
type benchSink struct {
	srv  *smtp.Server
	ln   net.Listener
	done chan struct{}

	// raw is set during the raw SMTP run: its messages are counted apart,
	// so that they are never taken for duplicates of the reminder.
	raw      atomic.Bool
	rawCount atomic.Int64

	mu     sync.Mutex
	tally  [mailKinds]sinkTally
	sample []byte // one reminder as received
}

// startSink listens on 127.0.0.1:0.
func startSink() (*benchSink, error) {
	s := &benchSink{done: make(chan struct{})}
	for k := range s.tally {
		s.tally[k].deliveries = map[int64]int{}
		s.tally[k].recipients = map[string]struct{}{}
	}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &sinkSession{sink: s}, nil
	}))
	s.srv.Domain = "localhost"
	s.srv.MaxMessageBytes = 25 << 20
	s.srv.ReadTimeout = 2 * time.Minute
	s.srv.WriteTimeout = 2 * time.Minute
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.ln = ln
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// Addr is the sink's host:port.
func (s *benchSink) Addr() string { return s.ln.Addr().String() }

// Close stops the sink and drops its connections.
func (s *benchSink) Close() {
	_ = s.ln.Close()
	_ = s.srv.Close()
	<-s.done
}

// snapshot copies the tally of kind k, with the sizes of its maps
// instead of the maps.
func (s *benchSink) snapshot(k mailKind) sinkTally {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tally[k]
	t.distinct, t.addresses = len(t.deliveries), len(t.recipients)
	t.deliveries, t.recipients = nil, nil
	return t
}

// distinct is the number of deliveries of kind k received so far.
func (s *benchSink) distinct(k mailKind) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.tally[k].deliveries)
}

// Sample is one reminder as the sink received it, or nil.
func (s *benchSink) Sample() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sample
}

var sinkBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

var wordDecoder = new(mime.WordDecoder)

// record notes one message that arrived at at for rcpt.
func (s *benchSink) record(at time.Time, rcpt string, data []byte) {
	if s.raw.Load() {
		s.rawCount.Add(1)
		return
	}
	h, _ := textproto.NewReader(bufio.NewReader(bytes.NewReader(data))).ReadMIMEHeader()
	subject := h.Get("Subject")
	if strings.Contains(subject, "=?") {
		if dec, err := wordDecoder.DecodeHeader(subject); err == nil {
			subject = dec
		}
	}
	kind := kindOf(subject)
	id, idErr := strconv.ParseInt(strings.TrimSpace(h.Get("X-Onair-Delivery")), 10, 64)

	s.mu.Lock()
	defer s.mu.Unlock()
	t := &s.tally[kind]
	t.messages++
	if t.first.IsZero() {
		t.first = at
	}
	t.last = at
	t.recipients[strings.ToLower(rcpt)] = struct{}{}
	if idErr != nil {
		t.noDelivery++
		return
	}
	if t.deliveries[id] == 0 {
		t.lastNew = at
	}
	t.deliveries[id]++
	if kind == mailReminder && s.sample == nil {
		s.sample = bytes.Clone(data)
	}
}

// sinkSession is one SMTP connection to the sink.
type sinkSession struct {
	sink *benchSink
	rcpt string
}

func (ss *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.rcpt = to
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	buf := sinkBuffers.Get().(*bytes.Buffer)
	defer sinkBuffers.Put(buf)
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		return err
	}
	ss.sink.record(time.Now(), ss.rcpt, buf.Bytes())
	return nil
}

func (ss *sinkSession) Reset() { ss.rcpt = "" }

func (ss *sinkSession) Logout() error { return nil }

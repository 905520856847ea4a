package smtp

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	gosmtp "github.com/wneessen/go-mail/smtp"
)

// errClosed is what Send returns after Close.
var errClosed = errors.New("smtp: provider is closed")

// conn is one open, greeted and authenticated SMTP connection.
type conn struct {
	client *gosmtp.Client
	// raw is the TCP connection under any TLS: deadlines are set on it,
	// and closing it is how a blocked read is abandoned when the caller's
	// context ends (go-mail's client does not watch contexts).
	raw net.Conn
	// pipelining: the server offered PIPELINING (RFC 2920), and
	// mailParams are what MAIL FROM says after the address.
	pipelining bool
	mailParams string
	// broken is set when a transaction left the connection out of step
	// with the server: it is closed, not reused.
	broken    bool
	uses      int
	idleSince time.Time
}

// quit says goodbye politely, within a second, and closes.
func (c *conn) quit() {
	_ = c.raw.SetDeadline(time.Now().Add(time.Second))
	_ = c.client.Quit()
	_ = c.raw.Close()
}

// pool keeps up to size connections open and lends each to one Send at a
// time. slots holds one token per connection that may exist, lent or
// idle: taking a token before dialling is what keeps the number of
// connections at or under size, however many Sends run at once.
type pool struct {
	dial        func(context.Context) (*conn, error)
	idleTimeout time.Duration

	slots     chan struct{}
	closing   chan struct{}
	closeOnce sync.Once
	janitor   chan struct{} // closed when the janitor has stopped

	mu     sync.Mutex
	idle   []*conn // most recently used last
	closed bool
}

func newPool(size int, idleTimeout time.Duration, dial func(context.Context) (*conn, error)) *pool {
	p := &pool{
		dial:        dial,
		idleTimeout: idleTimeout,
		slots:       make(chan struct{}, size),
		closing:     make(chan struct{}),
		janitor:     make(chan struct{}),
	}
	go p.closeIdleLoop()
	return p
}

// get lends a connection: an idle one if there is one, else a new one, or
// waits for one to be returned when size are lent.
func (p *pool) get(ctx context.Context) (*conn, error) {
	select {
	case p.slots <- struct{}{}:
	case <-p.closing:
		return nil, errClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.slots
		return nil, errClosed
	}
	// The most recently used connection is the least likely to have been
	// dropped by the server, and leaving the others unused lets them idle
	// out when traffic falls.
	if n := len(p.idle); n > 0 {
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return c, nil
	}
	p.mu.Unlock()
	c, err := p.dial(ctx)
	if err != nil {
		<-p.slots
		return nil, err
	}
	return c, nil
}

// put returns a lent connection: kept for the next Send if healthy,
// otherwise closed so that the next get dials afresh.
func (p *pool) put(c *conn, healthy bool) {
	defer func() { <-p.slots }()
	if healthy {
		p.mu.Lock()
		if !p.closed {
			c.idleSince = time.Now()
			p.idle = append(p.idle, c)
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		c.quit()
		return
	}
	_ = c.raw.Close()
}

// closeIdleLoop closes connections idle for longer than idleTimeout, so
// that we hang up before the server does (a server's drop is only noticed
// at the next use).
func (p *pool) closeIdleLoop() {
	defer close(p.janitor)
	tick := time.NewTicker(max(p.idleTimeout/2, 10*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-p.closing:
			return
		case now := <-tick.C:
			p.closeIdle(now.Add(-p.idleTimeout))
		}
	}
}

func (p *pool) closeIdle(before time.Time) {
	p.mu.Lock()
	var old []*conn
	keep := p.idle[:0]
	for _, c := range p.idle {
		if c.idleSince.Before(before) {
			old = append(old, c)
		} else {
			keep = append(keep, c)
		}
	}
	clear(p.idle[len(keep):])
	p.idle = keep
	p.mu.Unlock()
	quitAll(old)
}

// close refuses new Sends, waits for the ones in flight (each bounded by
// its timeout) and closes every connection.
func (p *pool) close() {
	p.closeOnce.Do(func() {
		close(p.closing)
		<-p.janitor
		p.mu.Lock()
		p.closed = true
		p.mu.Unlock()
		// Taking every token means every lent connection is back.
		for range cap(p.slots) {
			p.slots <- struct{}{}
		}
		p.mu.Lock()
		idle := p.idle
		p.idle = nil
		p.mu.Unlock()
		quitAll(idle)
	})
}

func quitAll(conns []*conn) {
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(c.quit)
	}
	wg.Wait()
}

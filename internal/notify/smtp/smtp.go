// Package smtp sends email through an SMTP server with
// github.com/wneessen/go-mail, over a pool of connections kept open
// between messages: dialling, TLS and AUTH cost several round trips that a
// reused connection pays once.
package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"os"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/onair-live/onair/internal/notify"
)

// Provider sends email over SMTP. It is safe for concurrent use.
type Provider struct {
	cfg    Config
	from   *mail.Address
	domain string // of the sender, for Message-IDs
	helo   string
	tls    *tls.Config
	pool   *pool
	// noPipelining sends one command at a time even to a server that
	// offers PIPELINING (tests of that path).
	noPipelining bool
}

var _ notify.Provider = (*Provider)(nil)

// New checks cfg and returns a Provider. It connects lazily: the first
// Send dials.
func New(cfg Config) (*Provider, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	from, _ := mail.ParseAddress(cfg.From) // validate has parsed it
	p := &Provider{cfg: cfg, from: from, helo: cfg.HELO}
	if at := strings.LastIndexByte(from.Address, '@'); at >= 0 {
		p.domain = from.Address[at+1:]
	}
	if p.helo == "" {
		if h, err := os.Hostname(); err == nil && h != "" {
			p.helo = h
		} else {
			p.helo = "localhost"
		}
	}
	if cfg.TLSConfig != nil {
		p.tls = cfg.TLSConfig.Clone()
	} else {
		p.tls = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if p.tls.ServerName == "" {
		p.tls.ServerName = cfg.Host
	}
	p.pool = newPool(cfg.Conns, cfg.IdleTimeout, p.dial)
	return p, nil
}

// Name is "smtp".
func (p *Provider) Name() string { return "smtp" }

// Close waits for the Sends in flight and closes every connection. Send
// fails after Close.
func (p *Provider) Close() error {
	p.pool.close()
	return nil
}

// stage is how far a transaction got, which decides both what an error
// means (a 550 at RCPT is a bad address, at DATA a refused message) and
// whether trying again on another connection is safe.
type stage int

const (
	stageConnect stage = iota
	stageMail
	stageRcpt
	stageData
	stageBody
)

func (s stage) String() string {
	return [...]string{"connect", "MAIL FROM", "RCPT TO", "DATA", "message body"}[s]
}

// Send delivers m to its one recipient and returns the Message-ID it gave
// the message.
func (p *Provider) Send(ctx context.Context, m notify.Message) (string, error) {
	env, id, err := p.compose(m)
	if err != nil {
		return "", notify.Permanent(fmt.Errorf("smtp: %w", err))
	}
	defer env.release()
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	// A pooled connection may have died while idle (relay restarted, NAT
	// forgot it); that shows as a failure before the server accepted
	// anything, which is safe to try again on another connection. Each
	// failed one is discarded, so the last try is on a new connection.
	for attempt := 0; ; attempt++ {
		c, err := p.pool.get(ctx)
		if err != nil {
			return "", classify(contextCause(ctx, err), stageConnect)
		}
		reused := c.uses > 0
		st, err := p.transact(ctx, c, env)
		if err == nil {
			c.uses++
		}
		p.pool.put(c, healthy(c, st, err))
		if err == nil {
			return id, nil
		}
		stale := reused && !isReply(err) && st <= stageData && ctx.Err() == nil
		if !stale || attempt >= p.cfg.Conns {
			return "", classify(contextCause(ctx, err), st)
		}
	}
}

// transact runs one mail transaction on c.
func (p *Provider) transact(ctx context.Context, c *conn, env envelope) (stage, error) {
	deadline := time.Now().Add(p.cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := c.raw.SetDeadline(deadline); err != nil {
		return stageMail, err
	}
	stop := context.AfterFunc(ctx, func() { _ = c.raw.Close() })
	defer stop()

	if c.pipelining {
		return p.transactPipelined(c, env)
	}
	if err := c.client.Mail("<" + p.from.Address + ">"); err != nil {
		return stageMail, err
	}
	if err := c.client.Rcpt("<" + env.to + ">"); err != nil {
		return stageRcpt, err
	}
	w, err := c.client.Data()
	if err != nil {
		return stageData, err
	}
	if _, err := w.Write(env.data); err != nil {
		return stageBody, err
	}
	if err := w.Close(); err != nil {
		return stageBody, err
	}
	return stageBody, nil
}

// transactPipelined runs one mail transaction on c, which offered
// PIPELINING (RFC 2920): MAIL FROM, RCPT TO and DATA go in one write and
// their three replies are read after it, then the body follows as usual.
// That is two round trips instead of four. The stage of an error is the
// one it would have had sent one command at a time: the first command
// refused (the replies after a refusal, a 503 for a RCPT without a MAIL,
// say nothing of their own), or the first reply that never came.
func (p *Provider) transactPipelined(c *conn, env envelope) (stage, error) {
	t := c.client.Text
	w := t.W
	w.WriteString("MAIL FROM:<")
	w.WriteString(p.from.Address)
	w.WriteString(">")
	w.WriteString(c.mailParams)
	w.WriteString("\r\nRCPT TO:<")
	w.WriteString(env.to)
	w.WriteString(">\r\nDATA\r\n")
	if err := w.Flush(); err != nil {
		return stageMail, err
	}
	replies := [...]struct {
		st   stage
		code int
	}{{stageMail, 250}, {stageRcpt, 25}, {stageData, 354}}
	var refused error
	refusedAt := stageMail
	for _, r := range replies {
		code, _, err := t.ReadResponse(r.code)
		if err != nil && !isReply(err) {
			// The connection is out of step or gone: no later reply
			// can be told from this one's.
			c.broken = true
			if refused != nil {
				return refusedAt, refused
			}
			return r.st, err
		}
		if err != nil && refused == nil {
			refused, refusedAt = err, r.st
		}
		if r.st == stageData && code == 354 && refused != nil {
			// The server took DATA after refusing the envelope: end the
			// message at once, empty, and let it refuse that.
			if _, err := w.WriteString(".\r\n"); err != nil || w.Flush() != nil {
				c.broken = true
			} else if _, _, err := t.ReadResponse(0); err != nil {
				c.broken = true
			}
		}
	}
	if refused != nil {
		return refusedAt, refused
	}
	if env.dotFree {
		// Nothing to stuff: the data and the end of data as they are.
		w.Write(env.data)
		w.WriteString(".\r\n")
		if err := w.Flush(); err != nil {
			return stageBody, err
		}
	} else {
		dw := t.DotWriter()
		if _, err := dw.Write(env.data); err != nil {
			return stageBody, err
		}
		if err := dw.Close(); err != nil {
			return stageBody, err
		}
	}
	if _, _, err := t.ReadResponse(250); err != nil {
		return stageBody, err
	}
	return stageBody, nil
}

// healthy reports whether c can carry the next transaction after err at
// st. A refusal the server answered leaves the connection usable once the
// transaction is reset; a broken connection, a timeout or a 421 (the
// server is closing) do not.
func healthy(c *conn, st stage, err error) bool {
	if err == nil {
		return true
	}
	if c.broken || !isReply(err) || replyCode(err) == 421 {
		return false
	}
	if st == stageBody {
		return true // the server ends the transaction itself after the data
	}
	return c.client.Reset() == nil
}

// dial opens, greets, secures and authenticates one connection.
func (p *Provider) dial(ctx context.Context) (*conn, error) {
	var raw net.Conn
	stopWatch := func() bool { return true }
	dialTCP := func(dctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(dctx, network, addr)
		if err != nil {
			return nil, err
		}
		raw = c
		// go-mail reads the greeting, STARTTLS and AUTH answers without
		// looking at the context: closing the socket is how to stop it.
		stopWatch = context.AfterFunc(ctx, func() { _ = c.Close() })
		if !p.cfg.ImplicitTLS {
			return c, nil
		}
		tc := tls.Client(c, p.tls)
		if err := tc.HandshakeContext(dctx); err != nil {
			return nil, err
		}
		return tc, nil
	}
	opts := []gomail.Option{
		gomail.WithPort(p.cfg.Port),
		gomail.WithTimeout(p.cfg.Timeout),
		gomail.WithHELO(p.helo),
		gomail.WithTLSConfig(p.tls),
		gomail.WithDialContextFunc(dialTCP),
	}
	if p.cfg.ImplicitTLS {
		opts = append(opts, gomail.WithSSL())
	} else {
		// Opportunistic: a relay on localhost often has no certificate.
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if p.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuthCustom(&autoAuth{
			username: p.cfg.Username, password: p.cfg.Password, host: p.cfg.Host,
		}))
	}
	// One go-mail Client per connection: its dial path writes to the
	// Client (auth discovery), so sharing one between concurrent dials
	// would race.
	client, err := gomail.NewClient(p.cfg.Host, opts...)
	if err != nil {
		return nil, err
	}
	sc, err := client.DialToSMTPClientWithContext(ctx)
	watching := stopWatch()
	if err == nil && !watching {
		err = ctx.Err() // the socket was closed under a successful dial
	}
	if err != nil {
		if raw != nil {
			_ = raw.Close() // go-mail leaves it open when EHLO or AUTH fail
		}
		return nil, err
	}
	c := &conn{client: sc, raw: raw}
	c.pipelining, _ = sc.Extension("PIPELINING")
	c.pipelining = c.pipelining && !p.noPipelining
	// The parameters go-mail's Mail adds to MAIL FROM, for the same
	// server the same command.
	if ok, _ := sc.Extension("8BITMIME"); ok {
		c.mailParams += " BODY=8BITMIME"
	}
	if ok, _ := sc.Extension("SMTPUTF8"); ok {
		c.mailParams += " SMTPUTF8"
	}
	return c, nil
}

// contextCause names the context's end rather than the closed socket it
// caused.
func contextCause(ctx context.Context, err error) error {
	ctxErr := ctx.Err()
	if ctxErr == nil && errors.Is(err, os.ErrDeadlineExceeded) {
		// The socket's deadline is the context's: it can fire an instant
		// before the context's own timer.
		ctxErr = context.DeadlineExceeded
	}
	if ctxErr != nil && !errors.Is(err, ctxErr) {
		return fmt.Errorf("%w (%v)", ctxErr, err)
	}
	return err
}

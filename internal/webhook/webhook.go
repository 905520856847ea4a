// Package webhook sends onair's outgoing webhooks (Standard Webhooks): a
// signed POST through an HTTP client that reaches public addresses only.
// Whether a URL may be used is checked twice: when the host adds it
// (CheckURL, with the addresses its name resolves to then), and on every
// connection, on the address actually dialled (the dialer's Control hook),
// so that a name that resolves to a public address at creation and to a
// private one later (DNS rebinding) still reaches nothing inside. Redirects
// are not followed, and no proxy is used: either would connect somewhere
// the check never saw.
package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// Timeout bounds one attempt, from dialling to the end of the answer: a
// receiver silent for longer has not answered.
const Timeout = 10 * time.Second

// ErrPrivateAddress refuses a connection to an address that is not public.
var ErrPrivateAddress = errors.New("the address is not a public internet address")

// Guard decides which addresses webhooks may reach.
type Guard struct {
	// AllowPrivate lets webhooks reach loopback and private addresses, and
	// use plain http (ONAIR_WEBHOOK_ALLOW_PRIVATE=1).
	AllowPrivate bool
	// Lookup resolves a host name; nil means the system's resolver. The
	// client dials what it returns, each address checked as it is dialled.
	Lookup func(ctx context.Context, host string) ([]netip.Addr, error)
}

func (g Guard) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if g.Lookup != nil {
		return g.Lookup(ctx, host)
	}
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// CheckURL tells whether raw (already a valid https URL, as
// onair.NewWebhook checks) may be a webhook's URL: its host must be, or
// resolve only to, public addresses. A refusal is a validation error on
// "url".
func (g Guard) CheckURL(ctx context.Context, raw string) error {
	if g.AllowPrivate {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return urlProblem("must be an absolute URL")
	}
	host := strings.TrimSuffix(u.Hostname(), ".")
	if a, err := netip.ParseAddr(host); err == nil {
		if !onair.PublicAddr(a) {
			return urlProblem("is a loopback, private or otherwise non-public address; webhooks reach public addresses only")
		}
		return nil
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return urlProblem("names this machine; webhooks reach public addresses only")
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := g.lookup(ctx, host)
	if err != nil || len(addrs) == 0 {
		return urlProblem("has a host name that does not resolve: " + strconv.Quote(host))
	}
	for _, a := range addrs {
		if !onair.PublicAddr(a) {
			return urlProblem(fmt.Sprintf("resolves to %s, a loopback, private or otherwise non-public address; webhooks reach public addresses only", a.Unmap()))
		}
	}
	return nil
}

func urlProblem(p string) error {
	return &onair.ValidationError{Fields: map[string]string{"url": p}}
}

// control refuses, before connecting, an address that is not public.
func (g Guard) control(network, address string, _ syscall.RawConn) error {
	if g.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dialling %q: %w", address, ErrPrivateAddress)
	}
	if !onair.PublicAddr(ap.Addr()) {
		return fmt.Errorf("dialling %s: %w", ap.Addr().Unmap(), ErrPrivateAddress)
	}
	return nil
}

// Client is the HTTP client of webhooks: the guard on every connection, at
// most Timeout per attempt, no redirect followed, no proxy.
func (g Guard) Client() *http.Client {
	dialer := &net.Dialer{Timeout: Timeout, KeepAlive: 30 * time.Second, Control: g.control}
	dial := dialer.DialContext
	if g.Lookup != nil {
		dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			addrs, err := g.lookup(ctx, host)
			if err != nil {
				return nil, err
			}
			errs := []error{fmt.Errorf("%s resolves to no address", host)}
			for _, a := range addrs {
				c, err := dialer.DialContext(ctx, network, net.JoinHostPort(a.Unmap().String(), port))
				if err == nil {
					return c, nil
				}
				errs = append(errs, err)
			}
			return nil, errors.Join(errs[1:]...)
		}
	}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dial,
			ForceAttemptHTTP2:     true,
			TLSHandshakeTimeout:   Timeout,
			ResponseHeaderTimeout: Timeout,
			MaxIdleConnsPerHost:   4,
			IdleConnTimeout:       90 * time.Second,
		},
		Timeout:       Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Message is one attempt of a webhook delivery.
type Message struct {
	URL    string
	Secret string
	// ID is the webhook-id, the same on every attempt.
	ID   string
	Body []byte
}

// maxAnswer is how much of an answer is read (and dropped) so that the
// connection can be used again.
const maxAnswer = 64 << 10

// Post sends m at now, signed, and returns the receiver's status; err says
// why there was no answer (status 0) or why a status is not a success.
func Post(ctx context.Context, client *http.Client, m Message, now time.Time) (int, error) {
	ts := now.Unix()
	sig, err := onair.SignHook(m.Secret, m.ID, ts, m.Body)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.URL, bytes.NewReader(m.Body))
	if err != nil {
		return 0, fmt.Errorf("the webhook's URL: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "onair-webhooks")
	req.Header.Set("webhook-id", m.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		switch {
		case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ue) && ue.Timeout():
			err = fmt.Errorf("no answer within %s", Timeout)
		case ue != nil:
			err = ue.Err // without the URL, which the log shows already
		}
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("the receiver answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}

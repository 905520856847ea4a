package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/phone"
	"github.com/onair-live/onair/internal/store"
)

// The abuse limits of the public registration (DESIGN rule 16). They are
// counted in the database (store.Limit), so that they hold across nodes.

// clientAddr is the address the request came from: the TCP peer, unless the
// peer is one of the trusted proxies, in which case X-Forwarded-For is read
// from the right, past every trusted proxy, to the first address that is
// not one (what a client writes further left is not believed).
func (s *Server) clientAddr(r *http.Request) netip.Addr {
	peer := remoteAddr(r)
	if !s.trusted(peer) {
		return peer
	}
	hops := r.Header.Values("X-Forwarded-For")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(parts[j]))
			if err != nil {
				return client // a malformed hop: trust nothing beyond it
			}
			client = a.Unmap()
			if !s.trusted(client) {
				return client
			}
		}
	}
	return client
}

// remoteAddr is the TCP peer of r.
func remoteAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.IPv4Unspecified()
	}
	return a.Unmap()
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.trustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// addrKey is what the limits of one client count: its IPv4 address, or the
// /64 of an IPv6 one (the block one subscriber is given).
func addrKey(a netip.Addr) string {
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

var errAddrLimit = onair.Errorf(onair.ErrTooManyRequests, "rate_limited",
	"too many registrations from this address; try again later")

// registerLimits are the limits a registration from r counts against.
func (s *Server) registerLimits(r *http.Request) []store.Limit {
	if s.registerLimit.Off() {
		return nil
	}
	return []store.Limit{{Key: store.LimitKey("register-addr", addrKey(s.clientAddr(r))),
		Rate: s.registerLimit, Refused: errAddrLimit}}
}

// phoneFor is the phone normalizer of a registration for ev: when ev sends
// SMS, a number the SMS policy refuses is refused here, where the viewer
// can still leave it out.
func (s *Server) phoneFor(ev onair.Event) func(string) (string, error) {
	if !ev.Notifications.SMSEnabled {
		return normalizePhone
	}
	return func(raw string) (string, error) {
		e164, err := normalizePhone(raw)
		if err != nil {
			return "", err
		}
		return e164, s.smsPolicy.Check(e164)
	}
}

// defaultSMSPolicy texts the numbers of the United States, where onair's
// default sending number would be.
var defaultSMSPolicy, _ = phone.ParsePolicy("US")

// registerFormTTL is how long a registration page's form may be posted.
const registerFormTTL = 2 * time.Hour

var errRegisterForm = onair.Errorf(onair.ErrForbidden, "csrf", "the form has expired; reload the page and try again")

// registerFormToken is the registration form's CSRF token: signed, for one
// event, one client address and two hours. It needs no cookie, so that the
// page works inside another site's iframe (where browsers hold back
// SameSite cookies), and a bot cannot fetch one token and post with it from
// anywhere, at any time: each address must fetch its own, and its posts
// count against that address's limit.
func (s *Server) registerFormToken(eventID string, addr netip.Addr, now time.Time) string {
	ts := strconv.FormatInt(now.Unix(), 10)
	return ts + "." + s.registerFormMAC(eventID, addr, ts)
}

func (s *Server) registerFormMAC(eventID string, addr netip.Addr, ts string) string {
	mac := hmac.New(sha256.New, []byte(s.secret))
	mac.Write([]byte("register-form\x00" + eventID + "\x00" + addrKey(addr) + "\x00" + ts))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:18])
}

// checkRegisterForm verifies the token of a registration form posted to
// event eventID.
func (s *Server) checkRegisterForm(r *http.Request, eventID string) error {
	ts, sig, ok := strings.Cut(r.PostFormValue("csrf_token"), ".")
	issued, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil {
		return errRegisterForm
	}
	age := s.clock().Sub(time.Unix(issued, 0))
	if age < -time.Minute || age > registerFormTTL {
		return errRegisterForm
	}
	want := s.registerFormMAC(eventID, s.clientAddr(r), ts)
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return errRegisterForm
	}
	return nil
}

package smtp

import (
	"errors"
	"fmt"
	"net/textproto"
	"regexp"
	"slices"
	"strings"

	gosmtp "github.com/wneessen/go-mail/smtp"

	"github.com/onair-live/onair/internal/notify"
)

// errNoMechanism is a server that offers no way to log in that we speak:
// a configuration problem no retry will fix.
var errNoMechanism = errors.New("no usable AUTH mechanism")

// enhancedCode is an RFC 3463 status code at the start of a reply text.
var enhancedCode = regexp.MustCompile(`^([245])\.(\d{1,3})\.(\d{1,3})\b`)

func isReply(err error) bool {
	var tp *textproto.Error
	return errors.As(err, &tp)
}

func replyCode(err error) int {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return tp.Code
	}
	return 0
}

// classify turns an error at stage st into a *notify.SendError. The reply
// code decides: 4xx is transient, 5xx permanent. Anything that is not a
// reply (a refused or reset connection, a timeout, a TLS failure) is
// transient: the server never said no. The one exception is our own
// refusal to send a password in clear, which no retry will change.
func classify(err error, st stage) error {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		wrapped := fmt.Errorf("smtp: %s: %d %s", st, tp.Code, tp.Msg)
		if tp.Code >= 500 {
			return &notify.SendError{Err: wrapped, Permanent: true, Suppress: st == stageRcpt && noSuchUser(tp)}
		}
		return notify.Transient(wrapped, 0)
	}
	if errors.Is(err, gosmtp.ErrUnencrypted) {
		return notify.Permanent(errors.New("smtp: refusing to send the password unencrypted: " +
			"the server did not offer STARTTLS (use smtps:// or a server with TLS)"))
	}
	if errors.Is(err, errNoMechanism) {
		return notify.Permanent(fmt.Errorf("smtp: %s: %w", st, err))
	}
	if errors.Is(err, errClosed) {
		return notify.Transient(err, 0)
	}
	return notify.Transient(fmt.Errorf("smtp: %s: %w", st, err), 0)
}

// noSuchUser reports whether a refused recipient is an address that will
// never work (550, 551, 553), so that it is suppressed. When the server
// gives an enhanced status code only the addressing (X.1.*) and disabled
// mailbox (X.2.1) ones count: a "550 5.7.1 relaying denied" is about us,
// not the address, and must not suppress a good one.
func noSuchUser(tp *textproto.Error) bool {
	if tp.Code != 550 && tp.Code != 551 && tp.Code != 553 {
		return false
	}
	m := enhancedCode.FindStringSubmatch(strings.TrimSpace(tp.Msg))
	if m == nil {
		return true
	}
	return m[2] == "1" || (m[2] == "2" && m[3] == "1")
}

// autoAuth authenticates with PLAIN or LOGIN, whichever the server
// offers, preferring PLAIN (one round trip). Both refuse to run on an
// unencrypted connection except to localhost: with opportunistic STARTTLS
// a server that offers no TLS must not receive the password in clear.
// A connection has its own autoAuth (LOGIN keeps state between steps).
type autoAuth struct {
	username, password, host string
	next                     gosmtp.Auth
}

func (a *autoAuth) Start(server *gosmtp.ServerInfo) (string, []byte, error) {
	switch {
	case slices.Contains(server.Auth, "PLAIN"):
		a.next = gosmtp.PlainAuth("", a.username, a.password, a.host, false)
	case slices.Contains(server.Auth, "LOGIN"):
		a.next = gosmtp.LoginAuth(a.username, a.password, a.host, false)
	case len(server.Auth) == 0:
		return "", nil, fmt.Errorf("%w: the server offers no AUTH, but SMTP_URL has a user name", errNoMechanism)
	default:
		return "", nil, fmt.Errorf("%w: the server offers AUTH %s, not PLAIN or LOGIN",
			errNoMechanism, strings.Join(server.Auth, " "))
	}
	return a.next.Start(server)
}

func (a *autoAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	return a.next.Next(fromServer, more)
}

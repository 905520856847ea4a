package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/accounts"
	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
)

// hostJSON is a host as the API shows it.
type hostJSON struct {
	ID         string `json:"id"`
	Email      string `json:"email"`
	Name       string `json:"name"`
	BrandColor string `json:"brand_color"`
	LogoURL    string `json:"logo_url"`
	ReplyTo    string `json:"reply_to"`
	// RetentionDays: registrants' personal data is erased this many days
	// after an event is over; 0 keeps it.
	RetentionDays int    `json:"retention_days"`
	CreatedAt     string `json:"created_at"`
}

func viewHost(h onair.Host) hostJSON {
	return hostJSON{ID: h.ID, Email: h.Email, Name: h.Name, BrandColor: h.BrandColor, LogoURL: h.LogoURL,
		ReplyTo: h.ReplyTo, RetentionDays: h.RetentionDays, CreatedAt: formatTime(h.CreatedAt)}
}

type authResponse struct {
	Host  hostJSON `json:"host"`
	Token string   `json:"token"`
}

// errSignupClosed answers a sign-up where ONAIR_SIGNUP=closed.
var errSignupClosed = onair.Errorf(onair.ErrForbidden, "signup_closed",
	"sign-up is closed on this server: its operator makes host accounts with the command onair host create")

func (s *Server) signup(w http.ResponseWriter, r *http.Request) error {
	if s.signupClosed {
		return errSignupClosed
	}
	var c onair.Credentials
	if err := decodeJSON(r, &c); err != nil {
		return err
	}
	if err := s.throttleAuth(r); err != nil {
		return err
	}
	h, err := accounts.SignUp(r.Context(), s.store, c, s.clock())
	if err != nil {
		return err
	}
	token, err := accounts.NewToken(r.Context(), s.store, h.ID, s.clock())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, authResponse{viewHost(h), token})
	return nil
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	var c onair.Credentials
	if err := decodeJSON(r, &c); err != nil {
		return err
	}
	h, err := s.checkLogin(r, c)
	if err != nil {
		return err
	}
	token, err := accounts.NewToken(r.Context(), s.store, h.ID, s.clock())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, authResponse{viewHost(h), token})
	return nil
}

// Sign-in limits, per process: failed logins per email and address, and
// sign-in attempts of any kind per address.
const (
	maxFailedLogins = 10
	maxAuthPerIP    = 600 // generous: a proxy puts many clients behind one address
	authWindow      = 15 * time.Minute
)

// throttleAuth counts one sign-in attempt of the client's address and
// refuses it when the address has made too many.
func (s *Server) throttleAuth(r *http.Request) error {
	key, now := "ip|"+addrKey(s.clientAddr(r)), s.clock()
	if blocked, wait := s.authPerIP.Blocked(key, now); blocked {
		return onair.RetryAfter(onair.Errorf(onair.ErrTooManyRequests, "rate_limited",
			"too many sign-in attempts from this address; try again later"), wait)
	}
	s.authPerIP.Add(key, now)
	return nil
}

// checkLogin checks credentials within the limits. A failure is counted
// before the password is checked, so that parallel guesses cannot slip past
// the limit; the limit is per email and address, so that nobody can lock a
// host out from elsewhere.
func (s *Server) checkLogin(r *http.Request, c onair.Credentials) (onair.Host, error) {
	if err := s.throttleAuth(r); err != nil {
		return onair.Host{}, err
	}
	key, now := onair.NormalizeEmail(c.Email)+"|"+addrKey(s.clientAddr(r)), s.clock()
	if blocked, wait := s.loginFail.Blocked(key, now); blocked {
		return onair.Host{}, onair.RetryAfter(onair.Errorf(onair.ErrTooManyRequests, "rate_limited",
			"too many failed logins for this email; try again later"), wait)
	}
	s.loginFail.Add(key, now)
	h, err := accounts.LogIn(r.Context(), s.store, c)
	if err == nil {
		s.loginFail.Forget(key)
	}
	return h, err
}

// authenticate finds the host behind the request's bearer token.
func (s *Server) authenticate(r *http.Request) (onair.Host, error) {
	authz := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(authz, " ")
	if authz == "" {
		// The dashboard's own scripts call the API with the session
		// cookie; a change then needs the CSRF token too.
		if host, ok := s.sessionHost(r); ok {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				if err := s.checkCSRF(r); err != nil {
					return onair.Host{}, err
				}
			}
			return host, nil
		}
		return onair.Host{}, onair.Errorf(onair.ErrUnauthorized, "unauthorized", "sign in: send Authorization: Bearer <api token>")
	}
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return onair.Host{}, onair.Errorf(onair.ErrUnauthorized, "unauthorized", "the Authorization header must be Bearer <api token>")
	}
	h, err := s.store.HostByToken(r.Context(), onair.HashToken(token), store.TokenAPI, s.clock())
	if errors.Is(err, onair.ErrUnauthorized) {
		return h, onair.Errorf(onair.ErrUnauthorized, "unauthorized", "the API token is not valid")
	}
	return h, err
}

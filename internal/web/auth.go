package web

import (
	"errors"
	"math"
	"net/http"
	"strings"

	"github.com/onair-live/onair/internal/accounts"
	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
)

// hostJSON is a host as the API shows it.
type hostJSON struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	CreatedAt string `json:"created_at"`
}

func viewHost(h onair.Host) hostJSON {
	return hostJSON{ID: h.ID, Email: h.Email, CreatedAt: formatTime(h.CreatedAt)}
}

type authResponse struct {
	Host  hostJSON `json:"host"`
	Token string   `json:"token"`
}

func (s *Server) signup(w http.ResponseWriter, r *http.Request) error {
	var c onair.Credentials
	if err := decodeJSON(r, &c); err != nil {
		return err
	}
	h, token, err := accounts.SignUp(r.Context(), s.store, c, s.clock())
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
	key := onair.NormalizeEmail(c.Email)
	now := s.clock()
	if blocked, wait := s.loginFail.Blocked(key, now); blocked {
		return retryAfter{onair.Errorf(onair.ErrTooManyRequests, "rate_limited",
			"too many failed logins for this email; try again later"), int(math.Ceil(wait.Seconds()))}
	}
	h, token, err := accounts.LogIn(r.Context(), s.store, c, now)
	if errors.Is(err, accounts.ErrBadCredentials) {
		s.loginFail.Add(key, now)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, authResponse{viewHost(h), token})
	return nil
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

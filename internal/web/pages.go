package web

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/web/site"
)

// page is the data every page template gets.
type page = site.Page

// render writes page name with p, with the CSRF token its forms echo.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) error {
	if p.CSRF == "" {
		p.CSRF = s.csrfToken(w, r)
	}
	return s.pages.Render(w, status, name, p)
}

// Cookies of the pages.
const (
	sessionCookie = "onair_session"
	csrfCookie    = "onair_csrf"
	sessionTTL    = 30 * 24 * time.Hour
)

// secureCookies is true when onair is reached over https.
func (s *Server) secureCookies() bool { return strings.HasPrefix(s.appURL, "https://") }

// csrfToken returns the request's CSRF token, setting the cookie that holds
// it when there is none yet. Forms echo it in csrf_token and scripts in the
// X-CSRF-Token header; with SameSite=Lax cookies, another site can neither
// read it nor send it (the double-submit pattern).
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == csrfTokenLen {
		return c.Value
	}
	return s.newCSRFToken(w)
}

// csrfTokenLen is the length of the tokens newCSRFToken makes.
const csrfTokenLen = 32

// newCSRFToken sets a new CSRF cookie: on every sign-in and sign-out, so
// that a token read before cannot serve the next person on the browser.
func (s *Server) newCSRFToken(w http.ResponseWriter) string {
	token := onair.RandomString(24)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.secureCookies(), SameSite: http.SameSiteLaxMode})
	return token
}

// checkCSRF verifies a state-changing request made with cookies.
func (s *Server) checkCSRF(r *http.Request) error {
	c, err := r.Cookie(csrfCookie)
	sent := r.Header.Get("X-CSRF-Token")
	if sent == "" {
		sent = r.PostFormValue("csrf_token")
	}
	if err != nil || len(c.Value) != csrfTokenLen || subtle.ConstantTimeCompare([]byte(c.Value), []byte(sent)) != 1 {
		return onair.Errorf(onair.ErrForbidden, "csrf", "the form has expired; reload the page and try again")
	}
	return nil
}

// sessionHost finds the host signed in with the session cookie.
func (s *Server) sessionHost(r *http.Request) (onair.Host, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return onair.Host{}, false
	}
	h, err := s.store.HostByToken(r.Context(), onair.HashToken(c.Value), store.TokenSession, s.clock())
	return h, err == nil
}

// startSession signs host in on this browser.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	token := onair.RandomString(32)
	now := s.clock()
	expires := now.Add(sessionTTL)
	if err := s.store.CreateToken(r.Context(), onair.HashToken(token), host.ID, store.TokenSession, now, &expires); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", Expires: expires, HttpOnly: true,
		Secure: s.secureCookies(), SameSite: http.SameSiteLaxMode})
	s.newCSRFToken(w)
	return nil
}

// hostPageHandler is a page for a signed-in host.
type hostPageHandler func(w http.ResponseWriter, r *http.Request, p page) error

// hostPage adapts h: without a session, the browser goes to the login page
// and comes back after; a POST must carry the CSRF token.
func (s *Server) hostPage(h hostPageHandler) http.Handler {
	return s.page(func(w http.ResponseWriter, r *http.Request) error {
		host, ok := s.sessionHost(r)
		if !ok {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return nil
		}
		if r.Method == http.MethodPost {
			if err := s.checkCSRF(r); err != nil {
				return err
			}
		}
		return h(w, r, page{Host: &host, CSRF: s.csrfToken(w, r)})
	})
}

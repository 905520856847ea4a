package web

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/web/ui"
)

// page is the data every page template gets.
type page struct {
	Title string
	Host  *onair.Host // the signed-in host, or nil
	CSRF  string
	Flash string
	Data  any
}

// templateFuncs are the helpers templates may call.
var templateFuncs = template.FuncMap{
	// inZone formats t in an IANA zone with the zone named, as messages do.
	"inZone":  func(t time.Time, zone string) string { return notify.FormatTime(t, zone) },
	"rfc3339": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"pct": func(part, whole int) int {
		if whole <= 0 {
			return 0
		}
		return min(100, part*100/whole)
	},
	"deref": func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	},
	"query": url.QueryEscape,
	// mul100 turns a fraction into a percentage.
	"mul100": func(f float64) float64 { return f * 100 },
	// cents formats an amount in cents as a plain number with two decimals.
}

// loadPages parses the layout and partials once, and each page on top of a
// copy of them.
func loadPages() (map[string]*template.Template, error) {
	names, err := fs.Glob(ui.FS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	base := template.New("").Funcs(templateFuncs)
	var pages []string
	for _, n := range names {
		if strings.HasPrefix(path.Base(n), "_") || path.Base(n) == "layout.html" {
			if _, err := base.ParseFS(ui.FS, n); err != nil {
				return nil, err
			}
			continue
		}
		pages = append(pages, n)
	}
	out := map[string]*template.Template{}
	for _, n := range pages {
		t, err := template.Must(base.Clone()).ParseFS(ui.FS, n)
		if err != nil {
			return nil, err
		}
		out[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return out, nil
}

// render writes page name with p. It renders into a buffer first, so that a
// template error becomes a clean 500 page, not half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) error {
	t := s.pages[name]
	if t == nil {
		return fmt.Errorf("no page template %q", name)
	}
	if p.CSRF == "" {
		p.CSRF = s.csrfToken(w, r)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("rendering %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
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

// safeNext keeps a post-login redirect on this site's dashboard: a path
// with no scheme, no host and no control character (a browser drops a tab,
// so "/\t/evil.example" would become "//evil.example").
func safeNext(next string) string {
	const home = "/dashboard/events"
	if strings.IndexFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) >= 0 {
		return home
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || !strings.HasPrefix(u.Path, "/dashboard/") ||
		strings.HasPrefix(u.Path, "//") {
		return home
	}
	return u.RequestURI()
}

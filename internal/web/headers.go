package web

import (
	"crypto/subtle"
	"io/fs"
	"net/http"
	"strings"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/web/ui"
)

// contentPolicy is the Content-Security-Policy of a response. Scripts
// and styles come only from onair's own files (ui/static): no inline
// script, no handler attribute, no inline style, so that text a registrant
// or a host typed can never run, even where escaping failed. Images may
// come from https (a host's logo), frames only from https (the event's
// stream on the watch page); forms post only to onair itself. Unless
// framable, no page may be framed (clickjacking). emailStyles lets the
// inline styles of an email show in a preview: an <iframe srcdoc> inherits
// the policy of its page, and emails are styled inline (scripts stay
// forbidden there as everywhere).
func contentPolicy(framable, emailStyles bool) string {
	style := "style-src 'self'"
	if emailStyles {
		style += " 'unsafe-inline'"
	}
	p := "default-src 'self'; script-src 'self'; " + style + "; img-src 'self' https: data:; frame-src https:; " +
		"object-src 'none'; base-uri 'none'; form-action 'self'"
	if !framable {
		p += "; frame-ancestors 'none'"
	}
	return p
}

// secureHeaders sets the security headers of every response; a handler
// loosens them only where its page needs it (allowFraming,
// allowEmailStyles).
func (s *Server) secureHeaders(next http.Handler) http.Handler {
	https := strings.HasPrefix(s.appURL, "https://")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentPolicy(false, false))
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		if https {
			// A year, for this host only: the operator's other subdomains
			// are not onair's to decide.
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// allowFraming lets any site frame the response: the registration page,
// which a host embeds on their own site.
func allowFraming(w http.ResponseWriter) {
	w.Header().Set("Content-Security-Policy", contentPolicy(true, false))
	w.Header().Del("X-Frame-Options")
}

// allowEmailStyles lets the page's email previews keep their inline styles.
func allowEmailStyles(w http.ResponseWriter) {
	w.Header().Set("Content-Security-Policy", contentPolicy(false, true))
}

// staticFiles serves ui/static: files only, never a listing of a
// directory (GET /static/ is a 404, as is any other directory).
func (s *Server) staticFiles() http.Handler {
	files := http.FileServerFS(ui.FS)
	return s.api(func(w http.ResponseWriter, r *http.Request) error {
		if st, err := fs.Stat(ui.FS, strings.TrimPrefix(r.URL.Path, "/")); err != nil || st.IsDir() {
			return onair.Errorf(onair.ErrNotFound, "not_found", "no such file")
		}
		files.ServeHTTP(w, r)
		return nil
	})
}

// metricsEndpoint serves /metrics, behind ONAIR_METRICS_TOKEN when it is
// set (compared in constant time).
func (s *Server) metricsEndpoint() http.Handler {
	metrics := s.metrics.Handler()
	return s.api(func(w http.ResponseWriter, r *http.Request) error {
		if s.metricsToken != "" {
			scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
			if !strings.EqualFold(scheme, "Bearer") ||
				subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(s.metricsToken)) != 1 {
				return onair.Errorf(onair.ErrUnauthorized, "unauthorized", "send Authorization: Bearer $ONAIR_METRICS_TOKEN")
			}
		}
		metrics.ServeHTTP(w, r)
		return nil
	})
}

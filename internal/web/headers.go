package web

import (
	"crypto/subtle"
	"io/fs"
	"net/http"
	"strings"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/web/site"
	"github.com/onair-live/onair/internal/web/ui"
)

// secureHeaders sets the security headers of every response; a handler
// loosens them only where its page needs it (allowFraming, and the
// dashboard's site.AllowEmailStyles).
func (s *Server) secureHeaders(next http.Handler) http.Handler {
	https := strings.HasPrefix(s.appURL, "https://")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", site.ContentPolicy(false, false))
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
	w.Header().Set("Content-Security-Policy", site.ContentPolicy(true, false))
	w.Header().Del("X-Frame-Options")
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

package web

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
	"time"

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

// favicon serves /favicon.ico, which every browser asks for on every
// site: onair's icon (ui/static/favicon.ico), cached for a week, with an
// ETag to revalidate it by.
func (s *Server) favicon() http.Handler {
	icon, err := fs.ReadFile(ui.FS, "static/favicon.ico")
	if err != nil {
		panic("the embedded favicon is missing: " + err.Error())
	}
	sum := sha256.Sum256(icon)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "image/x-icon")
		h.Set("Cache-Control", "public, max-age=604800")
		h.Set("ETag", etag)
		http.ServeContent(w, r, "favicon.ico", time.Time{}, bytes.NewReader(icon))
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

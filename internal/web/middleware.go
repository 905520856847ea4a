package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// recoverer turns a panic into a logged 500 instead of a dropped connection.
// No input should ever reach it; it is the last line, not a mechanism.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.fail(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs each request by route, never by raw URL: query strings
// carry viewers' tokens.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		d := time.Since(start)
		s.metrics.Request(route, r.Method, rec.status, d)
		s.log.DebugContext(r.Context(), "http", "method", r.Method, "route", route, "status", rec.status, "duration", d)
	})
}

// limitBody caps every request body; reading past the cap fails with a
// *http.MaxBytesError, which becomes a 413.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBody {
			s.fail(w, r, &http.MaxBytesError{Limit: maxBody})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		next.ServeHTTP(w, r)
	})
}

// fallback answers requests that match no route (404) or no method of their
// route (405) as the API's JSON or as a page (see wantsPage), instead of the
// mux's plain text.
func (s *Server) fallback(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		probe := &headerProbe{header: http.Header{}}
		mux.ServeHTTP(probe, r)
		if probe.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", probe.header.Get("Allow"))
			if wantsPage(r) {
				renderSimplePage(w, http.StatusMethodNotAllowed, simplePage{Title: http.StatusText(http.StatusMethodNotAllowed),
					Message: "This page cannot be reached that way."})
				return
			}
			writeJSON(w, http.StatusMethodNotAllowed, errorBody{errorDetail{Code: "method_not_allowed",
				Message: r.Method + " is not allowed here; allowed: " + probe.header.Get("Allow")}})
			return
		}
		if probe.status == http.StatusMovedPermanently || probe.status == http.StatusTemporaryRedirect || probe.status == http.StatusPermanentRedirect {
			// The mux cleans paths ("//x" → "/x") with a redirect; keep it.
			mux.ServeHTTP(w, r)
			return
		}
		s.fail(w, r, onair.Errorf(onair.ErrNotFound, "not_found", "no such route: %s %s", r.Method, strings.ToValidUTF8(r.URL.Path, "?")))
	})
}

// headerProbe records what the mux would answer without sending it.
type headerProbe struct {
	header http.Header
	status int
}

func (p *headerProbe) Header() http.Header         { return p.header }
func (p *headerProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *headerProbe) WriteHeader(code int)        { p.status = code }

package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/onair-live/onair/internal/locale"
	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/web/site"
)

// errorBody is the JSON shape of every error the API returns.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// describe turns any error into a status and the body the client sees,
// by site.Describe's table.
func describe(err error) (int, errorDetail) {
	status, d := site.Describe(err)
	return status, errorDetail(d)
}

// fail answers r with err in the form its address speaks: an HTML page
// for the pages a browser shows, JSON for the API. The middleware uses it,
// before any route's own adapter has had its say.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if wantsPage(r) {
		s.writeErrorPage(w, r, err, notFoundPage, locale.For(onair.English))
		return
	}
	s.writeError(w, r, err)
}

// wantsPage reports whether r is for a page rather than for the API: every
// address but the API's, the providers' callbacks, the calendar files,
// the static files, the probes and the watch page's own JSON calls.
func wantsPage(r *http.Request) bool {
	p := r.URL.Path
	for _, dir := range []string{"/api", "/webhooks", "/events", "/static"} {
		if p == dir || strings.HasPrefix(p, dir+"/") {
			return false
		}
	}
	switch p {
	case "/healthz", "/readyz", "/metrics":
		return false
	}
	return !(strings.HasPrefix(p, "/watch/") && (strings.HasSuffix(p, "/heartbeat") || strings.HasSuffix(p, "/join")))
}

// writeError answers r with err as JSON.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, d := describe(err)
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "route", r.Pattern, "err", err)
	}
	setRetryAfter(w, err, status)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="onair"`)
	}
	writeJSON(w, status, errorBody{d})
}

// setRetryAfter tells the client of a 429 when to try again: as err says,
// or in a second.
func setRetryAfter(w http.ResponseWriter, err error, status int) {
	if secs, ok := onair.RetrySeconds(err); ok {
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	} else if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
}

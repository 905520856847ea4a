package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/onair-live/onair/internal/store/storetest"
)

// An error at a page's address is a page; at the API's, JSON. A 404 of
// the site says there is nothing there; of a link from a message, that the
// link is not valid.
func TestErrorPagesSpeakTheirAddress(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		host, _ := dashSignup(t, a)
		const unknown = "00000000-0000-4000-8000-000000000000"
		page := func(t *testing.T, status int, body string, h http.Header, wantStatus int, words string) {
			t.Helper()
			if status != wantStatus || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(body, words) ||
				!strings.Contains(body, "<!doctype html>") {
				t.Errorf("%d %s; want a %d page saying %q:\n%s", status, h.Get("Content-Type"), wantStatus, words, body)
			}
		}
		const nothing, badLink = "There is nothing at this address", "This link is not valid"

		t.Run("an unknown event on the dashboard is not found", func(t *testing.T) {
			status, body, h := host.in(t).get("/dashboard/events/" + unknown)
			page(t, status, body, h, http.StatusNotFound, nothing)
			status, body, h = host.in(t).get("/dashboard/events/" + unknown + "/registrants/" + unknown)
			page(t, status, body, h, http.StatusNotFound, nothing)
		})
		t.Run("an address of no route is a page", func(t *testing.T) {
			for _, path := range []string{"/nowhere", "/dashboard/nothing/here", "/register/" + unknown + "/more"} {
				status, body, h := newViewerBrowser(t, a).get(path)
				page(t, status, body, h, http.StatusNotFound, nothing)
			}
		})
		t.Run("a page asked with a method it does not take", func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodDelete, a.URL+"/login", nil)
			status, body, h := newViewerBrowser(t, a).do(req)
			page(t, status, body, h, http.StatusMethodNotAllowed, "cannot be reached that way")
			if allow := h.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
				t.Errorf("Allow: %q", allow)
			}
		})
		t.Run("a form too large is a page", func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, a.URL+"/login", bytes.NewReader(bytes.Repeat([]byte("a"), 2<<20)))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			status, body, h := newViewerBrowser(t, a).do(req)
			page(t, status, body, h, http.StatusRequestEntityTooLarge, "larger than")
		})
		t.Run("a broken link from a message says so", func(t *testing.T) {
			status, body, h := newViewerBrowser(t, a).get("/u/not-a-token")
			page(t, status, body, h, http.StatusNotFound, badLink)
		})
		t.Run("the API and the watch page's calls answer JSON", func(t *testing.T) {
			for _, c := range []struct{ method, path string }{
				{"GET", "/api/nowhere"}, {"GET", "/api/events/" + unknown + "/nothing"},
				{"DELETE", "/api/auth/login"}, {"GET", "/watch/" + unknown + "/heartbeat"}, {"GET", "/webhooks/nothing"},
			} {
				status, raw, h := a.raw(c.method, c.path, "", nil)
				if status < 400 || status >= 500 || !strings.HasPrefix(h.Get("Content-Type"), "application/json") ||
					!strings.Contains(string(raw), `"error"`) {
					t.Errorf("%s %s: %d %s %s; want a JSON error", c.method, c.path, status, h.Get("Content-Type"), raw)
				}
			}
		})
	})
}

package main

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/store/storetest"
)

// Inline script, handler attributes and inline styles, which the pages'
// Content-Security-Policy forbids (an external <script src> is fine).
var (
	scriptRE        = regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script>`)
	handlerAttrRE   = regexp.MustCompile(`(?i)<[a-z][^>]*\son[a-z]+\s*=`)
	styleAttrRE     = regexp.MustCompile(`(?i)<[a-z][^>]*\sstyle\s*=|<style\b`)
	javascriptURLRE = regexp.MustCompile(`(?i)(href|src|action)\s*=\s*"\s*javascript:`)
)

// What API.md promises of every page: a Content-Security-Policy without
// inline script, nosniff, a Referrer-Policy, and no framing but of the
// registration page.
func TestPagesSecurityHeaders(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		host, token := dashSignup(t, a)
		id := a.createEvent(token, map[string]any{"stream_url": "https://stream.example.com/live/1"})["id"].(string)
		viewer := registerViewer(t, a, id, "ada@example.com")
		a.expect(http.StatusOK, "POST", "/api/events/"+id+"/start", token, nil)
		var unsubscribe string
		waitFor(t, 30*time.Second, "the confirmation in the outbox", func() (bool, string) {
			out := a.expect(http.StatusOK, "GET", "/api/outbox?event_id="+id, token, nil)
			for _, m := range out["messages"].([]any) {
				text, _ := m.(map[string]any)["text"].(string)
				if u := regexp.MustCompile(regexp.QuoteMeta(testAppURL) + `(/u/[^\s"<]+)`).FindStringSubmatch(text); u != nil {
					unsubscribe = u[1]
				}
			}
			return unsubscribe != "", fmt.Sprint(out)
		})

		pages := []struct {
			name, path string
			host       bool // signed in
			framable   bool
			styles     bool // shows email previews, styled inline
		}{
			{name: "login", path: "/login"},
			{name: "signup", path: "/signup"},
			{name: "events", path: "/dashboard/events", host: true},
			{name: "event", path: "/dashboard/events/" + id, host: true},
			{name: "outbox", path: "/dashboard/outbox", host: true, styles: true},
			{name: "wizard", path: "/dashboard/events/create", host: true},
			{name: "registration", path: "/register/" + id, framable: true},
			{name: "watch", path: "/watch/" + id + "?token=" + url.QueryEscape(viewer)},
			{name: "unsubscribe", path: unsubscribe},
			{name: "a page of an unknown event", path: "/register/00000000-0000-4000-8000-000000000000", framable: true},
			{name: "an unknown watch link", path: "/watch/" + id + "?token=nope"},
			{name: "an unknown route", path: "/nowhere"},
		}
		for _, p := range pages {
			t.Run(p.name, func(t *testing.T) {
				var status int
				var body string
				var h http.Header
				if p.host {
					status, body, h = host.in(t).get(p.path)
				} else {
					status, body, h = newViewerBrowser(t, a).get(p.path)
				}
				if status >= 300 && status < 400 {
					t.Fatalf("GET %s: %d to %s", p.path, status, h.Get("Location"))
				}
				csp := h.Get("Content-Security-Policy")
				for _, want := range []string{"script-src 'self';", "object-src 'none'", "base-uri 'none'", "default-src 'self'"} {
					if !strings.Contains(csp, want) {
						t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
					}
				}
				if strings.Contains(csp, "unsafe-eval") || strings.Contains(strings.Split(strings.SplitAfter(csp, "script-src")[1], ";")[0], "unsafe-inline") {
					t.Errorf("Content-Security-Policy %q lets inline script run", csp)
				}
				if got := strings.Contains(csp, "'unsafe-inline'"); got != p.styles {
					t.Errorf("inline styles allowed: %v, want %v (%q)", got, p.styles, csp)
				}
				if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
					t.Errorf("X-Content-Type-Options %q, Referrer-Policy %q", h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"))
				}
				framed := strings.Contains(csp, "frame-ancestors 'none'") || h.Get("X-Frame-Options") == "DENY"
				if p.framable && (framed || strings.Contains(csp, "frame-ancestors") || h.Get("X-Frame-Options") != "") {
					t.Errorf("the registration page may not be framed: X-Frame-Options %q, %q", h.Get("X-Frame-Options"), csp)
				}
				if !p.framable && (!strings.Contains(csp, "frame-ancestors 'none'") || h.Get("X-Frame-Options") != "DENY") {
					t.Errorf("the page may be framed: X-Frame-Options %q, %q", h.Get("X-Frame-Options"), csp)
				}
				if h.Get("Strict-Transport-Security") != "" {
					t.Errorf("Strict-Transport-Security %q with an http APP_URL", h.Get("Strict-Transport-Security"))
				}
				if !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
					return
				}
				page := body
				if p.styles {
					// The previews' own markup is the emails', inside srcdoc.
					page = regexp.MustCompile(`srcdoc="[^"]*"`).ReplaceAllString(page, `srcdoc=""`)
				}
				for _, m := range scriptRE.FindAllStringSubmatch(page, -1) {
					if !strings.Contains(m[1], "src=") || strings.TrimSpace(m[2]) != "" {
						t.Errorf("the page has an inline script: %s", m[0])
					}
				}
				for what, re := range map[string]*regexp.Regexp{"a handler attribute": handlerAttrRE, "an inline style": styleAttrRE, "a javascript: URL": javascriptURLRE} {
					if m := re.FindString(page); m != "" {
						t.Errorf("the page has %s: %s", what, m)
					}
				}
			})
		}

		t.Run("the stream is a sandboxed frame", func(t *testing.T) {
			b := newViewerBrowser(t, a)
			_, body, _ := b.get("/watch/" + id + "?token=" + url.QueryEscape(viewer))
			m := regexp.MustCompile(`<iframe src="https://stream.example.com/live/1"[^>]*>`).FindString(body)
			if m == "" {
				t.Fatalf("no stream frame:\n%s", body)
			}
			if !strings.Contains(m, `sandbox="allow-scripts allow-same-origin allow-presentation"`) || !strings.Contains(m, "fullscreen") {
				t.Errorf("the stream frame: %s", m)
			}
		})

		t.Run("no directory is listed under /static/", func(t *testing.T) {
			for _, path := range []string{"/static/", "/static", "/static/style.css/", "/static/..%2Ftemplates/"} {
				if status, _, _ := a.raw("GET", path, "", nil); status != http.StatusNotFound {
					t.Errorf("GET %s: %d, want 404", path, status)
				}
			}
			for _, path := range []string{"/static/style.css", "/static/app.js"} {
				if status, _, h := a.raw("GET", path, "", nil); status != http.StatusOK || h.Get("X-Content-Type-Options") != "nosniff" {
					t.Errorf("GET %s: %d, %v", path, status, h)
				}
			}
		})
	})
}

func TestHSTSAndMetricsToken(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, map[string]string{"APP_URL": "https://onair.test", "ONAIR_METRICS_TOKEN": "metrics-secret"})
		for _, path := range []string{"/login", "/healthz", "/static/style.css"} {
			if _, _, h := a.raw("GET", path, "", nil); !strings.HasPrefix(h.Get("Strict-Transport-Security"), "max-age=") {
				t.Errorf("GET %s: Strict-Transport-Security %q with an https APP_URL", path, h.Get("Strict-Transport-Security"))
			}
		}
		for name, token := range map[string]string{"no token": "", "a wrong token": "metrics-secre", "an API token": a.signup()} {
			status, body, h := a.raw("GET", "/metrics", token, nil)
			if status != http.StatusUnauthorized || !strings.Contains(string(body), `"unauthorized"`) || h.Get("WWW-Authenticate") == "" {
				t.Errorf("/metrics with %s: %d %.200s", name, status, body)
			}
		}
		status, body, _ := a.raw("GET", "/metrics", "metrics-secret", nil)
		if status != http.StatusOK || !strings.Contains(string(body), "onair_http_requests_total") {
			t.Errorf("/metrics with its token: %d %.200s", status, body)
		}
	})
}

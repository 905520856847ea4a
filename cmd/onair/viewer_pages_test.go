package main

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/onair-live/onair/internal/store/storetest"
)

func TestViewerPages(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		token := a.signup()
		ev := a.createEvent(token, map[string]any{"max_registrations": 5, "timezone": "Europe/Berlin",
			"description": "All about the launch", "stream_url": "https://stream.example.com/live/1"})
		id := ev["id"].(string)

		t.Run("the page shows an open event and its spots", func(t *testing.T) {
			b := newViewerBrowser(t, a)
			status, body, _ := b.get("/register/" + id + "?utm_source=newsletter")
			if status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			for _, want := range []string{"Product Launch Webinar", "All about the launch", "5 spots left",
				`<progress class="progress" aria-label="Spots taken" max="100" value="0"`, `action="/register/` + id + `"`, `name="csrf_token"`,
				`name="timezone"`, `name="source" value="newsletter"`, `autocomplete="given-name"`,
				`<time datetime="` + ev["scheduled_start"].(string) + `">`} {
				if !strings.Contains(body, want) {
					t.Errorf("the page lacks %q", want)
				}
			}
			if !regexp.MustCompile(`\bCES?T</time>`).MatchString(body) {
				t.Errorf("the start is not shown in the event's zone")
			}
			if viewerClosedShown(body) != "" {
				t.Errorf("an open event shows the closed state %q", viewerClosedShown(body))
			}
		})

		t.Run("an unknown event is a 404 page", func(t *testing.T) {
			status, body, _ := newViewerBrowser(t, a).get("/register/00000000-0000-0000-0000-000000000000")
			if status != http.StatusNotFound || !strings.Contains(body, "Event not found") {
				t.Errorf("status %d: %s", status, body)
			}
		})

		form := url.Values{"first_name": {"Grace<script>alert(1)</script>"}, "last_name": {"Hopper"},
			"email": {"grace@example.com"}, "phone": {""}, "company": {"Navy"},
			"timezone": {"Asia/Kathmandu"}, "source": {"newsletter"}}
		var watchURL string
		t.Run("registering through the form shows the watch link", func(t *testing.T) {
			b := newViewerBrowser(t, a)
			status, body, done := b.register("/register/"+id, form)
			if status != http.StatusOK || done == "" {
				t.Fatalf("status %d at %q: %s", status, done, body)
			}
			m := regexp.MustCompile(`data-copy="(` + regexp.QuoteMeta(testAppURL) + `/watch/[^"]+)"`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no watch link with a copy button in %s", body)
			}
			watchURL = html.UnescapeString(m[1])
			for _, want := range []string{"/api/registrations/ics?token=", "https://calendar.google.com/calendar/render?",
				"grace@example.com", "GMT+5:45"} {
				if !strings.Contains(html.UnescapeString(body), want) {
					t.Errorf("the success page lacks %q", want)
				}
			}
			if strings.Contains(body, "<script>alert") || !strings.Contains(body, "Grace&lt;script&gt;") {
				t.Errorf("the name is not escaped on the success page")
			}
		})

		t.Run("the host sees the registrant with the timezone and source sent", func(t *testing.T) {
			out := a.expect(http.StatusOK, "GET", "/api/events/"+id+"/registrations", token, nil)
			regs := out["registrations"].([]any)
			if len(regs) != 1 {
				t.Fatalf("got %v", out)
			}
			r := regs[0].(map[string]any)
			if r["timezone"] != "Asia/Kathmandu" || r["source"] != "newsletter" || r["email"] != "grace@example.com" ||
				r["first_name"] != "Grace<script>alert(1)</script>" {
				t.Errorf("got %v", r)
			}
		})

		t.Run("a second registration shows the success screen that says the link went again, and nothing of the first", func(t *testing.T) {
			a.expect(http.StatusConflict, "POST", "/api/events/"+id+"/register", "", map[string]string{"email": "GRACE@example.com"})
			b := newViewerBrowser(t, a)
			again := url.Values{"email": {"Grace@Example.com"}, "first_name": {"Someone"}}
			status, body, done := b.register("/register/"+id, again)
			if status != http.StatusOK || done == "" {
				t.Fatalf("status %d at %q", status, done)
			}
			if !strings.Contains(body, "we sent your link again") {
				t.Errorf("the page does not say the link went again: %s", body)
			}
			if strings.Contains(body, "/watch/") || strings.Contains(body, "Hopper") {
				t.Errorf("the conflict reveals the first registration: %s", body)
			}
		})

		t.Run("invalid fields are marked inline with a 422", func(t *testing.T) {
			b := newViewerBrowser(t, a)
			status, body, _ := b.submit("/register/"+id, url.Values{"email": {"not an email"}, "first_name": {"Kept"}})
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d", status)
			}
			for _, want := range []string{`aria-invalid="true" aria-describedby="reg-email-error"`, `id="reg-email-error"`, `value="Kept"`} {
				if !strings.Contains(body, want) {
					t.Errorf("the page lacks %q", want)
				}
			}
		})

		t.Run("a post without the CSRF token is refused", func(t *testing.T) {
			status, _, _ := newViewerBrowser(t, a).post("/register/"+id, url.Values{"email": {"csrf@example.com"}})
			if status != http.StatusForbidden {
				t.Errorf("status %d", status)
			}
		})

		t.Run("a full event shows its state and no form", func(t *testing.T) {
			full := a.createEvent(token, map[string]any{"max_registrations": 1})["id"].(string)
			b := newViewerBrowser(t, a)
			form := b.fill("/register/"+full, url.Values{"email": {"late@example.com"}}) // opened while a spot was left
			a.expect(http.StatusCreated, "POST", "/api/events/"+full+"/register", "", map[string]string{"email": "first@example.com"})
			status, body, _ := b.get("/register/" + full)
			if status != http.StatusOK || viewerClosedShown(body) != "full" || viewerHasForm(body) || !strings.Contains(body, "0 spots left") {
				t.Errorf("status %d, state %q, form %v", status, viewerClosedShown(body), viewerHasForm(body))
			}
			status, body, _ = b.post("/register/"+full, form)
			if status != http.StatusConflict || viewerClosedShown(body) != "full" {
				t.Errorf("registering: status %d, state %q", status, viewerClosedShown(body))
			}
		})

		t.Run("a cancelled event shows its state and no form", func(t *testing.T) {
			gone := a.createEvent(token, nil)["id"].(string)
			b := newViewerBrowser(t, a)
			form := b.fill("/register/"+gone, url.Values{"email": {"late@example.com"}})
			a.expect(http.StatusOK, "POST", "/api/events/"+gone+"/cancel", token, map[string]any{})
			status, body, _ := b.get("/register/" + gone)
			if status != http.StatusOK || viewerClosedShown(body) != "cancelled" || viewerHasForm(body) {
				t.Errorf("status %d, state %q, form %v", status, viewerClosedShown(body), viewerHasForm(body))
			}
			status, body, _ = b.post("/register/"+gone, form)
			if status != http.StatusGone || viewerClosedShown(body) != "cancelled" {
				t.Errorf("registering: status %d, state %q", status, viewerClosedShown(body))
			}
		})

		t.Run("the watch link shows the page and sets the cookie", func(t *testing.T) {
			if watchURL == "" {
				t.Skip("no watch link")
			}
			b := newViewerBrowser(t, a)
			status, body, h := b.get(strings.TrimPrefix(watchURL, testAppURL))
			if status != http.StatusOK || h.Get("Referrer-Policy") != "no-referrer" || h.Get("Cache-Control") != "no-store" ||
				!strings.Contains(body, `data-countdown="`) {
				t.Fatalf("status %d, Referrer-Policy %q, Cache-Control %q", status, h.Get("Referrer-Policy"), h.Get("Cache-Control"))
			}
			cookie := h.Get("Set-Cookie")
			for _, want := range []string{"onair_watch=", "Path=/watch/" + id, "HttpOnly", "SameSite=Lax"} {
				if !strings.Contains(cookie, want) {
					t.Errorf("Set-Cookie %q lacks %q", cookie, want)
				}
			}

			status, body, h = b.get("/watch/" + id)
			if status != http.StatusOK || h.Get("Referrer-Policy") != "no-referrer" {
				t.Fatalf("status %d, Referrer-Policy %q", status, h.Get("Referrer-Policy"))
			}
			if !strings.Contains(body, `data-countdown="`+ev["scheduled_start"].(string)+`"`) || !strings.Contains(html.UnescapeString(body), "GMT+5:45") {
				t.Errorf("no countdown in the viewer's zone before the start: %s", body)
			}
			if strings.Contains(body, "<iframe") {
				t.Error("the stream is shown before the start")
			}

			a.expect(http.StatusOK, "POST", "/api/events/"+id+"/start", token, map[string]any{})
			status, body, _ = b.get("/watch/" + id)
			if status != http.StatusOK || !strings.Contains(body, `<iframe src="https://stream.example.com/live/1"`) ||
				!strings.Contains(body, `allow="autoplay; fullscreen;`) || !strings.Contains(body, `sandbox="allow-scripts allow-same-origin allow-presentation"`) {
				t.Errorf("status %d, no stream iframe once live: %s", status, body)
			}
		})

		t.Run("a live event still takes late joiners on its page", func(t *testing.T) {
			b := newViewerBrowser(t, a)
			_, body, _ := b.get("/register/" + id)
			if viewerClosedShown(body) != "" || !viewerHasForm(body) {
				t.Errorf("state %q, form %v", viewerClosedShown(body), viewerHasForm(body))
			}
			status, body, _ := b.register("/register/"+id, url.Values{"email": {"late-joiner@example.com"}})
			if status != http.StatusOK || !strings.Contains(body, "The event is live now") {
				t.Errorf("status %d: %s", status, body)
			}
		})

		t.Run("a wrong token is a 404 page", func(t *testing.T) {
			b := newViewerBrowser(t, a)
			for _, path := range []string{
				"/watch/" + id + "?token=wrong",
				"/watch/" + id + "?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
				"/watch/" + id,
			} {
				status, body, h := b.get(path)
				if status != http.StatusNotFound || !strings.Contains(body, "This watch link is not valid") ||
					h.Get("Referrer-Policy") != "no-referrer" || strings.Contains(h.Get("Set-Cookie"), "onair_watch") {
					t.Errorf("%s: status %d, Set-Cookie %q: %s", path, status, h.Get("Set-Cookie"), body)
				}
			}
		})

		t.Run("a watch link of another event is a 404 page", func(t *testing.T) {
			if watchURL == "" {
				t.Skip("no watch link")
			}
			other := a.createEvent(token, nil)["id"].(string)
			u, _ := url.Parse(watchURL)
			status, _, _ := newViewerBrowser(t, a).get("/watch/" + other + "?" + u.RawQuery)
			if status != http.StatusNotFound {
				t.Errorf("status %d", status)
			}
		})
	})
}

// viewerBrowser is a browser for the viewer pages: it keeps cookies and
// does not follow redirects.
type viewerBrowser struct {
	t *testing.T
	a *app
	c *http.Client
	// languages, when set, is the Accept-Language of every request.
	languages string
}

func newViewerBrowser(t *testing.T, a *app) *viewerBrowser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &viewerBrowser{t: t, a: a, c: &http.Client{
		Transport: client.Transport, // closed with the app's idle connections
		Timeout:   client.Timeout,
		Jar:       jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

func (b *viewerBrowser) do(req *http.Request) (int, string, http.Header) {
	b.t.Helper()
	if b.languages != "" {
		req.Header.Set("Accept-Language", b.languages)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode >= 500 {
		b.t.Errorf("%s %s: %d (no input may cause a 5xx): %s", req.Method, req.URL.Path, resp.StatusCode, raw)
	}
	return resp.StatusCode, string(raw), resp.Header
}

func (b *viewerBrowser) get(path string) (int, string, http.Header) {
	b.t.Helper()
	req, err := http.NewRequest("GET", b.a.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *viewerBrowser) post(path string, form url.Values) (int, string, http.Header) {
	b.t.Helper()
	req, err := http.NewRequest("POST", b.a.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// join is what the watch page's script sends once the page is in front of
// the viewer: POST /watch/{id}/join, by the page's cookie. It answers
// whether the viewer counts as attended.
func (b *viewerBrowser) join(eventID string) bool {
	b.t.Helper()
	req, err := http.NewRequest("POST", b.a.URL+"/watch/"+eventID+"/join", strings.NewReader("{}"))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	status, body, _ := b.do(req)
	var out struct{ Attended bool }
	if status != http.StatusOK || json.Unmarshal([]byte(body), &out) != nil {
		b.t.Fatalf("join: %d %s", status, body)
	}
	return out.Attended
}

// csrf is the CSRF token of the browser's cookie, which a page sets and its
// form echoes.
func (b *viewerBrowser) csrf() string {
	u, _ := url.Parse(b.a.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "onair_csrf" {
			return c.Value
		}
	}
	return ""
}

// submit fills in the form of the page at path as a browser does: it opens
// the page first for the form's CSRF token.
func (b *viewerBrowser) submit(path string, form url.Values) (int, string, http.Header) {
	b.t.Helper()
	return b.post(path, b.fill(path, form))
}

// register submits the registration form at path and follows the redirect
// that a taken form answers with (303 to the page that says so): it
// returns the page's status and body, and its address. A form that is
// not taken (a closed event, a field to correct) answers at once: its
// status and body, and no address.
func (b *viewerBrowser) register(path string, form url.Values) (int, string, string) {
	b.t.Helper()
	status, body, h := b.submit(path, form)
	if status != http.StatusSeeOther {
		return status, body, ""
	}
	loc := h.Get("Location")
	status, body, _ = b.get(loc)
	return status, body, loc
}

// fill opens the page at path and returns form with the CSRF token of the
// page's form added, to be posted now or later.
func (b *viewerBrowser) fill(path string, form url.Values) url.Values {
	b.t.Helper()
	status, body, _ := b.get(path)
	m := formTokenRE.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		b.t.Fatalf("GET %s: status %d, no CSRF token in the form", path, status)
	}
	filled := url.Values{"csrf_token": {m[1]}}
	for k, v := range form {
		filled[k] = v
	}
	return filled
}

var formTokenRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

var viewerClosedRE = regexp.MustCompile(`data-closed="(\w+)"\s*>`)

// viewerClosedShown is the closed state a registration page shows, or "".
func viewerClosedShown(body string) string {
	if m := viewerClosedRE.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// viewerHasForm reports whether a registration page offers its form.
func viewerHasForm(body string) bool {
	return strings.Contains(body, `<form method="post" action="/register/`)
}

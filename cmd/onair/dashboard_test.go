package main

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/store/storetest"
)

// The host dashboard, driven as a browser without JavaScript drives it:
// links, forms, a cookie jar, and redirects read one at a time.
func TestDashboard(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		host, token := dashSignup(t, a)
		other, otherToken := dashSignup(t, a)

		launchStart := startsIn(2 * time.Hour)
		launch := a.createEvent(token, map[string]any{
			"title": "Dash Launch Party", "scheduled_start": launchStart.Format(time.RFC3339),
			"timezone": "America/New_York", "max_registrations": 10,
		})["id"].(string)
		review := a.createEvent(token, map[string]any{
			"title": "Quarterly Review", "scheduled_start": startsIn(3 * time.Hour).Format(time.RFC3339),
		})["id"].(string)
		a.expect(http.StatusCreated, "POST", "/api/events/"+review+"/register", "", map[string]string{"email": "grace@example.com"})
		for _, reg := range []map[string]string{
			{"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"},
			{"email": "mallory@example.com", "first_name": "<script>alert(1)</script>", "last_name": "Evil"},
		} {
			a.expect(http.StatusCreated, "POST", "/api/events/"+launch+"/register", "", reg)
		}

		t.Run("without a session the dashboard sends to login", func(t *testing.T) {
			a := dashApp(a, t)
			status, _, header := dashNewBrowser(t, a).get("/dashboard/events?status=live")
			if status != http.StatusSeeOther || header.Get("Location") != "/login?next="+url.QueryEscape("/dashboard/events?status=live") {
				t.Errorf("%d to %q", status, header.Get("Location"))
			}
		})

		t.Run("the events list shows each event with its registrations", func(t *testing.T) {
			host := host.in(t)
			body := host.expect(http.StatusOK, "/dashboard/events")
			card := dashCard(t, body, "Dash Launch Party")
			for _, want := range []string{
				"2 of 10", // registrations
				">8<",     // spots left
				`max="10" value="2">20%</progress>`,
				html.EscapeString(notify.FormatTime(launchStart, "America/New_York")),
				`data-copy="` + testAppURL + `/register/` + launch + `"`,
				`<code class="dash-url">` + testAppURL + `/register/` + launch + `</code>`,
				`href="/dashboard/events/` + launch + `"`,
				`action="/dashboard/events/` + launch + `/start"`,
				`data-confirm="Going live sends no message: every reminder was scheduled ahead."`,
				`>Going live sends no message: every reminder was scheduled ahead.</p>`,
			} {
				if !strings.Contains(card, want) {
					t.Errorf("the card lacks %q:\n%s", want, card)
				}
			}
			if !strings.Contains(body, "Quarterly Review") {
				t.Error("the other event is missing")
			}
		})

		t.Run("status tabs and search filter the list", func(t *testing.T) {
			host := host.in(t)
			for _, c := range []struct {
				query         string
				want, notWant []string
			}{
				{"?q=quarterly", []string{"Quarterly Review"}, []string{"Dash Launch Party"}},
				{"?status=upcoming", []string{"Quarterly Review", "Dash Launch Party"}, nil},
				{"?status=live", []string{"No events match"}, []string{"Quarterly Review", "Dash Launch Party"}},
				{"?status=cancelled&q=launch", []string{"No events match"}, []string{"Dash Launch Party"}},
			} {
				body := host.expect(http.StatusOK, "/dashboard/events"+c.query)
				for _, w := range c.want {
					if !strings.Contains(body, w) {
						t.Errorf("%s: %q missing", c.query, w)
					}
				}
				for _, w := range c.notWant {
					if strings.Contains(body, ">"+w+"<") {
						t.Errorf("%s: %q shown", c.query, w)
					}
				}
			}
			body := host.expect(http.StatusOK, "/dashboard/events?status=live&q=launch")
			if !strings.Contains(body, `href="/dashboard/events?q=launch&amp;status=upcoming"`) ||
				!strings.Contains(body, `aria-current="page">Live<`) {
				t.Error("the tabs do not keep the search or mark the current one")
			}
			if status, _, _ := host.get("/dashboard/events?status=bogus"); status != http.StatusBadRequest {
				t.Errorf("an unknown status: %d", status)
			}
		})

		t.Run("a new host sees the empty state", func(t *testing.T) {
			a := dashApp(a, t)
			b, _ := dashSignup(t, a)
			body := b.expect(http.StatusOK, "/dashboard/events")
			if !strings.Contains(body, "No events yet") || !strings.Contains(body, `href="/dashboard/events/create"`) {
				t.Errorf("no empty state:\n%s", body)
			}
		})

		t.Run("pages of twenty keep the filters", func(t *testing.T) {
			other, a := other.in(t), dashApp(a, t)
			for i := range 21 {
				a.createEvent(otherToken, map[string]any{"title": fmt.Sprintf("Paged %02d", i),
					"scheduled_start": startsIn(time.Duration(i+1) * time.Hour).Format(time.RFC3339)})
			}
			first := other.expect(http.StatusOK, "/dashboard/events?status=upcoming&q=paged")
			next := `href="/dashboard/events?page=2&amp;q=paged&amp;status=upcoming"`
			if strings.Count(first, `class="card dash-card"`) != 20 || !strings.Contains(first, next) || !strings.Contains(first, "1–20 of 21") {
				t.Fatalf("page 1: %d events, next link %v", strings.Count(first, `class="card dash-card"`), strings.Contains(first, next))
			}
			second := other.expect(http.StatusOK, "/dashboard/events?page=2&q=paged&status=upcoming")
			// Upcoming events come soonest first: the last is the latest.
			if strings.Count(second, `class="card dash-card"`) != 1 || !strings.Contains(second, "Paged 20") ||
				!strings.Contains(second, `href="/dashboard/events?q=paged&amp;status=upcoming" rel="prev"`) {
				t.Errorf("page 2:\n%s", second)
			}
		})

		t.Run("another host's event is a 404", func(t *testing.T) {
			host, other, a := host.in(t), other.in(t), dashApp(a, t)
			if status, _, _ := other.get("/dashboard/events/" + launch); status != http.StatusNotFound {
				t.Errorf("GET: %d", status)
			}
			if status, _, _ := other.post("/dashboard/events/"+launch+"/cancel", url.Values{}, true); status != http.StatusNotFound {
				t.Errorf("POST cancel: %d", status)
			}
			if st := dashStatus(a, token, launch); st != "scheduled" {
				t.Errorf("status = %s after another host's cancel", st)
			}
			if status, _, _ := host.get("/dashboard/events/not-an-id"); status != http.StatusNotFound {
				t.Errorf("an unknown id: %d", status)
			}
		})

		t.Run("the event page shows notifications and registrants, escaped", func(t *testing.T) {
			host := host.in(t)
			body := host.expect(http.StatusOK, "/dashboard/events/"+launch)
			for _, want := range []string{
				"<h1>Dash Launch Party</h1>",
				"Notification schedule", ">Confirmation<", ">Reminder<", ">Starting now<", "1 hour before",
				">skipped<", // the day-ahead reminder was already past at creation
				"ada@example.com", "Ada Lovelace",
				"&lt;script&gt;alert(1)&lt;/script&gt; Evil",
				`href="/api/events/` + launch + `/registrations?format=csv"`,
				`data-copy="` + testAppURL + `/register/` + launch + `"`,
				html.EscapeString(notify.FormatTime(launchStart.Add(-time.Hour), "America/New_York")),
				"Every registrant is told once that the event is cancelled; pending reminders are cancelled.",
				"Registrants are told the new time by email",
				"Going live sends no message",
			} {
				if !strings.Contains(body, want) {
					t.Errorf("the event page lacks %q", want)
				}
			}
			if strings.Contains(body, "<script>alert(1)") {
				t.Error("a registrant's name is shown as HTML")
			}
			for _, want := range []string{`href="#messages"`, `href="#analytics"`, `href="#registrants"`, `href="#settings"`,
				`<a class="dash-url" href="` + testAppURL + `/register/` + launch + `"`, `href="/register/` + launch + `" target="_blank"`} {
				if !strings.Contains(body, want) {
					t.Errorf("the event page lacks %q", want)
				}
			}
			if strings.Contains(body, "/end\"") || strings.Contains(body, "Ending sends nothing") {
				t.Error("End is offered before the event went live")
			}
			found := host.expect(http.StatusOK, "/dashboard/events/"+launch+"?q=lovelace")
			if !strings.Contains(found, "ada@example.com") || strings.Contains(found, "mallory@example.com") {
				t.Error("the registrant search does not narrow the table")
			}
			status, csv, header := host.get("/api/events/" + launch + "/registrations?format=csv")
			if status != http.StatusOK || !strings.HasPrefix(header.Get("Content-Type"), "text/csv") || !strings.Contains(csv, "ada@example.com") {
				t.Errorf("CSV with the session cookie: %d %q", status, header.Get("Content-Type"))
			}
		})

		t.Run("the outbox shows a registrant's confirmation email", func(t *testing.T) {
			host, other := host.in(t), other.in(t)
			var body string
			waitFor(t, 15*time.Second, "the confirmations in the outbox", func() (bool, string) {
				body = host.expect(http.StatusOK, "/dashboard/outbox?event_id="+launch)
				return strings.Contains(body, "mallory@example.com") && strings.Contains(body, "ada@example.com"), body
			})
			for _, want := range []string{
				`<iframe class="dash-mail" sandbox srcdoc="`,
				"&lt;!DOCTYPE html&gt;",  // the HTML part, as an attribute value
				"&amp;lt;script&amp;gt;", // the name the email escaped, escaped again in srcdoc
				"&lt;script&gt;alert(1)", // the text part
				"Dash Launch Party",      // subject
				"invite.ics", "Text part",
			} {
				if !strings.Contains(body, want) {
					t.Errorf("the outbox lacks %q", want)
				}
			}
			if strings.Contains(body, "<script>alert(1)") {
				t.Error("registrant text runs as HTML in the outbox")
			}
			if strings.Contains(body, "allow-scripts") {
				t.Error("the email frame may run scripts")
			}
			if csp := host.header("/dashboard/outbox").Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("Content-Security-Policy = %q", csp)
			}
			if empty := other.expect(http.StatusOK, "/dashboard/outbox"); strings.Contains(empty, "ada@example.com") {
				t.Error("another host sees this host's outbox")
			}
			if status, _, _ := other.get("/dashboard/outbox?event_id=" + launch); status != http.StatusNotFound {
				t.Errorf("another host's event filter: %d", status)
			}
		})

		t.Run("the edit form saves, and shows every problem at once", func(t *testing.T) {
			host, a := host.in(t), dashApp(a, t)
			form := url.Values{"title": {""}, "description": {"About"}, "max_registrations": {"ten"},
				"stream_url": {"ftp://example.com"}, "registration_enabled": {"on"}, "language": {"xx"}}
			status, body, _ := host.post("/dashboard/events/"+launch+"/edit", form, true)
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("invalid edit: %d", status)
			}
			for _, want := range []string{"Title is required", "Maximum registrations must be a whole number",
				"Stream URL must be an http or https URL", `value="ten"`, `value="ftp://example.com"`,
				"Language must be one of en, es, fr, de, pt"} {
				if !strings.Contains(body, want) {
					t.Errorf("the refused form lacks %q", want)
				}
			}
			form = url.Values{"title": {"Dash Launch Party"}, "description": {"Line one\nLine <two>"},
				"max_registrations": {"1"}, "stream_url": {"https://stream.example/live"}, "language": {"pt"}}
			status, body, _ = host.post("/dashboard/events/"+launch+"/edit", form, true)
			if status != http.StatusUnprocessableEntity || !strings.Contains(body, "cannot be lower than the 2 registrations") {
				t.Errorf("capacity below the registrations: %d", status)
			}
			form.Set("max_registrations", "")
			host.expectRedirect("/dashboard/events/"+launch+"/edit", form, "/dashboard/events/"+launch+"?done=updated")
			ev := a.expect(http.StatusOK, "GET", "/api/events/"+launch, token, nil)["event"].(map[string]any)
			if ev["max_registrations"] != 0.0 || ev["registration_enabled"] != false || ev["stream_url"] != "https://stream.example/live" ||
				ev["language"] != "pt" {
				t.Errorf("after the edit: %v", ev)
			}
			body = host.expect(http.StatusOK, "/dashboard/events/"+launch+"?done=updated")
			if !strings.Contains(body, "Your changes are saved.") {
				t.Error("no flash after the edit")
			}
			if !strings.Contains(body, "Portuguese (português)") || !strings.Contains(body, `<option value="pt" selected>`) {
				t.Error("the event page does not show the language chosen")
			}
			if !strings.Contains(body, "Line &lt;two&gt;") || strings.Contains(body, "Line <two>") {
				t.Error("the description is not escaped")
			}
			if strings.Contains(host.expect(http.StatusOK, "/dashboard/events/"+launch+"?done=%3Cb%3Ehi"), "<b>hi") {
				t.Error("the done parameter is echoed")
			}
		})

		t.Run("the reschedule form moves the start, read in the zone chosen", func(t *testing.T) {
			host, a := host.in(t), dashApp(a, t)
			ny, _ := time.LoadLocation("America/New_York")
			want := time.Now().Add(5 * time.Hour).In(ny).Truncate(time.Minute)
			form := url.Values{"start": {want.Format("2006-01-02T15:04")}, "timezone": {""}}
			host.expectRedirect("/dashboard/events/"+launch+"/reschedule", form, "/dashboard/events/"+launch+"?done=rescheduled")
			if got := dashStart(a, token, launch); !got.Equal(want) {
				t.Errorf("start = %v, want %v", got, want)
			}
			body := host.expect(http.StatusOK, "/dashboard/events/"+launch+"?done=rescheduled")
			if !strings.Contains(body, "The event is rescheduled.") || !strings.Contains(body, ">Reschedule notice<") {
				t.Error("no flash or no reschedule notice on the page")
			}

			tokyo, _ := time.LoadLocation("Asia/Tokyo")
			want = time.Now().Add(6 * time.Hour).In(tokyo).Truncate(time.Minute)
			form = url.Values{"start": {want.Format("2006-01-02T15:04")}, "timezone": {"Asia/Tokyo"}}
			host.expectRedirect("/dashboard/events/"+launch+"/reschedule", form, "/dashboard/events/"+launch+"?done=rescheduled")
			if got := dashStart(a, token, launch); !got.Equal(want) {
				t.Errorf("start = %v, want %v (entered in Tokyo)", got, want)
			}
			ev := a.expect(http.StatusOK, "GET", "/api/events/"+launch, token, nil)["event"].(map[string]any)
			if ev["timezone"] != "America/New_York" {
				t.Errorf("the event's zone changed to %v", ev["timezone"])
			}

			past := time.Now().Add(-time.Hour).In(ny).Format("2006-01-02T15:04")
			status, body, _ := host.post("/dashboard/events/"+launch+"/reschedule", url.Values{"start": {past}}, true)
			if status != http.StatusUnprocessableEntity || !strings.Contains(body, "The start must be in the future") ||
				!strings.Contains(body, `value="`+past+`"`) {
				t.Errorf("a past time: %d", status)
			}
			status, body, _ = host.post("/dashboard/events/"+launch+"/reschedule", url.Values{"start": {"soon"}, "timezone": {"Mars/Olympus"}}, true)
			if status != http.StatusUnprocessableEntity || !strings.Contains(body, "The time zone is not a known time zone") {
				t.Errorf("an unknown zone: %d", status)
			}
		})

		t.Run("start needs the CSRF token and sends nothing", func(t *testing.T) {
			host, a := host.in(t), dashApp(a, t)
			status, body, _ := host.post("/dashboard/events/"+review+"/start", url.Values{}, false)
			if status != http.StatusForbidden || dashStatus(a, token, review) != "scheduled" {
				t.Fatalf("without the token: %d, status %s\n%s", status, dashStatus(a, token, review), body)
			}
			outbox := func() float64 {
				return a.expect(http.StatusOK, "GET", "/api/outbox?event_id="+review, token, nil)["total"].(float64)
			}
			waitFor(t, 15*time.Second, "the confirmation of the event's registrant in the outbox", func() (bool, string) {
				return outbox() > 0, "none"
			})
			before := outbox()
			host.expectRedirect("/dashboard/events/"+review+"/start",
				url.Values{"next": {"/dashboard/events?status=upcoming"}}, "/dashboard/events?done=started&status=upcoming")
			if st := dashStatus(a, token, review); st != "live" {
				t.Errorf("status = %s after start", st)
			}
			if !strings.Contains(host.expect(http.StatusOK, "/dashboard/events?done=started"), "The event is live. No message was sent.") {
				t.Error("no flash after start")
			}
			status, body, _ = host.post("/dashboard/events/"+review+"/start", url.Values{}, true)
			if status != http.StatusConflict || !strings.Contains(body, "The event is already live.") {
				t.Errorf("starting twice: %d", status)
			}
			if body := host.expect(http.StatusOK, "/dashboard/events/"+review); !strings.Contains(body, "Ending sends nothing; nothing pending is sent after it.") ||
				!strings.Contains(body, `action="/dashboard/events/`+review+`/end"`) {
				t.Error("a live event's page does not offer End")
			}
			// A redirect never leaves the dashboard.
			host.expectRedirect("/dashboard/events/"+review+"/end", url.Values{"next": {"//evil.example/x"}},
				"/dashboard/events/"+review+"?done=ended")
			a.waitIdle()
			if after := outbox(); after != before {
				t.Errorf("going live and ending sent messages: outbox %v → %v", before, after)
			}
		})

		t.Run("cancel tells registrants once and closes the forms", func(t *testing.T) {
			host, a := host.in(t), dashApp(a, t)
			host.expectRedirect("/dashboard/events/"+launch+"/cancel", url.Values{}, "/dashboard/events/"+launch+"?done=cancelled")
			if st := dashStatus(a, token, launch); st != "cancelled" {
				t.Fatalf("status = %s", st)
			}
			body := host.expect(http.StatusOK, "/dashboard/events/"+launch+"?done=cancelled")
			for _, want := range []string{"The event is cancelled.", ">Cancellation notice<", `class="badge cancelled"`, "can no longer be changed"} {
				if !strings.Contains(body, want) {
					t.Errorf("after cancel the page lacks %q", want)
				}
			}
			for _, action := range []string{"/start", "/reschedule", "/cancel", "/edit"} {
				if strings.Contains(body, `action="/dashboard/events/`+launch+action+`"`) {
					t.Errorf("a cancelled event still offers %s", action)
				}
			}
			status, body, _ := host.post("/dashboard/events/"+launch+"/cancel", url.Values{}, true)
			if status != http.StatusGone || !strings.Contains(body, "The event was already cancelled.") {
				t.Errorf("cancelling twice: %d", status)
			}
			if status, _, _ := host.post("/dashboard/events/"+launch+"/explode", url.Values{}, true); status != http.StatusNotFound {
				t.Errorf("an unknown action: %d", status)
			}
		})
	})
}

// in is b for the (sub)test t: its failures stop t, not the test that
// made b.
func (b *dashBrowser) in(t *testing.T) *dashBrowser {
	c := *b
	c.t = t
	return &c
}

// dashApp is a for the (sub)test t.
func dashApp(a *app, t *testing.T) *app {
	c := *a
	c.t = t
	return &c
}

// dashBrowser is a browser without JavaScript: a cookie jar, and redirects
// returned instead of followed.
type dashBrowser struct {
	t   *testing.T
	a   *app
	jar *cookiejar.Jar
	c   *http.Client
}

func dashNewBrowser(t *testing.T, a *app) *dashBrowser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &dashBrowser{t: t, a: a, jar: jar, c: &http.Client{
		Jar: jar, Transport: client.Transport, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// dashSignup signs a new host up through the signup page, and logs in
// through the API for a token to make events with.
func dashSignup(t *testing.T, a *app) (*dashBrowser, string) {
	t.Helper()
	hostSeq.Lock()
	hostSeq.n++
	email := fmt.Sprintf("dash%d@example.com", hostSeq.n)
	hostSeq.Unlock()
	b := dashNewBrowser(t, a)
	b.expect(http.StatusOK, "/signup")
	b.expectRedirect("/signup", url.Values{"email": {email}, "password": {"correct horse"}}, "/dashboard/events")
	out := a.expect(http.StatusOK, "POST", "/api/auth/login", "", map[string]string{"email": email, "password": "correct horse"})
	return b, out["token"].(string)
}

func (b *dashBrowser) do(req *http.Request) (int, string, http.Header) {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	if resp.StatusCode >= 500 {
		b.t.Errorf("%s %s: %d\n%s", req.Method, req.URL, resp.StatusCode, body)
	}
	return resp.StatusCode, string(body), resp.Header
}

func (b *dashBrowser) get(path string) (int, string, http.Header) {
	b.t.Helper()
	req, err := http.NewRequest("GET", b.a.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post sends a form, with the CSRF token from the cookie when csrf is set.
func (b *dashBrowser) post(path string, form url.Values, csrf bool) (int, string, http.Header) {
	b.t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	if csrf {
		f.Set("csrf_token", b.csrf())
	}
	req, err := http.NewRequest("POST", b.a.URL+path, strings.NewReader(f.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *dashBrowser) csrf() string {
	b.t.Helper()
	u, _ := url.Parse(b.a.URL)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == "onair_csrf" {
			return c.Value
		}
	}
	b.t.Fatal("no onair_csrf cookie")
	return ""
}

// expect GETs path and fails unless the status is want; it returns the body.
func (b *dashBrowser) expect(want int, path string) string {
	b.t.Helper()
	status, body, _ := b.get(path)
	if status != want {
		b.t.Fatalf("GET %s: %d, want %d\n%s", path, status, want, body)
	}
	return body
}

// header returns the headers of a GET of path.
func (b *dashBrowser) header(path string) http.Header {
	b.t.Helper()
	_, _, h := b.get(path)
	return h
}

// expectRedirect posts a form with its CSRF token and fails unless the
// answer is a 303 to location.
func (b *dashBrowser) expectRedirect(path string, form url.Values, location string) {
	b.t.Helper()
	status, body, header := b.post(path, form, true)
	if status != http.StatusSeeOther || header.Get("Location") != location {
		b.t.Fatalf("POST %s: %d to %q, want 303 to %q\n%s", path, status, header.Get("Location"), location, body)
	}
}

// dashCard cuts the card of the event titled title out of the list page.
func dashCard(t *testing.T, body, title string) string {
	t.Helper()
	i := strings.Index(body, ">"+title+"</a></h2>")
	if i < 0 {
		t.Fatalf("no card for %q in:\n%s", title, body)
	}
	start := strings.LastIndex(body[:i], "<li")
	end := strings.Index(body[i:], "</li>")
	return body[start : i+end]
}

// dashStatus reads an event's status through the API.
func dashStatus(a *app, token, id string) string {
	a.t.Helper()
	return a.expect(http.StatusOK, "GET", "/api/events/"+id, token, nil)["event"].(map[string]any)["status"].(string)
}

// dashStart reads an event's start through the API.
func dashStart(a *app, token, id string) time.Time {
	a.t.Helper()
	s := a.expect(http.StatusOK, "GET", "/api/events/"+id, token, nil)["event"].(map[string]any)["scheduled_start"].(string)
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		a.t.Fatal(err)
	}
	return t
}

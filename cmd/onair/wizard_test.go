package main

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/store/storetest"
)

// TestWizard walks the create wizard as a browser without JavaScript does:
// each step is submitted with exactly the fields the page rendered (hidden
// ones included), with the test typing over the visible ones.
func TestWizard(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		paris, err := time.LoadLocation("Europe/Paris")
		if err != nil {
			t.Fatal(err)
		}
		day := time.Now().In(paris).AddDate(0, 0, 10)
		date := day.Format("2006-01-02")
		wantStart := time.Date(day.Year(), day.Month(), day.Day(), 14, 30, 0, 0, paris).UTC().Format(time.RFC3339)
		message := "See you there <script>alert(1)</script> & bring snacks"

		t.Run("the wizard needs a signed-in host", func(t *testing.T) {
			b := wizNewBrowser(t, a)
			status, _, loc := b.get("/dashboard/events/create")
			if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
				t.Errorf("GET without a session: %d to %q", status, loc)
			}
		})

		b := wizSignUp(t, a, "wizard@example.com")
		t.Run("a POST without the CSRF token is refused", func(t *testing.T) {
			status, _, _ := b.post(url.Values{"step": {"1"}, "action": {"next"}, "title": {"x"}})
			if status != http.StatusForbidden {
				t.Errorf("status %d, want 403", status)
			}
		})

		t.Run("step 1 starts with the progress on Details", func(t *testing.T) {
			status, page, _ := b.get("/dashboard/events/create")
			if status != http.StatusOK {
				t.Fatalf("GET: %d", status)
			}
			wizExpectStep(t, page, "Details")
			for _, s := range []string{"1</span> <span class=\"wizard-step-name\">Details", "Schedule", "Notifications", "Review"} {
				if !strings.Contains(page, s) {
					t.Errorf("the progress indicator lacks %q", s)
				}
			}
		})

		t.Run("an empty title is refused at step 1 with the domain's message", func(t *testing.T) {
			page := b.submit(http.StatusUnprocessableEntity, "next", url.Values{"title": {"  "}})
			wizExpectStep(t, page, "Details")
			for _, s := range []string{"Title is required", `id="title-error"`, `aria-invalid="true" aria-describedby="title-error"`, `href="#title"`} {
				if !strings.Contains(page, s) {
					t.Errorf("the page lacks %q", s)
				}
			}
		})

		t.Run("a stream link that is not a web address is refused at step 1", func(t *testing.T) {
			page := b.submit(http.StatusUnprocessableEntity, "next", url.Values{"title": {"Wizard Launch"}, "stream_url": {"ftp://stream.example"}})
			wizExpectStep(t, page, "Details")
			if !strings.Contains(page, "Stream link must be an http or https URL") || !strings.Contains(page, "embed link") {
				t.Errorf("no problem or no hint for the stream link:\n%s", wizErrors(page))
			}
		})

		t.Run("a question without a label is refused at step 1, naming its line", func(t *testing.T) {
			page := b.submit(http.StatusUnprocessableEntity, "next", url.Values{"title": {"Wizard Launch"},
				"registration_fields": {"role: Your role\nteam size"}})
			wizExpectStep(t, page, "Details")
			if !strings.Contains(page, "registration_fields-error") || !strings.Contains(page, "line 2") {
				t.Errorf("no problem at the questions, naming line 2:\n%s", wizErrors(page))
			}
		})

		t.Run("step 1 to step 2, through a redirect that a reload only shows again", func(t *testing.T) {
			form := wizMerge(wizFields(b.page), url.Values{"title": {"Wizard Launch"}, "description": {"Line one\nLine two"},
				"max_registrations": {"250"}, "stream_url": {"https://www.youtube.com/embed/abc123"},
				"registration_fields": {"role: Your role *\nsize: Team size [1-10 | 11+]"}})
			form.Set("action", "next")
			status, _, loc := b.post(form)
			if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/dashboard/events/create?") || strings.Contains(loc, "csrf") {
				t.Fatalf("next: %d to %q", status, loc)
			}
			var page string
			for range 2 { // the page, then a reload of it
				if status, page, _ = b.get(loc); status != http.StatusOK {
					t.Fatalf("GET %s: %d", loc, status)
				}
			}
			wizExpectStep(t, page, "Schedule")
			if f := wizFields(page); f.Get("title") != "Wizard Launch" || f.Get("description") != "Line one\nLine two" ||
				f.Get("stream_url") != "https://www.youtube.com/embed/abc123" {
				t.Errorf("the answers of step 1, kept: %v", f)
			}
			if n := len(b.events()); n != 0 {
				t.Errorf("%d events before Create", n)
			}
			if f := wizFields(page); f.Get("timezone") != "UTC" || f.Get("duration_minutes") != "60" {
				t.Errorf("server defaults: zone %q, duration %q", f.Get("timezone"), f.Get("duration_minutes"))
			}
			if !strings.Contains(page, "data-browser-zone") {
				t.Error("the zone select does not offer the browser's zone before one is chosen")
			}
		})

		t.Run("every listed time zone is a real one", func(t *testing.T) {
			opts := regexp.MustCompile(`<option value="([^"]+)"`).FindAllStringSubmatch(b.page, -1)
			if len(opts) < 80 {
				t.Fatalf("%d zones listed", len(opts))
			}
			for _, o := range opts {
				if _, err := time.LoadLocation(html.UnescapeString(o[1])); err != nil {
					t.Errorf("zone %q: %v", o[1], err)
				}
			}
		})

		t.Run("a past date is refused at step 2 with the domain's message", func(t *testing.T) {
			yesterday := time.Now().In(paris).AddDate(0, 0, -1).Format("2006-01-02")
			page := b.submit(http.StatusUnprocessableEntity, "next", url.Values{
				"date": {yesterday}, "time": {"10:00"}, "timezone": {"Europe/Paris"}})
			wizExpectStep(t, page, "Schedule")
			for _, s := range []string{"Date and time must be in the future", `id="start-error"`, `aria-describedby="start-error"`} {
				if !strings.Contains(page, s) {
					t.Errorf("the page lacks %q", s)
				}
			}
			if strings.Contains(page, "Title is required") {
				t.Error("step 2 shows a problem of another step")
			}
		})

		t.Run("an unknown typed zone is refused", func(t *testing.T) {
			page := b.submit(http.StatusUnprocessableEntity, "next", url.Values{
				"date": {date}, "time": {"14:30"}, "timezone_other": {"Mars/Olympus_Mons"}})
			if !strings.Contains(page, "Time zone is not a known IANA time zone") {
				t.Error("no time zone error")
			}
		})

		t.Run("step 2 to step 3 with the recommended reminders ticked", func(t *testing.T) {
			page := b.submit(http.StatusOK, "next", url.Values{
				"date": {date}, "time": {"14:30"}, "timezone": {"Europe/Paris"}, "timezone_other": {""}, "duration_minutes": {"90"}})
			wizExpectStep(t, page, "Notifications")
			f := wizFields(page)
			if got, want := f["intervals"], []string{"1day", "1hour", "15minutes", "now"}; !slices.Equal(got, want) {
				t.Errorf("ticked %v, want %v", got, want)
			}
			if f.Get("email_enabled") == "" || f.Get("sms_enabled") != "" {
				t.Errorf("channels: email %q, sms %q", f.Get("email_enabled"), f.Get("sms_enabled"))
			}
		})

		t.Run("the preview shows the custom message escaped", func(t *testing.T) {
			page := b.submit(http.StatusOK, "refresh", url.Values{
				"custom_intervals": {"45m"}, "sms_enabled": {"on"}, "custom_message": {message}})
			wizExpectStep(t, page, "Notifications")
			if strings.Contains(page, "<script>alert") {
				t.Fatal("the custom message reaches the page unescaped")
			}
			for _, s := range []string{
				"&lt;script&gt;alert(1)&lt;/script&gt; &amp; bring snacks", // the text part
				"&amp;lt;script&amp;gt;alert(1)",                           // the HTML part, escaped again into srcdoc
				`sandbox=""`, "Hi Alex,", "You&#39;re registered", "Confirmation SMS",
				testAppURL + "/watch/", "Reply STOP to opt out.",
			} {
				if !strings.Contains(page, s) {
					t.Errorf("the preview lacks %q", s)
				}
			}
		})

		t.Run("the preview shows each chosen reminder, and the message at the start", func(t *testing.T) {
			page := b.submit(http.StatusOK, "refresh", url.Values{"preview": {"45m0s"}})
			f := wizFields(page)
			if f.Get("preview") != "45m0s" {
				t.Errorf("the picked message is not kept: %q", f.Get("preview"))
			}
			for _, s := range []string{`<option value="1day">Reminder, 1 day before</option>`, `<option value="now">Starting now</option>`,
				"Reminder, 45m before email", "Starting in 45 minutes: Wizard Launch", "Reminder, 45m before SMS",
				"Wizard Launch starts in 45 minutes"} {
				if !strings.Contains(page, s) {
					t.Errorf("the preview of the 45m reminder lacks %q", s)
				}
			}
			page = b.submit(http.StatusOK, "refresh", url.Values{"preview": {"now"}})
			if !strings.Contains(page, "Live now: Wizard Launch") || !strings.Contains(page, "Wizard Launch is live now!") {
				t.Error("the preview of the message at the start shows something else")
			}
			b.submit(http.StatusOK, "refresh", url.Values{"preview": {"confirmation"}})
		})

		t.Run("a bad custom offset is refused at step 3", func(t *testing.T) {
			page := b.submit(http.StatusUnprocessableEntity, "next", url.Values{"custom_intervals": {"45m, soon"}})
			wizExpectStep(t, page, "Notifications")
			if !strings.Contains(page, "is neither a named interval") || !strings.Contains(page, `aria-describedby="intervals-error"`) {
				t.Error("no inline error for the custom offsets")
			}
			b.submit(http.StatusOK, "refresh", url.Values{"custom_intervals": {"45m"}, "language": {"fr"}})
		})

		t.Run("back keeps every answer", func(t *testing.T) {
			page := b.submit(http.StatusOK, "back", nil)
			wizExpectStep(t, page, "Schedule")
			wizExpectFields(t, page, map[string]string{"date": date, "time": "14:30", "timezone": "Europe/Paris", "duration_minutes": "90"})
			page = b.submit(http.StatusOK, "back", nil)
			wizExpectStep(t, page, "Details")
			wizExpectFields(t, page, map[string]string{"title": "Wizard Launch", "description": "Line one\nLine two", "max_registrations": "250"})
			b.submit(http.StatusOK, "next", nil)
			page = b.submit(http.StatusOK, "next", nil)
			wizExpectStep(t, page, "Notifications")
			wizExpectFields(t, page, map[string]string{"custom_intervals": "45m", "sms_enabled": "on", "email_enabled": "on", "custom_message": message,
				"language": "fr"})
			// The preview speaks the event's language.
			if !strings.Contains(page, "Bonjour Alex,") {
				t.Error("the preview is not in the language chosen")
			}
		})

		t.Run("the review shows everything chosen", func(t *testing.T) {
			page := b.submit(http.StatusOK, "next", nil)
			wizExpectStep(t, page, "Review")
			for _, s := range []string{"Wizard Launch", "250", "https://www.youtube.com/embed/abc123", "Europe/Paris", "90 minutes", "45m before", "1 day before", "Email and SMS", "French (français)", "Create event"} {
				if !strings.Contains(page, s) {
					t.Errorf("the review lacks %q", s)
				}
			}
		})

		t.Run("create checks every step", func(t *testing.T) {
			saved := b.page
			page := b.submit(http.StatusUnprocessableEntity, "create", url.Values{"title": {""}, "duration_minutes": {"0"}})
			for _, s := range []string{"Title is required", "Duration must be between 1 and 10080"} {
				if !strings.Contains(page, s) {
					t.Errorf("the review lacks %q", s)
				}
			}
			b.page = saved
		})

		var id string
		t.Run("create makes the event and goes to its page", func(t *testing.T) {
			status, _, loc := b.post(wizMerge(wizFields(b.page), url.Values{"action": {"create"}}))
			id = strings.TrimPrefix(loc, "/dashboard/events/")
			if status != http.StatusSeeOther || id == loc || id == "" {
				t.Fatalf("create: %d to %q", status, loc)
			}
			events := b.events()
			if len(events) != 1 {
				t.Fatalf("%d events, want 1", len(events))
			}
			ev := events[0]
			ns, _ := ev["notification_settings"].(map[string]any)
			checks := map[string][2]any{
				"id":                {ev["id"], id},
				"title":             {ev["title"], "Wizard Launch"},
				"description":       {ev["description"], "Line one\nLine two"},
				"stream_url":        {ev["stream_url"], "https://www.youtube.com/embed/abc123"},
				"scheduled_start":   {ev["scheduled_start"], wantStart},
				"timezone":          {ev["timezone"], "Europe/Paris"},
				"duration_minutes":  {ev["duration_minutes"], 90.0},
				"max_registrations": {ev["max_registrations"], 250.0},
				"email_enabled":     {ns["email_enabled"], true},
				"sms_enabled":       {ns["sms_enabled"], true},
				"custom_message":    {ns["custom_message"], message},
				"language":          {ev["language"], "fr"},
			}
			for name, c := range checks {
				if c[0] != c[1] {
					t.Errorf("%s = %v, want %v", name, c[0], c[1])
				}
			}
			var ivs []string
			for _, iv := range ev["selected_intervals"].([]any) {
				ivs = append(ivs, iv.(string))
			}
			if want := []string{"1day", "1hour", "15minutes", "now", "45m0s"}; !slices.Equal(ivs, want) {
				t.Errorf("selected_intervals = %v, want %v", ivs, want)
			}
			if qs := fmt.Sprint(ev["registration_fields"]); qs != "[map[key:role label:Your role options:[] required:true type:text] "+
				"map[key:size label:Team size options:[1-10 11+] required:false type:select]]" {
				t.Errorf("registration_fields = %s", qs)
			}
		})

		t.Run("create sent twice makes one event", func(t *testing.T) {
			status, _, loc := b.post(wizMerge(wizFields(b.page), url.Values{"action": {"create"}}))
			if status != http.StatusSeeOther || loc != "/dashboard/events/"+id {
				t.Errorf("second create: %d to %q, want the first event", status, loc)
			}
			if n := len(b.events()); n != 1 {
				t.Errorf("%d events after a second create", n)
			}
		})

		t.Run("another host's event id as the draft makes a new event", func(t *testing.T) {
			other := wizSignUp(t, a, "other@example.com")
			other.get("/dashboard/events/create")
			form := wizMerge(wizFields(other.page), url.Values{"action": {"create"}, "draft": {id},
				"title": {"Copycat"}, "date": {date}, "time": {"10:00"}})
			status, _, loc := other.post(form)
			if status != http.StatusSeeOther || loc == "/dashboard/events/"+id {
				t.Fatalf("create: %d to %q", status, loc)
			}
			if evs := other.events(); len(evs) != 1 || evs[0]["title"] != "Copycat" {
				t.Errorf("the other host's events: %v", evs)
			}
			if evs := b.events(); len(evs) != 1 || evs[0]["title"] != "Wizard Launch" {
				t.Errorf("the first host's events: %v", evs)
			}
		})
	})
}

// wizBrowser is a browser without JavaScript: a cookie jar, no redirects
// followed, and the last page it was shown.
type wizBrowser struct {
	t      *testing.T
	a      *app
	client *http.Client
	page   string
}

func wizNewBrowser(t *testing.T, a *app) *wizBrowser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &wizBrowser{t: t, a: a, client: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// wizSignUp signs a new host up through the signup page.
func wizSignUp(t *testing.T, a *app, email string) *wizBrowser {
	t.Helper()
	b := wizNewBrowser(t, a)
	if status, _, _ := b.get("/signup"); status != http.StatusOK {
		t.Fatalf("GET /signup: %d", status)
	}
	u, _ := url.Parse(a.URL)
	var csrf string
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == "onair_csrf" {
			csrf = c.Value
		}
	}
	if csrf == "" {
		t.Fatal("no onair_csrf cookie after GET /signup")
	}
	status, _, loc := b.send("POST", "/signup", url.Values{"email": {email}, "password": {"correct horse"}, "csrf_token": {csrf}})
	if status != http.StatusSeeOther || loc != "/dashboard/events" {
		t.Fatalf("POST /signup: %d to %q", status, loc)
	}
	return b
}

func (b *wizBrowser) get(path string) (int, string, string) { return b.send("GET", path, nil) }

// post posts form to the wizard.
func (b *wizBrowser) post(form url.Values) (int, string, string) {
	return b.send("POST", "/dashboard/events/create", form)
}

func (b *wizBrowser) send(method, path string, form url.Values) (int, string, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.a.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	if resp.StatusCode >= 500 {
		b.t.Errorf("%s %s: %d: %s", method, path, resp.StatusCode, raw)
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		b.page = string(raw)
	}
	return resp.StatusCode, string(raw), resp.Header.Get("Location")
}

// submit presses the button action on the current page's form, after typing
// set over its fields (an empty list unticks a box), and expects status. A
// step that goes through redirects to the next step's page, which it
// follows, as a browser does.
func (b *wizBrowser) submit(status int, action string, set url.Values) string {
	b.t.Helper()
	form := wizMerge(wizFields(b.page), set)
	form.Set("action", action)
	got, page, loc := b.post(form)
	if got == http.StatusSeeOther && strings.HasPrefix(loc, "/dashboard/events/create?") {
		got, page, loc = b.get(loc)
	}
	if got != status {
		b.t.Fatalf("%s: status %d (to %q), want %d\n%s", action, got, loc, status, wizErrors(page))
	}
	return page
}

// events lists the host's events through the API, with the session cookie.
func (b *wizBrowser) events() []map[string]any {
	b.t.Helper()
	status, raw, _ := b.get("/api/events")
	var out struct {
		Events []map[string]any `json:"events"`
	}
	if status != http.StatusOK || json.Unmarshal([]byte(raw), &out) != nil {
		b.t.Fatalf("GET /api/events: %d %s", status, raw)
	}
	return out.Events
}

func wizMerge(form, set url.Values) url.Values {
	for k, v := range set {
		if len(v) == 0 {
			form.Del(k)
		} else {
			form[k] = v
		}
	}
	return form
}

var (
	wizFormRE     = regexp.MustCompile(`(?s)<form[^>]*class="wizard-form".*?</form>`)
	wizInputRE    = regexp.MustCompile(`<input\s([^>]*)>`)
	wizTextareaRE = regexp.MustCompile(`(?s)<textarea\s([^>]*)>(.*?)</textarea>`)
	wizSelectRE   = regexp.MustCompile(`(?s)<select\s([^>]*)>(.*?)</select>`)
	wizOptionRE   = regexp.MustCompile(`<option\s([^>]*)>`)
	wizAttrRE     = regexp.MustCompile(`([a-z-]+)(?:="([^"]*)")?`)
	wizCurrentRE  = regexp.MustCompile(`(?s)<li[^>]*aria-current="step"[^>]*>.*?class="wizard-step-name">([^<]*)<`)
	wizErrorRE    = regexp.MustCompile(`class="field-error"[^>]*>([^<]*)<`)
)

// wizFields is what the wizard's form would submit as rendered: hidden and
// text inputs, ticked boxes, textareas and the selected options.
func wizFields(page string) url.Values {
	form := wizFormRE.FindString(page)
	out := url.Values{}
	for _, m := range wizInputRE.FindAllStringSubmatch(form, -1) {
		a := wizAttrs(m[1])
		if a["type"] == "checkbox" && !wizHas(m[1], "checked") {
			continue
		}
		if a["name"] != "" {
			out.Add(a["name"], a["value"])
		}
	}
	for _, m := range wizTextareaRE.FindAllStringSubmatch(form, -1) {
		out.Add(wizAttrs(m[1])["name"], html.UnescapeString(m[2]))
	}
	for _, m := range wizSelectRE.FindAllStringSubmatch(form, -1) {
		var value string
		for i, o := range wizOptionRE.FindAllStringSubmatch(m[2], -1) {
			if i == 0 || wizHas(o[1], "selected") {
				value = wizAttrs(o[1])["value"]
			}
		}
		out.Add(wizAttrs(m[1])["name"], value)
	}
	return out
}

func wizAttrs(s string) map[string]string {
	out := map[string]string{}
	for _, m := range wizAttrRE.FindAllStringSubmatch(s, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

func wizHas(attrs, name string) bool {
	_, ok := wizAttrs(attrs)[name]
	return ok
}

func wizExpectStep(t *testing.T, page, name string) {
	t.Helper()
	m := wizCurrentRE.FindStringSubmatch(page)
	if m == nil || m[1] != name {
		t.Fatalf("current step %v, want %q\n%s", m, name, wizErrors(page))
	}
}

func wizExpectFields(t *testing.T, page string, want map[string]string) {
	t.Helper()
	f := wizFields(page)
	for k, v := range want {
		if got := f.Get(k); got != v {
			t.Errorf("field %s = %q, want %q", k, got, v)
		}
	}
}

// wizErrors lists a page's field errors, for failure messages.
func wizErrors(page string) string {
	var out []string
	for _, m := range wizErrorRE.FindAllStringSubmatch(page, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return "field errors: " + strings.Join(out, "; ")
}

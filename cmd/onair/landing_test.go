package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/store/storetest"
)

// landingQuestions are the host's own questions of the landing page tests.
var landingQuestions = []map[string]any{
	{"key": "role", "label": "Your role", "type": "text", "required": true},
	{"key": "team_size", "label": "Team size", "type": "select", "options": []string{"1-10", "11-50", "51+"}},
	{"key": "newsletter", "label": "Send me the newsletter", "type": "checkbox"},
}

// landingDescription is Markdown with what must never run on the page.
const landingDescription = "**Launch day** with _the team_.\n\n" +
	"[Agenda](https://acme.example/agenda) · [click me](javascript:alert(1))\n\n" +
	"<script>alert('x')</script><img src=x onerror=\"alert(2)\"><iframe src=\"https://evil.example\"></iframe>"

func TestLandingPage(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		token := a.signup()
		a.expect(http.StatusOK, "PATCH", "/api/host", token, map[string]any{"name": "Acme Live", "brand_color": "#0F766E",
			"logo_url": "https://cdn.acme.example/logo.png"})
		ev := a.createEvent(token, map[string]any{"description": landingDescription,
			"cover_image_url": "https://cdn.acme.example/cover.jpg", "registration_fields": landingQuestions})
		id := ev["id"].(string)

		t.Run("the event keeps its cover and questions, and refuses bad ones naming the field", func(t *testing.T) {
			fields := ev["registration_fields"].([]any)
			if ev["cover_image_url"] != "https://cdn.acme.example/cover.jpg" || len(fields) != 3 ||
				fields[1].(map[string]any)["options"].([]any)[2] != "51+" || fields[0].(map[string]any)["options"] == nil {
				t.Fatalf("got %v %v", ev["cover_image_url"], fields)
			}
			for _, c := range []struct {
				body  map[string]any
				field string
			}{
				{map[string]any{"cover_image_url": "http://cdn.acme.example/cover.jpg"}, "cover_image_url"},
				{map[string]any{"registration_fields": []map[string]any{{"key": "a", "label": "A"}, {"key": "Bad Key", "label": "B"}}}, "registration_fields[1].key"},
				{map[string]any{"registration_fields": []map[string]any{{"key": "a", "label": "A"}, {"key": "a", "label": "B"}}}, "registration_fields[1].key"},
				{map[string]any{"registration_fields": []map[string]any{{"key": "a", "label": "A", "type": "select"}}}, "registration_fields[0].options"},
				{map[string]any{"registration_fields": []map[string]any{{"key": "a", "label": "A", "hint": "x"}}}, "registration_fields[0].hint"},
			} {
				status, out := a.do("PATCH", "/api/events/"+id, token, c.body)
				if status != http.StatusUnprocessableEntity || errField(out, c.field) == "" {
					t.Errorf("%v: %d %v, want a 422 on %s", c.body, status, out, c.field)
				}
			}
			copied := a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/duplicate", token,
				map[string]any{"scheduled_start": ev["scheduled_start"]})["event"].(map[string]any)
			if copied["cover_image_url"] != ev["cover_image_url"] || len(copied["registration_fields"].([]any)) != 3 {
				t.Errorf("the duplicate: %v %v", copied["cover_image_url"], copied["registration_fields"])
			}
		})

		t.Run("answers are validated by the API, naming answers.KEY", func(t *testing.T) {
			for _, c := range []struct {
				answers map[string]any
				field   string
			}{
				{nil, "answers.role"},
				{map[string]any{"team_size": "1-10"}, "answers.role"},
				{map[string]any{"role": "Dev", "colour": "red"}, "answers.colour"},
				{map[string]any{"role": "Dev", "team_size": "500"}, "answers.team_size"},
				{map[string]any{"role": "Dev", "newsletter": "yes"}, "answers.newsletter"},
				{map[string]any{"role": strings.Repeat("x", 501)}, "answers.role"},
			} {
				body := map[string]any{"email": "refused@example.com", "answers": c.answers}
				status, out := a.do("POST", "/api/events/"+id+"/register", "", body)
				if status != http.StatusUnprocessableEntity || errField(out, c.field) == "" {
					t.Errorf("%v: %d %v, want a 422 on %s", c.answers, status, out, c.field)
				}
			}
			a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", map[string]any{"email": "api@example.com",
				"first_name": "Api", "answers": map[string]any{"role": "=cmd|' /C calc'!A0", "team_size": "11-50", "newsletter": true}})
		})

		b := newViewerBrowser(t, a)
		status, page, header := b.get("/register/" + id)
		t.Run("the page shows the cover, the organiser, the questions, the link preview and inert Markdown", func(t *testing.T) {
			if status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			for _, want := range []string{
				`<img class="cover" src="https://cdn.acme.example/cover.jpg" alt="">`,
				`<span class="host-name">Acme Live</span>`, `<img src="https://cdn.acme.example/logo.png" alt=""`,
				`<strong>Launch day</strong> with <em>the team</em>`,
				`<a href="https://acme.example/agenda" rel="nofollow noopener" target="_blank">Agenda</a>`,
				`<meta property="og:title" content="Product Launch Webinar">`,
				`<meta property="og:description" content="Launch day with the team. Agenda · click me">`,
				`<meta property="og:image" content="https://cdn.acme.example/cover.jpg">`,
				`<meta property="og:url" content="` + testAppURL + `/register/` + id + `">`,
				`<link rel="icon" href="/favicon.ico"`,
				`<label for="reg-q-role">Your role <span class="hint">(required)</span></label>`,
				`<input id="reg-q-role" name="answers.role" type="text"`,
				`<select id="reg-q-team_size" name="answers.team_size"`, `<option value="51&#43;">51&#43;</option>`,
				`<input id="reg-q-newsletter" name="answers.newsletter" type="checkbox" value="yes"`,
				`<label for="reg-q-newsletter">Send me the newsletter</label>`,
				`name="website"`,
			} {
				if !strings.Contains(page, want) {
					t.Errorf("the page lacks %s", want)
				}
			}
			lower := strings.ToLower(page)
			for _, bad := range []string{"javascript:", "alert(", "onerror", "<iframe", "evil.example"} {
				if strings.Contains(lower, bad) {
					t.Errorf("the page holds %q from the description", bad)
				}
			}
			csp := header.Get("Content-Security-Policy")
			if strings.Contains(csp, "frame-ancestors") || header.Get("X-Frame-Options") != "" {
				t.Errorf("the registration page may not be framed: %q %q", csp, header.Get("X-Frame-Options"))
			}
			assertStyleAllowed(t, page, csp, "#0f766e")
		})

		t.Run("the form asks again for a missing required answer and keeps the others", func(t *testing.T) {
			status, body, _ := b.register("/register/"+id, url.Values{"email": {"form@example.com"},
				"answers.team_size": {"51+"}, "answers.newsletter": {"yes"}})
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d", status)
			}
			for _, want := range []string{`id="reg-q-role-error">Your role is required`, `<option value="51&#43;" selected>`,
				`value="yes" checked`} {
				if !strings.Contains(body, want) {
					t.Errorf("the page lacks %s", want)
				}
			}
		})

		t.Run("the embedded page is compact, and its form registers inside the frame", func(t *testing.T) {
			e := newViewerBrowser(t, a)
			status, body, h := e.get("/register/" + id + "?embed=1")
			if status != http.StatusOK || !strings.Contains(body, `<body class="embed">`) || strings.Contains(body, `<header class="top"`) ||
				strings.Contains(body, `class="cover"`) || !strings.Contains(body, `action="/register/`+id+`?embed=1"`) ||
				!strings.Contains(body, `<p class="organiser muted">Hosted by Acme Live</p>`) ||
				!strings.Contains(body, `name="website"`) {
				t.Fatalf("embedded page (%d): %s", status, body)
			}
			if strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors") {
				t.Errorf("the embedded page may not be framed")
			}
			form := url.Values{"email": {"framed@example.com"}, "first_name": {"Framed"}, "answers.role": {"Designer"},
				"answers.team_size": {"1-10"}, "answers.newsletter": {"yes"}}
			status, body, done := e.register("/register/"+id+"?embed=1", form)
			if status != http.StatusOK || !strings.Contains(done, "embed=1") || !strings.Contains(body, `<body class="embed">`) ||
				!strings.Contains(body, `target="_blank" rel="noopener">Open the watch page`) {
				t.Fatalf("success in the frame (%d at %q): %s", status, done, body)
			}
		})

		t.Run("answers appear in the registrations JSON, the CSV in the questions' order, and the export", func(t *testing.T) {
			out := a.expect(http.StatusOK, "GET", "/api/events/"+id+"/registrations", token, nil)
			byEmail := map[string]map[string]any{}
			for _, r := range out["registrations"].([]any) {
				r := r.(map[string]any)
				byEmail[r["email"].(string)] = r["answers"].(map[string]any)
			}
			want := map[string]any{"role": "Designer", "team_size": "1-10", "newsletter": true}
			if got := byEmail["framed@example.com"]; len(got) != 3 || got["role"] != want["role"] || got["team_size"] != want["team_size"] ||
				got["newsletter"] != true {
				t.Errorf("the form's answers: %v", got)
			}
			if got := byEmail["api@example.com"]; got["newsletter"] != true || got["team_size"] != "11-50" {
				t.Errorf("the API's answers: %v", got)
			}
			_, raw, _ := a.raw("GET", "/api/events/"+id+"/registrations?format=csv", token, nil)
			rows, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
			if err != nil || len(rows) != 3 {
				t.Fatalf("CSV (%v): %s", err, raw)
			}
			head := strings.Join(rows[0][len(rows[0])-3:], ",")
			if head != "answer_role,answer_team_size,answer_newsletter" {
				t.Errorf("CSV columns end %q", head)
			}
			for _, row := range rows[1:] {
				got := strings.Join(row[len(row)-3:], ",")
				switch row[3] {
				case "api@example.com":
					if got != "'=cmd|' /C calc'!A0,11-50,true" {
						t.Errorf("CSV answers of the API's registrant %q (a formula must not start a cell)", got)
					}
				case "framed@example.com":
					if got != "Designer,1-10,true" {
						t.Errorf("CSV answers of the form's registrant %q", got)
					}
				}
			}
			export := a.expect(http.StatusOK, "GET", "/api/viewers/export?email=framed@example.com", token, nil)
			regs := export["registrations"].([]any)
			if len(regs) != 1 || regs[0].(map[string]any)["registration"].(map[string]any)["answers"].(map[string]any)["role"] != "Designer" {
				t.Errorf("the export: %v", export)
			}
		})

		t.Run("the erasure takes the answers with the rest", func(t *testing.T) {
			a.expect(http.StatusOK, "DELETE", "/api/viewers?email=framed@example.com", token, nil)
			if export := a.expect(http.StatusOK, "GET", "/api/viewers/export?email=framed@example.com", token, nil); len(export["registrations"].([]any)) != 0 {
				t.Errorf("the export after the erasure: %v", export)
			}
			_, raw, _ := a.raw("GET", "/api/events/"+id+"/registrations?format=csv", token, nil)
			if strings.Contains(string(raw), "Designer") {
				t.Errorf("the CSV still shows an erased answer: %s", raw)
			}
			var n int
			if err := a.store().DB().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM registrations
				WHERE event_id = $1 AND answers LIKE '%Designer%'`, id).Scan(&n); err != nil || n != 0 {
				t.Errorf("stored answers after the erasure: %d (%v)", n, err)
			}
		})

		t.Run("the dashboard shows the answers and the embed code, and edits the cover and the questions", func(t *testing.T) {
			b, host := dashSignup(t, a)
			ev := a.createEvent(host, map[string]any{"registration_fields": landingQuestions[:2]})
			id := ev["id"].(string)
			reg := a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", map[string]any{"email": "dash@example.com",
				"first_name": "Dee", "answers": map[string]any{"role": "Producer", "team_size": "51+"}})
			body := b.expect(http.StatusOK, "/dashboard/events/"+id)
			snippet := html.EscapeString(`<iframe src="` + testAppURL + `/register/` + id + `?embed=1" title="Product Launch Webinar"`)
			for _, want := range []string{`<th scope="col">Your role</th><th scope="col">Team size</th>`, "<td>Producer</td><td>51&#43;</td>",
				snippet, "Copy embed code"} {
				if !strings.Contains(body, want) {
					t.Errorf("the event page lacks %s", want)
				}
			}
			regID := reg["registration"].(map[string]any)["id"].(string)
			timeline := b.expect(http.StatusOK, "/dashboard/events/"+id+"/registrants/"+regID)
			if !strings.Contains(timeline, "<dt>Your role</dt><dd>Producer</dd>") || !strings.Contains(timeline, "Team size: 51&#43;") {
				t.Errorf("the registrant page lacks the answers:\n%s", timeline)
			}
			if !strings.Contains(body, "role: Your role *\nteam_size: Team size [1-10 | 11-50 | 51&#43;]") {
				t.Errorf("the edit form does not hold the questions as lines")
			}
			form := url.Values{"title": {"Edited"}, "description": {""}, "max_registrations": {""}, "stream_url": {""},
				"registration_enabled": {"on"}, "cover_image_url": {"https://cdn.acme.example/new.jpg"},
				"registration_fields": {"role: Your role *\r\nnews: News please [checkbox]\r\n\r\nlevel: Level [Beginner | Expert] *"}}
			if status, _, _ := b.post("/dashboard/events/"+id+"/edit", form, true); status != http.StatusSeeOther {
				t.Fatalf("edit: %d", status)
			}
			got := a.expect(http.StatusOK, "GET", "/api/events/"+id, host, nil)["event"].(map[string]any)
			qs := got["registration_fields"].([]any)
			if got["cover_image_url"] != "https://cdn.acme.example/new.jpg" || len(qs) != 3 ||
				qs[1].(map[string]any)["type"] != "checkbox" || qs[2].(map[string]any)["required"] != true ||
				qs[2].(map[string]any)["options"].([]any)[1] != "Expert" {
				t.Errorf("after the edit: %v %v", got["cover_image_url"], qs)
			}
			form.Set("cover_image_url", "ftp://cdn.acme.example/x.jpg")
			form.Set("registration_fields", "role: Your role\nRole: Again\njust a label")
			status, page, _ := b.post("/dashboard/events/"+id+"/edit", form, true)
			for _, want := range []string{"Cover image URL must be an https URL", "line 3 needs a key and a label",
				"Question 2: the key must start with a lower-case letter"} {
				if status != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(page), want) {
					t.Errorf("refused edit (%d) lacks %q", status, want)
				}
			}
		})

		t.Run("the favicon is served and cached", func(t *testing.T) {
			status, body, h := a.raw("GET", "/favicon.ico", "", nil)
			if status != http.StatusOK || h.Get("Content-Type") != "image/x-icon" || len(body) < 100 ||
				!strings.Contains(h.Get("Cache-Control"), "max-age=") || h.Get("ETag") == "" {
				t.Errorf("favicon: %d %q %q %d bytes", status, h.Get("Content-Type"), h.Get("Cache-Control"), len(body))
			}
		})

		t.Run("the success, watch, cancel and unsubscribe pages carry the host's brand", func(t *testing.T) {
			v := newViewerBrowser(t, a)
			form := url.Values{"email": {"brand@example.com"}, "answers.role": {"PM"}}
			status, body, _ := v.register("/register/"+id, form)
			if status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			m := regexp.MustCompile(`data-copy="([^"]+)"`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no watch link: %s", body)
			}
			watch, _ := url.Parse(html.UnescapeString(m[1]))
			pages := map[string]string{"success": body}
			_, pages["watch"], _ = newViewerBrowser(t, a).get(watch.RequestURI())
			var text string
			waitFor(t, 30*time.Second, "the confirmation in the outbox", func() (bool, string) {
				out := a.expect(http.StatusOK, "GET", "/api/outbox?event_id="+id, token, nil)
				for _, m := range out["messages"].([]any) {
					if m := m.(map[string]any); m["to"] == "brand@example.com" {
						text = m["text"].(string)
					}
				}
				return text != "", ""
			})
			for name, re := range map[string]string{"cancel": `/cancel/[A-Za-z0-9_-]+`, "unsubscribe": `/u/[A-Za-z0-9_.-]+`} {
				link := regexp.MustCompile(regexp.QuoteMeta(testAppURL) + re).FindString(text)
				if link == "" {
					t.Fatalf("no %s link in the message", name)
				}
				_, pages[name], _ = newViewerBrowser(t, a).get(strings.TrimPrefix(link, testAppURL))
			}
			for name, p := range pages {
				if !strings.Contains(p, `<span class="host-name">Acme Live</span>`) || !strings.Contains(p, `<style>:root{--brand-1:#0f766e;`) {
					t.Errorf("the %s page lacks the host's brand:\n%s", name, p)
				}
			}
		})
	})
}

// assertStyleAllowed checks that page holds the <style> of the host's
// colour and that csp allows exactly it: by its hash, with no
// 'unsafe-inline'.
func assertStyleAllowed(t *testing.T, page, csp, color string) {
	t.Helper()
	m := regexp.MustCompile(`<style>([^<]*)</style>`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(m[1], "--brand-1:"+color) {
		t.Fatalf("no <style> with the colour %s", color)
	}
	sum := sha256.Sum256([]byte(m[1]))
	hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	if !strings.Contains(csp, "style-src 'self' "+hash) || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("the CSP %q does not allow the page's style %s by its hash", csp, m[1])
	}
}

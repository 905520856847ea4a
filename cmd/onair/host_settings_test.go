package main

import (
	"html"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/store/storetest"
)

// TestHostSettings drives GET and PATCH /api/host, the settings page, and
// what the settings change in what viewers receive: the sender's name and
// Reply-To of the email an SMTP server gets, the organizer of its invite
// and of the calendar downloads, and the header of the registration page.
func TestHostSettings(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		in := newInbox(t)
		env := in.env()
		env["EMAIL_FROM"] = "onair <no-reply@events.example.com>"
		a := startApp(t, dbURL, env)
		token := a.signup()
		otherToken := a.signup()

		t.Run("a new host has no settings, and no token no answer", func(t *testing.T) {
			a := dashApp(a, t)
			h := a.expect(http.StatusOK, "GET", "/api/host", token, nil)["host"].(map[string]any)
			for _, k := range []string{"name", "brand_color", "logo_url", "reply_to"} {
				if v, ok := h[k]; !ok || v != "" {
					t.Errorf("%s = %v, want an empty string", k, v)
				}
			}
			if h["id"] == "" || !strings.HasSuffix(h["email"].(string), "@example.com") || h["created_at"] == "" {
				t.Errorf("host %v", h)
			}
			if status, _ := a.do("GET", "/api/host", "", nil); status != http.StatusUnauthorized {
				t.Errorf("without a token: %d", status)
			}
			if status, _ := a.do("PATCH", "/api/host", "", map[string]any{"name": "x"}); status != http.StatusUnauthorized {
				t.Errorf("PATCH without a token: %d", status)
			}
		})

		t.Run("PATCH sets each setting and GET reads it back", func(t *testing.T) {
			a := dashApp(a, t)
			h := a.expect(http.StatusOK, "PATCH", "/api/host", token, map[string]any{
				"name": "Acme Launches", "brand_color": "#0F766E",
				"logo_url": "https://cdn.acme.example/logo.png", "reply_to": "team@acme.example",
			})["host"].(map[string]any)
			want := map[string]string{"name": "Acme Launches", "brand_color": "#0f766e",
				"logo_url": "https://cdn.acme.example/logo.png", "reply_to": "team@acme.example"}
			got := a.expect(http.StatusOK, "GET", "/api/host", token, nil)["host"].(map[string]any)
			for k, v := range want {
				if h[k] != v || got[k] != v {
					t.Errorf("%s: PATCH answered %v, GET %v; want %q", k, h[k], got[k], v)
				}
			}
			other := a.expect(http.StatusOK, "GET", "/api/host", otherToken, nil)["host"].(map[string]any)
			if other["name"] != "" || other["brand_color"] != "" {
				t.Errorf("another host's settings changed: %v", other)
			}
		})

		t.Run("a field left out is kept; null and empty clear", func(t *testing.T) {
			a := dashApp(a, t)
			a.expect(http.StatusOK, "PATCH", "/api/host", otherToken, map[string]any{"name": "Other", "brand_color": "#123456"})
			h := a.expect(http.StatusOK, "PATCH", "/api/host", otherToken, map[string]any{"brand_color": nil})["host"].(map[string]any)
			if h["name"] != "Other" || h["brand_color"] != "" {
				t.Errorf("host %v", h)
			}
			h = a.expect(http.StatusOK, "PATCH", "/api/host", otherToken, map[string]any{"name": ""})["host"].(map[string]any)
			if h["name"] != "" {
				t.Errorf("host %v", h)
			}
		})

		t.Run("every bad value is a 422 naming its field, and nothing changes", func(t *testing.T) {
			a := dashApp(a, t)
			for _, c := range []struct {
				body  any
				field string
			}{
				{map[string]any{"brand_color": "red"}, "brand_color"},
				{map[string]any{"brand_color": "#12345"}, "brand_color"},
				{map[string]any{"logo_url": "http://cdn.acme.example/logo.png"}, "logo_url"},
				{map[string]any{"logo_url": "javascript:alert(1)"}, "logo_url"},
				{map[string]any{"reply_to": "not an address"}, "reply_to"},
				{map[string]any{"reply_to": "team@acme.example\r\nBcc: victim@example.com"}, "reply_to"},
				{map[string]any{"name": "Acme\r\nBcc: victim@example.com"}, "name"},
				{map[string]any{"name": "Your Bank <alerts@bank.example>"}, "name"},
				{map[string]any{"name": 42}, "name"},
				{map[string]any{"colour": "#0f766e"}, "colour"},
				{map[string]any{"name": "Fine", "brandColor": "#0f766e"}, "brandColor"},
				{map[string]any{"id": "3f2b8c1e-7d4a-4e9b-9c61-2a5d8e0f4b17"}, "id"},
				{map[string]any{"email": "someone-else@example.com"}, "email"},
			} {
				status, out := a.do("PATCH", "/api/host", token, c.body)
				if status != http.StatusUnprocessableEntity || errField(out, c.field) == "" {
					t.Errorf("%v: %d %v, want a 422 on %s", c.body, status, out, c.field)
				}
			}
			for _, body := range []string{"", "[]", `{"name": "x"} {}`, "{"} {
				if status, out := a.do("PATCH", "/api/host", token, body); status != http.StatusBadRequest {
					t.Errorf("%q: %d %v, want 400", body, status, out)
				}
			}
			h := a.expect(http.StatusOK, "GET", "/api/host", token, nil)["host"].(map[string]any)
			if h["name"] != "Acme Launches" || h["brand_color"] != "#0f766e" || h["reply_to"] != "team@acme.example" {
				t.Errorf("a refused change changed the host: %v", h)
			}
			// What GET answered may be sent back whole.
			a.expect(http.StatusOK, "PATCH", "/api/host", token, h)
		})

		ev := a.createEvent(token, map[string]any{"title": "Branded Launch", "scheduled_start": startsIn(3 * time.Hour).Format(time.RFC3339)})
		id := ev["id"].(string)
		reg := a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "",
			map[string]string{"email": "ada@example.com", "first_name": "Ada"})
		watch := reg["watch_url"].(string)

		t.Run("the email carries the host's name, Reply-To, colour and logo", func(t *testing.T) {
			msg := in.srv.WaitFor(1, 30*time.Second)
			if len(msg) != 1 {
				t.Fatalf("%d messages", len(msg))
			}
			m := msg[0]
			from, err := mail.ParseAddress(m.DecodedHeader("From"))
			if err != nil || from.Name != "Acme Launches" || from.Address != "no-reply@events.example.com" {
				t.Errorf("From %q (%v), want \"Acme Launches\" <no-reply@events.example.com>", m.Header.Get("From"), err)
			}
			if m.From != "no-reply@events.example.com" {
				t.Errorf("envelope sender %q", m.From)
			}
			if r := m.Header.Get("Reply-To"); r != "<team@acme.example>" {
				t.Errorf("Reply-To %q", r)
			}
			page, ok := m.PartOf("text/html")
			if !ok {
				t.Fatal("no HTML part")
			}
			for _, want := range []string{`<img src="https://cdn.acme.example/logo.png" alt="Acme Launches"`,
				"background-color:#0f766e;padding:32px", "an event by Acme Launches"} {
				if !strings.Contains(string(page.Body), want) {
					t.Errorf("the HTML part lacks %q", want)
				}
			}
			invite, ok := m.PartOf("text/calendar")
			if !ok {
				t.Fatal("no invite attached")
			}
			organizer := icsLine(string(invite.Body), "ORGANIZER")
			if organizer != `ORGANIZER;CN="Acme Launches":mailto:no-reply@events.example.com` {
				t.Errorf("the invite's %q", organizer)
			}
			if loc := icsLine(string(invite.Body), "LOCATION"); loc != "LOCATION:"+watch {
				t.Errorf("the invite's %q, want the watch link", loc)
			}
		})

		t.Run("the calendar downloads carry the organizer and the right link", func(t *testing.T) {
			a := dashApp(a, t)
			status, public, header := a.raw("GET", "/events/"+id+".ics", "", nil)
			if status != http.StatusOK || !strings.HasPrefix(header.Get("Content-Type"), "text/calendar") {
				t.Fatalf("public calendar: %d %s", status, header.Get("Content-Type"))
			}
			registerURL := testAppURL + "/register/" + id
			for prop, want := range map[string]string{
				"ORGANIZER": `ORGANIZER;CN="Acme Launches":mailto:no-reply@events.example.com`,
				"LOCATION":  "LOCATION:" + registerURL,
				"TRIGGER":   "TRIGGER:-PT15M",
			} {
				if got := icsLine(string(public), prop); got != want {
					t.Errorf("public calendar: %q, want %q", got, want)
				}
			}
			if d := icsLine(string(public), "DESCRIPTION"); !strings.Contains(d, "Register: "+registerURL) || strings.Contains(d, "Watch") {
				t.Errorf("the public file's link is not labelled as the registration page: %q", d)
			}
			u, _ := url.Parse(watch)
			status, own, _ := a.raw("GET", "/api/registrations/ics?token="+url.QueryEscape(u.Query().Get("token")), "", nil)
			if status != http.StatusOK || icsLine(string(own), "LOCATION") != "LOCATION:"+watch ||
				!strings.Contains(icsLine(string(own), "DESCRIPTION"), "Watch: "+watch) ||
				!strings.HasPrefix(icsLine(string(own), "ORGANIZER"), `ORGANIZER;CN="Acme Launches"`) {
				t.Errorf("the viewer's own calendar (%d):\n%s", status, own)
			}
		})

		t.Run("the registration page shows the host's name and logo, in its colour", func(t *testing.T) {
			a := dashApp(a, t)
			status, body, header := a.raw("GET", "/register/"+id, "", nil)
			page := string(body)
			if status != http.StatusOK || !strings.Contains(page, `<style>:root{--brand-1:#0f766e;--brand-2:#0f766e;--on-brand:#ffffff}</style>`) ||
				!strings.Contains(page, `<img src="https://cdn.acme.example/logo.png" alt=""`) ||
				!strings.Contains(page, `<span class="host-name">Acme Launches</span>`) {
				t.Errorf("registration page (%d) has no brand header", status)
			}
			assertStyleAllowed(t, page, header.Get("Content-Security-Policy"), "#0f766e")
		})

		t.Run("the settings page edits them, with its CSRF token", func(t *testing.T) {
			a := dashApp(a, t)
			b, token := dashSignup(t, a)
			body := b.expect(http.StatusOK, "/dashboard/settings")
			for _, want := range []string{`action="/dashboard/settings"`, `name="csrf_token"`, `name="name"`, `name="brand_color"`,
				`name="logo_url"`, `name="reply_to"`, html.EscapeString("Emails now come from: onair <no-reply@events.example.com>")} {
				if !strings.Contains(body, want) {
					t.Errorf("the page lacks %q", want)
				}
			}
			form := url.Values{"name": {"Dash Host"}, "brand_color": {"#db2777"}, "logo_url": {""}, "reply_to": {"dash@example.com"}}
			if status, _, _ := b.post("/dashboard/settings", form, false); status != http.StatusForbidden {
				t.Errorf("without the CSRF token: %d, want 403", status)
			}
			bad := url.Values{"name": {"Dash Host"}, "brand_color": {"pink"}, "logo_url": {"ftp://x"}, "reply_to": {"dash@example.com"}}
			status, body, _ := b.post("/dashboard/settings", bad, true)
			if status != http.StatusUnprocessableEntity || !strings.Contains(body, "The brand colour must be") ||
				!strings.Contains(body, "The logo URL must be") || !strings.Contains(body, `value="pink"`) {
				t.Errorf("refused form: %d\n%s", status, body)
			}
			if h := a.expect(http.StatusOK, "GET", "/api/host", token, nil)["host"].(map[string]any); h["name"] != "" {
				t.Errorf("a refused form saved %v", h)
			}
			b.expectRedirect("/dashboard/settings", form, "/dashboard/settings?done=settings")
			if body := b.expect(http.StatusOK, "/dashboard/settings?done=settings"); !strings.Contains(body, "Your settings are saved.") ||
				!strings.Contains(body, `value="Dash Host"`) || !strings.Contains(body, html.EscapeString("Dash Host <no-reply@events.example.com>")) {
				t.Errorf("after saving:\n%s", body)
			}
			h := a.expect(http.StatusOK, "GET", "/api/host", token, nil)["host"].(map[string]any)
			if h["name"] != "Dash Host" || h["brand_color"] != "#db2777" || h["reply_to"] != "dash@example.com" || h["logo_url"] != "" {
				t.Errorf("saved %v", h)
			}
		})
	})
}

// icsLine is the first content line of calendar data for property prop,
// unfolded.
func icsLine(data, prop string) string {
	unfolded := strings.NewReplacer("\r\n ", "", "\r\n\t", "").Replace(data)
	for _, line := range strings.Split(unfolded, "\r\n") {
		if strings.HasPrefix(line, prop+":") || strings.HasPrefix(line, prop+";") {
			return line
		}
	}
	return ""
}

func TestHostRetentionDays(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		token := a.signup()
		if h := a.expect(http.StatusOK, "GET", "/api/host", token, nil)["host"].(map[string]any); h["retention_days"] != 0.0 {
			t.Errorf("default retention: %v", h)
		}
		h := a.expect(http.StatusOK, "PATCH", "/api/host", token, map[string]any{"retention_days": 30, "name": "Acme"})["host"].(map[string]any)
		if h["retention_days"] != 30.0 || h["name"] != "Acme" {
			t.Errorf("after PATCH: %v", h)
		}
		if h := a.expect(http.StatusOK, "GET", "/api/host", token, nil)["host"].(map[string]any); h["retention_days"] != 30.0 {
			t.Errorf("read back: %v", h)
		}
		for _, bad := range []any{-1, 36501, 1.5, "30", true} {
			status, out := a.do("PATCH", "/api/host", token, map[string]any{"retention_days": bad})
			if status != http.StatusUnprocessableEntity || errField(out, "retention_days") == "" {
				t.Errorf("retention_days %v: %d %v; want 422 naming it", bad, status, out)
			}
		}
		// null clears it, as it clears every setting: keep the data.
		h = a.expect(http.StatusOK, "PATCH", "/api/host", token, map[string]any{"retention_days": nil})["host"].(map[string]any)
		if h["retention_days"] != 0.0 {
			t.Errorf("after null: %v", h)
		}
	})
}

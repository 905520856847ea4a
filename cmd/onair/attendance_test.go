package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/onair-live/onair/internal/store/storetest"
)

// registerViewer registers email for event id through the API and returns
// the viewer's watch token.
func registerViewer(t *testing.T, a *app, id, email string) string {
	t.Helper()
	out := a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", map[string]string{"email": email})
	u, err := url.Parse(out["watch_url"].(string))
	if err != nil || u.Query().Get("token") == "" {
		t.Fatalf("watch_url %v: %v", out["watch_url"], err)
	}
	return u.Query().Get("token")
}

func TestHeartbeatAuth(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		host := a.signup()
		id := a.createEvent(host, nil)["id"].(string)
		other := a.createEvent(host, nil)["id"].(string)
		viewer := registerViewer(t, a, id, "ada@example.com")
		otherViewer := registerViewer(t, a, other, "ada@example.com")
		a.expect(http.StatusOK, "POST", "/api/events/"+id+"/start", host, nil)

		out := a.expect(http.StatusOK, "POST", "/api/watch/"+id+"/heartbeat?token="+url.QueryEscape(viewer), "", map[string]any{})
		if out["viewers"] != float64(1) {
			t.Errorf("heartbeat answered %v; want 1 viewer", out)
		}
		for name, path := range map[string]string{
			"a wrong token":           "/api/watch/" + id + "/heartbeat?token=" + url.QueryEscape(viewer[:len(viewer)-1]+flip(viewer)),
			"another event's token":   "/api/watch/" + id + "/heartbeat?token=" + url.QueryEscape(otherViewer),
			"no token":                "/api/watch/" + id + "/heartbeat",
			"an unknown event":        "/api/watch/00000000-0000-0000-0000-000000000000/heartbeat?token=" + url.QueryEscape(viewer),
			"the token of this event": "/api/watch/" + other + "/heartbeat?token=" + url.QueryEscape(viewer),
		} {
			if status, out := a.do("POST", path, "", map[string]any{}); status != http.StatusNotFound {
				t.Errorf("%s: status %d (%v); want 404", name, status, out)
			}
		}
	})
}

func TestAttendanceWatchPage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		host := a.signup()
		id := a.createEvent(host, nil)["id"].(string)
		viewer := registerViewer(t, a, id, "grace@example.com")
		attended := func() bool {
			out := a.expect(http.StatusOK, "GET", "/api/events/"+id+"/registrations", host, nil)
			regs := out["registrations"].([]any)
			if len(regs) != 1 {
				t.Fatalf("registrations %v", out)
			}
			return regs[0].(map[string]any)["attended"].(bool)
		}

		b := newViewerBrowser(t, a)
		if status, _, _ := b.get("/watch/" + id + "?token=" + url.QueryEscape(viewer)); status != http.StatusOK {
			t.Fatalf("watch link: %d", status)
		}
		if status, _, _ := b.get("/watch/" + id); status != http.StatusOK {
			t.Fatalf("watch page: %d", status)
		}
		if attended() {
			t.Errorf("a visit an hour before the start counts as attended")
		}

		a.expect(http.StatusOK, "POST", "/api/events/"+id+"/start", host, nil)
		// The link of the messages, fetched by a client that keeps no
		// cookies, is a visit too.
		resp, err := http.Get(a.URL + "/watch/" + id + "?token=" + url.QueryEscape(viewer))
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("watch link without cookies: %v %v", resp, err)
		}
		resp.Body.Close()
		if !attended() {
			t.Errorf("a visit of the live event does not count as attended")
		}
		if status, _, _ := b.get("/watch/" + id); status != http.StatusOK {
			t.Fatalf("watch page: %d", status)
		}

		// The page's own heartbeat: token-less, by the watch cookie.
		req, _ := http.NewRequest("POST", a.URL+"/watch/"+id+"/heartbeat", strings.NewReader("{}"))
		if status, body, _ := b.do(req); status != http.StatusOK || !strings.Contains(body, `"viewers":1`) {
			t.Errorf("cookie heartbeat: %d %s", status, body)
		}
		req, _ = http.NewRequest("POST", a.URL+"/watch/"+id+"/heartbeat", strings.NewReader("{}"))
		if status, body, _ := newViewerBrowser(t, a).do(req); status != http.StatusNotFound {
			t.Errorf("heartbeat without a cookie: %d %s", status, body)
		}
	})
}

func TestEngagementAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		host := a.signup()
		id := a.createEvent(host, nil)["id"].(string)
		other := a.createEvent(host, nil)["id"].(string)
		viewer := registerViewer(t, a, id, "ada@example.com")
		otherViewer := registerViewer(t, a, other, "ada@example.com")

		for _, action := range []string{"chat", "reaction", "poll", "question", "other"} {
			out := a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/engagement", "",
				map[string]any{"token": viewer, "action": action})
			if e, _ := out["engagement"].(map[string]any); e["action"] != action {
				t.Errorf("engagement answered %v", out)
			}
		}
		out := a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/revenue", "",
			map[string]any{"token": viewer, "amount_cents": 4900, "currency": "EUR"})
		if p, _ := out["purchase"].(map[string]any); p["amount_cents"] != float64(4900) || p["currency"] != "EUR" {
			t.Errorf("revenue answered %v", out)
		}
		// A currency in lower case is read as its code; the token may come
		// in the address instead of the body.
		out = a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/revenue?token="+url.QueryEscape(viewer), "",
			map[string]any{"amount_cents": 100, "currency": "usd"})
		if p, _ := out["purchase"].(map[string]any); p["currency"] != "USD" {
			t.Errorf("revenue in lower case answered %v", out)
		}
		a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/engagement?token="+url.QueryEscape(viewer), "",
			map[string]any{"action": "chat"})

		for _, c := range []struct {
			path  string
			body  map[string]any
			field string
		}{
			{"engagement", map[string]any{"token": viewer, "action": "like"}, "action"},
			{"engagement", map[string]any{"token": viewer}, "action"},
			{"revenue", map[string]any{"token": viewer, "amount_cents": 0, "currency": "EUR"}, "amount_cents"},
			{"revenue", map[string]any{"token": viewer, "amount_cents": -100, "currency": "EUR"}, "amount_cents"},
			{"revenue", map[string]any{"token": viewer, "amount_cents": int64(1) << 62, "currency": "EUR"}, "amount_cents"},
			{"revenue", map[string]any{"token": viewer, "amount_cents": 100, "currency": ""}, "currency"},
			{"revenue", map[string]any{"token": viewer, "amount_cents": 100}, "currency"},
			{"revenue", map[string]any{"token": viewer, "amount_cents": 100, "currency": "€"}, "currency"},
			{"revenue", map[string]any{"token": viewer, "amount_cents": 100, "currency": "EURO"}, "currency"},
			{"revenue", map[string]any{"token": viewer, "amount_cents": 1.5, "currency": "EUR"}, "amount_cents"},
		} {
			out := a.expect(http.StatusUnprocessableEntity, "POST", "/api/events/"+id+"/"+c.path, "", c.body)
			if errField(out, c.field) == "" {
				t.Errorf("%s %v: no problem with %s in %v", c.path, c.body, c.field, out)
			}
		}
		for _, body := range []map[string]any{
			{"token": otherViewer, "action": "chat"},
			{"token": "nope", "action": "chat"},
			{"action": "chat"},
		} {
			a.expect(http.StatusNotFound, "POST", "/api/events/"+id+"/engagement", "", body)
		}
		a.expect(http.StatusNotFound, "POST", "/api/events/"+id+"/revenue", "",
			map[string]any{"token": otherViewer, "amount_cents": 100, "currency": "USD"})
	})
}

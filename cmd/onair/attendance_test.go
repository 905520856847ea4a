package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

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
	t.Parallel()
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
	t.Parallel()
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
		if b.join(id) || attended() {
			t.Errorf("a join an hour before the start counts as attended")
		}

		a.expect(http.StatusOK, "POST", "/api/events/"+id+"/start", host, nil)
		// A mail scanner fetches the link of the messages, without cookies
		// and without running the page: that is no attendance.
		for range 3 {
			resp, err := http.Get(a.URL + "/watch/" + id + "?token=" + url.QueryEscape(viewer))
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("watch link without cookies: %v %v", resp, err)
			}
			resp.Body.Close()
		}
		if status, _, _ := b.get("/watch/" + id); status != http.StatusOK {
			t.Fatalf("watch page: %d", status)
		}
		if attended() {
			t.Errorf("a bare GET of the watch link of the live event counts as attended")
		}
		if an := a.expect(http.StatusOK, "GET", "/api/events/"+id+"/analytics", host, nil)["analytics"].(map[string]any); an["attended"] != 0.0 || an["peak_concurrent_viewers"] != 0.0 {
			t.Errorf("after bare GETs: attended %v, peak %v", an["attended"], an["peak_concurrent_viewers"])
		}
		// The page's own join does.
		if !b.join(id) || !attended() {
			t.Errorf("the page's join of the live event does not count as attended")
		}
		req, _ := http.NewRequest("POST", a.URL+"/watch/"+id+"/join", strings.NewReader("{}"))
		if status, body, _ := newViewerBrowser(t, a).do(req); status != http.StatusNotFound {
			t.Errorf("join without a cookie: %d %s", status, body)
		}

		// The page's own heartbeat: token-less, by the watch cookie.
		req, _ = http.NewRequest("POST", a.URL+"/watch/"+id+"/heartbeat", strings.NewReader("{}"))
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
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		host := a.signup()
		id := a.createEvent(host, nil)["id"].(string)
		other := a.createEvent(host, nil)["id"].(string)
		viewer := registerViewer(t, a, id, "ada@example.com")
		second := registerViewer(t, a, id, "bea@example.com")
		otherViewer := registerViewer(t, a, other, "ada@example.com")

		for _, action := range []string{"chat", "reaction", "poll", "question", "other"} {
			out := a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/engagement", "",
				map[string]any{"token": viewer, "action": action})
			if e, _ := out["engagement"].(map[string]any); e["action"] != action {
				t.Errorf("engagement answered %v", out)
			}
		}
		out := a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/revenue", host,
			map[string]any{"token": viewer, "amount_cents": 4900, "currency": "EUR"})
		if p, _ := out["purchase"].(map[string]any); p["amount_cents"] != float64(4900) || p["currency"] != "EUR" {
			t.Errorf("revenue answered %v", out)
		}
		// A currency in lower case is read as its code; the token may come
		// in the address instead of the body.
		out = a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/revenue?token="+url.QueryEscape(viewer), host,
			map[string]any{"amount_cents": 100, "currency": "usd"})
		if p, _ := out["purchase"].(map[string]any); p["currency"] != "USD" {
			t.Errorf("revenue in lower case answered %v", out)
		}
		a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/engagement?token="+url.QueryEscape(second), "",
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
			auth := ""
			if c.path == "revenue" {
				auth = host
			}
			out := a.expect(http.StatusUnprocessableEntity, "POST", "/api/events/"+id+"/"+c.path, auth, c.body)
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
		a.expect(http.StatusNotFound, "POST", "/api/events/"+id+"/revenue", host,
			map[string]any{"token": otherViewer, "amount_cents": 100, "currency": "USD"})

		// A purchase is the host's to report: a viewer's token alone, or
		// another host's, records nothing.
		purchase := map[string]any{"token": viewer, "amount_cents": 1_000_000_000_000, "currency": "USD"}
		if status, out := a.do("POST", "/api/events/"+id+"/revenue", "", purchase); status != http.StatusUnauthorized || errCode(out) != "unauthorized" {
			t.Errorf("revenue without the host's token: %d %v", status, out)
		}
		if status, _, _ := a.raw("POST", "/api/events/"+id+"/revenue?token="+url.QueryEscape(viewer), viewer, purchase); status != http.StatusUnauthorized {
			t.Errorf("revenue with the viewer's token as bearer: %d", status)
		}
		a.expect(http.StatusNotFound, "POST", "/api/events/"+id+"/revenue", a.signup(), purchase)
		an := a.expect(http.StatusOK, "GET", "/api/events/"+id+"/analytics", host, nil)["analytics"].(map[string]any)
		if an["revenue_cents"] != 5000.0 {
			t.Errorf("revenue %v; want 5000 (the host's two purchases only)", an["revenue_cents"])
		}
	})
}

// At most 5 engagement actions a second per viewer (429 with Retry-After
// beyond), and 1,000 per viewer and event, counted in the database.
func TestEngagementLimits(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		host := a.signup()
		id := a.createEvent(host, nil)["id"].(string)
		viewer := registerViewer(t, a, id, "ada@example.com")
		other := registerViewer(t, a, id, "bea@example.com")

		// 50 at once: whatever the machine's speed, no second of them
		// holds more than 5 accepted.
		began := time.Now()
		statuses := make(chan int, 50)
		var wg sync.WaitGroup
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				status, _, h := a.raw("POST", "/api/events/"+id+"/engagement", "", map[string]any{"token": viewer, "action": "reaction"})
				if status == http.StatusTooManyRequests {
					if n, err := strconv.Atoi(h.Get("Retry-After")); err != nil || n < 1 {
						t.Errorf("429 with Retry-After %q", h.Get("Retry-After"))
					}
				}
				statuses <- status
			}()
		}
		wg.Wait()
		took := time.Since(began)
		close(statuses)
		counted := map[int]int{}
		for s := range statuses {
			counted[s]++
		}
		if limit := 5 * (int(took/time.Second) + 1); counted[http.StatusCreated] < 5 || counted[http.StatusCreated] > limit ||
			counted[http.StatusCreated]+counted[http.StatusTooManyRequests] != 50 {
			t.Errorf("50 engagements at once over %v: %v; want 5 to %d accepted, the rest 429", took, counted, limit)
		}
		// Another viewer is not slowed down by the first.
		a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/engagement", "", map[string]any{"token": other, "action": "chat"})

		// The total: a viewer with 1,000 actions gets 429, on any node.
		st := storetest.Open(t, dbURL)
		secret, err := st.Setting(context.Background(), "secret_key", func() string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		reg, err := st.RegistrationByToken(context.Background(), secret, viewer)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.DB().ExecContext(context.Background(), `WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
			INSERT INTO engagement_actions (event_id, registration_id, action, created_at) SELECT $1, $2, 'chat', $3 FROM n`,
			id, reg.ID, time.Now().UnixMicro()); err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		var h http.Header
		waitFor(t, 10*time.Second, "the per-second limit to pass", func() (bool, string) {
			var status int
			var raw []byte
			status, raw, h = a.raw("POST", "/api/events/"+id+"/engagement", "", map[string]any{"token": viewer, "action": "chat"})
			json.Unmarshal(raw, &out)
			return status == http.StatusTooManyRequests && strings.Contains(fmt.Sprint(out), "1000"), fmt.Sprintf("%d %s", status, raw)
		})
		if n, err := strconv.Atoi(h.Get("Retry-After")); err != nil || n < 3600 {
			t.Errorf("the total's 429 has Retry-After %q", h.Get("Retry-After"))
		}
		a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/engagement", "", map[string]any{"token": other, "action": "chat"})
	})
}

package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/onair-live/onair/internal/store/storetest"
)

// isolationRoute is one host route, with a body that would succeed for the
// event's own host.
type isolationRoute struct {
	name   string
	method string
	path   string
	body   any
}

// hostRoutesOf lists every host route that names the event id.
func hostRoutesOf(id string) []isolationRoute {
	p := "/api/events/" + id
	return []isolationRoute{
		{"GET the event", "GET", p, nil},
		{"PATCH the title", "PATCH", p, map[string]any{"title": "Taken over by host B"}},
		{"PATCH the registration settings", "PATCH", p, map[string]any{"registration_enabled": false, "max_registrations": 1}},
		{"POST start", "POST", p + "/start", nil},
		{"POST end", "POST", p + "/end", nil},
		{"POST cancel", "POST", p + "/cancel", nil},
		{"GET registrations as JSON", "GET", p + "/registrations", nil},
		{"GET registrations as CSV", "GET", p + "/registrations?format=csv", nil},
	}
}

// allHostRoutesOf is hostRoutesOf with the routes that name no event.
func allHostRoutesOf(id string) []isolationRoute {
	return append([]isolationRoute{
		{"POST /api/events", "POST", "/api/events", map[string]any{"title": "New", "scheduled_start": "2099-01-01T00:00:00Z"}},
		{"GET /api/events", "GET", "/api/events", nil},
	}, hostRoutesOf(id)...)
}

func TestHostIsolation(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, databaseURL string) {
		a := startApp(t, databaseURL, nil)
		tokenA, tokenB := a.signup(), a.signup()

		original := a.createEvent(tokenA, map[string]any{
			"title":       "Host A's private launch",
			"description": "only for host A",
		})
		id := original["id"].(string)
		a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "",
			map[string]any{"email": "viewer@example.com", "first_name": "Ada"})

		t.Run("another host gets 404 not_found on every host route of the event", func(t *testing.T) {
			for _, r := range hostRoutesOf(id) {
				t.Run(r.name, func(t *testing.T) {
					status, raw, header := appFor(t, a).raw(r.method, r.path, tokenB, r.body)
					if status != http.StatusNotFound {
						t.Fatalf("%s %s as host B: status %d, want 404: %s", r.method, r.path, status, raw)
					}
					if e := requireErrorBody(t, status, raw, header); e.Code != "not_found" {
						t.Errorf("%s %s as host B: code %q, want not_found", r.method, r.path, e.Code)
					}
					if strings.Contains(string(raw), "Host A") || strings.Contains(string(raw), "viewer@example.com") {
						t.Errorf("%s %s as host B: the 404 reveals host A's data: %s", r.method, r.path, raw)
					}
				})
			}
		})

		t.Run("another host's event list does not contain the event", func(t *testing.T) {
			for _, query := range []string{"", "?status=upcoming", "?status=all", "?q=private", "?q=" + id, "?limit=100"} {
				out := appFor(t, a).expect(http.StatusOK, "GET", "/api/events"+query, tokenB, nil)
				events, _ := out["events"].([]any)
				if len(events) != 0 || out["total"] != float64(0) {
					t.Errorf("GET /api/events%s as host B: %d events, total %v; want none: %v", query, len(events), out["total"], out)
				}
			}
		})

		t.Run("without a token every host route answers 401 with WWW-Authenticate", func(t *testing.T) {
			for _, r := range allHostRoutesOf(id) {
				t.Run(r.name, func(t *testing.T) {
					expectUnauthorized(t, a, r, "")
				})
			}
		})

		t.Run("a malformed Authorization header is 401", func(t *testing.T) {
			for _, c := range []struct{ name, authz string }{
				{"Basic x", "Basic x"},
				{"Basic with the valid token", "Basic " + tokenA},
				{"Bearer alone", "Bearer"},
				{"Bearer and a space", "Bearer "},
				{"Bearer and spaces", "Bearer    "},
				{"lower-case bearer alone", "bearer"},
				{"another scheme with the valid token", "Token " + tokenA},
				{"the valid token without a scheme", tokenA},
				{"the valid token and more", "Bearer " + tokenA + " extra"},
			} {
				t.Run(c.name, func(t *testing.T) {
					for _, r := range allHostRoutesOf(id) {
						expectUnauthorized(t, a, r, c.authz)
					}
				})
			}
		})

		t.Run("an unknown token is 401", func(t *testing.T) {
			for _, c := range []struct{ name, token string }{
				{"well-formed but never issued", "onair_" + strings.Repeat("A", 43)},
				{"short", "nope"},
				{"the valid token with one more character", tokenA + "x"},
				{"the valid token in upper case", strings.ToUpper(tokenA)},
				{"4000 characters", strings.Repeat("x", 4000)},
			} {
				t.Run(c.name, func(t *testing.T) {
					for _, r := range allHostRoutesOf(id) {
						expectUnauthorized(t, a, r, "Bearer "+c.token)
					}
				})
			}
		})

		t.Run("after every attempt the event is unchanged for its host", func(t *testing.T) {
			ev := appFor(t, a).expect(http.StatusOK, "GET", "/api/events/"+id, tokenA, nil)["event"].(map[string]any)
			for _, field := range []string{"title", "description", "status", "scheduled_start", "registration_enabled",
				"max_registrations", "started_at", "ended_at", "updated_at"} {
				if ev[field] != original[field] {
					t.Errorf("%s is %v, was %v before host B's attempts", field, ev[field], original[field])
				}
			}
			if ev["status"] != "scheduled" {
				t.Errorf("status %v, want scheduled", ev["status"])
			}
			if ev["registration_count"] != float64(1) {
				t.Errorf("registration_count %v, want 1", ev["registration_count"])
			}
			regs := appFor(t, a).expect(http.StatusOK, "GET", "/api/events/"+id+"/registrations", tokenA, nil)
			if regs["total"] != float64(1) {
				t.Errorf("host A sees %v registrations, want 1: %v", regs["total"], regs)
			}
			list := appFor(t, a).expect(http.StatusOK, "GET", "/api/events", tokenA, nil)
			if list["total"] != float64(1) {
				t.Errorf("host A lists %v events, want 1 (nothing created without a valid token): %v", list["total"], list)
			}
		})
	})
}

// expectUnauthorized sends r with the given Authorization header (none when
// empty) and checks the 401: a WWW-Authenticate challenge and the API's
// error body.
func expectUnauthorized(t *testing.T, a *app, r isolationRoute, authz string) {
	t.Helper()
	header := http.Header{}
	if authz != "" {
		header.Set("Authorization", authz)
	}
	status, raw, h := appFor(t, a).rawRequest(r.method, r.path, header, r.body)
	if status != http.StatusUnauthorized {
		t.Errorf("%s %s with Authorization %q: status %d, want 401: %s", r.method, r.path, authz, status, raw)
		return
	}
	if got := h.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
		t.Errorf("%s %s with Authorization %q: WWW-Authenticate %q, want a Bearer challenge", r.method, r.path, authz, got)
	}
	if e := requireErrorBody(t, status, raw, h); e.Code != "unauthorized" {
		t.Errorf("%s %s with Authorization %q: code %q, want unauthorized", r.method, r.path, authz, e.Code)
	}
}

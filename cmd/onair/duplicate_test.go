package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/store/storetest"
)

// An event duplicated, through the API and on its page: every setting
// copied to a new scheduled event at the new start, no registrant, its own
// reminders; the original untouched.
func TestDuplicateEvent(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		host, token := dashSignup(t, a)
		orig := a.createEvent(token, map[string]any{
			"title": "Launch", "description": "The second edition", "scheduled_start": a.startsAt(2 * time.Hour).Format(time.RFC3339),
			"timezone": "Asia/Kathmandu", "duration_minutes": 45, "max_registrations": 40, "stream_url": "https://stream.example/live",
			"selected_intervals":    []string{"1hour", "45m", "now"},
			"notification_settings": map[string]any{"email_enabled": true, "sms_enabled": true},
		})
		id := orig["id"].(string)
		a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", map[string]string{"email": "ada@example.com"})
		a.expect(http.StatusOK, "POST", "/api/events/"+id+"/start", token, nil)
		a.expect(http.StatusOK, "POST", "/api/events/"+id+"/end", token, nil)

		next := a.startsAt(14 * 24 * time.Hour)
		status, raw, header := a.raw("POST", "/api/events/"+id+"/duplicate", token, map[string]string{"scheduled_start": next.Format(time.RFC3339)})
		if status != http.StatusCreated {
			t.Fatalf("duplicate: %d %s", status, raw)
		}
		var created map[string]map[string]any
		if err := json.Unmarshal(raw, &created); err != nil {
			t.Fatal(err)
		}
		copied := created["event"]
		cid := copied["id"].(string)
		if header.Get("Location") != "/api/events/"+cid || cid == id {
			t.Errorf("Location %q for the copy %s of %s", header.Get("Location"), cid, id)
		}
		ended := a.expect(http.StatusOK, "GET", "/api/events/"+id, token, nil)["event"].(map[string]any)
		for k, v := range ended {
			switch k {
			case "id", "registration_url", "created_at", "updated_at", "started_at", "ended_at":
				continue
			case "status":
				v = "scheduled"
			case "scheduled_start":
				v = next.UTC().Format(time.RFC3339)
			case "registration_count":
				v = 0.0
			case "spots_left":
				v = 40.0
			}
			if !reflect.DeepEqual(copied[k], v) {
				t.Errorf("the copy's %s is %v, want %v", k, copied[k], v)
			}
		}
		if copied["started_at"] != nil || copied["ended_at"] != nil || !strings.Contains(copied["registration_url"].(string), cid) {
			t.Errorf("the copy: %v", copied)
		}
		if out := a.expect(http.StatusOK, "GET", "/api/events/"+cid+"/registrations", token, nil); out["total"] != 0.0 {
			t.Errorf("the copy's registrants: %v", out)
		}
		ns := a.notifications(token, cid)
		for _, key := range []string{"reminder/1hour/email", "reminder/45m0s/sms", "starting_now/now/email"} {
			if ns[key]["status"] != "scheduled" {
				t.Errorf("the copy's %s: %v (of %v)", key, ns[key], ns)
			}
		}
		if a.expect(http.StatusOK, "GET", "/api/events/"+id, token, nil)["event"].(map[string]any)["status"] != "ended" {
			t.Error("the original changed")
		}

		for name, body := range map[string]any{
			"no start":            map[string]string{},
			"a start in the past": map[string]string{"scheduled_start": a.startsAt(-time.Hour).Format(time.RFC3339)},
			"not a time":          map[string]string{"scheduled_start": "next week"},
		} {
			if out := a.expect(http.StatusUnprocessableEntity, "POST", "/api/events/"+id+"/duplicate", token, body); errField(out, "scheduled_start") == "" {
				t.Errorf("%s: %v", name, out)
			}
		}
		if out := a.expect(http.StatusUnprocessableEntity, "POST", "/api/events/"+id+"/duplicate", token,
			map[string]string{"scheduled_start": next.Format(time.RFC3339), "title": "x"}); errField(out, "title") == "" {
			t.Errorf("a field the duplicate does not take: %v", out)
		}
		a.expect(http.StatusNotFound, "POST", "/api/events/"+id+"/duplicate", a.signup(), map[string]string{"scheduled_start": next.Format(time.RFC3339)})
		a.expect(http.StatusUnauthorized, "POST", "/api/events/"+id+"/duplicate", "", map[string]string{"scheduled_start": next.Format(time.RFC3339)})

		t.Run("on the event page", func(t *testing.T) {
			host, a := host.in(t), dashApp(a, t)
			body := host.expect(http.StatusOK, "/dashboard/events/"+id)
			if !strings.Contains(body, `action="/dashboard/events/`+id+`/duplicate"`) {
				t.Fatal("no duplicate form on the event page")
			}
			ktm, _ := time.LoadLocation("Asia/Kathmandu")
			want := a.startsAt(3 * 24 * time.Hour).In(ktm).Truncate(time.Minute)
			status, _, header := host.post("/dashboard/events/"+id+"/duplicate", url.Values{"start": {want.Format("2006-01-02T15:04")}}, true)
			loc := header.Get("Location")
			if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/dashboard/events/") || !strings.HasSuffix(loc, "?done=duplicated") {
				t.Fatalf("duplicate on the page: %d to %q", status, loc)
			}
			pid := strings.TrimSuffix(strings.TrimPrefix(loc, "/dashboard/events/"), "?done=duplicated")
			if got := dashStart(a, token, pid); !got.Equal(want) {
				t.Errorf("the copy starts at %v, want %v (entered in the event's zone)", got, want)
			}
			if !strings.Contains(host.expect(http.StatusOK, loc), "This is a copy of the event") {
				t.Error("no flash on the copy's page")
			}
			status, body, _ = host.post("/dashboard/events/"+id+"/duplicate", url.Values{"start": {"soon"}}, true)
			if status != http.StatusUnprocessableEntity || !strings.Contains(body, "The event was not duplicated") {
				t.Errorf("a start that is not a time: %d", status)
			}
			if status, _, _ := host.post("/dashboard/events/"+id+"/duplicate", url.Values{"start": {want.Format("2006-01-02T15:04")}}, false); status != http.StatusForbidden {
				t.Errorf("without the CSRF token: %d", status)
			}
		})
	})
}

package main

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/store/storetest"
)

func TestCreateEvent(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		token := a.signup()
		start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)

		t.Run("every field is stored and echoed", func(t *testing.T) {
			ev := a.createEvent(token, map[string]any{
				"description":          "All the news",
				"scheduled_start":      start.In(time.FixedZone("EST", -5*3600)).Format(time.RFC3339),
				"timezone":             "America/New_York",
				"duration_minutes":     90,
				"max_registrations":    500,
				"registration_enabled": true,
				"stream_url":           "https://stream.example.com/live",
				"notification_settings": map[string]any{
					"email_enabled": true, "sms_enabled": true, "custom_message": "Can't wait to see you there!",
				},
				"selected_intervals": []string{"2weeks", "1week", "1day", "1hour", "now", "45m", "90s", "2h30m"},
			})
			want := map[string]any{
				"title":                "Product Launch Webinar",
				"description":          "All the news",
				"status":               "scheduled",
				"scheduled_start":      start.Format(time.RFC3339),
				"timezone":             "America/New_York",
				"duration_minutes":     90.0,
				"max_registrations":    500.0,
				"registration_enabled": true,
				"registration_url":     testAppURL + "/register/" + ev["id"].(string),
				"stream_url":           "https://stream.example.com/live",
				"notification_settings": map[string]any{
					"email_enabled": true, "sms_enabled": true, "custom_message": "Can't wait to see you there!", "sms_message": "",
					"sms_quiet_hours": map[string]any{"start": "21:00", "end": "08:00"},
				},
				"ab_test":            nil,
				"selected_intervals": []any{"2weeks", "1week", "1day", "1hour", "now", "45m0s", "1m30s", "2h30m0s"},
				"registration_count": 0.0,
				"spots_left":         500.0,
				"started_at":         nil,
				"ended_at":           nil,
			}
			for k, v := range want {
				if !reflect.DeepEqual(ev[k], v) {
					t.Errorf("%s = %#v, want %#v", k, ev[k], v)
				}
			}
			got := a.expect(http.StatusOK, "GET", "/api/events/"+ev["id"].(string), token, nil)["event"]
			if !reflect.DeepEqual(got, ev) {
				t.Errorf("GET differs from the created event:\n got %v\nwant %v", got, ev)
			}
		})
		t.Run("defaults", func(t *testing.T) {
			ev := a.createEvent(token, nil)
			want := map[string]any{
				"timezone":             "UTC",
				"duration_minutes":     60.0,
				"max_registrations":    0.0,
				"spots_left":           nil,
				"registration_enabled": true,
				"selected_intervals":   []any{"1day", "1hour", "15minutes", "now"},
				"notification_settings": map[string]any{
					"email_enabled": true, "sms_enabled": false, "custom_message": "", "sms_message": "",
					"sms_quiet_hours": map[string]any{"start": "21:00", "end": "08:00"},
				},
				"ab_test": nil,
			}
			for k, v := range want {
				if !reflect.DeepEqual(ev[k], v) {
					t.Errorf("%s = %#v, want %#v", k, ev[k], v)
				}
			}
		})
		t.Run("an event may start in a minute", func(t *testing.T) {
			a.createEvent(token, map[string]any{"scheduled_start": time.Now().Add(time.Minute).UTC().Format(time.RFC3339)})
		})

		invalid := []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"title missing", map[string]any{"title": nil}, "title"},
			{"title blank", map[string]any{"title": "   "}, "title"},
			{"title with a newline", map[string]any{"title": "Launch\r\nBcc: x@example.com"}, "title"},
			{"title too long", map[string]any{"title": strings.Repeat("x", 201)}, "title"},
			{"start missing", map[string]any{"scheduled_start": nil}, "scheduled_start"},
			{"start in the past", map[string]any{"scheduled_start": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)}, "scheduled_start"},
			{"start without offset", map[string]any{"scheduled_start": "2030-01-01T10:00:00"}, "scheduled_start"},
			{"unknown time zone", map[string]any{"timezone": "Mars/Olympus_Mons"}, "timezone"},
			{"zero duration", map[string]any{"duration_minutes": 0}, "duration_minutes"},
			{"negative capacity", map[string]any{"max_registrations": -1}, "max_registrations"},
			{"stream URL not http", map[string]any{"stream_url": "javascript:alert(1)"}, "stream_url"},
			{"unknown interval", map[string]any{"selected_intervals": []string{"1fortnight"}}, "selected_intervals"},
			{"custom interval under a second", map[string]any{"selected_intervals": []string{"500ms"}}, "selected_intervals"},
			{"negative custom interval", map[string]any{"selected_intervals": []string{"-1h"}}, "selected_intervals"},
			{"the same time twice", map[string]any{"selected_intervals": []string{"1hour", "60m"}}, "selected_intervals"},
		}
		for _, tc := range invalid {
			t.Run("refused: "+tc.name, func(t *testing.T) {
				body := map[string]any{"title": "T", "scheduled_start": start.Format(time.RFC3339)}
				for k, v := range tc.body {
					if v == nil {
						delete(body, k)
					} else {
						body[k] = v
					}
				}
				out := a.expect(http.StatusUnprocessableEntity, "POST", "/api/events", token, body)
				if errCode(out) != "validation_failed" || errField(out, tc.field) == "" {
					t.Errorf("want a problem with %s, got %v", tc.field, out)
				}
			})
		}
	})
}

func TestListEvents(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		token := a.signup()
		base := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
		ids := map[string]string{}
		for i, title := range []string{"Alpha launch", "Beta 100% off", "Gamma_demo", "Delta Q&A", "Epsilon"} {
			ev := a.createEvent(token, map[string]any{"title": title, "scheduled_start": base.Add(time.Duration(i) * time.Hour).Format(time.RFC3339)})
			ids[title] = ev["id"].(string)
		}
		a.expect(http.StatusOK, "POST", "/api/events/"+ids["Beta 100% off"]+"/start", token, nil)
		a.expect(http.StatusOK, "POST", "/api/events/"+ids["Gamma_demo"]+"/start", token, nil)
		a.expect(http.StatusOK, "POST", "/api/events/"+ids["Gamma_demo"]+"/end", token, nil)
		a.expect(http.StatusOK, "POST", "/api/events/"+ids["Delta Q&A"]+"/cancel", token, nil)

		titles := func(query string) ([]string, float64) {
			t.Helper()
			out := a.expect(http.StatusOK, "GET", "/api/events"+query, token, nil)
			var got []string
			for _, e := range out["events"].([]any) {
				got = append(got, e.(map[string]any)["title"].(string))
			}
			return got, out["total"].(float64)
		}
		cases := []struct {
			query string
			want  []string
			total float64
		}{
			{"?status=upcoming", []string{"Alpha launch", "Epsilon"}, 2},
			{"?status=live", []string{"Beta 100% off"}, 1},
			{"?status=completed", []string{"Gamma_demo"}, 1},
			{"?status=cancelled", []string{"Delta Q&A"}, 1},
			{"?q=LAUNCH", []string{"Alpha launch"}, 1},
			{"?q=" + url.QueryEscape("100%"), []string{"Beta 100% off"}, 1},
			{"?q=a_d", []string{"Gamma_demo"}, 1},
			{"?status=upcoming&limit=1", []string{"Alpha launch"}, 2},
			{"?status=upcoming&limit=1&offset=1", []string{"Epsilon"}, 2},
			{"?limit=2&offset=4", []string{"Alpha launch"}, 5},
		}
		for _, tc := range cases {
			t.Run(tc.query, func(t *testing.T) {
				got, total := titles(tc.query)
				if !reflect.DeepEqual(got, tc.want) || total != tc.total {
					t.Errorf("got %v (total %v), want %v (total %v)", got, total, tc.want, tc.total)
				}
			})
		}
	})
}

func TestEventLifecycle(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		token := a.signup()
		ev := a.createEvent(token, map[string]any{"max_registrations": 10})
		path := "/api/events/" + ev["id"].(string)

		t.Run("patch changes only the fields sent", func(t *testing.T) {
			out := a.expect(http.StatusOK, "PATCH", path, token, map[string]any{
				"title": "New title", "notification_settings": map[string]any{"sms_enabled": true},
			})["event"].(map[string]any)
			if out["title"] != "New title" || out["scheduled_start"] != ev["scheduled_start"] || out["max_registrations"] != 10.0 {
				t.Errorf("after patch: %v", out)
			}
			ns := out["notification_settings"].(map[string]any)
			if ns["sms_enabled"] != true || ns["email_enabled"] != true {
				t.Errorf("notification_settings = %v", ns)
			}
		})
		t.Run("reschedule to a new start", func(t *testing.T) {
			newStart := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
			out := a.expect(http.StatusOK, "PATCH", path, token, map[string]any{"scheduled_start": newStart})["event"].(map[string]any)
			if out["scheduled_start"] != newStart {
				t.Errorf("scheduled_start = %v, want %v", out["scheduled_start"], newStart)
			}
		})
		t.Run("a bad patch changes nothing", func(t *testing.T) {
			before := a.expect(http.StatusOK, "GET", path, token, nil)["event"]
			out := a.expect(http.StatusUnprocessableEntity, "PATCH", path, token, map[string]any{"title": "Fine", "timezone": "Nowhere/Land"})
			if errField(out, "timezone") == "" {
				t.Errorf("got %v", out)
			}
			after := a.expect(http.StatusOK, "GET", path, token, nil)["event"]
			if !reflect.DeepEqual(before, after) {
				t.Errorf("a refused patch changed the event:\n%v\n%v", before, after)
			}
		})
		t.Run("start makes it live", func(t *testing.T) {
			out := a.expect(http.StatusOK, "POST", path+"/start", token, nil)["event"].(map[string]any)
			if out["status"] != "live" || out["started_at"] == nil {
				t.Errorf("after start: %v", out)
			}
			a.expect(http.StatusConflict, "POST", path+"/start", token, nil)
		})
		t.Run("a live event keeps its start time", func(t *testing.T) {
			a.expect(http.StatusConflict, "PATCH", path, token, map[string]any{
				"scheduled_start": time.Now().Add(5 * time.Hour).UTC().Format(time.RFC3339)})
			a.expect(http.StatusOK, "PATCH", path, token, map[string]any{"stream_url": "https://example.com/s"})
		})
		t.Run("end", func(t *testing.T) {
			out := a.expect(http.StatusOK, "POST", path+"/end", token, nil)["event"].(map[string]any)
			if out["status"] != "ended" || out["ended_at"] == nil {
				t.Errorf("after end: %v", out)
			}
		})
		t.Run("an ended event is gone for every change", func(t *testing.T) {
			a.expect(http.StatusGone, "PATCH", path, token, map[string]any{"title": "x"})
			a.expect(http.StatusGone, "POST", path+"/start", token, nil)
			a.expect(http.StatusGone, "POST", path+"/end", token, nil)
			a.expect(http.StatusGone, "POST", path+"/cancel", token, nil)
		})
		t.Run("cancel a scheduled event", func(t *testing.T) {
			other := a.createEvent(token, nil)
			p := "/api/events/" + other["id"].(string)
			out := a.expect(http.StatusOK, "POST", p+"/cancel", token, nil)["event"].(map[string]any)
			if out["status"] != "cancelled" {
				t.Errorf("after cancel: %v", out)
			}
			a.expect(http.StatusGone, "POST", p+"/cancel", token, nil)
			a.expect(http.StatusGone, "POST", p+"/start", token, nil)
		})
		t.Run("capacity cannot drop below the registrations made", func(t *testing.T) {
			other := a.createEvent(token, map[string]any{"max_registrations": 5})
			id := other["id"].(string)
			for _, email := range []string{"a@example.com", "b@example.com"} {
				a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", map[string]string{"email": email})
			}
			out := a.expect(http.StatusUnprocessableEntity, "PATCH", "/api/events/"+id, token, map[string]any{"max_registrations": 1})
			if errField(out, "max_registrations") == "" {
				t.Errorf("got %v", out)
			}
			ev := a.expect(http.StatusOK, "PATCH", "/api/events/"+id, token, map[string]any{"max_registrations": 2})["event"].(map[string]any)
			if ev["spots_left"] != 0.0 || ev["registration_count"] != 2.0 {
				t.Errorf("after lowering capacity to 2: %v", ev)
			}
		})
	})
}

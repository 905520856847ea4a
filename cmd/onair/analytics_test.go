package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/store/storetest"
)

func TestAnalyticsCountsFromTheRows(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		browser, token := dashSignup(t, a)
		id := a.createEvent(token, map[string]any{"notification_settings": map[string]any{"sms_enabled": true}})["id"].(string)
		for _, r := range []map[string]string{
			{"email": "a@example.com", "source": "social", "phone": "+14155550101"},
			{"email": "b@example.com", "source": "social"},
			{"email": "c@example.com", "source": "email"},
		} {
			a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", r)
		}
		var an map[string]any
		deadline := time.Now().Add(10 * time.Second)
		for {
			an = a.expect(http.StatusOK, "GET", "/api/events/"+id+"/analytics", token, nil)["analytics"].(map[string]any)
			if an["notifications_sent"] == 4.0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		want := map[string]any{
			"registrations": 3.0, "notifications_sent": 4.0, "notifications_failed": 0.0,
			"attended": 0.0, "attendance_rate": 0.0, "conversion_rate": 0.0, "revenue_cents": 0.0,
		}
		for k, v := range want {
			if an[k] != v {
				t.Errorf("%s = %v, want %v", k, an[k], v)
			}
		}
		if by := an["registrations_by_source"].(map[string]any); by["social"] != 2.0 || by["email"] != 1.0 {
			t.Errorf("by source: %v", by)
		}
		if ch := an["sent_by_channel"].(map[string]any); ch["email"] != 3.0 || ch["sms"] != 1.0 {
			t.Errorf("by channel: %v", ch)
		}
		if f := an["funnel"].(map[string]any); f["registered"] != 3.0 || f["notified"] != 3.0 {
			t.Errorf("funnel: %v", f)
		}
		if days := an["registrations_by_day"].(map[string]any); days[time.Now().UTC().Format(time.DateOnly)] != 3.0 {
			t.Errorf("by day: %v", days)
		}
		a.expect(http.StatusNotFound, "GET", "/api/events/"+id+"/analytics", a.signup(), nil)

		// The per-registrant export says what each one received.
		_, csvBody, _ := a.raw("GET", "/api/events/"+id+"/registrations?format=csv", token, nil)
		lines := strings.Split(strings.TrimSpace(string(csvBody)), "\n")
		if !strings.HasSuffix(lines[0], "messages_sent,messages_failed,opened,clicked,watch_seconds,revenue_cents") {
			t.Errorf("CSV header: %s", lines[0])
		}
		for _, l := range lines[1:] {
			if strings.Contains(l, "a@example.com") && !strings.HasSuffix(l, ",2,0,0,0,0,0") {
				t.Errorf("CSV row of a registrant with email and SMS: %s", l)
			}
		}

		// The event page draws the funnel as SVG, with the same figures.
		status, body, _ := browser.get("/dashboard/events/" + id)
		if status != http.StatusOK || !strings.Contains(body, `<svg viewBox="0 0 480 140"`) ||
			!strings.Contains(body, "From registration to attendance") {
			t.Errorf("event page analytics: %d", status)
		}
	})
}

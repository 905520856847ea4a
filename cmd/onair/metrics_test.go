package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/store/storetest"
)

func TestMetrics(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		token := a.signup()
		id := a.createEvent(token, nil)["id"].(string)
		a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", map[string]string{"email": "m@example.com"})
		a.expect(http.StatusUnprocessableEntity, "POST", "/api/events/"+id+"/register", "", map[string]string{"email": "nope"})
		// A reminder, for the queue lag.
		soonStart := a.startsAt(10 * time.Minute) // before the 15-minute reminder of the event above
		soon := a.createEvent(token, map[string]any{
			"scheduled_start": soonStart.Format(time.RFC3339), "selected_intervals": []string{"4s"},
		})["id"].(string)
		a.expect(http.StatusCreated, "POST", "/api/events/"+soon+"/register", "", map[string]string{"email": "m@example.com"})
		a.advanceTo(soonStart.Add(-4 * time.Second))
		// Two viewers present at a live event.
		viewers := []string{registerViewer(t, a, id, "v1@example.com"), registerViewer(t, a, id, "v2@example.com")}
		a.expect(http.StatusOK, "POST", "/api/events/"+id+"/start", token, nil)
		for _, viewer := range viewers {
			a.expect(http.StatusOK, "POST", "/api/watch/"+id+"/heartbeat?token="+url.QueryEscape(viewer), "", map[string]any{})
		}

		want := []string{
			"onair_registrations_total 4",
			`onair_deliveries_total{channel="email",provider="outbox",status="sent"} 5`,
			`onair_http_requests_total{method="POST",route="POST /api/events/{id}/register",status="201"} 4`,
			`onair_http_requests_total{method="POST",route="POST /api/events/{id}/register",status="422"} 1`,
			`onair_queue_lag_seconds_count{channel="email"} 1`,
			"onair_active_viewers 2",
			"go_goroutines",
		}
		waitFor(t, 30*time.Second, "the figures in /metrics", func() (bool, string) {
			status, body, header := a.raw("GET", "/metrics", "", nil)
			var missing []string
			for _, w := range want {
				if !strings.Contains(string(body), w) {
					missing = append(missing, w)
				}
			}
			return status == http.StatusOK && strings.HasPrefix(header.Get("Content-Type"), "text/plain") && len(missing) == 0,
				fmt.Sprintf("%d, missing %q", status, missing)
		})
	})
}

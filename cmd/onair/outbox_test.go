package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/store/storetest"
)

// With no provider configured, every message goes to the outbox, where the
// host reads it as it would have been sent.
func TestOutboxKeepsEveryMessage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		token := a.signup()
		other := a.signup()
		id := a.createEvent(token, map[string]any{
			"scheduled_start":       startsIn(8 * time.Second).Format(time.RFC3339),
			"selected_intervals":    []string{"4s"},
			"notification_settings": map[string]any{"sms_enabled": true, "custom_message": "<b>See you</b>"},
		})["id"].(string)
		a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "",
			map[string]string{"email": "ada@example.com", "first_name": "<script>x</script>", "phone": "+14155550100"})

		var msgs []any
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			out := a.expect(http.StatusOK, "GET", "/api/outbox?event_id="+id, token, nil)
			if msgs = out["messages"].([]any); len(msgs) >= 4 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if len(msgs) != 4 {
			t.Fatalf("%d outbox messages, want 4 (confirmation and reminder, email and SMS); notifications: %v", len(msgs), a.notifications(token, id))
		}
		for _, x := range msgs {
			m := x.(map[string]any)
			switch m["channel"] {
			case "email":
				html := m["html"].(string)
				if m["to"] != "ada@example.com" || strings.Contains(html, "<script>x</script>") || strings.Contains(html, "<b>See you</b>") ||
					m["headers"].(map[string]any)["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" {
					t.Errorf("email: to %v, headers %v, escaped: %v", m["to"], m["headers"], !strings.Contains(html, "<script>"))
				}
				// The sender as a provider would send it: EMAIL_FROM, the
				// default here, for a host that gave no name.
				if from := m["headers"].(map[string]any)["From"]; from != `"onair" <no-reply@localhost>` {
					t.Errorf("email: From %v", from)
				}
			case "sms":
				if m["to"] != "+14155550100" || !strings.Contains(m["text"].(string), "/watch/"+id) {
					t.Errorf("sms: %v", m)
				}
			}
		}
		if out := a.expect(http.StatusOK, "GET", "/api/outbox", other, nil); out["total"] != 0.0 {
			t.Errorf("another host sees %v outbox messages", out["total"])
		}
		a.expect(http.StatusNotFound, "GET", "/api/outbox?event_id="+id, other, nil)
	})
}

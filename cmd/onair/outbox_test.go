package main

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/store/storetest"
)

// With no provider configured, every message goes to the outbox, where the
// host reads it as it would have been sent.
func TestOutboxKeepsEveryMessage(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		token := a.signup()
		other := a.signup()
		id := a.createEvent(token, map[string]any{
			"scheduled_start":       a.startsAt(time.Hour).Format(time.RFC3339),
			"selected_intervals":    []string{"4s"},
			"notification_settings": map[string]any{"sms_enabled": true, "custom_message": "<b>See you</b>"},
		})["id"].(string)
		a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "",
			map[string]string{"email": "ada@example.com", "first_name": "<script>x</script>", "phone": "+14155550100"})

		a.advance(time.Hour - 4*time.Second)
		var msgs []any
		waitFor(t, 30*time.Second, "4 messages in the outbox", func() (bool, string) {
			out := a.expect(http.StatusOK, "GET", "/api/outbox?event_id="+id, token, nil)
			msgs = out["messages"].([]any)
			return len(msgs) >= 4, fmt.Sprintf("%d", len(msgs))
		})
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

// Looking at the outbox counts no open and no click: its previews load no
// open pixel and link past the click tracker, while the message as kept
// still has both.
func TestOutboxPreviewCountsNothing(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		host, token := dashSignup(t, a)
		id := a.createEvent(token, nil)["id"].(string)
		registerViewer(t, a, id, "ada@example.com")
		var kept string
		waitFor(t, 15*time.Second, "the confirmation in the outbox", func() (bool, string) {
			out := a.expect(http.StatusOK, "GET", "/api/outbox?event_id="+id, token, nil)
			for _, m := range out["messages"].([]any) {
				if h, _ := m.(map[string]any)["html"].(string); h != "" {
					kept = h
				}
			}
			return kept != "", fmt.Sprint(out)
		})
		if !strings.Contains(kept, "/api/track/notification/") {
			t.Fatalf("the kept message has no tracking to leave out:\n%s", kept)
		}

		body := host.in(t).expect(http.StatusOK, "/dashboard/outbox")
		srcdocs := regexp.MustCompile(`srcdoc="([^"]*)"`).FindAllStringSubmatch(body, -1)
		if len(srcdocs) == 0 {
			t.Fatalf("the outbox shows no email preview:\n%s", body)
		}
		// Whatever a browser would load or follow from the previews.
		resource := regexp.MustCompile(`(?:src|href)="([^"]+)"`)
		var fetched int
		for _, m := range srcdocs {
			preview := html.UnescapeString(m[1])
			if strings.Contains(preview, "/api/track/") {
				t.Errorf("a preview still tracks:\n%s", preview)
			}
			if !strings.Contains(preview, testAppURL+"/watch/"+id+"?token=") {
				t.Errorf("a preview lost its watch link:\n%s", preview)
			}
			for _, r := range resource.FindAllStringSubmatch(preview, -1) {
				if u := html.UnescapeString(r[1]); strings.HasPrefix(u, testAppURL) {
					newViewerBrowser(t, a).get(strings.TrimPrefix(u, testAppURL))
					fetched++
				}
			}
		}
		if fetched == 0 {
			t.Fatal("the previews link to nothing of onair")
		}
		figures := func() (float64, float64) {
			an := a.expect(http.StatusOK, "GET", "/api/events/"+id+"/analytics", token, nil)["analytics"].(map[string]any)
			return an["notifications_opened"].(float64), an["notifications_clicked"].(float64)
		}
		if opened, clicked := figures(); opened != 0 || clicked != 0 {
			t.Errorf("after viewing the outbox: %v opened, %v clicked; want 0 and 0", opened, clicked)
		}

		// The message as kept does count, as the viewer's mail client would.
		pixel := regexp.MustCompile(`<img[^>]*src="([^"]*/open\?[^"]*)"`).FindStringSubmatch(kept)
		if pixel == nil {
			t.Fatalf("no open pixel in the kept message:\n%s", kept)
		}
		newViewerBrowser(t, a).get(strings.TrimPrefix(html.UnescapeString(pixel[1]), testAppURL))
		if opened, _ := figures(); opened != 1 {
			t.Errorf("the kept message's pixel counted %v opens; want 1", opened)
		}
	})
}

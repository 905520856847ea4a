package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/store/storetest"
)

const (
	testMailgunKey     = "key-0123456789abcdef"
	testMailgunDomain  = "mg.example.com"
	testMailgunSigning = "signing-key-for-tests"
)

// mailgunEvent is a webhook as Mailgun signs it.
func mailgunEvent(event, severity string, deliveryID string, age time.Duration, token string) map[string]any {
	ts := strconv.FormatInt(time.Now().Add(-age).Unix(), 10)
	mac := hmac.New(sha256.New, []byte(testMailgunSigning))
	mac.Write([]byte(ts + token))
	return map[string]any{
		"signature": map[string]string{"timestamp": ts, "token": token, "signature": hex.EncodeToString(mac.Sum(nil))},
		"event-data": map[string]any{
			"event": event, "severity": severity, "reason": "bounce",
			"user-variables":  map[string]any{"onair-delivery": deliveryID},
			"delivery-status": map[string]any{"code": 550, "message": "No such mailbox"},
		},
	}
}

func TestEmailThroughMailgunAndBounceWebhook(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		mg := notifytest.NewMailgun(t, testMailgunKey, testMailgunDomain)
		a := startApp(t, dbURL, map[string]string{
			"MAILGUN_API_KEY": testMailgunKey, "MAILGUN_DOMAIN": testMailgunDomain, "MAILGUN_API_BASE": mg.URL(),
			"MAILGUN_WEBHOOK_SIGNING_KEY": testMailgunSigning, "EMAIL_FROM": "Launches <events@mg.example.com>",
		})
		token := a.signup()
		start := a.startsAt(time.Hour)
		id := a.createEvent(token, map[string]any{
			"scheduled_start": start.Format(time.RFC3339), "selected_intervals": []string{"6s"},
		})["id"].(string)
		for _, v := range []string{"ok@example.com", "gone@example.com"} {
			a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", map[string]string{"email": v})
		}
		var deliveryOfGone, deliveryOfOK string
		waitFor(t, 10*time.Second, "both confirmations at Mailgun", func() (bool, string) {
			for _, r := range mg.Requests() {
				if r.Status == http.StatusOK && len(r.To) == 1 && r.To[0] == "ok@example.com" {
					deliveryOfOK = r.Variables["onair-delivery"]
				}
				if r.Status == http.StatusOK && len(r.To) == 1 && r.To[0] == "gone@example.com" {
					deliveryOfGone = r.Variables["onair-delivery"]
					if r.From != "Launches <events@mg.example.com>" || !strings.HasPrefix(r.Subject, "You're registered") ||
						r.Text == "" || r.HTML == "" || r.Headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" ||
						!strings.HasPrefix(r.Headers["List-Unsubscribe"], "<"+testAppURL+"/u/") || len(r.Attachments) != 1 {
						t.Errorf("the confirmation as Mailgun got it: %+v", r)
					}
				}
			}
			return deliveryOfGone != "" && deliveryOfOK != "", fmt.Sprintf("%+v", mg.Requests())
		})
		// Mailgun has the messages a moment before onair has recorded
		// that it sent them; the figures below count from that record.
		waitFor(t, 10*time.Second, "both confirmations recorded as sent", func() (bool, string) {
			c := a.notifications(token, id)["confirmation/email"]
			return c["sent_count"] == 2.0, fmt.Sprint(c)
		})

		t.Run("webhooks must be signed, fresh and new", func(t *testing.T) {
			bad := mailgunEvent("failed", "permanent", deliveryOfGone, 0, "tok-bad")
			bad["signature"].(map[string]string)["signature"] = "00"
			a.expect(http.StatusForbidden, "POST", "/webhooks/mailgun", "", bad)
			a.expect(http.StatusForbidden, "POST", "/webhooks/mailgun", "", mailgunEvent("failed", "permanent", deliveryOfGone, time.Hour, "tok-old"))
			a.expect(http.StatusOK, "POST", "/webhooks/mailgun", "", mailgunEvent("delivered", "", deliveryOfGone, 0, "tok-once"))
			a.expect(http.StatusForbidden, "POST", "/webhooks/mailgun", "", mailgunEvent("delivered", "", deliveryOfGone, 0, "tok-once"))
		})
		a.expect(http.StatusOK, "POST", "/webhooks/mailgun", "", mailgunEvent("failed", "permanent", deliveryOfGone, 0, "tok-bounce"))
		// Opens and clicks Mailgun tracked count as the pixel's do; the
		// bounced confirmation counts as sent, not delivered.
		a.expect(http.StatusOK, "POST", "/webhooks/mailgun", "", mailgunEvent("opened", "", deliveryOfGone, 0, "tok-open"))
		a.expect(http.StatusOK, "POST", "/webhooks/mailgun", "", mailgunEvent("clicked", "", deliveryOfGone, 0, "tok-click"))
		a.expect(http.StatusOK, "POST", "/webhooks/mailgun", "", mailgunEvent("opened", "", "999999999", 0, "tok-open-unknown"))
		if c := a.notifications(token, id)["confirmation/email"]; c["sent_count"] != 2.0 || c["delivered_count"] != 1.0 ||
			c["opened_count"] != 1.0 || c["clicked_count"] != 1.0 {
			t.Errorf("confirmation after a bounce, an open and a click: %v", c)
		}

		t.Run("20 parallel copies of one webhook count once", func(t *testing.T) {
			a := dashApp(a, t)
			for _, event := range []string{"opened", "clicked"} {
				copyOf := mailgunEvent(event, "", deliveryOfOK, 0, "tok-parallel-"+event)
				statuses := make(chan int, 20)
				var wg sync.WaitGroup
				for range 20 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						status, _, _ := a.raw("POST", "/webhooks/mailgun", "", copyOf)
						statuses <- status
					}()
				}
				wg.Wait()
				close(statuses)
				counted := map[int]int{}
				for s := range statuses {
					counted[s]++
				}
				if counted[http.StatusOK] != 1 || counted[http.StatusForbidden] != 19 {
					t.Errorf("20 copies of one %s webhook were answered %v; want one 200 and 19 403", event, counted)
				}
			}
			delivery, _ := strconv.ParseInt(deliveryOfOK, 10, 64)
			st, err := storetest.Open(t, dbURL).DeliveryStats(context.Background(), delivery)
			if err != nil || st.OpenCount != 1 || st.ClickCount != 1 {
				t.Errorf("after 20 copies of an open and of a click: %+v (%v); want one of each", st, err)
			}
			if c := a.notifications(token, id)["confirmation/email"]; c["opened_count"] != 2.0 || c["clicked_count"] != 2.0 {
				t.Errorf("confirmation after an open and a click of each: %v", c)
			}
		})

		// The bounce suppressed the address: the reminder goes to the other only.
		var n map[string]any
		a.advanceTo(start.Add(-6 * time.Second))
		waitFor(t, 15*time.Second, "the reminder sent", func() (bool, string) {
			n = a.notifications(token, id)["reminder/6s/email"]
			return n["status"] == "sent", fmt.Sprint(n)
		})
		if n["status"] != "sent" || n["sent_count"] != 1.0 || n["skipped_count"] != 1.0 {
			t.Errorf("reminder after the bounce: %v", n)
		}
		var toGone int
		for _, r := range mg.Requests() {
			if r.Status == http.StatusOK && r.To[0] == "gone@example.com" {
				toGone++
			}
		}
		if toGone != 1 {
			t.Errorf("%d messages to the bounced address, want only the confirmation", toGone)
		}
	})
}

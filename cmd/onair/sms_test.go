package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/notify/twilio"
	"github.com/onair-live/onair/internal/store/storetest"
)

const (
	testTwilioSID   = "AC0123456789abcdef0123456789abcdef"
	testTwilioToken = "twilio-auth-token"
	testTwilioFrom  = "+15005550006"
)

// twilioEnv points onair at a Twilio double.
func twilioEnv(tw *notifytest.Twilio, env map[string]string) map[string]string {
	out := map[string]string{
		"TWILIO_ACCOUNT_SID": testTwilioSID, "TWILIO_AUTH_TOKEN": testTwilioToken,
		"TWILIO_PHONE_NUMBER": testTwilioFrom, "TWILIO_API_BASE": tw.URL(),
	}
	for k, v := range env {
		out[k] = v
	}
	return out
}

// waitSMS waits until the double has accepted n messages.
func waitSMS(t *testing.T, tw *notifytest.Twilio, n int, timeout time.Duration) []notifytest.TwilioRequest {
	t.Helper()
	var ok []notifytest.TwilioRequest
	waitFor(t, timeout, fmt.Sprintf("%d SMS accepted", n), func() (bool, string) {
		ok = ok[:0]
		for _, r := range tw.Requests() {
			if r.Status == http.StatusCreated {
				ok = append(ok, r)
			}
		}
		return len(ok) >= n, fmt.Sprintf("%d: %+v", len(ok), ok)
	})
	return ok
}

// inboundSMS posts a reply as Twilio would, signed unless sig is given.
func (a *app) inboundSMS(from, body, sig string) int {
	a.t.Helper()
	form := url.Values{"From": {from}, "To": {testTwilioFrom}, "Body": {body}, "AccountSid": {testTwilioSID}}
	if sig == "" {
		sig = twilio.Signature(testTwilioToken, testAppURL+"/webhooks/twilio/inbound", form)
	}
	req, _ := http.NewRequest("POST", a.URL+"/webhooks/twilio/inbound", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", sig)
	resp, err := client.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestSMSThroughTwilioAndSTOP(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		tw := notifytest.NewTwilio(t, testTwilioSID, testTwilioToken)
		a := startApp(t, dbURL, twilioEnv(tw, nil))
		token := a.signup()
		start := a.startsAt(time.Hour)
		id := a.createEvent(token, map[string]any{
			"scheduled_start": start.Format(time.RFC3339), "selected_intervals": []string{"3s"},
			"notification_settings": map[string]any{"email_enabled": false, "sms_enabled": true},
		})["id"].(string)

		tw.ThrottleNext(1, time.Second) // the first SMS is answered 429 and retried
		phones := map[string]string{"stays@example.com": "+1 415 555 0101", "stops@example.com": "+14155550102"}
		for email, phone := range phones {
			a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", map[string]string{"email": email, "phone": phone})
		}
		a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", map[string]string{"email": "nophone@example.com"})
		confirmations := waitSMS(t, tw, 2, 15*time.Second)
		for _, r := range confirmations {
			if r.From != testTwilioFrom || !strings.HasPrefix(r.To, "+1415555010") || !strings.Contains(r.Body, testAppURL+"/watch/"+id+"?token=") ||
				!strings.Contains(r.Body, "STOP") {
				t.Errorf("confirmation SMS: %+v", r)
			}
		}

		t.Run("inbound SMS must be signed", func(t *testing.T) {
			if status := a.inboundSMS("+14155550102", "STOP", "bad-signature"); status != http.StatusForbidden {
				t.Errorf("wrong signature: %d", status)
			}
			req, _ := http.NewRequest("POST", a.URL+"/webhooks/twilio/inbound", strings.NewReader("From=%2B14155550102&Body=STOP"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("no signature: %d", resp.StatusCode)
			}
		})
		if status := a.inboundSMS("+14155550102", "Stop", ""); status != http.StatusOK {
			t.Fatalf("STOP: %d", status)
		}

		// The reminder goes to the number that stayed only.
		a.advanceTo(start.Add(-3 * time.Second))
		var n map[string]any
		waitFor(t, 15*time.Second, "the reminder sent", func() (bool, string) {
			n = a.notifications(token, id)["reminder/3s/sms"]
			return n["status"] == "sent", fmt.Sprint(n)
		})
		if n["status"] != "sent" || n["sent_count"] != 1.0 || n["skipped_count"] != 1.0 {
			t.Errorf("reminder after STOP: %v", n)
		}
		var toStopped int
		for _, r := range waitSMS(t, tw, 3, 5*time.Second) {
			if r.To == "+14155550102" {
				toStopped++
			}
		}
		if toStopped != 1 {
			t.Errorf("%d SMS to the number that sent STOP, want only its confirmation", toStopped)
		}
	})
}

// The GSM 03.38 alphabet: the basic set, one septet each, and the
// extension table, two (an escape first).
const (
	gsmBasic     = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtension = "\f^{}\\[~]|€"
)

// smsSegments is how many segments a carrier bills for body, counted
// apart from onair's own code: GSM-7 when every character is in the
// alphabet (160 septets alone, 153 a segment when concatenated), UCS-2
// otherwise (70 UTF-16 units alone, 67 a segment).
func smsSegments(body string) int {
	septets, gsm := 0, true
	for _, r := range body {
		switch {
		case strings.ContainsRune(gsmBasic, r):
			septets++
		case strings.ContainsRune(gsmExtension, r):
			septets += 2
		default:
			gsm = false
		}
	}
	n, single, each := septets, 160, 153
	if !gsm {
		n, single, each = len(utf16.Encode([]rune(body))), 70, 67
	}
	if n <= single {
		return 1
	}
	return (n + each - 1) / each
}

// The tests' own segment count, checked against the carriers' numbers.
func TestSMSSegmentsCount(t *testing.T) {
	for _, c := range []struct {
		body string
		want int
	}{
		{strings.Repeat("a", 160), 1}, {strings.Repeat("a", 161), 2}, {strings.Repeat("a", 306), 2}, {strings.Repeat("a", 307), 3},
		{strings.Repeat("€", 80), 1}, {strings.Repeat("€", 81), 2}, // two septets each
		{strings.Repeat("a", 69) + "“", 1}, {strings.Repeat("a", 70) + "“", 2}, {strings.Repeat("a", 133) + "“", 2}, {strings.Repeat("a", 134) + "“", 3},
	} {
		if got := smsSegments(c.body); got != c.want {
			t.Errorf("smsSegments(%d characters ending %q) = %d; want %d", len([]rune(c.body)), c.body[len(c.body)-3:], got, c.want)
		}
	}
}

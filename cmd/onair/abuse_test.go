package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/store/storetest"
)

// registerFrom registers email for event id as a client behind a proxy
// that names it in X-Forwarded-For (ignored unless the proxy is trusted).
func registerFrom(a *app, id, email, forwardedFor string) (int, map[string]any, http.Header) {
	a.t.Helper()
	h := http.Header{}
	if forwardedFor != "" {
		h.Set("X-Forwarded-For", forwardedFor)
	}
	status, raw, header := a.rawRequest("POST", "/api/events/"+id+"/register", h, map[string]string{"email": email})
	var out map[string]any
	json.Unmarshal(raw, &out)
	return status, out, header
}

// expectRetryAfter checks a 429 and its Retry-After, which must lie within
// (0, most] seconds.
func expectRetryAfter(t *testing.T, status int, out map[string]any, h http.Header, most time.Duration) {
	t.Helper()
	if status != http.StatusTooManyRequests || errCode(out) != "rate_limited" {
		t.Fatalf("status %d %v; want 429 rate_limited", status, out)
	}
	secs, err := strconv.Atoi(h.Get("Retry-After"))
	if err != nil || secs <= 0 || time.Duration(secs)*time.Second > most {
		t.Errorf("Retry-After %q; want 1 to %v seconds", h.Get("Retry-After"), most.Seconds())
	}
}

func TestRegisterLimitPerAddress(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, map[string]string{"ONAIR_REGISTER_LIMIT": "5/10m"})
		token := a.signup()
		first := a.createEvent(token, nil)["id"].(string)
		second := a.createEvent(token, nil)["id"].(string)
		for i := range 4 {
			if status, out, _ := registerFrom(a, first, fmt.Sprintf("v%d@example.com", i), ""); status != http.StatusCreated {
				t.Fatalf("registration %d: %d %v", i+1, status, out)
			}
		}
		// A repeated registration counts too: it sends the confirmation again.
		if status, _, _ := registerFrom(a, first, "v0@example.com", ""); status != http.StatusConflict {
			t.Fatalf("repeat: %d", status)
		}
		t.Run("the sixth from one address is a 429, in any event", func(t *testing.T) {
			status, out, h := registerFrom(a, second, "sixth@example.com", "")
			expectRetryAfter(t, status, out, h, 10*time.Minute)
			// A forged X-Forwarded-For is not believed from an untrusted peer.
			status, out, h = registerFrom(a, second, "seventh@example.com", "203.0.113.9")
			expectRetryAfter(t, status, out, h, 10*time.Minute)
		})
		t.Run("the page says so too", func(t *testing.T) {
			b := newViewerBrowser(t, a)
			status, body, h := b.submit("/register/"+second, url.Values{"email": {"page@example.com"}})
			if status != http.StatusTooManyRequests || h.Get("Retry-After") == "" || !strings.Contains(body, "Too many registrations from this address") || !viewerHasForm(body) {
				t.Errorf("status %d, Retry-After %q", status, h.Get("Retry-After"))
			}
		})
		regs := a.expect(http.StatusOK, "GET", "/api/events/"+second+"/registrations", token, nil)
		if regs["total"] != 0.0 {
			t.Errorf("refused registrations were stored: %v", regs)
		}
	})
}

func TestRegisterLimitBehindTrustedProxy(t *testing.T) {
	t.Parallel()
	a := startApp(t, storetest.URL(t, "sqlite"), map[string]string{
		"ONAIR_REGISTER_LIMIT": "2/1h", "ONAIR_TRUSTED_PROXIES": "127.0.0.1/32, 10.1.0.0/16"})
	token := a.signup()
	id := a.createEvent(token, nil)["id"].(string)
	for i, xff := range []string{"198.51.100.1", "198.51.100.1, 10.1.2.3", "198.51.100.2"} {
		if status, out, _ := registerFrom(a, id, fmt.Sprintf("p%d@example.com", i), xff); status != http.StatusCreated {
			t.Fatalf("registration %d via %q: %d %v", i+1, xff, status, out)
		}
	}
	// The third from 198.51.100.1, however it writes what lies before it.
	status, out, h := registerFrom(a, id, "p3@example.com", "192.0.2.77, 198.51.100.1")
	expectRetryAfter(t, status, out, h, time.Hour)
	// An IPv6 client is counted by its /64.
	for i, xff := range []string{"2001:db8:1:2::1", "2001:db8:1:2::ffff"} {
		if status, _, _ := registerFrom(a, id, fmt.Sprintf("v6-%d@example.com", i), xff); status != http.StatusCreated {
			t.Fatalf("IPv6 registration %d: %d", i+1, status)
		}
	}
	status, out, h = registerFrom(a, id, "v6-2@example.com", "2001:db8:1:2:abcd::1")
	expectRetryAfter(t, status, out, h, time.Hour)
}

func TestRegisterLimitPerEmail(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		in := newInbox(t)
		env := in.env()
		env["ONAIR_REGISTER_LIMIT"] = "0"
		a := startApp(t, dbURL, env)
		var events []string
		for i := range 6 {
			token := a.signup() // across hosts too
			events = append(events, a.createEvent(token, map[string]any{"title": fmt.Sprintf("Show %d", i)})["id"].(string))
		}
		for i := range 5 {
			if status, out, _ := registerFrom(a, events[i], "victim@example.com", ""); status != http.StatusCreated {
				t.Fatalf("registration %d: %d %v", i+1, status, out)
			}
		}
		status, out, h := registerFrom(a, events[5], "Victim@Example.com", "")
		expectRetryAfter(t, status, out, h, time.Hour)
		if msgs := in.wait(5, 20*time.Second); len(msgs) != 5 {
			t.Errorf("%d messages", len(msgs))
		}
		faultWaitQueueIdle(t, dbURL)
		if n := in.srv.Count(); n != 5 {
			t.Errorf("the victim got %d messages; want 5 confirmations", n)
		}
	})
}

func TestSMSOnlyToTextableNumbers(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		tw := notifytest.NewTwilio(t, testTwilioSID, testTwilioToken)
		a := startApp(t, dbURL, twilioEnv(tw, nil)) // +1 sender: the United States only
		token := a.signup()
		sms := map[string]any{"notification_settings": map[string]any{"email_enabled": true, "sms_enabled": true}}
		id := a.createEvent(token, sms)["id"].(string)
		for name, number := range map[string]string{
			"US premium rate": "+1 900 555 0100", "UK premium rate": "+44 9123 456789", "Iridium": "+881 6 1234 5678",
			"Inmarsat": "+870 772 001 899", "a Latvian premium number": "+371 9000 0000",
			"a Cuban mobile": "+53 5 212 3456", "a French mobile": "+33 6 12 34 56 78", "US toll free": "+1 800 555 1212",
		} {
			t.Run(name, func(t *testing.T) {
				status, out := a.do("POST", "/api/events/"+id+"/register", "",
					map[string]string{"email": "pump@example.com", "phone": number})
				if status != http.StatusUnprocessableEntity || !strings.Contains(errField(out, "phone"), "leave it empty") {
					t.Errorf("status %d %v; want 422 on phone, telling the viewer to leave it empty", status, out)
				}
			})
		}
		t.Run("the registration page says so at the field", func(t *testing.T) {
			b := newViewerBrowser(t, a)
			status, body, _ := b.submit("/register/"+id, url.Values{"email": {"page@example.com"}, "phone": {"+881612345678"}})
			if status != http.StatusUnprocessableEntity || !strings.Contains(body, "leave it empty to get email only") {
				t.Errorf("status %d", status)
			}
		})
		// An event without SMS stores any possible number; turning SMS on
		// later texts none of those that cost money.
		quietStart := a.startsAt(10 * time.Minute) // before the 15-minute reminder of the event above
		quiet := a.createEvent(token, map[string]any{"scheduled_start": quietStart.Format(time.RFC3339),
			"selected_intervals": []string{"now"}})["id"].(string)
		a.expect(http.StatusCreated, "POST", "/api/events/"+quiet+"/register", "",
			map[string]string{"email": "stored@example.com", "phone": "+19005550100"})
		a.expect(http.StatusOK, "PATCH", "/api/events/"+quiet, token, map[string]any{
			"notification_settings": map[string]any{"email_enabled": true, "sms_enabled": true}})
		// Just after, the event as the registration before read it (SMS off)
		// lets no such number through.
		if status, out := a.do("POST", "/api/events/"+quiet+"/register", "",
			map[string]string{"email": "after@example.com", "phone": "+19005550100"}); status != http.StatusUnprocessableEntity {
			t.Errorf("a number that costs money, just after SMS was turned on: status %d %v; want 422", status, out)
		}
		a.advanceTo(quietStart)
		waitFor(t, 40*time.Second, "the starting-now SMS to be decided", func() (bool, string) {
			ns := a.notifications(token, quiet)
			return ns["starting_now/now/sms"]["status"] == "failed", fmt.Sprint(ns)
		})
		// A texted number still works, through the same policy.
		a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "",
			map[string]string{"email": "ok@example.com", "phone": "+1 415 555 0100"})
		got := waitSMS(t, tw, 1, 20*time.Second)
		for _, r := range tw.Requests() {
			if r.Form.Get("To") != "+14155550100" {
				t.Errorf("Twilio was asked to text %s", r.Form.Get("To"))
			}
		}
		if len(got) != 1 {
			t.Errorf("%d SMS", len(got))
		}
	})
}

func TestRegistrationHoneypot(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		in := newInbox(t)
		a := startApp(t, dbURL, in.env())
		token := a.signup()
		id := a.createEvent(token, nil)["id"].(string)
		b := newViewerBrowser(t, a)
		// The answer of a repeated registration: nothing tells a program
		// that it was caught.
		status, body, done := b.register("/register/"+id, url.Values{"email": {"bot@example.com"}, "website": {"https://spam.example"}})
		if status != http.StatusOK || done == "" || !strings.Contains(body, "we sent your link again") {
			t.Errorf("status %d; want the success page", status)
		}
		// A person's registration after it arrives alone.
		if status, body, _ := b.register("/register/"+id, url.Values{"email": {"person@example.com"}}); status != http.StatusOK ||
			!strings.Contains(body, "You are registered") {
			t.Fatalf("a person: %d", status)
		}
		msgs := in.wait(1, 20*time.Second)
		faultWaitQueueIdle(t, dbURL)
		regs := a.expect(http.StatusOK, "GET", "/api/events/"+id+"/registrations", token, nil)
		if regs["total"] != 1.0 || in.srv.Count() != 1 || msgs[0].To != "person@example.com" {
			t.Errorf("registrations %v, %d messages; want the person's alone", regs, in.srv.Count())
		}
	})
}

func TestRegisterFormToken(t *testing.T) {
	t.Parallel()
	a := startApp(t, storetest.URL(t, "sqlite"), map[string]string{"ONAIR_TRUSTED_PROXIES": "127.0.0.1"})
	token := a.signup()
	id := a.createEvent(token, nil)["id"].(string)
	other := a.createEvent(token, nil)["id"].(string)
	b := newViewerBrowser(t, a)
	form := b.fill("/register/"+id, url.Values{"email": {"form@example.com"}})
	post := func(event string, f url.Values, forwardedFor string) int {
		req, _ := http.NewRequest("POST", a.URL+"/register/"+event, strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if forwardedFor != "" {
			req.Header.Set("X-Forwarded-For", forwardedFor)
		}
		status, _, _ := b.do(req)
		return status
	}
	if status := post(other, form, ""); status != http.StatusForbidden {
		t.Errorf("the token of another event: %d; want 403", status)
	}
	if status := post(id, form, "203.0.113.50"); status != http.StatusForbidden {
		t.Errorf("the token from another address: %d; want 403", status)
	}
	forged := url.Values{"email": {"form@example.com"}, "csrf_token": {strconv.FormatInt(time.Now().Unix(), 10) + ".AAAA"}}
	if status := post(id, forged, ""); status != http.StatusForbidden {
		t.Errorf("a forged token: %d; want 403", status)
	}
	// No cookie is needed: the page works inside another site's iframe.
	b.c.Jar = nil
	if status := post(id, form, ""); status != http.StatusSeeOther {
		t.Errorf("the page's own token without cookies: %d; want 303 to the success page", status)
	}
}

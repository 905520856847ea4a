package main

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/store/storetest"
)

// hostileNames are what the injection corpus types into the name fields.
var hostileNames = []string{
	"<script>alert(1)</script>", "Robert'); DROP TABLE registrations;--", "a\r\nBcc: evil@example.net",
	"{{.Secret}}", "${jndi:ldap://x}", "=HYPERLINK(\"http://x\")", "\u202eevil", strings.Repeat("A", 100),
}

// TestAbuseLoopLeavesNoTraceInTheLog runs the injection corpus and the
// abuse loop against one server, with SMTP failures that echo the
// recipient, and reads every line the server logged: no email address,
// phone number or token may be in any of them.
func TestAbuseLoopLeavesNoTraceInTheLog(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		in := newInbox(t)
		tw := notifytest.NewTwilio(t, testTwilioSID, testTwilioToken)
		env := twilioEnv(tw, in.env())
		env["ONAIR_REGISTER_LIMIT"] = "10/10m"
		a := startApp(t, dbURL, env)
		token := a.signup()
		start := a.startsAt(time.Hour)
		id := a.createEvent(token, map[string]any{
			"scheduled_start": start.Format(time.RFC3339), "selected_intervals": []string{"3s"},
			"notification_settings": map[string]any{"email_enabled": true, "sms_enabled": true}})["id"].(string)

		var secrets []string // what must never be logged
		// Permanent and transient refusals whose texts name the recipient.
		in.srv.FailRecipient("bounce@example.com", 550)
		in.srv.FailRecipient("later@example.com", 451)
		tw.InvalidNumber("+14155550177")
		for i, name := range hostileNames {
			email := fmt.Sprintf("viewer%d@example.com", i)
			phone := fmt.Sprintf("+1415555%04d", 110+i)
			switch i {
			case 0:
				email = "bounce@example.com"
			case 1:
				email = "later@example.com"
			case 2:
				phone = "+14155550177"
			}
			status, out := a.do("POST", "/api/events/"+id+"/register", "", map[string]string{
				"email": email, "phone": phone, "first_name": name, "last_name": name, "company": name})
			secrets = append(secrets, email, phone)
			if status == http.StatusCreated {
				u, _ := url.Parse(out["watch_url"].(string))
				secrets = append(secrets, u.Query().Get("token"))
			}
		}
		// The abuse loop: past the address's limit, premium numbers, the
		// honeypot, forged tokens everywhere a token goes.
		for i := range 5 {
			email := fmt.Sprintf("loop%d@example.com", i)
			a.do("POST", "/api/events/"+id+"/register", "", map[string]string{"email": email, "phone": "+19005550100"})
			secrets = append(secrets, email)
		}
		b := newViewerBrowser(t, a)
		b.post("/register/"+id, url.Values{"email": {"honeypot@example.com"}, "website": {"x"}})
		secrets = append(secrets, "honeypot@example.com", "+19005550100")
		forged := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		for _, path := range []string{"/watch/" + id + "?token=" + forged, "/api/registrations/ics?token=" + forged,
			"/u/" + forged, "/api/track/notification/x/open?d=" + forged} {
			a.raw("GET", path, "", nil)
		}
		a.raw("POST", "/api/watch/"+id+"/heartbeat?token="+forged, "", map[string]any{})
		a.raw("POST", "/api/auth/login", "", map[string]string{"email": "attacker@example.com", "password": "guess"})
		secrets = append(secrets, forged, "attacker@example.com")

		// Let the reminder go out through the failures: it leaves at its
		// time, and what is still retried then is skipped at the start.
		a.advanceTo(start.Add(-3 * time.Second))
		waitFor(t, 40*time.Second, "the reminder to leave", func() (bool, string) {
			n := a.notifications(token, id)["reminder/3s/email"]
			return n["sent_count"].(float64) > 0, fmt.Sprint(n)
		})
		a.advanceTo(start.Add(time.Second))
		waitFor(t, 40*time.Second, "the reminders to be decided", func() (bool, string) {
			ns := a.notifications(token, id)
			n := ns["reminder/3s/email"]
			done := n["status"] != "scheduled" && n["status"] != "sending"
			return done, fmt.Sprint(n)
		})

		log := a.Log()
		lines := strings.Split(log, "\n")
		if len(lines) < 5 {
			t.Fatalf("the log is too short to mean anything:\n%s", log)
		}
		for _, line := range lines {
			for _, s := range secrets {
				if s != "" && strings.Contains(line, s) {
					t.Errorf("the log names %q:\n%s", s, line)
				}
			}
			if m := emailInLog.FindString(line); m != "" {
				t.Errorf("the log has an email address %q:\n%s", m, line)
			}
			if m := phoneInLog.FindString(line); m != "" {
				t.Errorf("the log has a phone number %q:\n%s", m, line)
			}
		}
	})
}

var (
	emailInLog = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	phoneInLog = regexp.MustCompile(`\+[1-9][0-9]{7,14}`)
)

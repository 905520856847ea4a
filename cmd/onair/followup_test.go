package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/store/storetest"
)

const testReplay = "https://video.example.com/replays/launch"

// Rule 12: after the end, one follow-up each, decided at send time from
// attendance, with the replay link; an unsubscribed registrant gets none;
// a restart sends nothing twice; a change after the end replans what was
// not sent.
func TestFollowUpsAttendedAndMissed(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		in := newInbox(t)
		a := startAppOn(t, dbURL, in.env(), in.clock)
		token := a.signup()
		start := a.startsAt(time.Hour)
		id := a.createEvent(token, map[string]any{
			"scheduled_start": start.Format(time.RFC3339), "selected_intervals": []string{},
			"replay_url": testReplay,
			"follow_ups": map[string]any{
				"attended": map[string]any{"enabled": true, "after": "1h", "message": "Thanks for the questions!"},
				"missed":   map[string]any{"enabled": true, "after": "2h", "message": "Here is what you missed."},
			},
		})["id"].(string)
		ada := registerViewer(t, a, id, "ada@example.com")
		registerViewer(t, a, id, "grace@example.com")
		registerViewer(t, a, id, "alan@example.com")
		confs := in.wait(3, 15*time.Second)
		for _, m := range confs {
			if m.To == "alan@example.com" {
				link := strings.Trim(m.Unsubscribe, "<>")
				if status, _, _ := a.raw("POST", strings.TrimPrefix(link, testAppURL), "", "List-Unsubscribe=One-Click"); status != http.StatusOK {
					t.Fatalf("unsubscribing alan: %d", status)
				}
			}
		}

		a.advanceTo(start)
		a.expect(http.StatusOK, "POST", "/api/events/"+id+"/start", token, nil)
		a.expect(http.StatusOK, "POST", "/api/watch/"+id+"/heartbeat?token="+url.QueryEscape(ada), "", map[string]any{})
		a.advance(50 * time.Minute)
		ended := a.expect(http.StatusOK, "POST", "/api/events/"+id+"/end", token, nil)["event"].(map[string]any)
		endedAt, _ := time.Parse(time.RFC3339, ended["ended_at"].(string))
		ns := a.notifications(token, id)
		if n := ns["follow_up_attended/email"]; n == nil || n["status"] != "scheduled" || n["scheduled_time"] != endedAt.Add(time.Hour).UTC().Format(time.RFC3339Nano) {
			t.Fatalf("the attended follow-up after the end: %v (ended at %s)", n, endedAt)
		}
		in.settle(a)
		if got := len(in.srv.Messages()); got != 3 {
			t.Fatalf("%d messages at the end; want the 3 confirmations only (End sends nothing)", got)
		}

		a.advanceTo(endedAt.Add(time.Hour))
		thanks := in.wait(4, 15*time.Second)[3]
		if thanks.To != "ada@example.com" || !strings.HasPrefix(thanks.Subject, "Thanks for joining") ||
			!strings.Contains(thanks.Body, "Thanks for the questions!") || !strings.Contains(thanks.Body, testReplay) {
			t.Errorf("the attended follow-up: %s %q\n%s", thanks.To, thanks.Subject, thanks.Body)
		}
		in.settle(a)

		// Restart; then move the missed one later, after the end.
		a.Stop()
		b := startAppOn(t, dbURL, in.env(), in.clock)
		b.expect(http.StatusOK, "PATCH", "/api/events/"+id, token, map[string]any{
			"follow_ups": map[string]any{"missed": map[string]any{"after": "3h"}, "attended": map[string]any{"message": "changed"}}})
		b.expect(http.StatusGone, "PATCH", "/api/events/"+id, token, map[string]any{"title": "Too late"})
		b.advanceTo(endedAt.Add(2*time.Hour + time.Minute))
		if got := len(in.settle(b)); got != 4 {
			t.Fatalf("%d messages 2 h after the end; want 4 (the missed follow-up moved to 3 h)", got)
		}
		b.advanceTo(endedAt.Add(3 * time.Hour))
		sorry := in.wait(5, 15*time.Second)[4]
		if sorry.To != "grace@example.com" || !strings.HasPrefix(sorry.Subject, "Sorry we missed you") || !strings.Contains(sorry.Body, testReplay) {
			t.Errorf("the missed follow-up: %s %q\n%s", sorry.To, sorry.Subject, sorry.Body)
		}
		b.advance(48 * time.Hour)
		expectCounts(t, in.settle(b), map[string]int{
			"ada@example.com You're registered": 1, "grace@example.com You're registered": 1, "alan@example.com You're registered": 1,
			"ada@example.com Thanks for joining": 1, "grace@example.com Sorry we missed you": 1,
		})
		ns = b.notifications(token, id)
		for key, want := range map[string]float64{"follow_up_attended/email": 1, "follow_up_missed/email": 1} {
			if n := ns[key]; n["status"] != "sent" || n["recipients"] != want || n["sent_count"] != want {
				t.Errorf("%s: %v; want sent to %v (the other registrants are the other follow-up's, alan unsubscribed)", key, n, want)
			}
		}
		// The watch page shows the replay now.
		if status, page, _ := b.raw("GET", "/watch/"+id+"?token="+url.QueryEscape(ada), "", nil); status != http.StatusOK || !strings.Contains(string(page), testReplay) {
			t.Errorf("the watch page after the end: %d, replay shown %v", status, strings.Contains(string(page), testReplay))
		}
	})
}

// No follow-up for a cancelled event; an event left live is ended 12 h
// after its scheduled end, which sends its follow-ups.
func TestFollowUpsCancelledAndAutoEnd(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		in := newInbox(t)
		a := startAppOn(t, dbURL, in.env(), in.clock)
		token := a.signup()
		start := a.startsAt(time.Hour)
		fields := map[string]any{
			"scheduled_start": start.Format(time.RFC3339), "selected_intervals": []string{}, "duration_minutes": 60,
			"follow_ups": map[string]any{"missed": map[string]any{"enabled": true, "after": "0s"}},
		}
		cancelled := a.createEvent(token, fields)["id"].(string)
		left := a.createEvent(token, fields)["id"].(string)
		registerViewer(t, a, cancelled, "ada@example.com")
		registerViewer(t, a, left, "grace@example.com")
		in.wait(2, 15*time.Second)
		a.expect(http.StatusOK, "POST", "/api/events/"+cancelled+"/cancel", token, nil)
		a.advanceTo(start)
		a.expect(http.StatusOK, "POST", "/api/events/"+left+"/start", token, nil)

		autoEnd := start.Add(time.Hour + 12*time.Hour)
		a.advanceTo(autoEnd.Add(-time.Minute))
		in.settle(a)
		if got := a.expect(http.StatusOK, "GET", "/api/events/"+left, token, nil)["event"].(map[string]any)["status"]; got != "live" {
			t.Fatalf("the event is %v a minute before 12 h past its end; want live", got)
		}
		a.advanceTo(autoEnd)
		waitFor(t, 30*time.Second, "the auto-end", func() (bool, string) {
			ev := a.expect(http.StatusOK, "GET", "/api/events/"+left, token, nil)["event"].(map[string]any)
			return ev["status"] == "ended", ev["status"].(string)
		})
		in.wait(4, 15*time.Second)
		a.advance(72 * time.Hour)
		expectCounts(t, in.settle(a), map[string]int{
			"ada@example.com You're registered": 1, "ada@example.com Cancelled": 1,
			"grace@example.com You're registered": 1, "grace@example.com Sorry we missed you": 1,
		})
		for key := range a.notifications(token, cancelled) {
			if strings.HasPrefix(key, "follow_up") {
				t.Errorf("the cancelled event has a follow-up: %s", key)
			}
		}
	})
}

// Every kind previews on both channels; a test send goes now through the
// real provider, marked, counted nowhere, at most 10 an hour.
func TestPreviewAndTestSend(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		in := newInbox(t)
		tw := notifytest.NewTwilio(t, testTwilioSID, testTwilioToken)
		a := startAppOn(t, dbURL, twilioEnv(tw, in.env()), in.clock)
		token := a.signup()
		// A short title: the real links leave room for the line beside it
		// in every kind, whole or cut (long titles and lines, and what is
		// shortened first: internal/notify's tests).
		long := "Launch"
		id := a.createEvent(token, map[string]any{"title": long, "replay_url": testReplay,
			"notification_settings": map[string]any{"sms_enabled": true, "sms_message": "Bring your questions! “Q&A” 🎉"}})["id"].(string)
		watch := testAppURL + "/watch/" + id + "?token="
		for _, kind := range []string{"confirmation", "reminder", "starting_now", "rescheduled", "cancelled", "waitlisted", "promoted", "follow_up_attended", "follow_up_missed"} {
			email := a.expect(http.StatusOK, "GET", "/api/events/"+id+"/preview?kind="+kind, token, nil)
			subject, _ := email["subject"].(string)
			if subject == "" || email["html"] == "" || email["text"] == "" {
				t.Errorf("%s email preview: %v", kind, email)
			}
			sms := a.expect(http.StatusOK, "GET", "/api/events/"+id+"/preview?kind="+kind+"&channel=sms", token, nil)
			text, _ := sms["text"].(string)
			if _, has := sms["subject"]; has || !strings.Contains(text, "\nBring your qu") || strings.ContainsAny(text, "“”🎉") || len(text) > 306 {
				t.Errorf("%s SMS preview (%d characters): %q", kind, len(text), text)
			}
			if strings.HasPrefix(kind, "follow_up") && !strings.Contains(text, testReplay) {
				t.Errorf("%s SMS preview lacks the replay: %q", kind, text)
			}
			// The waitlisted get no watch link (they have no seat yet); a
			// promotion brings it.
			emailText, _ := email["text"].(string)
			switch kind {
			case "waitlisted":
				if !strings.HasPrefix(subject, "You're on the waitlist") || strings.Contains(emailText, "/watch/") || strings.Contains(text, "/watch/") {
					t.Errorf("waitlisted preview: %q\n%s\nSMS: %q", subject, emailText, text)
				}
			case "promoted":
				if !strings.HasPrefix(subject, "A spot opened up") || !strings.Contains(emailText, watch) || !strings.Contains(text, watch) {
					t.Errorf("promoted preview: %q\n%s\nSMS: %q", subject, emailText, text)
				}
			}
		}
		for q, field := range map[string]string{"kind=bogus": "kind", "kind=reminder&interval=soon": "interval", "kind=cancelled&channel=fax": "channel"} {
			if out := a.expect(http.StatusUnprocessableEntity, "GET", "/api/events/"+id+"/preview?"+q, token, nil); errField(out, field) == "" {
				t.Errorf("%s: %v; want a problem with %s", q, out, field)
			}
		}
		a.expect(http.StatusNotFound, "GET", "/api/events/"+id+"/preview?kind=confirmation", a.signup(), nil)

		out := a.expect(http.StatusAccepted, "POST", "/api/events/"+id+"/test-send", token, map[string]any{"kind": "reminder", "interval": "1hour"})
		m := in.wait(1, 15*time.Second)[0]
		if !strings.HasPrefix(m.Subject, "[Test] ") || m.To != out["sent_to"] {
			t.Errorf("test email to %s (%v): %q", m.To, out, m.Subject)
		}
		a.expect(http.StatusUnprocessableEntity, "POST", "/api/events/"+id+"/test-send", token, map[string]any{"kind": "confirmation", "channel": "sms"})
		a.expect(http.StatusAccepted, "POST", "/api/events/"+id+"/test-send", token, map[string]any{"kind": "follow_up_missed", "channel": "sms", "to": "+1 415 555 0100"})
		if sms := waitSMS(t, tw, 1, 15*time.Second)[0]; !strings.HasPrefix(sms.Body, "[Test] ") || sms.To != "+14155550100" {
			t.Errorf("test SMS: %+v", sms)
		}
		for range 8 {
			a.expect(http.StatusAccepted, "POST", "/api/events/"+id+"/test-send", token, map[string]any{"kind": "confirmation", "to": "me@example.com"})
		}
		status, body, h := a.raw("POST", "/api/events/"+id+"/test-send", token, map[string]any{"kind": "confirmation"})
		if status != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
			t.Errorf("the 11th test send within the hour: %d %s (Retry-After %q)", status, body, h.Get("Retry-After"))
		}
		for key, n := range a.notifications(token, id) {
			if n["recipients"] != float64(0) || n["sent_count"] != float64(0) {
				t.Errorf("%s counts a test send: %v", key, n)
			}
		}
		a.advance(time.Hour)
		a.expect(http.StatusAccepted, "POST", "/api/events/"+id+"/test-send", token, map[string]any{"kind": "confirmation"})
	})
}

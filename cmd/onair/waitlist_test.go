package main

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/store/storetest"
)

var cancelLinkRE = regexp.MustCompile(regexp.QuoteMeta(testAppURL) + `/cancel/[A-Za-z0-9_-]+`)

// texts are the decoded text parts of the messages in, in their order.
func (in *inbox) texts(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, m := range in.srv.Messages() {
		part, ok := m.PartOf("text/plain")
		if !ok {
			t.Fatalf("a message without a text part to %v", m.To)
		}
		out = append(out, string(part.Body))
	}
	return out
}

// registrationsByEmail lists an event's registrations by email.
func (a *app) registrationsByEmail(token, eventID string) map[string]map[string]any {
	a.t.Helper()
	out := a.expect(http.StatusOK, "GET", "/api/events/"+eventID+"/registrations?limit=1000", token, nil)
	byEmail := map[string]map[string]any{}
	for _, r := range out["registrations"].([]any) {
		reg := r.(map[string]any)
		byEmail[reg["email"].(string)] = reg
	}
	return byEmail
}

func TestWaitlist(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		in := newInbox(t)
		tw := notifytest.NewTwilio(t, testTwilioSID, testTwilioToken)
		a := startAppOn(t, dbURL, twilioEnv(tw, in.env()), in.clock)
		token := a.signup()
		start := a.now().Add(48 * time.Hour).Truncate(time.Second)
		// A long title and a long SMS line: the texts still fit two segments.
		ev := a.createEvent(token, map[string]any{"max_registrations": 1, "waitlist_enabled": true,
			"title":           "The Annual Product Launch Webinar and Community Q&A for Everyone Who Could Not Make It Last Year",
			"scheduled_start": start.UTC().Format(time.RFC3339), "selected_intervals": []string{"1day"},
			"notification_settings": map[string]any{"email_enabled": true, "sms_enabled": true,
				"sms_message": "Bring your questions: the team answers them live, and the slides come with the replay"}})
		id := ev["id"].(string)
		if ev["waitlist_enabled"] != true {
			t.Fatalf("waitlist_enabled not echoed: %v", ev)
		}
		register := func(email string) map[string]any {
			t.Helper()
			body := map[string]string{"email": email}
			if email == "second@example.com" { // the one who is texted
				body["phone"] = "+1 415 555 0111"
			}
			return a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", body)
		}
		first := register("first@example.com")
		if first["registration"].(map[string]any)["status"] != "registered" || first["watch_url"] == nil {
			t.Fatalf("first: %v", first)
		}
		second, third := register("second@example.com"), register("third@example.com")
		for i, out := range []map[string]any{second, third} {
			reg := out["registration"].(map[string]any)
			if reg["status"] != "waitlisted" || reg["waitlist_position"] != float64(i+1) || out["watch_url"] != nil {
				t.Errorf("waitlisted %d: %v", i+1, out)
			}
		}
		msgs := in.wait(3, 20*time.Second)
		texts := in.texts(t)
		byTo := map[string]received{}
		for i, m := range msgs {
			m.Body = texts[i]
			byTo[m.To] = m
			if !cancelLinkRE.MatchString(m.Body) {
				t.Errorf("the message to %s has no \"can't make it?\" link:\n%s", m.To, m.Body)
			}
		}
		if !strings.HasPrefix(byTo["second@example.com"].Subject, "You're on the waitlist") ||
			strings.Contains(byTo["second@example.com"].Body, "/watch/") {
			t.Errorf("the waitlisted message: %q\n%s", byTo["second@example.com"].Subject, byTo["second@example.com"].Body)
		}
		// The waitlisted text: the event, the waitlist, the way out, and no
		// watch link (no seat yet).
		waitlisted := waitSMS(t, tw, 1, 20*time.Second)[0]
		if waitlisted.To != "+14155550111" || !strings.Contains(waitlisted.Body, "you're on the waitlist") ||
			!strings.Contains(waitlisted.Body, "\nBring your questions") || strings.Contains(waitlisted.Body, "/watch/") ||
			!cancelLinkRE.MatchString(waitlisted.Body) || !strings.Contains(waitlisted.Body, "Reply STOP") || smsSegments(waitlisted.Body) > 2 {
			t.Errorf("the waitlisted SMS (%d segments) to %s:\n%s", smsSegments(waitlisted.Body), waitlisted.To, waitlisted.Body)
		}
		info := a.expect(http.StatusOK, "GET", "/api/events/"+id+"/register", "", nil)
		if info["reason"] != "full" || info["registration_open"] != false {
			t.Errorf("registration info of a full event with a waitlist: %v", info)
		}
		if w := a.expect(http.StatusOK, "GET", "/api/events/"+id+"/analytics", token, nil)["analytics"].(map[string]any)["waitlisted"]; w != 2.0 {
			t.Errorf("analytics waitlisted = %v, want 2", w)
		}

		t.Run("a cancellation promotes the first in line, who gets the watch link and the reminders ahead", func(t *testing.T) {
			tok := watchToken(t, first["watch_url"].(string))
			for range 2 { // cancelling twice frees nothing twice
				out := a.expect(http.StatusOK, "POST", "/api/registrations/cancel?token="+tok, "", nil)
				if out["registration"].(map[string]any)["status"] != "cancelled" {
					t.Fatalf("cancel: %v", out)
				}
			}
			a.expect(http.StatusNotFound, "POST", "/api/registrations/cancel?token=not-a-token", "", nil)
			msgs := in.wait(4, 20*time.Second)
			promoted := msgs[3]
			promoted.Body = in.texts(t)[3]
			if promoted.To != "second@example.com" || !strings.HasPrefix(promoted.Subject, "A spot opened up") ||
				!strings.Contains(promoted.Body, testAppURL+"/watch/"+id+"?token=") {
				t.Errorf("promoted message: to %s %q\n%s", promoted.To, promoted.Subject, promoted.Body)
			}
			// The promoted text carries the same watch link as the email,
			// and the way out, within two segments.
			sms := waitSMS(t, tw, 2, 20*time.Second)[1]
			watch := regexp.MustCompile(regexp.QuoteMeta(testAppURL+"/watch/"+id+"?token=") + `\S+`).FindString(promoted.Body)
			if sms.To != "+14155550111" || !(strings.HasPrefix(sms.Body, "A spot opened up: you're registered for The Annual") ||
				strings.HasPrefix(sms.Body, "You're in: The Annual")) || watch == "" ||
				!strings.Contains(sms.Body, "\n"+watch+"\n") || !cancelLinkRE.MatchString(sms.Body) || smsSegments(sms.Body) > 2 {
				t.Errorf("the promoted SMS (%d segments) to %s, want the watch link %q:\n%s", smsSegments(sms.Body), sms.To, watch, sms.Body)
			}
			regs := a.registrationsByEmail(token, id)
			if regs["second@example.com"]["status"] != "registered" || regs["third@example.com"]["waitlist_position"] != 1.0 ||
				regs["first@example.com"]["status"] != "cancelled" {
				t.Errorf("after the cancellation: %v", regs)
			}
			if ev := a.expect(http.StatusOK, "GET", "/api/events/"+id, token, nil)["event"].(map[string]any); ev["registration_count"] != 1.0 {
				t.Errorf("registration_count %v", ev["registration_count"])
			}
			// The 1-day reminder: to the promoted registrant, not to the one
			// who cancelled nor the one still waiting.
			a.advanceTo(start.Add(-24*time.Hour + time.Second))
			msgs = in.wait(5, 20*time.Second)
			a.waitIdle()
			if n := in.srv.Count(); n != 5 || msgs[4].To != "second@example.com" || !strings.HasPrefix(msgs[4].Subject, "Starting") {
				t.Errorf("%d messages; the reminder went to %s (%q)\n%s", n, msgs[4].To, msgs[4].Subject, summarize(msgs))
			}
		})

		t.Run("the cancel link asks on GET and cancels on POST, then says so", func(t *testing.T) {
			link := cancelLinkRE.FindString(byTo["third@example.com"].Body)
			path := strings.TrimPrefix(link, testAppURL)
			b := newViewerBrowser(t, a)
			status, body, _ := b.get(path)
			if status != http.StatusOK || !strings.Contains(body, "Leave the waitlist") {
				t.Fatalf("GET %s: %d\n%s", path, status, body)
			}
			if a.registrationsByEmail(token, id)["third@example.com"]["status"] != "waitlisted" {
				t.Fatal("a GET cancelled")
			}
			status, _, h := b.post(path, url.Values{})
			if status != http.StatusSeeOther || h.Get("Location") != path+"/done" {
				t.Fatalf("POST: %d to %q", status, h.Get("Location"))
			}
			for range 2 { // a refresh shows it again
				if status, body, _ := b.get(path + "/done"); status != http.StatusOK || !strings.Contains(body, "Your registration is cancelled") {
					t.Errorf("done page: %d\n%s", status, body)
				}
			}
			if a.registrationsByEmail(token, id)["third@example.com"]["status"] != "cancelled" {
				t.Error("the POST did not cancel")
			}
			if status, _, _ := b.get("/cancel/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"); status != http.StatusNotFound {
				t.Errorf("a forged link: %d", status)
			}
		})

		t.Run("a higher capacity, or none, promotes as many as it frees", func(t *testing.T) {
			other := a.createEvent(token, map[string]any{"max_registrations": 1, "waitlist_enabled": true})["id"].(string)
			for i := range 4 {
				a.expect(http.StatusCreated, "POST", "/api/events/"+other+"/register", "", map[string]string{"email": fmt.Sprintf("cap%d@example.com", i)})
			}
			a.expect(http.StatusOK, "PATCH", "/api/events/"+other, token, map[string]any{"max_registrations": 2})
			regs := a.registrationsByEmail(token, other)
			if regs["cap1@example.com"]["status"] != "registered" || regs["cap2@example.com"]["waitlist_position"] != 1.0 {
				t.Errorf("after raising to 2: %v", regs)
			}
			ev := a.expect(http.StatusOK, "PATCH", "/api/events/"+other, token, map[string]any{"max_registrations": 0})["event"].(map[string]any)
			if ev["registration_count"] != 4.0 {
				t.Errorf("after removing the limit: %v", ev)
			}
			for email, r := range a.registrationsByEmail(token, other) {
				if r["status"] != "registered" || r["waitlist_position"] != nil {
					t.Errorf("%s: %v", email, r)
				}
			}
		})
	})
}

// TestWaitlistUnderConcurrency: 100 waitlisted and 100 cancellations at
// once give 100 promotions, no seat twice, and never more registered than
// the capacity.
func TestWaitlistUnderConcurrency(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		token := a.signup()
		id := a.createEvent(token, map[string]any{"max_registrations": 100, "waitlist_enabled": true})["id"].(string)
		tokens := make([]string, 100)
		for i := range 200 {
			out := a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", map[string]string{"email": fmt.Sprintf("v%d@example.com", i)})
			if i < 100 {
				tokens[i] = watchToken(t, out["watch_url"].(string))
			} else if out["registration"].(map[string]any)["waitlist_position"] != float64(i-99) {
				t.Fatalf("registration %d: %v", i, out)
			}
		}
		var wg sync.WaitGroup
		gate := make(chan struct{})
		stop := make(chan struct{})
		overCapacity := make(chan string, 1)
		go func() { // the count read while the cancellations run
			for {
				select {
				case <-stop:
					return
				default:
				}
				var registered int
				if err := a.store().DB().QueryRow(`SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND status = 'registered'`, id).Scan(&registered); err == nil && registered > 100 {
					select {
					case overCapacity <- fmt.Sprint(registered):
					default:
					}
				}
			}
		}()
		for _, tok := range tokens {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-gate
				if status, out := a.do("POST", "/api/registrations/cancel?token="+tok, "", nil); status != http.StatusOK {
					t.Errorf("cancel: %d %v", status, out)
				}
			}()
		}
		close(gate)
		wg.Wait()
		close(stop)
		select {
		case n := <-overCapacity:
			t.Errorf("%s registered at once, over the capacity of 100", n)
		default:
		}
		ev := a.expect(http.StatusOK, "GET", "/api/events/"+id, token, nil)["event"].(map[string]any)
		if ev["registration_count"] != 100.0 {
			t.Errorf("registration_count %v", ev["registration_count"])
		}
		var registered, waiting, promoted, promotedTwice int
		db := a.store().DB()
		for q, dst := range map[string]*int{
			`SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND status = 'registered'`:   &registered,
			`SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND status = 'waitlisted'`:   &waiting,
			`SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND promoted_at IS NOT NULL`: &promoted,
			`SELECT COUNT(*) FROM (SELECT d.registration_id FROM deliveries d JOIN notifications n ON n.id = d.notification_id
				WHERE n.event_id = $1 AND n.kind = 'promoted' GROUP BY d.registration_id HAVING COUNT(*) > 1) AS twice`: &promotedTwice,
		} {
			if err := db.QueryRow(q, id).Scan(dst); err != nil {
				t.Fatal(err)
			}
		}
		if registered != 100 || waiting != 0 || promoted != 100 || promotedTwice != 0 {
			t.Errorf("registered %d, waiting %d, promoted %d, promoted twice %d; want 100, 0, 100, 0", registered, waiting, promoted, promotedTwice)
		}
	})
}

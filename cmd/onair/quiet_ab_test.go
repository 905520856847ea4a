package main

import (
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store/storetest"
)

// Rules 13 and 14 end to end, on one app and its clock: an SMS reminder
// due in the viewer's night is held to its end while the email of the
// same reminder goes at its time, one that would be held past the next
// reminder is skipped with "quiet hours"; in an A/B test each arm gets its
// own ladder only, and the analytics per arm are a recount of the
// registrations.
func TestQuietHoursAndABLadders(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		in := newInbox(t)
		tw := notifytest.NewTwilio(t, testTwilioSID, testTwilioToken)
		top := t
		app := startAppOn(t, dbURL, twilioEnv(tw, in.env()), in.clock)
		token := app.signup()

		t.Run("quiet hours", func(t *testing.T) {
			a := dashApp(app, t)
			// t0 is 22:00 in Kolkata, at least a day and a half ahead. The
			// event starts a day later: its 1day reminder is at 22:00 there
			// (quiet until 08:00, after the 20h reminder at 02:00: skipped),
			// its 20h reminder at 02:00 (held to 08:00, well before the
			// start). In New York both are daytime.
			kolkata, _ := time.LoadLocation("Asia/Kolkata")
			l := a.now().Add(36 * time.Hour).In(kolkata)
			t0 := time.Date(l.Year(), l.Month(), l.Day(), 22, 0, 0, 0, kolkata)
			morning := t0.Add(10 * time.Hour)
			start := t0.Add(24 * time.Hour)
			ev := a.createEvent(token, map[string]any{
				"scheduled_start": start.UTC().Format(time.RFC3339), "selected_intervals": []string{"1day", "20h"},
				"notification_settings": map[string]any{"email_enabled": true, "sms_enabled": true},
			})
			id := ev["id"].(string)
			if q := ev["notification_settings"].(map[string]any)["sms_quiet_hours"]; fmt.Sprint(q) != "map[end:08:00 start:21:00]" {
				t.Fatalf("default quiet hours %v", q)
			}
			for email, v := range map[string][2]string{"night@example.com": {"+14155550101", "Asia/Kolkata"}, "day@example.com": {"+14155550103", "America/New_York"}} {
				a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "",
					map[string]string{"email": email, "phone": v[0], "timezone": v[1]})
			}
			in.wait(2, 15*time.Second)
			waitSMS(t, tw, 2, 15*time.Second)
			if regs := a.registrationsByEmail(token, id); regs["night@example.com"]["arm"] != nil {
				t.Errorf("an arm without an A/B test: %v", regs["night@example.com"])
			}
			texts := func() map[string]int {
				a.waitIdle()
				out := map[string]int{}
				for _, r := range tw.Requests() {
					if r.Status == http.StatusCreated {
						out[r.To]++
					}
				}
				return out
			}

			a.advanceTo(t0)
			if got := texts(); got["+14155550101"] != 1 || got["+14155550103"] != 2 {
				t.Errorf("SMS at 22:00 in Kolkata: %v; want night's confirmation only, day's reminder too", got)
			}
			n := a.notifications(token, id)["reminder/1day/sms"]
			if n["sent_count"] != 1.0 || n["skipped_count"] != 1.0 {
				t.Errorf("the 1day SMS: %v; want one sent, one skipped", n)
			}
			var reason string
			if err := a.store().DB().QueryRow(`SELECT d.error FROM deliveries d JOIN registrations r ON r.id = d.registration_id
				WHERE d.notification_id = $1 AND r.email = 'night@example.com'`, n["id"]).Scan(&reason); err != nil || reason != onair.ReasonQuietHours {
				t.Errorf("the night's 1day SMS: %q, %v; want skipped with %q", reason, err, onair.ReasonQuietHours)
			}

			a.advanceTo(t0.Add(4 * time.Hour))
			if got := texts(); got["+14155550101"] != 1 || got["+14155550103"] != 3 {
				t.Errorf("SMS at 02:00 in Kolkata: %v; want nothing more to night", got)
			}
			emails := map[string]int{}
			for _, m := range in.settle(a) {
				emails[m.To]++
			}
			if emails["night@example.com"] != 3 || emails["day@example.com"] != 3 {
				t.Errorf("emails by 02:00 in Kolkata: %v; want the confirmation and both reminders each (email is never held)", emails)
			}
			if n := a.notifications(token, id)["reminder/20h0m0s/sms"]; n["status"] != "sending" || n["sent_count"] != 1.0 {
				t.Errorf("the 20h SMS while one is held: %v", n)
			}

			// The held SMS waits in the database: a restart changes nothing.
			app.Stop()
			app = startAppOn(top, dbURL, twilioEnv(tw, in.env()), in.clock)
			a = dashApp(app, t)
			a.advanceTo(morning.Add(-time.Minute))
			if got := texts(); got["+14155550101"] != 1 {
				t.Errorf("SMS to night before 08:00: %v", got)
			}
			a.advanceTo(morning)
			waitSMS(t, tw, 5, 15*time.Second)
			if got := texts(); got["+14155550101"] != 2 || got["+14155550103"] != 3 {
				t.Errorf("SMS at 08:00 in Kolkata: %v; want the held one to night", got)
			}
			if n := a.notifications(token, id)["reminder/20h0m0s/sms"]; n["status"] != "sent" || n["sent_count"] != 2.0 {
				t.Errorf("the 20h SMS after the morning: %v", n)
			}
			a.advance(24 * time.Hour)
			if got := texts(); got["+14155550101"] != 2 || got["+14155550103"] != 3 {
				t.Errorf("SMS a day later: %v; nothing twice", got)
			}
		})

		t.Run("A/B ladders", func(t *testing.T) {
			a := dashApp(app, t)
			browser, token := dashSignup(t, a)
			before := len(in.srv.Messages())
			start := a.startsAt(5 * 24 * time.Hour)
			ev := a.createEvent(token, map[string]any{
				"scheduled_start": start.Format(time.RFC3339), "selected_intervals": []string{"1day"},
				"ab_test": map[string]any{"intervals_b": []string{"3days", "1hour"}},
			})
			id := ev["id"].(string)
			if fmt.Sprint(ev["ab_test"]) != "map[intervals_b:[3days 1hour]]" {
				t.Fatalf("ab_test %v", ev["ab_test"])
			}
			ns := a.notifications(token, id)
			for _, key := range []string{"reminder/1day/email/a", "reminder/3days/email/b", "reminder/1hour/email/b"} {
				if ns[key] == nil {
					t.Errorf("no %s in %v", key, ns)
				}
			}
			watch := map[string]string{}
			for i := range 4 {
				email := fmt.Sprintf("ab%d@example.com", i)
				watch[email] = registerViewer(t, a, id, email)
			}
			// Registered after arm b's 3days: a late a, and a late b that
			// gets only the 1hour reminder.
			a.advanceTo(start.Add(-3*24*time.Hour + time.Minute))
			for _, email := range []string{"late-a@example.com", "late-b@example.com"} {
				watch[email] = registerViewer(t, a, id, email)
			}
			regs := a.registrationsByEmail(token, id)
			wantArm := map[string]string{"ab0@example.com": "a", "ab1@example.com": "b", "ab2@example.com": "a", "ab3@example.com": "b",
				"late-a@example.com": "a", "late-b@example.com": "b"}
			for email, arm := range wantArm {
				if regs[email]["arm"] != arm {
					t.Errorf("%s in arm %v, want %s", email, regs[email]["arm"], arm)
				}
			}
			in.settle(a)
			a.advanceTo(start.Add(-24 * time.Hour))
			in.settle(a)
			a.advanceTo(start.Add(-time.Hour))
			in.settle(a)
			a.advanceTo(start)
			got, subjects := map[string]int{}, map[string][]string{}
			for _, m := range in.settle(a)[before:] {
				got[m.To]++
				subjects[m.To] = append(subjects[m.To], m.Subject)
			}
			want := map[string]int{ // the confirmation and the arm's reminders still ahead
				"ab0@example.com": 2, "ab2@example.com": 2, "late-a@example.com": 2,
				"ab1@example.com": 3, "ab3@example.com": 3, "late-b@example.com": 2,
			}
			for email, n := range want {
				if got[email] != n {
					t.Errorf("%s got %d messages, want %d: %q", email, got[email], n, subjects[email])
				}
			}

			a.expect(http.StatusOK, "POST", "/api/events/"+id+"/start", token, nil)
			for _, email := range []string{"ab0@example.com", "ab1@example.com", "ab3@example.com"} {
				a.expect(http.StatusOK, "POST", "/api/watch/"+id+"/heartbeat?token="+url.QueryEscape(watch[email]), "", map[string]any{})
			}
			an := a.expect(http.StatusOK, "GET", "/api/events/"+id+"/analytics", token, nil)["analytics"].(map[string]any)
			recount := map[string]onair.ArmFigures{}
			for _, r := range a.registrationsByEmail(token, id) {
				f := recount[r["arm"].(string)]
				f.Registrations++
				if r["attended"] == true {
					f.Attended++
				}
				recount[r["arm"].(string)] = f
			}
			arms := an["arms"].(map[string]any)
			for _, arm := range onair.Arms {
				g := arms[arm].(map[string]any)
				w := recount[arm]
				if g["registrations"] != float64(w.Registrations) || g["attended"] != float64(w.Attended) ||
					math.Abs(g["attendance_rate"].(float64)-float64(w.Attended)/float64(w.Registrations)) > 1e-9 {
					t.Errorf("arm %s: %v; the registrations say %+v", arm, g, w)
				}
			}
			wantP := onair.TwoProportionPValue(recount["a"].Attended, recount["a"].Registrations, recount["b"].Attended, recount["b"].Registrations)
			if p, ok := an["p_value"].(float64); !ok || wantP == nil || math.Abs(p-*wantP) > 1e-9 {
				t.Errorf("p_value %v, want %v", an["p_value"], wantP)
			}
			// The CSV has each registrant's arm.
			_, raw, _ := a.raw("GET", "/api/events/"+id+"/registrations?format=csv", token, nil)
			rows, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
			if err != nil || len(rows) != 7 {
				t.Fatalf("CSV: %v, %d rows", err, len(rows))
			}
			col := map[string]int{}
			for i, name := range rows[0] {
				col[name] = i
			}
			for _, row := range rows[1:] {
				if row[col["arm"]] != wantArm[row[col["email"]]] {
					t.Errorf("CSV: %s in arm %q, want %q", row[col["email"]], row[col["arm"]], wantArm[row[col["email"]]])
				}
			}
			// The event page reads it out: 1 of 3 against 2 of 3.
			status, page, _ := browser.get("/dashboard/events/" + id)
			for _, want := range []string{"A/B test of the reminder ladders", "arm b attended 33 points more; p = 0.41",
				"Too small a sample to say anything yet", "3 days before, 1 hour before"} {
				if status != http.StatusOK || !strings.Contains(page, want) {
					t.Errorf("the event page (%d) does not say %q", status, want)
				}
			}
			// The event page's message settings change both, and end the test.
			path := "/dashboard/events/" + id
			browser.expectRedirect(path+"/messages", url.Values{"sms_message": {""}, "quiet_enabled": {"on"},
				"quiet_start": {"22:30"}, "quiet_end": {"07:00"}, "ab_enabled": {"on"}, "intervals_b": {"3days, 15minutes"}}, path+"?done=updated")
			updated := a.expect(http.StatusOK, "GET", "/api/events/"+id, token, nil)["event"].(map[string]any)
			if q := updated["notification_settings"].(map[string]any)["sms_quiet_hours"]; fmt.Sprint(q) != "map[end:07:00 start:22:30]" ||
				fmt.Sprint(updated["ab_test"]) != "map[intervals_b:[3days 15minutes]]" {
				t.Errorf("after the form: quiet hours %v, ab_test %v", q, updated["ab_test"])
			}
			if status, _, _ := browser.post(path+"/messages", url.Values{"sms_message": {""}, "quiet_enabled": {"on"},
				"quiet_start": {"7am"}, "quiet_end": {"07:00"}, "intervals_b": {""}}, true); status != http.StatusUnprocessableEntity {
				t.Errorf("quiet hours from 7am: %d, want 422", status)
			}
			browser.expectRedirect(path+"/messages", url.Values{"sms_message": {""}, "quiet_start": {"22:30"}, "quiet_end": {"07:00"},
				"intervals_b": {"3days"}}, path+"?done=updated")
			updated = a.expect(http.StatusOK, "GET", "/api/events/"+id, token, nil)["event"].(map[string]any)
			if updated["notification_settings"].(map[string]any)["sms_quiet_hours"] != nil || updated["ab_test"] != nil {
				t.Errorf("both off: %v, %v", updated["notification_settings"], updated["ab_test"])
			}
			for email, r := range a.registrationsByEmail(token, id) {
				if r["arm"] != nil {
					t.Errorf("%s still in arm %v after the test ended", email, r["arm"])
				}
			}
		})
	})
}

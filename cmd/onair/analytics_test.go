package main

import (
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/store/storetest"
)

func TestAnalyticsCountsFromTheRows(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		browser, token := dashSignup(t, a)
		id := a.createEvent(token, map[string]any{"notification_settings": map[string]any{"sms_enabled": true}})["id"].(string)
		for _, r := range []map[string]string{
			{"email": "a@example.com", "source": "social", "phone": "+14155550101"},
			{"email": "b@example.com", "source": "social"},
			{"email": "c@example.com", "source": "email"},
		} {
			a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", r)
		}
		var an map[string]any
		waitFor(t, 15*time.Second, "the 4 confirmations to be recorded as sent", func() (bool, string) {
			an = a.expect(http.StatusOK, "GET", "/api/events/"+id+"/analytics", token, nil)["analytics"].(map[string]any)
			return an["notifications_sent"] == 4.0, fmt.Sprint(an["notifications_sent"])
		})
		want := map[string]any{
			"registrations": 3.0, "notifications_sent": 4.0, "notifications_failed": 0.0,
			"attended": 0.0, "attendance_rate": 0.0, "conversion_rate": 0.0, "revenue_cents": 0.0,
		}
		for k, v := range want {
			if an[k] != v {
				t.Errorf("%s = %v, want %v", k, an[k], v)
			}
		}
		if by := an["registrations_by_source"].(map[string]any); by["social"] != 2.0 || by["email"] != 1.0 {
			t.Errorf("by source: %v", by)
		}
		byChannel := an["by_channel"].(map[string]any)
		if e, s := byChannel["email"].(map[string]any), byChannel["sms"].(map[string]any); e["sent"] != 3.0 || s["sent"] != 1.0 || s["delivered"] != 1.0 {
			t.Errorf("by channel: %v", byChannel)
		}
		if ns := an["notifications"].([]any); len(ns) != len(a.notifications(token, id)) {
			t.Errorf("per notification: %v", ns)
		}
		if f := an["funnel"].(map[string]any); f["registered"] != 3.0 || f["notified"] != 3.0 {
			t.Errorf("funnel: %v", f)
		}
		if days := an["registrations_by_day"].(map[string]any); days[a.now().UTC().Format(time.DateOnly)] != 3.0 {
			t.Errorf("by day: %v", days)
		}
		a.expect(http.StatusNotFound, "GET", "/api/events/"+id+"/analytics", a.signup(), nil)

		// The per-registrant export says what each one received.
		_, csvBody, _ := a.raw("GET", "/api/events/"+id+"/registrations?format=csv", token, nil)
		lines := strings.Split(strings.TrimSpace(string(csvBody)), "\n")
		if !strings.HasSuffix(lines[0], "messages_sent,messages_failed,opened,clicked,watch_seconds,revenue_cents") {
			t.Errorf("CSV header: %s", lines[0])
		}
		for _, l := range lines[1:] {
			if strings.Contains(l, "a@example.com") && !strings.HasSuffix(l, ",2,0,0,0,0,0") {
				t.Errorf("CSV row of a registrant with email and SMS: %s", l)
			}
		}

		// The event page draws the funnel as SVG, with the same figures.
		status, body, _ := browser.get("/dashboard/events/" + id)
		if status != http.StatusOK || !strings.Contains(body, `<svg viewBox="0 0 480 140"`) ||
			!strings.Contains(body, "From registration to attendance") {
			t.Errorf("event page analytics: %d", status)
		}
	})
}

// confirmationLinks waits for the confirmation to each address and returns
// its open pixel and tracked watch link, by address.
func confirmationLinks(t *testing.T, in *inbox, emails ...string) map[string][2]string {
	t.Helper()
	out := map[string][2]string{}
	waitFor(t, 15*time.Second, "the confirmations", func() (bool, string) {
		for _, m := range in.srv.Messages() {
			if !strings.HasPrefix(m.Subject(), "You're registered") || len(m.To) != 1 {
				continue
			}
			part, ok := m.PartOf("text/html")
			pm, wm := pixelRE.FindStringSubmatch(string(part.Body)), watchLinkRE.FindStringSubmatch(string(part.Body))
			if !ok || pm == nil || wm == nil {
				t.Fatalf("the confirmation to %s has no pixel or watch link", m.To[0])
			}
			out[m.To[0]] = [2]string{html.UnescapeString(pm[1]), html.UnescapeString(wm[1])}
		}
		return len(out) >= len(emails), fmt.Sprintf("confirmations arrived for %v only", out)
	})
	return out
}

// TestAnalyticsFixture runs a small event through the API and checks every
// figure against what the fixture did: 6 registrants from 4 sources, 3
// opened their confirmation (one twice), 2 clicked, 4 attended (all at
// once), 3 engagement actions, 3 purchases by 2 attendees.
func TestAnalyticsFixture(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		in := newInbox(t)
		a := startApp(t, dbURL, in.env())
		browser, host := dashSignup(t, a)
		id := a.createEvent(host, nil)["id"].(string)
		sources := map[string]string{"r1@example.com": "social", "r2@example.com": "social", "r3@example.com": "email",
			"r4@example.com": "email", "r5@example.com": "direct", "r6@example.com": "partner newsletter"}
		viewers := map[string]string{}
		for email, source := range sources {
			out := a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "",
				map[string]string{"email": email, "source": source})
			u, _ := url.Parse(out["watch_url"].(string))
			viewers[email] = u.Query().Get("token")
		}
		links := confirmationLinks(t, in, "r1@example.com", "r2@example.com", "r3@example.com",
			"r4@example.com", "r5@example.com", "r6@example.com")
		for _, email := range []string{"r1@example.com", "r1@example.com", "r2@example.com", "r3@example.com"} {
			a.get(links[email][0])
		}
		for _, email := range []string{"r1@example.com", "r2@example.com"} {
			if status, h, _ := a.get(links[email][1]); status != http.StatusFound ||
				!strings.HasPrefix(h.Get("Location"), testAppURL+"/watch/"+id+"?token=") {
				t.Fatalf("click of %s: %d to %q", email, status, h.Get("Location"))
			}
		}

		a.expect(http.StatusOK, "POST", "/api/events/"+id+"/start", host, nil)
		beat := func(email string) float64 {
			out := a.expect(http.StatusOK, "POST", "/api/watch/"+id+"/heartbeat?token="+url.QueryEscape(viewers[email]), "", map[string]any{})
			return out["viewers"].(float64)
		}
		for i, email := range []string{"r1@example.com", "r2@example.com", "r3@example.com", "r4@example.com"} {
			if n := beat(email); n != float64(i+1) {
				t.Errorf("heartbeat of %s: %v viewers, want %d", email, n, i+1)
			}
		}
		a.advance(1100 * time.Millisecond) // a second of watching for r1 and r2
		beat("r1@example.com")
		beat("r2@example.com")
		for _, e := range []struct{ email, action string }{
			{"r1@example.com", "chat"}, {"r1@example.com", "reaction"}, {"r2@example.com", "question"},
		} {
			a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/engagement", "",
				map[string]any{"token": viewers[e.email], "action": e.action})
		}
		for _, p := range []struct {
			email string
			cents int
		}{{"r1@example.com", 4900}, {"r1@example.com", 100}, {"r3@example.com", 2500}} {
			a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/revenue", host,
				map[string]any{"token": viewers[p.email], "amount_cents": p.cents, "currency": "USD"})
		}

		an := a.expect(http.StatusOK, "GET", "/api/events/"+id+"/analytics", host, nil)["analytics"].(map[string]any)
		want := map[string]any{
			"registrations": 6.0, "notifications_sent": 6.0, "notifications_delivered": 6.0, "notifications_failed": 0.0,
			"notifications_opened": 3.0, "notifications_clicked": 2.0, "attended": 4.0, "peak_concurrent_viewers": 4.0,
			"engagement_actions": 3.0, "revenue_cents": 7500.0, "purchasers": 2.0,
			"conversion_rate": 0.5, "attendance_rate": 4.0 / 6.0,
		}
		for k, v := range want {
			if an[k] != v {
				t.Errorf("%s = %v, want %v", k, an[k], v)
			}
		}
		sameJSON(t, "registrations_by_source", an["registrations_by_source"],
			map[string]any{"social": 2.0, "email": 2.0, "direct": 1.0, "partner newsletter": 1.0})
		sameJSON(t, "revenue_by_currency", an["revenue_by_currency"], map[string]any{"USD": 7500.0})
		sameJSON(t, "engagement_by_action", an["engagement_by_action"], map[string]any{"chat": 1.0, "reaction": 1.0, "question": 1.0})
		sameJSON(t, "funnel", an["funnel"],
			map[string]any{"registered": 6.0, "notified": 6.0, "opened": 3.0, "clicked": 2.0, "attended": 4.0})
		figures := map[string]any{"sent": 6.0, "delivered": 6.0, "failed": 0.0, "opened": 3.0, "clicked": 2.0}
		sameJSON(t, "by_channel", an["by_channel"], map[string]any{"email": figures})
		for _, x := range an["notifications"].([]any) {
			n := x.(map[string]any)
			if n["kind"] == "confirmation" {
				sameJSON(t, "the confirmation's figures", []any{n["sent"], n["delivered"], n["failed"], n["opened"], n["clicked"]},
					[]any{6.0, 6.0, 0.0, 3.0, 2.0})
			} else if n["sent"] != 0.0 || n["opened"] != 0.0 {
				t.Errorf("figures of a reminder not yet due: %v", n)
			}
		}
		c := a.notifications(host, id)["confirmation/email"]
		if c["sent_count"] != 6.0 || c["delivered_count"] != 6.0 || c["opened_count"] != 3.0 || c["clicked_count"] != 2.0 {
			t.Errorf("the confirmation's figures: %v", c)
		}

		// The event page's messages table: the confirmation's row and the
		// email total carry the same figures; revenue in its currency.
		_, page, _ := browser.get("/dashboard/events/" + id)
		cells := regexp.MustCompile(`<td class="num">(\d+)</td>`)
		var tableRows []string
		for _, tr := range strings.Split(page, "<tr>") {
			if strings.Contains(tr, "<td>Confirmation</td><td>Email</td>") || strings.Contains(tr, `<th scope="row">All</th><td>Email</td>`) {
				var nums []string
				for _, m := range cells.FindAllStringSubmatch(tr, -1) {
					nums = append(nums, m[1])
				}
				tableRows = append(tableRows, strings.Join(nums, " "))
			}
		}
		// sent delivered failed opened clicked
		if want := []string{"6 6 0 3 2", "6 6 0 3 2"}; !reflect.DeepEqual(tableRows, want) {
			t.Errorf("event page rows %q, want %q", tableRows, want)
		}
		if !strings.Contains(page, "<dt>Revenue</dt><dd>$75.00") {
			t.Error("the event page does not show the revenue in dollars")
		}

		// Watch time: r1 and r2 watched about a second, r3 and r4 none yet;
		// the average is the per-registrant export's, exactly.
		_, csvBody, _ := a.raw("GET", "/api/events/"+id+"/registrations?format=csv", host, nil)
		rows, err := csv.NewReader(strings.NewReader(string(csvBody))).ReadAll()
		if err != nil || len(rows) != 7 {
			t.Fatalf("CSV: %v, %d rows", err, len(rows))
		}
		col := map[string]int{}
		for i, name := range rows[0] {
			col[name] = i
		}
		var watched, revenue int
		for _, r := range rows[1:] {
			w, _ := strconv.Atoi(r[col["watch_seconds"]])
			c, _ := strconv.Atoi(r[col["revenue_cents"]])
			watched, revenue = watched+w, revenue+c
			if email := r[col["email"]]; (email == "r1@example.com" || email == "r2@example.com") && (w < 1 || w > 5) {
				t.Errorf("%s watched %d s, want about 1", email, w)
			}
		}
		if avg := an["average_watch_seconds"].(float64); avg != float64(watched)/4 || revenue != 7500 {
			t.Errorf("average watch %v s, want %d s over 4 attendees; revenue in the export %d", avg, watched, revenue)
		}
	})
}

// sameJSON compares a decoded JSON value with the one expected.
func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

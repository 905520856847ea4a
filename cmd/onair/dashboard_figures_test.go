package main

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/store/storetest"
)

// Each card of the events list carries its event's key figures, as they
// happen: messages through the SMTP server, opens and clicks through the
// links of the received emails, attendance through the watch page and
// heartbeats, revenue through the API.
func TestDashboardEventFigures(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		in := newInbox(t)
		a := startApp(t, dbURL, in.env())
		host, token := dashSignup(t, a)
		show := a.createEvent(token, map[string]any{"title": "Figures Live Show", "max_registrations": 10,
			"scheduled_start": startsIn(2 * time.Hour).Format(time.RFC3339)})["id"].(string)
		euro := a.createEvent(token, map[string]any{"title": "Figures Euro Meetup"})["id"].(string)
		a.createEvent(token, map[string]any{"title": "Figures Quiet Talk"})

		viewers := map[string]string{} // email → watch token
		for _, email := range []string{"ada@example.com", "bea@example.com", "cy@example.com"} {
			viewers[email] = registerViewer(t, a, show, email)
		}
		viewers["dee@example.com"] = registerViewer(t, a, euro, "dee@example.com")
		confirmations := in.srv.WaitFor(4, 15*time.Second)
		if len(confirmations) < 4 {
			t.Fatalf("%d confirmations arrived; want 4", len(confirmations))
		}
		figuresWaitSent(t, a, token, show, 3)
		figuresWaitSent(t, a, token, euro, 1)

		t.Run("an upcoming event: messages, no attendance yet", func(t *testing.T) {
			host := host.in(t)
			card := dashCard(t, host.expect(http.StatusOK, "/dashboard/events"), "Figures Live Show")
			figuresExpect(t, card, map[string]string{
				"Registrations": "3 of 10", "Spots left": "7", "Messages sent": "3", "Opened": "≈0%",
				"Clicked": "0", "Attended": "—", "Peak viewers": "—", "Revenue": "—",
			})
			for label, spoken := range map[string]string{
				"Opened": "about 0% of emails sent", "Attended": "not yet: the event has not started",
				"Revenue": "no purchases",
			} {
				if _, got := figuresOf(t, card, label); got != spoken {
					t.Errorf("%s reads %q to screen readers; want %q", label, got, spoken)
				}
			}
		})

		// Ada opens her confirmation twice and follows its watch button;
		// Bea opens hers once; Cy never does.
		for _, open := range []struct {
			email  string
			opens  int
			clicks bool
		}{{"ada@example.com", 2, true}, {"bea@example.com", 1, false}} {
			pixel, click := figuresTrackingLinks(t, confirmations, open.email)
			for range open.opens {
				if status, _, _ := a.get(pixel); status != http.StatusOK {
					t.Fatalf("pixel of %s: %d", open.email, status)
				}
			}
			if open.clicks {
				if status, _, _ := a.get(click); status != http.StatusFound {
					t.Fatalf("watch button of %s: %d", open.email, status)
				}
			}
		}

		// The show goes live: Ada comes through the watch page, Bea's
		// player only beats; both are there together. They buy $12.50 and
		// $2.50; Dee buys 12.50 EUR at the other event.
		a.expect(http.StatusOK, "POST", "/api/events/"+show+"/start", token, nil)
		ada := newViewerBrowser(t, a)
		// The watch link keeps the token in a cookie for the page.
		if status, _, _ := ada.get("/watch/" + show + "?token=" + url.QueryEscape(viewers["ada@example.com"])); status != http.StatusSeeOther && status != http.StatusOK {
			t.Fatalf("Ada's watch link: %d", status)
		}
		if status, _, _ := ada.get("/watch/" + show); status != http.StatusOK {
			t.Fatalf("Ada's watch page: %d", status)
		}
		if !ada.join(show) {
			t.Fatal("Ada's join does not count her as attended")
		}
		for _, email := range []string{"ada@example.com", "bea@example.com"} {
			a.expect(http.StatusOK, "POST", "/api/watch/"+show+"/heartbeat?token="+url.QueryEscape(viewers[email]), "", map[string]any{})
		}
		for _, p := range []struct {
			event, email, currency string
			cents                  int
		}{
			{show, "ada@example.com", "USD", 1250}, {show, "bea@example.com", "USD", 250},
			{euro, "dee@example.com", "EUR", 1250},
		} {
			a.expect(http.StatusCreated, "POST", "/api/events/"+p.event+"/revenue", token,
				map[string]any{"token": viewers[p.email], "amount_cents": p.cents, "currency": p.currency})
		}

		t.Run("the live event's card shows what happened", func(t *testing.T) {
			host := host.in(t)
			body := host.expect(http.StatusOK, "/dashboard/events")
			card := dashCard(t, body, "Figures Live Show")
			figuresExpect(t, card, map[string]string{
				"Registrations": "3 of 10", "Spots left": "7", "Messages sent": "3", "Opened": "≈67%",
				"Clicked": "1", "Attended": "2 67%", "Peak viewers": "2", "Revenue": "$15.00",
			})
			if _, spoken := figuresOf(t, card, "Attended"); spoken != "2 (67% of registrations)" {
				t.Errorf("Attended reads %q to screen readers", spoken)
			}
			if !strings.Contains(card, `title="2 of 3 emails opened (approximate`) {
				t.Errorf("the open rate does not say what it counts:\n%s", card)
			}
			// The same figures as the event's analytics.
			an := a.expect(http.StatusOK, "GET", "/api/events/"+show+"/analytics", token, nil)["analytics"].(map[string]any)
			for k, v := range map[string]float64{"registrations": 3, "notifications_sent": 3, "notifications_opened": 2,
				"notifications_clicked": 1, "attended": 2, "peak_concurrent_viewers": 2, "revenue_cents": 1500} {
				if an[k] != v {
					t.Errorf("analytics %s = %v; the card says %v", k, an[k], v)
				}
			}

			figuresExpect(t, dashCard(t, body, "Figures Euro Meetup"), map[string]string{
				"Registrations": "1", "Spots left": "No limit", "Messages sent": "1", "Opened": "≈0%",
				"Clicked": "0", "Attended": "—", "Peak viewers": "—", "Revenue": "12.50 EUR",
			})
			figuresExpect(t, dashCard(t, body, "Figures Quiet Talk"), map[string]string{
				"Registrations": "0", "Messages sent": "0", "Opened": "—", "Clicked": "—",
				"Attended": "—", "Peak viewers": "—", "Revenue": "—",
			})
		})

		t.Run("an ended event keeps its figures", func(t *testing.T) {
			host := host.in(t)
			a.expect(http.StatusOK, "POST", "/api/events/"+show+"/end", token, nil)
			card := dashCard(t, host.expect(http.StatusOK, "/dashboard/events?status=completed"), "Figures Live Show")
			figuresExpect(t, card, map[string]string{"Attended": "2 67%", "Peak viewers": "2", "Revenue": "$15.00"})
		})
	})
}

// figuresWaitSent waits until the event's messages sent reach n: the mail
// server has a message a moment before onair records it as sent.
func figuresWaitSent(t *testing.T, a *app, token, id string, n int) {
	t.Helper()
	waitFor(t, 15*time.Second, fmt.Sprintf("%d messages of %s recorded as sent", n, id), func() (bool, string) {
		an := a.expect(http.StatusOK, "GET", "/api/events/"+id+"/analytics", token, nil)["analytics"].(map[string]any)
		return an["notifications_sent"] == float64(n), fmt.Sprint(an["notifications_sent"])
	})
}

// figuresTrackingLinks are the open pixel and the tracked watch button of
// the confirmation that email received.
func figuresTrackingLinks(t *testing.T, msgs []notifytest.ReceivedMessage, email string) (pixel, click string) {
	t.Helper()
	for _, m := range msgs {
		if !slices.Contains(m.To, email) || !strings.HasPrefix(m.Subject(), "You're registered") {
			continue
		}
		part, ok := m.PartOf("text/html")
		if !ok {
			t.Fatalf("the confirmation to %s has no HTML part", email)
		}
		pm, wm := pixelRE.FindStringSubmatch(string(part.Body)), watchLinkRE.FindStringSubmatch(string(part.Body))
		if pm == nil || wm == nil {
			t.Fatalf("no pixel or no watch button in the confirmation to %s", email)
		}
		return html.UnescapeString(pm[1]), html.UnescapeString(wm[1])
	}
	t.Fatalf("no confirmation to %s among %d messages", email, len(msgs))
	return "", ""
}

var (
	figureSpokenRE = regexp.MustCompile(`(?s)<span class="dash-sr">(.*?)</span>`)
	figureTagRE    = regexp.MustCompile(`(?s)<[^>]*>`)
)

// figuresOf reads the figure labelled label on a card: its visible text,
// and what a screen reader says (the same text unless the card gives words
// of their own).
func figuresOf(t *testing.T, card, label string) (shown, spoken string) {
	t.Helper()
	m := regexp.MustCompile(`(?s)<dt>` + regexp.QuoteMeta(label) + `</dt><dd[^>]*>(.*?)</dd>`).FindStringSubmatch(card)
	if m == nil {
		t.Fatalf("the card has no figure %q:\n%s", label, card)
	}
	plain := func(s string) string {
		return strings.Join(strings.Fields(html.UnescapeString(figureTagRE.ReplaceAllString(s, ""))), " ")
	}
	shown = plain(figureSpokenRE.ReplaceAllString(m[1], ""))
	spoken = shown
	if sr := figureSpokenRE.FindStringSubmatch(m[1]); sr != nil {
		spoken = plain(sr[1])
	}
	return shown, spoken
}

// figuresExpect checks the shown figures of a card.
func figuresExpect(t *testing.T, card string, want map[string]string) {
	t.Helper()
	for label, w := range want {
		if got, _ := figuresOf(t, card, label); got != w {
			t.Errorf("%s shows %q; want %q", label, got, w)
		}
	}
}

package main

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/store/storetest"
)

// timelineEntryRE reads one entry of the timeline page: its time, its title
// and the badge of a message's status.
var timelineEntryRE = regexp.MustCompile(`<li class="timeline-entry[^"]*">\s*<time class="timeline-when" datetime="([^"]+)">[^<]*</time>\s*` +
	`<div class="timeline-what">\s*<p class="timeline-title">([^<]*?)(?: <span class="badge ([a-z_]+)">[^<]*</span>)?</p>`)

// A registrant's timeline on the dashboard: the confirmation through the
// test SMTP server, its open and click, the join, the heartbeats, the
// engagement and the purchase, each in order with its figures; a failed
// confirmation with its reason; 404 pages for everything that is not this
// host's registrant of this event.
func TestDashboardRegistrantTimeline(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		in := newInbox(t)
		in.srv.FailRecipient("bounce@example.com", 550)
		a := startApp(t, dbURL, in.env())
		host, token := dashSignup(t, a)
		other, _ := dashSignup(t, a)
		const zone = "America/New_York"
		id := a.createEvent(token, map[string]any{
			"title": "Timeline Launch", "timezone": zone, "selected_intervals": []string{"1hour"},
			"scheduled_start": startsIn(3 * time.Hour).Format(time.RFC3339),
		})["id"].(string)
		register := func(fields map[string]string) (regID, watchToken string) {
			out := a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", fields)
			u, err := url.Parse(out["watch_url"].(string))
			if err != nil {
				t.Fatal(err)
			}
			return out["registration"].(map[string]any)["id"].(string), u.Query().Get("token")
		}
		ada, viewer := register(map[string]string{"email": "ada@example.com", "first_name": "Ada",
			"last_name": "Lovelace", "source": "newsletter"})
		bounced, _ := register(map[string]string{"email": "bounce@example.com", "first_name": "<script>alert(1)</script>"})

		// Ada's confirmation is received and recorded as sent (an open
		// fetched in between would come before it); the bounce's failed.
		msg := waitForMessage(t, in, "ada@example.com")
		waitFor(t, 15*time.Second, "the confirmations to settle", func() (bool, string) {
			n := a.notifications(token, id)["confirmation/email"]
			return n["sent_count"] == 1.0 && n["failed_count"] == 1.0, fmt.Sprint(n)
		})

		// Ada opens her confirmation twice and follows its watch link.
		part, ok := msg.PartOf("text/html")
		if !ok {
			t.Fatal("the confirmation has no HTML part")
		}
		pm, wm := pixelRE.FindStringSubmatch(string(part.Body)), watchLinkRE.FindStringSubmatch(string(part.Body))
		if pm == nil || wm == nil {
			t.Fatalf("no open pixel or watch link in the confirmation:\n%s", part.Body)
		}
		for range 2 {
			if status, _, _ := a.get(html.UnescapeString(pm[1])); status != http.StatusOK {
				t.Fatalf("open pixel: %d", status)
			}
		}
		if status, _, _ := a.get(html.UnescapeString(wm[1])); status != http.StatusFound {
			t.Fatalf("tracked watch link: %d", status)
		}

		// The event goes live; Ada joins, stays a moment, chats twice,
		// reacts, and buys.
		a.expect(http.StatusOK, "POST", "/api/events/"+id+"/start", token, nil)
		b := newViewerBrowser(t, a)
		// The watch link sets the page's cookie (with a redirect to the page,
		// or with the page itself).
		if status, _, _ := b.get("/watch/" + id + "?token=" + url.QueryEscape(viewer)); status != http.StatusSeeOther && status != http.StatusOK {
			t.Fatalf("watch link: %d", status)
		}
		if status, _, _ := b.get("/watch/" + id); status != http.StatusOK {
			t.Fatalf("watch page: %d", status)
		}
		if !b.join(id) {
			t.Fatal("the page's join does not count Ada as attended")
		}
		heartbeat := "/api/watch/" + id + "/heartbeat?token=" + url.QueryEscape(viewer)
		a.advance(1100 * time.Millisecond) // watch time is counted in whole seconds
		a.expect(http.StatusOK, "POST", heartbeat, "", map[string]any{})
		for _, action := range []string{"chat", "chat", "reaction"} {
			a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/engagement", "", map[string]any{"token": viewer, "action": action})
		}
		a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/revenue", token,
			map[string]any{"token": viewer, "amount_cents": 4900, "currency": "EUR"})

		st := storetest.Open(t, dbURL)
		tl, err := st.RegistrantTimeline(context.Background(), id, ada)
		if err != nil {
			t.Fatal(err)
		}
		if tl.WatchSeconds < 1 || tl.WatchSeconds >= 60 || len(tl.Sessions) != 1 {
			t.Fatalf("watch time %d s in %d sessions; want a few seconds in one", tl.WatchSeconds, len(tl.Sessions))
		}
		watched := fmt.Sprintf("%d s", tl.WatchSeconds)
		path := "/dashboard/events/" + id + "/registrants/" + ada

		t.Run("the event page links each registrant to the timeline", func(t *testing.T) {
			body := host.in(t).expect(http.StatusOK, "/dashboard/events/"+id)
			for _, want := range []string{
				`<a href="` + path + `">Ada Lovelace</a>`,
				`<a href="/dashboard/events/` + id + `/registrants/` + bounced + `">&lt;script&gt;alert(1)&lt;/script&gt; </a>`,
			} {
				if !strings.Contains(body, want) {
					t.Errorf("the registrants table lacks %s", want)
				}
			}
		})

		t.Run("each step in order, with its figures", func(t *testing.T) {
			body := host.in(t).expect(http.StatusOK, path)
			var titles []string
			for _, m := range timelineEntryRE.FindAllStringSubmatch(body, -1) {
				title := html.UnescapeString(m[2])
				if m[3] != "" {
					title += " [" + m[3] + "]"
				}
				titles = append(titles, title)
			}
			want := []string{
				"Registered",
				"Confirmation by email [sent]",
				"Opened: Confirmation by email",
				"Clicked a link: Confirmation by email",
				"Joined the event",
				"Watched " + watched,
				"Engagement: chat",
				"Engagement: reaction",
				"Purchase: 49.00 EUR",
			}
			if !slices.Equal(titles, want) {
				t.Errorf("timeline\n got %q\nwant %q", titles, want)
			}
			if n := strings.Count(body, `<li class="timeline-entry`); n != len(want) {
				t.Errorf("%d entries; %d read", n, len(want))
			}
			registered := tl.Registration.CreatedAt
			for _, w := range []string{
				"<h1>Ada Lovelace</h1>",
				`<a href="/dashboard/events/` + id + `#registrants">← Timeline Launch</a>`,
				`<ol class="timeline" aria-labelledby="timeline-heading">`,
				`<time class="timeline-when" datetime="` + registered.UTC().Format(time.RFC3339) + `">` +
					html.EscapeString(notify.FormatTime(registered, zone)) + `</time>`,
				"Source: newsletter",
				"2 opens in all",
				"1 click in all",
				"2 times, the last ",
				"<dt>Watched in all</dt><dd>" + watched + "</dd>",
				"<dt>Spent</dt><dd>49.00 EUR</dd>",
				"<dt>Attended</dt><dd>Yes</dd>",
				"times in the event's time zone (America/New_York)",
			} {
				if !strings.Contains(body, w) {
					t.Errorf("the timeline lacks %q", w)
				}
			}
		})

		t.Run("a failed delivery shows its reason, and names are escaped", func(t *testing.T) {
			body := host.in(t).expect(http.StatusOK, "/dashboard/events/"+id+"/registrants/"+bounced)
			m := timelineEntryRE.FindAllStringSubmatch(body, -1)
			if len(m) != 2 || m[1][2] != "Confirmation by email" || m[1][3] != "failed" {
				t.Fatalf("entries %q; want the registration and the failed confirmation", m)
			}
			if !regexp.MustCompile(`<p class="dash-note">Reason: [^<]*550[^<]*</p>`).MatchString(body) {
				t.Errorf("the failed confirmation does not show the server's 550:\n%s", body)
			}
			if strings.Contains(body, "<script>alert(1)") || !strings.Contains(body, "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>") {
				t.Error("the registrant's name is not escaped")
			}
		})

		t.Run("anything but this host's registrant of this event is a 404 page", func(t *testing.T) {
			host, other, a := host.in(t), other.in(t), dashApp(a, t)
			otherEvent := a.createEvent(token, nil)["id"].(string)
			stranger := a.expect(http.StatusCreated, "POST", "/api/events/"+otherEvent+"/register", "",
				map[string]string{"email": "stranger@example.com"})["registration"].(map[string]any)["id"].(string)
			for name, c := range map[string]struct {
				b    *dashBrowser
				path string
			}{
				"another host":                      {other, path},
				"an unknown registrant":             {host, "/dashboard/events/" + id + "/registrants/00000000-0000-0000-0000-000000000000"},
				"a registrant id that is no id":     {host, "/dashboard/events/" + id + "/registrants/not-an-id"},
				"a registrant of another event":     {host, "/dashboard/events/" + id + "/registrants/" + stranger},
				"the right registrant, wrong event": {host, "/dashboard/events/" + otherEvent + "/registrants/" + ada},
				"an unknown event":                  {host, "/dashboard/events/00000000-0000-0000-0000-000000000000/registrants/" + ada},
				"a percent-encoded oddity":          {host, "/dashboard/events/" + id + "/registrants/%00%27"},
			} {
				status, body, header := c.b.get(c.path)
				if status != http.StatusNotFound || !strings.HasPrefix(header.Get("Content-Type"), "text/html") {
					t.Errorf("%s: %d %q, want a 404 page", name, status, header.Get("Content-Type"))
				}
				if strings.Contains(body, "Ada Lovelace") {
					t.Errorf("%s: the page shows the registrant", name)
				}
			}
			status, _, header := dashNewBrowser(t, a).get(path)
			if status != http.StatusSeeOther || header.Get("Location") != "/login?next="+url.QueryEscape(path) {
				t.Errorf("without a session: %d to %q", status, header.Get("Location"))
			}
		})
	})
}

// waitForMessage waits for the first message to address and returns it.
func waitForMessage(t *testing.T, in *inbox, address string) notifytest.ReceivedMessage {
	t.Helper()
	var msg notifytest.ReceivedMessage
	waitFor(t, 15*time.Second, "a message to "+address, func() (bool, string) {
		for _, m := range in.srv.Messages() {
			if slices.Contains(m.To, address) {
				msg = m
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d messages to others", in.srv.Count())
	})
	return msg
}

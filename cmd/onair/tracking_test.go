package main

import (
	"context"
	"encoding/base64"
	"html"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/store/storetest"
)

// noRedirect is a client that shows a redirect instead of following it.
var noRedirect = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// get fetches a link of an email (APP_URL-based) from the app itself.
func (a *app) get(link string) (int, http.Header, []byte) {
	a.t.Helper()
	if !strings.HasPrefix(link, testAppURL+"/") {
		a.t.Fatalf("link %q is not under APP_URL", link)
	}
	resp, err := noRedirect.Get(a.URL + strings.TrimPrefix(link, testAppURL))
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 500 {
		a.t.Errorf("GET %s: %d", link, resp.StatusCode)
	}
	return resp.StatusCode, resp.Header, body
}

var (
	pixelRE     = regexp.MustCompile(`<img src="([^"]*/open\?d=[^"]*)"`)
	watchLinkRE = regexp.MustCompile(`<a href="([^"]*)"[^>]*>Join the event</a>`)
	trackPathRE = regexp.MustCompile(`^` + regexp.QuoteMeta(testAppURL) + `/api/track/notification/([^/]+)/(open|click)\?d=([0-9]+)\.`)
)

func TestTrackingOpensAndClicks(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		in := newInbox(t)
		a := startApp(t, dbURL, in.env())
		token := a.signup()
		eventID := a.createEvent(token, nil)["id"].(string)
		a.expect(http.StatusCreated, "POST", "/api/events/"+eventID+"/register", "", map[string]string{"email": "tracked@example.com"})

		// The confirmation, as the mail server received it.
		var msg notifytest.ReceivedMessage
		waitFor(t, 15*time.Second, "the confirmation", func() (bool, string) {
			for _, m := range in.srv.Messages() {
				if strings.HasPrefix(m.Subject(), "You're registered") {
					msg = m
				}
			}
			return msg.Data != nil, "none arrived"
		})
		htmlPart, ok := msg.PartOf("text/html")
		textPart, ok2 := msg.PartOf("text/plain")
		if !ok || !ok2 {
			t.Fatal("the email lacks an HTML or a text part")
		}
		body := string(htmlPart.Body)
		pm, wm := pixelRE.FindStringSubmatch(body), watchLinkRE.FindStringSubmatch(body)
		if pm == nil || wm == nil {
			t.Fatalf("no pixel or no watch button in the HTML part:\n%s", body)
		}
		pixel, click := html.UnescapeString(pm[1]), html.UnescapeString(wm[1])
		cm, om := trackPathRE.FindStringSubmatch(click), trackPathRE.FindStringSubmatch(pixel)
		if cm == nil || om == nil || cm[2] != "click" || om[2] != "open" || cm[1] != om[1] || cm[3] != om[3] {
			t.Fatalf("pixel %q and watch link %q are not this delivery's tracking links", pixel, click)
		}
		notificationID := cm[1]
		deliveryID, _ := strconv.ParseInt(cm[3], 10, 64)
		watchURL := testAppURL + "/watch/" + eventID + "?token="
		if !strings.Contains(string(textPart.Body), watchURL) || strings.Contains(string(textPart.Body), "/api/track/") {
			t.Error("the text part does not keep the plain watch link")
		}
		unsub := strings.Trim(msg.DecodedHeader("List-Unsubscribe"), "<>")
		if !strings.HasPrefix(unsub, testAppURL+"/u/") || !strings.Contains(body, `href="`+unsub+`"`) {
			t.Error("the unsubscribe link of the HTML part is not the plain one of List-Unsubscribe")
		}

		st := storetest.Open(t, dbURL)
		stats := func() (opens, clicks int, opened, clicked bool) {
			t.Helper()
			s, err := st.DeliveryStats(context.Background(), deliveryID)
			if err != nil {
				t.Fatal(err)
			}
			return s.OpenCount, s.ClickCount, s.OpenedAt != nil, s.ClickedAt != nil
		}
		if o, c, _, _ := stats(); o != 0 || c != 0 {
			t.Fatalf("before any fetch: %d opens, %d clicks", o, c)
		}

		// Opens: the GIF every time, counted only for a valid d.
		for range 2 {
			status, h, gif := a.get(pixel)
			if status != http.StatusOK || h.Get("Content-Type") != "image/gif" || !strings.Contains(h.Get("Cache-Control"), "no-store") || !strings.HasPrefix(string(gif), "GIF89a") {
				t.Fatalf("pixel: %d %q %q %q", status, h.Get("Content-Type"), h.Get("Cache-Control"), gif)
			}
		}
		for _, bad := range []string{pixel[:len(pixel)-1] + flip(pixel), pixel + "x", strings.Replace(pixel, "?d=", "?x=", 1)} {
			if status, h, _ := a.get(bad); status != http.StatusOK || h.Get("Content-Type") != "image/gif" {
				t.Errorf("pixel with a bad d: %d %q", status, h.Get("Content-Type"))
			}
		}
		if o, c, opened, _ := stats(); o != 2 || c != 0 || !opened {
			t.Errorf("after two opens: %d opens (opened %v), %d clicks", o, opened, c)
		}

		// A click: a redirect to the watch link, counted.
		status, h, _ := a.get(click)
		if status != http.StatusFound || !strings.HasPrefix(h.Get("Location"), watchURL) {
			t.Fatalf("click: %d to %q, want 302 to %s…", status, h.Get("Location"), watchURL)
		}

		// Never a redirect elsewhere: a tampered d, a foreign target, a d
		// replayed on another notification.
		base, d, _ := strings.Cut(click, "?d=")
		parts := strings.Split(d, ".")
		others := a.notifications(token, eventID)
		var otherID string
		for _, n := range others {
			if id := n["id"].(string); id != notificationID {
				otherID = id
				break
			}
		}
		if otherID == "" {
			t.Fatal("the event has only one notification")
		}
		bad := map[string]string{
			"tampered d":       base + "?d=" + d[:len(d)-1] + flip(d),
			"foreign target":   base + "?d=" + parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte("https://evil.example/")) + "." + parts[2],
			"another delivery": base + "?d=" + strconv.FormatInt(deliveryID+1, 10) + "." + parts[1] + "." + parts[2],
			"replayed on another notification": strings.Replace(base, "/notification/"+notificationID+"/",
				"/notification/"+otherID+"/", 1) + "?d=" + d,
			"no d": base,
		}
		for name, link := range bad {
			status, h, page := a.get(link)
			if status != http.StatusBadRequest || h.Get("Location") != "" || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
				t.Errorf("%s: %d, Location %q, %q, want a 400 page and no redirect:\n%s", name, status, h.Get("Location"), h.Get("Content-Type"), page)
			}
		}
		if o, c, _, clicked := stats(); o != 2 || c != 1 || !clicked {
			t.Errorf("after one click and five bad ones: %d opens, %d clicks (clicked %v)", o, c, clicked)
		}
	})
}

// flip is a different last character for s.
func flip(s string) string {
	if strings.HasSuffix(s, "A") {
		return "B"
	}
	return "A"
}

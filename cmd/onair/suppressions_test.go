package main

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/store/storetest"
)

func TestUnsubscribeFromHost(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		in := newInbox(t)
		a := startApp(t, dbURL, in.env())
		hostA, hostB := a.signup(), a.signup()
		first := a.createEvent(hostA, map[string]any{"title": "First of A"})["id"].(string)
		register := func(event, email string) {
			t.Helper()
			a.expect(http.StatusCreated, "POST", "/api/events/"+event+"/register", "",
				map[string]string{"email": email, "phone": "+1 415 555 0100"})
		}
		register(first, "viewer@example.com")
		msg := waitForMessage(t, in, "viewer@example.com")
		link := strings.Trim(msg.DecodedHeader("List-Unsubscribe"), "<>")
		path := strings.TrimPrefix(link, testAppURL)

		status, page, _ := a.raw("GET", path, "", nil)
		if status != http.StatusOK || !strings.Contains(string(page), `name="scope" value="host"`) {
			t.Fatalf("the unsubscribe page offers no host-wide choice: %d\n%s", status, page)
		}
		form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
		status, page, _ = a.rawRequest("POST", path, form, url.Values{"scope": {"host"}}.Encode())
		if status != http.StatusOK || !strings.Contains(string(page), "no more messages from this host") {
			t.Fatalf("scope=host: %d\n%s", status, page)
		}

		list := a.expect(http.StatusOK, "GET", "/api/suppressions", hostA, nil)
		if list["total"] != 2.0 {
			t.Fatalf("suppressions: %v; want the address and the phone", list)
		}
		byChannel := map[string]map[string]any{}
		for _, x := range list["suppressions"].([]any) {
			sp := x.(map[string]any)
			byChannel[sp["channel"].(string)] = sp
			if sp["reason"] != "unsubscribed" || sp["id"] == "" || sp["created_at"] == "" {
				t.Errorf("suppression %v", sp)
			}
		}
		if byChannel["email"]["address"] != "viewer@example.com" || byChannel["sms"]["address"] != "+14155550100" {
			t.Errorf("suppressions by channel: %v", byChannel)
		}
		if sms := a.expect(http.StatusOK, "GET", "/api/suppressions?channel=sms&q=555", hostA, nil); sms["total"] != 1.0 {
			t.Errorf("channel and q: %v", sms)
		}
		if none := a.expect(http.StatusOK, "GET", "/api/suppressions", hostB, nil); none["total"] != 0.0 {
			t.Errorf("the other host's list: %v", none)
		}

		// Every event of A, and a later one, sends nothing; B's still do.
		later := a.createEvent(hostA, map[string]any{"title": "Later of A"})["id"].(string)
		register(later, "viewer@example.com")
		ofB := a.createEvent(hostB, map[string]any{"title": "Of B"})["id"].(string)
		register(ofB, "viewer@example.com")
		got := in.wait(2, 20*time.Second)
		faultWaitQueueIdle(t, dbURL)
		got = in.simplify(in.srv.Messages())
		if len(got) != 2 || !strings.Contains(got[1].Subject, "Of B") {
			t.Errorf("messages after the host-wide unsubscribe:\n%s", summarize(got))
		}
		ns := a.notifications(hostA, later)
		if n := ns["confirmation/email"]; n["skipped_count"] != 1.0 {
			t.Errorf("the later event's confirmation: %v; want it skipped", n)
		}

		t.Run("another host cannot lift it", func(t *testing.T) {
			id := byChannel["email"]["id"].(string)
			if status, _ := a.do("DELETE", "/api/suppressions/"+id, hostB, nil); status != http.StatusNotFound {
				t.Errorf("status %d", status)
			}
			if status, _ := a.do("DELETE", "/api/suppressions/nope", hostA, nil); status != http.StatusNotFound {
				t.Errorf("a malformed id: %d", status)
			}
		})
		t.Run("lifted, messages go again", func(t *testing.T) {
			id := byChannel["email"]["id"].(string)
			if status, body, _ := a.raw("DELETE", "/api/suppressions/"+id, hostA, nil); status != http.StatusNoContent {
				t.Fatalf("lift: %d %s", status, body)
			}
			again := a.createEvent(hostA, map[string]any{"title": "Again of A"})["id"].(string)
			register(again, "viewer@example.com")
			got := in.wait(3, 20*time.Second)
			if !strings.Contains(got[2].Subject, "Again of A") {
				t.Errorf("after the lift:\n%s", summarize(got))
			}
		})
		t.Run("the one-click POST keeps its meaning: this event only", func(t *testing.T) {
			status, _, _ := a.rawRequest("POST", path, form, "List-Unsubscribe=One-Click")
			if status != http.StatusOK {
				t.Fatalf("one-click: %d", status)
			}
			if list := a.expect(http.StatusOK, "GET", "/api/suppressions?channel=email", hostA, nil); list["total"] != 0.0 {
				t.Errorf("the one-click POST suppressed the address host-wide: %v", list)
			}
		})
	})
}

func TestSuppressionsPage(t *testing.T) {
	t.Parallel()
	a := startApp(t, storetest.URL(t, "sqlite"), nil)
	b, token := dashSignup(t, a)
	id := a.createEvent(token, nil)["id"].(string)
	registerViewer(t, a, id, "gone@example.com")
	// The outbox keeps the confirmation with its unsubscribe link.
	var path string
	waitFor(t, 15*time.Second, "the confirmation in the outbox", func() (bool, string) {
		out := a.expect(http.StatusOK, "GET", "/api/outbox?event_id="+id, token, nil)
		for _, x := range out["messages"].([]any) {
			text, _ := x.(map[string]any)["text"].(string)
			if i := strings.Index(text, testAppURL+"/u/"); i >= 0 {
				path = strings.Fields(text[i+len(testAppURL):])[0]
				return true, ""
			}
		}
		return false, fmt.Sprint(out)
	})
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	if status, _, _ := a.rawRequest("POST", path, form, "scope=host"); status != http.StatusOK {
		t.Fatalf("scope=host: %d", status)
	}
	body := b.expect(http.StatusOK, "/dashboard/suppressions")
	if !strings.Contains(body, "gone@example.com") || !strings.Contains(body, "Unsubscribed from everything") {
		t.Fatalf("the page does not list the address:\n%s", body)
	}
	m := regexp.MustCompile(`action="(/dashboard/suppressions/[0-9a-f-]+/lift)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no lift button")
	}
	if status, _, _ := b.post(m[1], url.Values{}, false); status != http.StatusForbidden {
		t.Errorf("a lift without the CSRF token: %d", status)
	}
	b.expectRedirect(m[1], url.Values{}, "/dashboard/suppressions?lifted=1")
	if body := b.expect(http.StatusOK, "/dashboard/suppressions?lifted=1"); strings.Contains(body, "gone@example.com") || !strings.Contains(body, "Lifted") {
		t.Errorf("after the lift:\n%s", body)
	}
}

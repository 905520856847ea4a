package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/store/storetest"
)

func TestRegistration(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		token := a.signup()
		ev := a.createEvent(token, map[string]any{"max_registrations": 3, "timezone": "Europe/Berlin", "description": "About it"})
		id := ev["id"].(string)

		t.Run("availability of an open event", func(t *testing.T) {
			out := a.expect(http.StatusOK, "GET", "/api/events/"+id+"/register", "", nil)
			pub := out["event"].(map[string]any)
			if out["registration_open"] != true || out["reason"] != nil || out["spots_left"] != 3.0 ||
				pub["title"] != ev["title"] || pub["timezone"] != "Europe/Berlin" || pub["scheduled_start"] != ev["scheduled_start"] {
				t.Errorf("got %v", out)
			}
			// What the page shows anyone, and no more: with the cover and
			// the questions, which a page of the host's own needs to ask.
			if _, leaks := pub["registration_count"]; leaks || len(pub) != 8 || pub["cover_image_url"] != "" ||
				len(pub["registration_fields"].([]any)) != 0 {
				t.Errorf("the public event shows more than it should: %v", pub)
			}
		})
		var first map[string]any
		t.Run("register returns the registration and its watch link", func(t *testing.T) {
			first = a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", map[string]string{
				"first_name": "  Ada ", "last_name": "Lovelace", "email": "Ada@Example.com", "phone": "+44 20 7946 0958",
				"company": "Analytical", "timezone": "Asia/Kathmandu", "source": "social",
			})
			reg := first["registration"].(map[string]any)
			watch := first["watch_url"].(string)
			prefix := testAppURL + "/watch/" + id + "?token="
			if reg["status"] != "registered" || reg["id"] == "" || !strings.HasPrefix(watch, prefix) || len(watch)-len(prefix) < 22 {
				t.Errorf("got %v", first)
			}
		})
		t.Run("the host sees the registration normalised", func(t *testing.T) {
			out := a.expect(http.StatusOK, "GET", "/api/events/"+id+"/registrations", token, nil)
			regs := out["registrations"].([]any)
			if out["total"] != 1.0 || len(regs) != 1 {
				t.Fatalf("got %v", out)
			}
			r := regs[0].(map[string]any)
			want := map[string]any{"first_name": "Ada", "last_name": "Lovelace", "email": "Ada@Example.com",
				"phone": "+442079460958", "company": "Analytical", "timezone": "Asia/Kathmandu", "source": "social",
				"status": "registered", "attended": false, "event_id": id}
			for k, v := range want {
				if r[k] != v {
					t.Errorf("%s = %v, want %v", k, r[k], v)
				}
			}
			evNow := a.expect(http.StatusOK, "GET", "/api/events/"+id, token, nil)["event"].(map[string]any)
			if evNow["registration_count"] != 1.0 || evNow["spots_left"] != 2.0 {
				t.Errorf("counts: %v / %v", evNow["registration_count"], evNow["spots_left"])
			}
		})
		t.Run("a second registration reveals nothing of the first", func(t *testing.T) {
			status, raw, _ := a.raw("POST", "/api/events/"+id+"/register", "", map[string]string{"email": "ada@EXAMPLE.com"})
			if status != http.StatusConflict || !strings.Contains(string(raw), "already_registered") {
				t.Fatalf("got %d %s", status, raw)
			}
			reg := first["registration"].(map[string]any)
			token := strings.SplitN(first["watch_url"].(string), "token=", 2)[1]
			for _, secret := range []string{reg["id"].(string), token, "Ada", "Lovelace"} {
				if strings.Contains(string(raw), secret) {
					t.Errorf("the 409 reveals %q: %s", secret, raw)
				}
			}
		})
		t.Run("the registrations list exports as CSV", func(t *testing.T) {
			a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", map[string]string{
				"email": "eve@example.com", "first_name": "=HYPERLINK(\"http://evil\")"})
			status, raw, header := a.raw("GET", "/api/events/"+id+"/registrations?format=csv", token, nil)
			lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
			if status != http.StatusOK || !strings.HasPrefix(header.Get("Content-Type"), "text/csv") || len(lines) != 3 {
				t.Fatalf("got %d %q %s", status, header.Get("Content-Type"), raw)
			}
			if !strings.Contains(lines[2], `'=HYPERLINK`) {
				t.Errorf("a formula is exported as one: %s", lines[2])
			}
		})
		t.Run("validation", func(t *testing.T) {
			cases := []struct {
				body  map[string]string
				field string
			}{
				{map[string]string{}, "email"},
				{map[string]string{"email": "nope"}, "email"},
				{map[string]string{"email": "a@example.com\r\nBcc: b@example.com"}, "email"},
				{map[string]string{"email": "a@example.com", "first_name": "Ada\nBcc: x"}, "first_name"},
				{map[string]string{"email": "a@example.com", "first_name": strings.Repeat("a", 101)}, "first_name"},
				{map[string]string{"email": "a@example.com", "phone": "12"}, "phone"},
				{map[string]string{"email": "a@example.com", "phone": "call me"}, "phone"},
				{map[string]string{"email": "a@example.com", "timezone": "Not/AZone"}, "timezone"},
				{map[string]string{"email": "a@example.com", "source": strings.Repeat("s", 65)}, "source"},
			}
			for _, tc := range cases {
				out := a.expect(http.StatusUnprocessableEntity, "POST", "/api/events/"+id+"/register", "", tc.body)
				if errField(out, tc.field) == "" {
					t.Errorf("%v: want a problem with %s, got %v", tc.body, tc.field, out)
				}
			}
		})
		t.Run("full", func(t *testing.T) {
			a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", map[string]string{"email": "c@example.com"})
			out := a.expect(http.StatusConflict, "POST", "/api/events/"+id+"/register", "", map[string]string{"email": "d@example.com"})
			if errCode(out) != "event_full" {
				t.Errorf("got %v", out)
			}
			info := a.expect(http.StatusOK, "GET", "/api/events/"+id+"/register", "", nil)
			if info["registration_open"] != false || info["reason"] != "full" || info["spots_left"] != 0.0 {
				t.Errorf("got %v", info)
			}
		})

		closed := []struct {
			name   string
			setup  func(id string)
			status int
			reason string
		}{
			{"cancelled", func(id string) { a.expect(http.StatusOK, "POST", "/api/events/"+id+"/cancel", token, nil) }, http.StatusGone, "cancelled"},
			{"ended", func(id string) { a.expect(http.StatusOK, "POST", "/api/events/"+id+"/end", token, nil) }, http.StatusGone, "past"},
			{"registration disabled", func(id string) {
				a.expect(http.StatusOK, "PATCH", "/api/events/"+id, token, map[string]any{"registration_enabled": false})
			}, http.StatusForbidden, "closed"},
		}
		for _, tc := range closed {
			t.Run(tc.name, func(t *testing.T) {
				id := a.createEvent(token, nil)["id"].(string)
				tc.setup(id)
				a.expect(tc.status, "POST", "/api/events/"+id+"/register", "", map[string]string{"email": "late@example.com"})
				info := a.expect(http.StatusOK, "GET", "/api/events/"+id+"/register", "", nil)
				if info["registration_open"] != false || info["reason"] != tc.reason {
					t.Errorf("got %v", info)
				}
			})
		}
		t.Run("live or past its start: late joiners register until the scheduled end", func(t *testing.T) {
			live := a.createEvent(token, nil)["id"].(string)
			a.expect(http.StatusOK, "POST", "/api/events/"+live+"/start", token, nil)
			out := a.expect(http.StatusCreated, "POST", "/api/events/"+live+"/register", "", map[string]string{"email": "late@example.com"})
			if out["watch_url"] == nil {
				t.Errorf("a late joiner got no watch link: %v", out)
			}
			if info := a.expect(http.StatusOK, "GET", "/api/events/"+live+"/register", "", nil); info["registration_open"] != true {
				t.Errorf("a live event: %v", info)
			}
			start := a.now().Add(1500 * time.Millisecond)
			id := a.createEvent(token, map[string]any{"scheduled_start": start.UTC().Format(time.RFC3339Nano),
				"duration_minutes": 30})["id"].(string)
			a.advanceTo(start.Add(time.Minute))
			a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", map[string]string{"email": "late@example.com"})
			a.advanceTo(start.Add(30*time.Minute + 100*time.Millisecond))
			a.expect(http.StatusGone, "POST", "/api/events/"+id+"/register", "", map[string]string{"email": "later@example.com"})
			if info := a.expect(http.StatusOK, "GET", "/api/events/"+id+"/register", "", nil); info["reason"] != "past" {
				t.Errorf("got %v", info)
			}
		})
		t.Run("an unknown event", func(t *testing.T) {
			a.expect(http.StatusNotFound, "GET", "/api/events/no-such-event/register", "", nil)
			a.expect(http.StatusNotFound, "POST", "/api/events/no-such-event/register", "", map[string]string{"email": "a@example.com"})
		})
	})
}

// TestCapacityUnderConcurrency: 1,000 concurrent registrations for 100 spots
// give exactly 100 registrations.
func TestCapacityUnderConcurrency(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		token := a.signup()
		id := a.createEvent(token, map[string]any{"max_registrations": 100})["id"].(string)

		var created, full, other atomic.Int32
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for i := range 1000 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-gate
				status, out := a.do("POST", "/api/events/"+id+"/register", "", map[string]string{"email": fmt.Sprintf("viewer%d@example.com", i)})
				switch {
				case status == http.StatusCreated:
					created.Add(1)
				case status == http.StatusConflict && errCode(out) == "event_full":
					full.Add(1)
				default:
					other.Add(1)
					t.Errorf("status %d: %v", status, out)
				}
			}()
		}
		close(gate)
		wg.Wait()
		if created.Load() != 100 || full.Load() != 900 || other.Load() != 0 {
			t.Errorf("created %d, full %d, other %d; want 100, 900, 0", created.Load(), full.Load(), other.Load())
		}
		ev := a.expect(http.StatusOK, "GET", "/api/events/"+id, token, nil)["event"].(map[string]any)
		regs := a.expect(http.StatusOK, "GET", "/api/events/"+id+"/registrations?limit=1000", token, nil)
		if ev["registration_count"] != 100.0 || ev["spots_left"] != 0.0 || regs["total"] != 100.0 || len(regs["registrations"].([]any)) != 100 {
			t.Errorf("count %v, spots_left %v, listed %v", ev["registration_count"], ev["spots_left"], regs["total"])
		}
	})
}

// TestDuplicatesUnderConcurrency: the same email, in different cases, sent
// 50 times at once, registers once.
func TestDuplicatesUnderConcurrency(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		token := a.signup()
		id := a.createEvent(token, nil)["id"].(string)

		var created, dup atomic.Int32
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-gate
				email := "Same.Viewer@Example.com"
				if i%2 == 1 {
					email = strings.ToLower(email)
				}
				status, out := a.do("POST", "/api/events/"+id+"/register", "", map[string]string{"email": email})
				switch {
				case status == http.StatusCreated:
					created.Add(1)
				case status == http.StatusConflict && errCode(out) == "already_registered":
					dup.Add(1)
				default:
					t.Errorf("status %d: %v", status, out)
				}
			}()
		}
		close(gate)
		wg.Wait()
		if created.Load() != 1 || dup.Load() != 49 {
			t.Errorf("created %d, duplicates %d; want 1, 49", created.Load(), dup.Load())
		}
		ev := a.expect(http.StatusOK, "GET", "/api/events/"+id, token, nil)["event"].(map[string]any)
		if ev["registration_count"] != 1.0 {
			t.Errorf("registration_count = %v", ev["registration_count"])
		}
	})
}

// TestRegistrationsWhileSending registers many viewers at once while the
// workers send their confirmations: registering locks the event, sending
// updates its notifications, and neither may wait on the other in a cycle
// (PostgreSQL once reported a deadlock here).
func TestRegistrationsWhileSending(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		in := newInbox(t)
		a := startApp(t, dbURL, in.env())
		token := a.signup()
		id := a.createEvent(token, nil)["id"].(string)
		var wg sync.WaitGroup
		sem := make(chan struct{}, 32)
		for i := range 300 {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				if status, out := a.do("POST", "/api/events/"+id+"/register", "",
					map[string]string{"email": fmt.Sprintf("busy%d@example.com", i)}); status != http.StatusCreated {
					t.Errorf("registration %d: %d %v", i, status, out)
				}
			}()
		}
		wg.Wait()
		in.wait(300, time.Minute)
		// The last outcomes are recorded just after the server took them.
		waitFor(t, 15*time.Second, "the 300 confirmations recorded as sent", func() (bool, string) {
			n := a.notifications(token, id)["confirmation/email"]
			return n["sent_count"] == 300.0 && n["status"] == "sent", fmt.Sprint(n)
		})
	})
}

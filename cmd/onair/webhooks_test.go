package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store/storetest"
)

// hookCall is one POST a webhook receiver got, checked against the
// specification.
type hookCall struct {
	ID, Timestamp string
	Type          string
	Body          map[string]any
	// Verified: the signature is right for the secret the receiver holds.
	Verified bool
}

// hookReceiver is a webhook receiver on 127.0.0.1 that verifies each
// call's signature on its own, as the Standard Webhooks specification
// writes it, and answers with the status it is told.
type hookReceiver struct {
	t      *testing.T
	srv    *httptest.Server
	status atomic.Int64
	mu     sync.Mutex
	secret string
	calls  []hookCall
}

func newHookReceiver(t *testing.T) *hookReceiver {
	t.Helper()
	h := &hookReceiver{t: t}
	h.status.Store(http.StatusNoContent)
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.srv.Close)
	return h
}

// verifySignature is the receiver's side of the specification: the key is
// the base64 after "whsec_"; the signed content is id.timestamp.body; the
// header is space-separated "v1,BASE64" signatures, one of which must be
// the HMAC-SHA256 of it.
func verifySignature(secret, id, timestamp string, body []byte, header string) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || id == "" || timestamp == "" {
		return false
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%s.%s", id, timestamp, body)
	want := mac.Sum(nil)
	for _, sig := range strings.Fields(header) {
		version, b64, ok := strings.Cut(sig, ",")
		got, err := base64.StdEncoding.DecodeString(b64)
		if ok && version == "v1" && err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

func (h *hookReceiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c := hookCall{ID: r.Header.Get("webhook-id"), Timestamp: r.Header.Get("webhook-timestamp")}
	json.Unmarshal(body, &c.Body)
	c.Type, _ = c.Body["type"].(string)
	h.mu.Lock()
	c.Verified = r.Method == http.MethodPost && verifySignature(h.secret, c.ID, c.Timestamp, body, r.Header.Get("webhook-signature"))
	h.calls = append(h.calls, c)
	h.mu.Unlock()
	w.WriteHeader(int(h.status.Load()))
}

// setSecret gives the receiver the webhook's secret.
func (h *hookReceiver) setSecret(s string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.secret = s
}

// got returns every call so far.
func (h *hookReceiver) got() []hookCall {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookCall(nil), h.calls...)
}

// waitCalls waits until the receiver has had at least n calls.
func (h *hookReceiver) waitCalls(n int) []hookCall {
	h.t.Helper()
	var calls []hookCall
	waitFor(h.t, 30*time.Second, fmt.Sprintf("%d webhook calls", n), func() (bool, string) {
		calls = h.got()
		return len(calls) >= n, fmt.Sprintf("%d calls: %v", len(calls), calls)
	})
	return calls
}

// addWebhook adds a webhook to h for host, with the types given (all when
// none), and gives the receiver its secret.
func (h *hookReceiver) addWebhook(a *app, host string, types ...string) map[string]any {
	h.t.Helper()
	body := map[string]any{"url": h.srv.URL + "/hooks/onair", "description": "test receiver"}
	if types != nil {
		body["events"] = types
	}
	hook := a.expect(http.StatusCreated, "POST", "/api/webhooks", host, body)["webhook"].(map[string]any)
	secret, _ := hook["secret"].(string)
	if !strings.HasPrefix(secret, "whsec_") {
		h.t.Fatalf("the new webhook's secret %q", secret)
	}
	h.setSecret(secret)
	return hook
}

func privateHooks() map[string]string { return map[string]string{"ONAIR_WEBHOOK_ALLOW_PRIVATE": "1"} }

func TestWebhooksReportEveryFact(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		in := newInbox(t)
		in.srv.FailRecipient("bounce@example.com", 550)
		env := in.env()
		env["ONAIR_WEBHOOK_ALLOW_PRIVATE"] = "1"
		a := startAppOn(t, dbURL, env, in.clock)
		host := a.signup()
		rcv := newHookReceiver(t)
		hook := rcv.addWebhook(a, host)
		if got := fmt.Sprint(hook["events"]); got != fmt.Sprint(onair.HookTypes) {
			t.Errorf("events omitted: %v, want every type", got)
		}

		ev := a.createEvent(host, nil)
		id := ev["id"].(string)
		token := registerViewer(t, a, id, "ada@example.com")
		b := newViewerBrowser(t, a)
		if status, body, _ := b.register("/register/"+id, url.Values{"email": {"page@example.com"}}); status != http.StatusOK {
			t.Fatalf("registration through the page: %d\n%s", status, body)
		}
		registerViewer(t, a, id, "bounce@example.com")
		a.expect(http.StatusOK, "PATCH", "/api/events/"+id, host,
			map[string]any{"scheduled_start": a.now().Add(2 * time.Hour).UTC().Format(time.RFC3339)})
		a.expect(http.StatusOK, "POST", "/api/events/"+id+"/start", host, nil)
		for range 2 {
			a.expect(http.StatusOK, "POST", "/api/watch/"+id+"/heartbeat?token="+url.QueryEscape(token), "", map[string]any{})
		}
		a.expect(http.StatusOK, "POST", "/api/events/"+id+"/end", host, nil)
		other := a.createEvent(host, nil)["id"].(string)
		a.expect(http.StatusOK, "POST", "/api/events/"+other+"/cancel", host, nil)
		// A full event's waitlist: one joins it, the seat's holder cancels,
		// the first in line is promoted.
		full := a.createEvent(host, map[string]any{"max_registrations": 1, "waitlist_enabled": true})["id"].(string)
		seat := registerViewer(t, a, full, "seat@example.com")
		if out := a.expect(http.StatusCreated, "POST", "/api/events/"+full+"/register", "", map[string]string{"email": "line@example.com"}); out["registration"].(map[string]any)["status"] != "waitlisted" {
			t.Fatalf("the second registration of a full event: %v", out)
		}
		a.expect(http.StatusOK, "POST", "/api/registrations/cancel?token="+url.QueryEscape(seat), "", nil)

		var calls []hookCall
		byType := map[string][]hookCall{}
		waitFor(t, 30*time.Second, "a webhook of every type", func() (bool, string) {
			calls = rcv.got()
			clear(byType)
			for _, c := range calls {
				byType[c.Type] = append(byType[c.Type], c)
			}
			var missing []string
			for _, typ := range []string{onair.HookRegistrationCreated, onair.HookEventCreated, onair.HookEventRescheduled,
				onair.HookEventStarted, onair.HookEventEnded, onair.HookEventCancelled, onair.HookViewerAttended,
				onair.HookDeliveryFailed, onair.HookRegistrationWaitlisted, onair.HookRegistrationCancelled,
				onair.HookRegistrationPromoted} {
				if len(byType[typ]) == 0 {
					missing = append(missing, typ)
				}
			}
			return len(missing) == 0, fmt.Sprintf("missing %v", missing)
		})
		a.waitIdle()
		waitFor(t, 30*time.Second, "no webhook left to send", func() (bool, string) {
			due, err := a.store().HasDueHooks(t.Context(), a.now())
			return err == nil && !due, fmt.Sprint(due, err)
		})
		calls = rcv.got()
		seen := map[string]bool{}
		for _, c := range calls {
			if !c.Verified {
				t.Errorf("%s %s: the signature does not verify", c.Type, c.ID)
			}
			if seen[c.ID] {
				t.Errorf("webhook-id %s came twice, with nothing failed", c.ID)
			}
			seen[c.ID] = true
			if ts, err := time.Parse(time.RFC3339, fmt.Sprint(c.Body["timestamp"])); err != nil || ts.IsZero() {
				t.Errorf("%s: timestamp %v", c.Type, c.Body["timestamp"])
			}
			if _, err := strconv.ParseInt(c.Timestamp, 10, 64); err != nil {
				t.Errorf("%s: webhook-timestamp %q is not Unix seconds", c.Type, c.Timestamp)
			}
		}
		byType = map[string][]hookCall{}
		for _, c := range calls {
			byType[c.Type] = append(byType[c.Type], c)
		}

		for typ, want := range map[string]string{onair.HookRegistrationWaitlisted: "line@example.com waitlisted",
			onair.HookRegistrationCancelled: "seat@example.com cancelled", onair.HookRegistrationPromoted: "line@example.com registered"} {
			if n := len(byType[typ]); n != 1 {
				t.Errorf("%d %s, want 1", n, typ)
				continue
			}
			r := byType[typ][0].Body["data"].(map[string]any)["registration"].(map[string]any)
			if got := fmt.Sprint(r["email"], " ", r["status"]); got != want || r["event_id"] != full {
				t.Errorf("%s data %v, want %s", typ, r, want)
			}
		}
		var emails []string
		for _, c := range byType[onair.HookRegistrationCreated] {
			r := c.Body["data"].(map[string]any)["registration"].(map[string]any)
			if r["event_id"] == full {
				continue
			}
			if r["event_id"] != id || r["status"] != "registered" {
				t.Errorf("registration.created data %v", r)
			}
			emails = append(emails, fmt.Sprint(r["email"]))
		}
		if got := strings.Join(emails, ","); got != "ada@example.com,page@example.com,bounce@example.com" {
			t.Errorf("registration.created for %s", got)
		}
		if n := len(byType[onair.HookViewerAttended]); n != 1 {
			t.Errorf("%d viewer.attended for one viewer's two heartbeats", n)
		} else if r := byType[onair.HookViewerAttended][0].Body["data"].(map[string]any)["registration"].(map[string]any); r["email"] != "ada@example.com" || r["attended"] != true {
			t.Errorf("viewer.attended data %v", r)
		}
		for typ, status := range map[string]string{onair.HookEventCreated: "scheduled", onair.HookEventRescheduled: "scheduled",
			onair.HookEventStarted: "live", onair.HookEventEnded: "ended"} {
			e := byType[typ][0].Body["data"].(map[string]any)["event"].(map[string]any)
			if e["id"] != id || e["status"] != status || e["registration_url"] != testAppURL+"/register/"+id {
				t.Errorf("%s data.event %v", typ, e)
			}
		}
		if e := byType[onair.HookEventCancelled][0].Body["data"].(map[string]any)["event"].(map[string]any); e["id"] != other || e["status"] != "cancelled" {
			t.Errorf("event.cancelled data.event %v", e)
		}
		if n := len(byType[onair.HookEventCreated]); n != 3 {
			t.Errorf("%d event.created for three events", n)
		}
		d := byType[onair.HookDeliveryFailed][0].Body["data"].(map[string]any)["delivery"].(map[string]any)
		if d["channel"] != "email" || !onair.ValidID(fmt.Sprint(d["notification_id"])) || !onair.ValidID(fmt.Sprint(d["registration_id"])) ||
			!strings.Contains(fmt.Sprint(d["error"]), "550") {
			t.Errorf("delivery.failed data %v", d)
		}

		// The log has them all, delivered, once onair has recorded what the
		// receiver answered (a moment after the receiver has the call).
		var log []any
		waitFor(t, 15*time.Second, "every delivery recorded", func() (bool, string) {
			log = a.expect(http.StatusOK, "GET", "/api/webhooks/"+hook["id"].(string)+"/deliveries", host, nil)["deliveries"].([]any)
			for _, x := range log {
				if x.(map[string]any)["status"] == "pending" {
					return false, fmt.Sprint(x)
				}
			}
			return true, ""
		})
		if len(log) != len(calls) {
			t.Errorf("the log has %d deliveries, the receiver %d calls", len(log), len(calls))
		}
		for _, x := range log {
			e := x.(map[string]any)
			if e["status"] != "succeeded" || e["attempts"] != 1.0 || e["response_status"] != 204.0 || e["delivered_at"] == nil || !seen[e["id"].(string)] {
				t.Errorf("log entry %v", e)
			}
		}
	})
}

func TestWebhookRetriesWithTheSameID(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, privateHooks())
		host := a.signup()
		rcv := newHookReceiver(t)
		rcv.status.Store(http.StatusInternalServerError)
		hook := rcv.addWebhook(a, host, onair.HookEventCreated)
		hookID := hook["id"].(string)
		a.createEvent(host, nil)
		a.createEvent(host, nil)

		first := rcv.waitCalls(2)
		logOf := func() map[string]map[string]any {
			out := map[string]map[string]any{}
			for _, x := range a.expect(http.StatusOK, "GET", "/api/webhooks/"+hookID+"/deliveries", host, nil)["deliveries"].([]any) {
				out[x.(map[string]any)["id"].(string)] = x.(map[string]any)
			}
			return out
		}
		var entry map[string]any
		waitFor(t, 15*time.Second, "the failed attempt in the log", func() (bool, string) {
			entry = logOf()[first[0].ID]
			return entry["response_status"] == 500.0, fmt.Sprint(entry)
		})
		if entry["status"] != "pending" || entry["attempts"] != 1.0 || !strings.Contains(fmt.Sprint(entry["last_error"]), "500") {
			t.Errorf("after a 500: %v", entry)
		}
		if n := len(rcv.got()); n != 2 {
			t.Errorf("%d calls before the clock moved past the first backoff", n)
		}

		// The first retry, within 30 s, with the same webhook-id; a 503 this
		// time, so that the log tells when it is recorded.
		rcv.status.Store(http.StatusServiceUnavailable)
		a.advance(30 * time.Second)
		calls := rcv.waitCalls(4)
		ids := map[string]int{}
		for _, c := range calls {
			if !c.Verified {
				t.Errorf("call %s: the signature does not verify", c.ID)
			}
			ids[c.ID]++
		}
		if len(ids) != 2 || ids[first[0].ID] != 2 || ids[first[1].ID] != 2 {
			t.Errorf("webhook-ids of the calls: %v", ids)
		}

		// Both retries recorded (each one's next time set from the clock as
		// it is now) before the clock moves on: a record after the move
		// would put the next retry 5 minutes past it.
		waitFor(t, 15*time.Second, "the two retries recorded", func() (bool, string) {
			log := logOf()
			return log[first[0].ID]["response_status"] == 503.0 && log[first[1].ID]["response_status"] == 503.0, fmt.Sprint(log)
		})

		// The receiver takes the next retry.
		rcv.status.Store(http.StatusOK)
		a.advance(10 * time.Minute)
		rcv.waitCalls(6)
		waitFor(t, 15*time.Second, "both delivered", func() (bool, string) {
			log := logOf()
			return log[first[0].ID]["status"] == "succeeded" && log[first[1].ID]["status"] == "succeeded", fmt.Sprint(log)
		})
		if e := logOf()[first[0].ID]; e["attempts"] != 3.0 || e["response_status"] != 200.0 || e["delivered_at"] == nil || e["last_error"] != "" {
			t.Errorf("after delivery: %v", e)
		}

		// Another host sees none of it.
		intruder := a.signup()
		if out := a.expect(http.StatusOK, "GET", "/api/webhooks", intruder, nil); len(out["webhooks"].([]any)) != 0 {
			t.Errorf("another host's list: %v", out)
		}
		for _, req := range []struct{ method, path string }{
			{"GET", "/api/webhooks/" + hookID},
			{"GET", "/api/webhooks/" + hookID + "/deliveries"},
			{"POST", "/api/webhooks/" + hookID + "/deliveries/" + first[0].ID + "/retry"},
			{"DELETE", "/api/webhooks/" + hookID},
		} {
			if status, out := a.do(req.method, req.path, intruder, nil); status != http.StatusNotFound {
				t.Errorf("another host's %s %s: %d %v", req.method, req.path, status, out)
			}
		}
		if out := a.expect(http.StatusOK, "GET", "/api/webhooks", host, nil); len(out["webhooks"].([]any)) != 1 {
			t.Errorf("the host's list after another's attempts: %v", out)
		} else if w := out["webhooks"].([]any)[0].(map[string]any); w["secret"] != nil {
			t.Errorf("the list shows the secret: %v", w)
		}
		if w := a.expect(http.StatusOK, "GET", "/api/webhooks/"+hookID, host, nil)["webhook"].(map[string]any); w["secret"] != hook["secret"] {
			t.Errorf("GET of the webhook: %v", w)
		}

		// The retry route sends a delivered one again, same webhook-id; a
		// receiver that keeps failing then is tried until the schedule
		// ends, and the delivery fails.
		rcv.status.Store(http.StatusServiceUnavailable)
		out := a.expect(http.StatusAccepted, "POST", "/api/webhooks/"+hookID+"/deliveries/"+first[0].ID+"/retry", host, nil)
		if d := out["delivery"].(map[string]any); d["id"] != first[0].ID || d["status"] != "pending" {
			t.Errorf("retry answered %v", out)
		}
		n := 7
		for i := range len(onair.HookRetryDelays) + 1 {
			if c := rcv.waitCalls(n + i); c[len(c)-1].ID != first[0].ID {
				t.Fatalf("call %d is %s, want %s again", n+i, c[len(c)-1].ID, first[0].ID)
			}
			if i < len(onair.HookRetryDelays) {
				waitFor(t, 15*time.Second, "the attempt recorded", func() (bool, string) {
					e := logOf()[first[0].ID]
					return e["attempts"] == float64(4+i), fmt.Sprint(e)
				})
				a.advance(onair.HookRetryDelays[i] + time.Second)
			}
		}
		waitFor(t, 15*time.Second, "the delivery failed for good", func() (bool, string) {
			e := logOf()[first[0].ID]
			return e["status"] == "failed", fmt.Sprint(e)
		})
		a.advance(24 * time.Hour)
		a.waitIdle()
		if got := len(rcv.got()); got != n+len(onair.HookRetryDelays) {
			t.Errorf("%d calls; a failed delivery was sent again", got)
		}
		if status, _ := a.do("POST", "/api/webhooks/"+hookID+"/deliveries/00000000-0000-0000-0000-000000000000/retry", host, nil); status != http.StatusNotFound {
			t.Errorf("retry of an unknown delivery: %d", status)
		}
		a.expect(http.StatusNoContent, "DELETE", "/api/webhooks/"+hookID, host, nil)
		a.expect(http.StatusNotFound, "GET", "/api/webhooks/"+hookID, host, nil)
	})
}

func TestWebhookURLsMustBePublic(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		host := a.signup()
		rcv := newHookReceiver(t)
		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"url": rcv.srv.URL}, "url"},
			{map[string]any{"url": strings.Replace(rcv.srv.URL, "http:", "https:", 1)}, "url"},
			{map[string]any{"url": "https://localhost/hook"}, "url"},
			{map[string]any{"url": "https://[::1]/hook"}, "url"},
			{map[string]any{"url": "https://[::ffff:10.0.0.1]/hook"}, "url"},
			{map[string]any{"url": "https://169.254.169.254/latest/meta-data"}, "url"},
			{map[string]any{"url": "https://192.168.0.10/hook"}, "url"},
			{map[string]any{"url": "https://0.0.0.0/hook"}, "url"},
			{map[string]any{"url": "http://93.184.216.34/hook"}, "url"},
			{map[string]any{"url": "https://93.184.216.34/hook", "events": []string{"event.exploded"}}, "events"},
			{map[string]any{"url": "https://93.184.216.34/hook", "event": []string{"event.created"}}, "event"},
		} {
			status, out := a.do("POST", "/api/webhooks", host, tc.body)
			if status != http.StatusUnprocessableEntity || errField(out, tc.field) == "" {
				t.Errorf("%v: %d %v; want 422 on %s", tc.body, status, out, tc.field)
			}
		}
		// A public address is taken (nothing is sent until a fact comes).
		hook := a.expect(http.StatusCreated, "POST", "/api/webhooks", host,
			map[string]any{"url": "https://93.184.216.34/hook", "events": []string{"delivery.failed"}})["webhook"].(map[string]any)
		if fmt.Sprint(hook["events"]) != "[delivery.failed]" {
			t.Errorf("events %v", hook["events"])
		}
		if out := a.expect(http.StatusOK, "GET", "/api/webhooks", host, nil); len(out["webhooks"].([]any)) != 1 {
			t.Errorf("list: %v", out)
		}
	})
}

func TestWebhooksPage(t *testing.T) {
	t.Parallel()
	a := startApp(t, storetest.URL(t, "sqlite"), privateHooks())
	b, token := dashSignup(t, a)
	rcv := newHookReceiver(t)
	rcv.status.Store(http.StatusInternalServerError)

	body := b.expect(http.StatusOK, "/dashboard/webhooks")
	if !strings.Contains(body, `href="/dashboard/webhooks"`) || !strings.Contains(body, "No webhooks yet") {
		t.Fatalf("the empty page:\n%s", body)
	}
	form := url.Values{"url": {rcv.srv.URL + "/hook"}, "description": {"CRM"}, "events": {"event.created", "event.cancelled"}}
	if status, _, _ := b.post("/dashboard/webhooks", form, false); status != http.StatusForbidden {
		t.Errorf("adding without the CSRF token: %d", status)
	}
	bad := url.Values{"url": {rcv.srv.URL}, "events": {"event.exploded"}}
	if status, body, _ := b.post("/dashboard/webhooks", bad, true); status != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "unknown event type") {
		t.Errorf("an unknown type: %d\n%s", status, body)
	}
	b.expectRedirect("/dashboard/webhooks", form, "/dashboard/webhooks?done=added")
	body = b.expect(http.StatusOK, "/dashboard/webhooks?done=added")
	m := regexp.MustCompile(`<code id="added-secret">([^<]+)</code>`).FindStringSubmatch(body)
	if m == nil || !strings.HasPrefix(html.UnescapeString(m[1]), "whsec_") {
		t.Fatalf("the secret is not shown after adding:\n%s", body)
	}
	rcv.setSecret(html.UnescapeString(m[1]))
	if body := b.expect(http.StatusOK, "/dashboard/webhooks"); strings.Contains(body, m[1]) {
		t.Errorf("the secret is shown a second time")
	}
	hooks := a.expect(http.StatusOK, "GET", "/api/webhooks", token, nil)["webhooks"].([]any)
	if len(hooks) != 1 || fmt.Sprint(hooks[0].(map[string]any)["events"]) != "[event.created event.cancelled]" {
		t.Fatalf("the API's list: %v", hooks)
	}
	hookID := hooks[0].(map[string]any)["id"].(string)

	a.createEvent(token, nil)
	call := rcv.waitCalls(1)[0]
	if !call.Verified || call.Type != "event.created" {
		t.Errorf("the call: %+v", call)
	}
	var retry string
	waitFor(t, 15*time.Second, "the delivery with its retry button", func() (bool, string) {
		body = b.expect(http.StatusOK, "/dashboard/webhooks")
		m := regexp.MustCompile(`action="(/dashboard/webhooks/` + hookID + `/deliveries/` + call.ID + `/retry)"`).FindStringSubmatch(body)
		if m == nil || !strings.Contains(body, "500") {
			return false, body
		}
		retry = m[1]
		return true, ""
	})
	if status, _, _ := b.post(retry, url.Values{}, false); status != http.StatusForbidden {
		t.Errorf("a retry without the CSRF token: %d", status)
	}
	rcv.status.Store(http.StatusOK)
	b.expectRedirect(retry, url.Values{}, "/dashboard/webhooks?done=retried#webhook-"+hookID)
	if again := rcv.waitCalls(2)[1]; again.ID != call.ID || !again.Verified {
		t.Errorf("the retry sent %+v, want webhook-id %s", again, call.ID)
	}

	// Another host's webhook cannot be deleted or retried from the page.
	other, _ := dashSignup(t, a)
	if status, _, _ := other.post("/dashboard/webhooks/"+hookID+"/delete", url.Values{}, true); status != http.StatusNotFound {
		t.Errorf("another host's delete: %d", status)
	}
	if status, _, _ := other.post(retry, url.Values{}, true); status != http.StatusNotFound {
		t.Errorf("another host's retry: %d", status)
	}
	if body := other.expect(http.StatusOK, "/dashboard/webhooks"); strings.Contains(body, rcv.srv.URL) {
		t.Errorf("another host's page lists the webhook")
	}
	b.expectRedirect("/dashboard/webhooks/"+hookID+"/delete", url.Values{}, "/dashboard/webhooks?done=deleted")
	if hooks := a.expect(http.StatusOK, "GET", "/api/webhooks", token, nil)["webhooks"].([]any); len(hooks) != 0 {
		t.Errorf("after the delete: %v", hooks)
	}
}

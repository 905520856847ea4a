package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/onair-live/onair/internal/store/storetest"
)

// browse runs steps and fails the test with what went wrong.
func browse(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// waitPath waits until the browser has navigated to a path starting with
// prefix (a click that submits a form returns before the next page loads).
func waitPath(prefix string) chromedp.Action[chromedp.Void] {
	check := chromedp.Evaluate[bool]("location.pathname.startsWith(" + strconv.Quote(prefix) + ") && document.readyState === 'complete'")
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		deadline := time.Now().Add(time.Minute) // a bound for a page that never comes
		for {
			// An evaluation cut off by the navigation itself is retried.
			if ok, err := check(ctx, t); err == nil && ok {
				return chromedp.Void{}, nil
			}
			if time.Now().After(deadline) {
				return chromedp.Void{}, fmt.Errorf("the browser did not reach %s", prefix)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// screenshots takes the page at desktop width, then at a phone's.
func screenshots(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	screenshot(t, ctx, name, 1280)
	screenshot(t, ctx, name+"-phone", 390)
}

// text returns the visible text of the first element matching css.
func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("text of %s: %v", css, err)
	}
	return s
}

// browserSignUp signs a new host up on the signup page, in the browser of
// ctx, with the password "correct horse battery", and returns its email;
// the browser is then on the events list.
func browserSignUp(t *testing.T, ctx context.Context, a *app, prefix string) string {
	t.Helper()
	email := fmt.Sprintf("%s-%d@example.com", prefix, time.Now().UnixNano())
	browse(t, ctx, "sign up",
		chromedp.Navigate(a.URL+"/signup"),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS("form[action='/signup'] button[type=submit]")),
		waitPath("/dashboard/events"),
	)
	return email
}

// The whole journey of issue 4 in a real browser: sign up, create an event
// through the four wizard steps, register as a viewer, see the dashboard
// count it, go live, and watch.
func TestBrowserHostAndViewerJourney(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		ctx := newBrowser(t, 1280, 900)
		email := browserSignUp(t, ctx, a, "browser")

		start := time.Now().Add(48 * time.Hour).UTC()
		browse(t, ctx, "wizard step 1",
			chromedp.Navigate(a.URL+"/dashboard/events/create"),
			chromedp.SendKeys(chromedp.CSS("#title"), "Browser Launch Party"),
			chromedp.SendKeys(chromedp.CSS("#description"), "Everything, live."),
			chromedp.SetValue(chromedp.CSS("#max_registrations"), "10"),
			chromedp.Click(chromedp.CSS("button[value=next]")),
			chromedp.WaitVisible(chromedp.CSS("#date")),
		)
		browse(t, ctx, "wizard step 2",
			chromedp.SetValue(chromedp.CSS("#date"), start.Format("2006-01-02")),
			chromedp.SetValue(chromedp.CSS("#time"), "15:00"),
			chromedp.Click(chromedp.CSS("button[value=next]")),
			chromedp.WaitVisible(chromedp.CSS("#wizard-preview")),
		)
		screenshots(t, ctx, "wizard-notifications")
		// Picking another message in the preview shows it at once.
		browse(t, ctx, "preview the message at the start",
			chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById("preview");
				s.value = "now"; s.dispatchEvent(new Event("input", {bubbles: true})); })()`),
		)
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](
			`document.querySelector("#wizard-preview h4").textContent.trim() === "Starting now email" &&
			 document.querySelector("#wizard-preview .wizard-subject").textContent.includes("Live now: Browser Launch Party")`,
			chromedp.WithPollingTimeout(15*time.Second))); err != nil {
			t.Errorf("the preview did not switch to the message at the start: %v", err)
		}
		browse(t, ctx, "wizard step 3 and 4",
			chromedp.Click(chromedp.CSS("button[value=next]")),
			chromedp.WaitVisible(chromedp.CSS("button[value=create]")),
			chromedp.Click(chromedp.CSS("button[value=create]")),
			waitPath("/dashboard/events/"),
			chromedp.WaitVisible(chromedp.CSS("form[action$='/start']")),
		)
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		id := loc[strings.LastIndex(loc, "/")+1:]
		if i := strings.IndexAny(id, "?#"); i >= 0 {
			id = id[:i]
		}
		if !strings.Contains(loc, "/dashboard/events/") || len(id) != 36 {
			t.Fatalf("after create the browser is at %s", loc)
		}

		// A viewer in another zone sees the start in their own time too,
		// its zone named by the rule of every message and page (which the
		// page asks of the server), not the browser's own way.
		inZone := func(zone string) chromedp.Action[chromedp.Void] {
			return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
				_, err := cdp.Call(ctx, t, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: zone})
				return err
			})
		}
		browse(t, ctx, "registration page in Kathmandu",
			inZone("Asia/Kathmandu"),
			chromedp.Navigate(a.URL+"/register/"+id),
			chromedp.WaitVisible(chromedp.CSS("p[data-local-time]")),
		)
		if local := text(t, ctx, "p[data-local-time]"); !strings.HasSuffix(strings.TrimSpace(local), "GMT+5:45") {
			t.Errorf("the viewer's own time reads %q; want it to name the zone GMT+5:45, as messages do", local)
		}
		browse(t, ctx, "registration page",
			inZone(""),
			chromedp.Navigate(a.URL+"/register/"+id+"?utm_source=newsletter"),
			chromedp.WaitVisible(chromedp.CSS("form.register-form")),
		)
		screenshots(t, ctx, "registration")
		browse(t, ctx, "register",
			chromedp.SendKeys(chromedp.CSS("#reg-first_name"), "Ada"),
			chromedp.SendKeys(chromedp.CSS("#reg-last_name"), "Lovelace"),
			chromedp.SendKeys(chromedp.CSS("#reg-email"), "ada@example.com"),
			chromedp.Click(chromedp.CSS("form.register-form button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("#watch-url")),
		)
		screenshots(t, ctx, "registration-success")
		watch, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#watch-url")))
		if err != nil || !strings.HasPrefix(watch, testAppURL+"/watch/"+id+"?token=") {
			t.Fatalf("watch link %q (%v)", watch, err)
		}

		browse(t, ctx, "dashboard", chromedp.Navigate(a.URL+"/dashboard/events"), chromedp.WaitVisible(chromedp.CSS("main")))
		if body := text(t, ctx, "main"); !strings.Contains(body, "Browser Launch Party") || !strings.Contains(body, "1 of 10") {
			t.Errorf("the dashboard does not show 1 registration of 10:\n%s", body)
		}
		screenshots(t, ctx, "dashboard")

		// A new registration shows on the open dashboard without a reload.
		// The host comes back to the tab (the page also looks every 15 s).
		a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", map[string]string{"email": "grace@example.com"})
		browse(t, ctx, "back on the tab", chromedp.Evaluate[chromedp.Void](`document.dispatchEvent(new Event("visibilitychange"))`))
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](
			`document.querySelector("[data-live-registrations]").textContent.trim() === "2 of 10"`,
			chromedp.WithPollingTimeout(25*time.Second))); err != nil {
			t.Errorf("the dashboard did not show the second registration without a reload: %v", err)
		}

		// A stream link, then "Start event" (its confirmation accepted).
		out := a.expect(http.StatusOK, "POST", "/api/auth/login", "", map[string]string{"email": email, "password": "correct horse battery"})
		a.expect(http.StatusOK, "PATCH", "/api/events/"+id, out["token"].(string), map[string]any{"stream_url": "https://stream.example.com/live"})
		browse(t, ctx, "start",
			chromedp.Navigate(a.URL+"/dashboard/events"),
			chromedp.Evaluate[chromedp.Void]("window.confirm = () => true"),
			chromedp.Click(chromedp.CSS("form.dash-start button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("p.flash")),
		)
		if ev := a.expect(http.StatusOK, "GET", "/api/events/"+id, out["token"].(string), nil)["event"].(map[string]any); ev["status"] != "live" {
			t.Fatalf("after Start event the status is %v", ev["status"])
		}
		watchLocal := strings.Replace(watch, testAppURL, a.URL, 1)
		browse(t, ctx, "watch", chromedp.Navigate(watchLocal), chromedp.WaitVisible(chromedp.CSS(".stream iframe")))
		if loc, _ := chromedp.Run(ctx, chromedp.Location()); strings.Contains(loc, "token=") {
			t.Errorf("the watch page keeps the token in the address bar: %s", loc)
		}
		src, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(".stream iframe"), "src"))
		if err != nil || src.Value != "https://stream.example.com/live" {
			t.Errorf("stream iframe src %+v (%v)", src, err)
		}

		// The page's own join counted Ada as attended.
		waitFor(t, 15*time.Second, "the watch page's join", func() (bool, string) {
			an := a.expect(http.StatusOK, "GET", "/api/events/"+id+"/analytics", out["token"].(string), nil)["analytics"].(map[string]any)
			return an["attended"] == 1.0 && an["attendance_rate"] == 0.5 && an["peak_concurrent_viewers"] == 1.0,
				fmt.Sprintf("attended %v, rate %v, peak %v", an["attended"], an["attendance_rate"], an["peak_concurrent_viewers"])
		})
		browse(t, ctx, "event page", chromedp.Navigate(a.URL+"/dashboard/events/"+id), chromedp.WaitVisible(chromedp.CSS("#analytics svg")))
		screenshot(t, ctx, "event-analytics", 1280)

		// Ada, the first registrant, links to her timeline, where her join
		// and what she did after it show.
		wu, err := url.Parse(watch)
		if err != nil {
			t.Fatal(err)
		}
		adaToken := wu.Query().Get("token")
		a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/engagement", "", map[string]any{"token": adaToken, "action": "chat"})
		a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/revenue", out["token"].(string),
			map[string]any{"token": adaToken, "amount_cents": 4900, "currency": "EUR"})
		browse(t, ctx, "registrant timeline",
			chromedp.Click(chromedp.CSS("#registrants tbody tr:first-child td:first-child a")),
			waitPath("/dashboard/events/"+id+"/registrants/"),
			chromedp.WaitVisible(chromedp.CSS("ol.timeline")),
		)
		if body := text(t, ctx, "ol.timeline"); !strings.Contains(body, "Joined the event") || !strings.Contains(body, "Purchase: 49.00 EUR") {
			t.Errorf("the timeline does not show Ada's join and purchase:\n%s", body)
		}
		screenshot(t, ctx, "registrant-timeline", 1280)
	})
}

// The registration page of a full and of a cancelled event says so, and
// offers no form; registrant text never runs as script on the dashboard.
func TestBrowserClosedEventsAndEscaping(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		token := a.signup()
		full := a.createEvent(token, map[string]any{"max_registrations": 1})["id"].(string)
		a.expect(http.StatusCreated, "POST", "/api/events/"+full+"/register", "", map[string]string{
			"email": "x@example.com", "first_name": `<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">`})
		cancelled := a.createEvent(token, nil)["id"].(string)
		a.expect(http.StatusOK, "POST", "/api/events/"+cancelled+"/cancel", token, nil)

		ctx := newBrowser(t, 1280, 900)
		for _, tc := range []struct{ id, want string }{{full, "full"}, {cancelled, "cancelled"}} {
			browse(t, ctx, "registration page of a "+tc.want+" event",
				chromedp.Navigate(a.URL+"/register/"+tc.id), chromedp.WaitVisible(chromedp.CSS("main")))
			if body := strings.ToLower(text(t, ctx, "main")); !strings.Contains(body, tc.want) {
				t.Errorf("the page of a %s event says:\n%s", tc.want, body)
			}
			if n, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.querySelectorAll('form.register-form:not([hidden])').length")); err != nil || n != 0 {
				t.Errorf("a %s event shows %d registration forms (%v)", tc.want, n, err)
			}
		}

		// The host's event page lists the registrant with the script in her name.
		email := fmt.Sprintf("esc-%d@example.com", time.Now().UnixNano())
		browse(t, ctx, "sign up",
			chromedp.Navigate(a.URL+"/signup"),
			chromedp.SendKeys(chromedp.CSS("#email"), email),
			chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
			chromedp.Click(chromedp.CSS("form[action='/signup'] button[type=submit]")),
			waitPath("/dashboard/events"),
		)
		out := a.expect(http.StatusOK, "POST", "/api/auth/login", "", map[string]string{"email": email, "password": "correct horse battery"})
		mine := a.createEvent(out["token"].(string), nil)["id"].(string)
		a.expect(http.StatusCreated, "POST", "/api/events/"+mine+"/register", "", map[string]string{
			"email": "y@example.com", "first_name": `<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">`})
		browse(t, ctx, "event page", chromedp.Navigate(a.URL+"/dashboard/events/"+mine), chromedp.WaitVisible(chromedp.CSS("main")))
		if body := text(t, ctx, "main"); !strings.Contains(body, "<script>window.__xss = 1</script>") {
			t.Errorf("the registrant's name is not shown as text:\n%s", body)
		}
		if xss, err := chromedp.Run(ctx, chromedp.Evaluate[string]("String(window.__xss)")); err != nil || xss != "undefined" {
			t.Errorf("registrant text ran as script: window.__xss = %s (%v)", xss, err)
		}
	})
}

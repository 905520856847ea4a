package main

import (
	"maps"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/onair-live/onair/internal/store/storetest"
)

// The waitlist journey of issue 12 in a real browser, with the messages
// taken from the test SMTP server: a full event's waitlist, a registrant's
// "can't make it?" link, and the promotion it gives the next in line. A
// reload after registering posts nothing again.
func TestBrowserWaitlistJourney(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		in := newInbox(t)
		hooks := newHookReceiver(t)
		env := in.env()
		maps.Copy(env, privateHooks())
		a := startAppOn(t, dbURL, env, in.clock)
		ctx := newBrowser(t, 1280, 900)
		email := browserSignUp(t, ctx, a, "waitlist-host")
		token := a.expect(http.StatusOK, "POST", "/api/auth/login", "", map[string]string{"email": email, "password": "correct horse battery"})["token"].(string)
		hooks.addWebhook(a, token, "registration.created", "registration.waitlisted", "registration.cancelled", "registration.promoted")
		id := a.createEvent(token, map[string]any{"title": "Waitlist Night", "max_registrations": 1, "waitlist_enabled": true,
			"description": "One seat, and a line for it.", "stream_url": "https://stream.example.com/live",
			"scheduled_start": a.now().Add(48 * time.Hour).UTC().Format(time.RFC3339)})["id"].(string)

		open := func() {
			t.Helper()
			browse(t, ctx, "registration page", chromedp.Navigate(a.URL+"/register/"+id), chromedp.WaitVisible(chromedp.CSS("form.register-form")))
		}
		register := func(first, address string) {
			t.Helper()
			browse(t, ctx, "register "+first,
				chromedp.SendKeys(chromedp.CSS("#reg-first_name"), first),
				chromedp.SendKeys(chromedp.CSS("#reg-email"), address),
				chromedp.Click(chromedp.CSS("form.register-form button[type=submit]")),
				waitPath("/register/"+id+"/done"),
				chromedp.WaitVisible(chromedp.CSS("[data-registered]")),
			)
		}

		// Ada takes the seat; a reload of her success page shows it again
		// and posts nothing: one registration, one message.
		open()
		register("Ada", "ada@example.com")
		if state, _ := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("[data-registered]"), "data-registered")); state.Value != "registered" {
			t.Fatalf("Ada's success page is %q", state.Value)
		}
		browse(t, ctx, "reload the success page", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#watch-url")))
		if nav, err := chromedp.Run(ctx, chromedp.Evaluate[string](`performance.getEntriesByType("navigation")[0].type`)); err != nil || nav != "reload" {
			t.Errorf("the page was not reloaded: %q (%v)", nav, err)
		}
		if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(loc, "/register/"+id+"/done?token=") {
			t.Errorf("after the reload the browser is at %s", loc)
		}
		in.wait(1, 20*time.Second)
		a.waitIdle()
		if n := in.srv.Count(); n != 1 {
			t.Errorf("%d messages after a reload of the success page, want Ada's one confirmation", n)
		}
		if regs := a.registrationsByEmail(token, id); len(regs) != 1 {
			t.Errorf("%d registrations after the reload: %v", len(regs), regs)
		}

		// Grace finds the event full and joins its waitlist.
		open()
		if body := text(t, ctx, "main"); !strings.Contains(body, "you can join the waitlist") ||
			!strings.Contains(text(t, ctx, "form.register-form button[type=submit]"), "Join the waitlist") {
			t.Errorf("the registration page of the full event:\n%s", body)
		}
		screenshot(t, ctx, "registration-waitlist", 1280)
		register("Grace", "grace@example.com")
		if body := text(t, ctx, "[data-registered=waitlisted]"); !strings.Contains(body, "You are on the waitlist, Grace") ||
			!strings.Contains(body, "You are number 1 in line") {
			t.Errorf("Grace's waitlist page:\n%s", body)
		}
		screenshots(t, ctx, "registration-waitlisted")

		// The host's pages say the event is full and that registrations
		// join the waitlist, not that registration is closed.
		browse(t, ctx, "events list", chromedp.Navigate(a.URL+"/dashboard/events"), chromedp.WaitVisible(chromedp.CSS("main")))
		if body := text(t, ctx, "[data-live-spots='"+id+"']"); body != "Full: waitlist open (1 waiting)" {
			t.Errorf("the event's card says %q", body)
		}
		browse(t, ctx, "event page", chromedp.Navigate(a.URL+"/dashboard/events/"+id), chromedp.WaitVisible(chromedp.CSS("nav.dash-tabs")))
		if body := text(t, ctx, "#overview"); !strings.Contains(body, "full; 1 on the waitlist") ||
			!strings.Contains(body, "The event is full: new registrations join the waitlist (1 waiting)") || strings.Contains(body, "closed") {
			t.Errorf("the event page says:\n%s", body)
		}
		screenshotTop(t, ctx, "event-page", 1280, 900)

		// Ada cannot make it: the link in her email asks, the button
		// cancels, and the page says so.
		msgs := in.wait(2, 20*time.Second)
		texts := in.texts(t)
		var cancel string
		for i, m := range msgs {
			if m.To == "ada@example.com" {
				cancel = cancelLinkRE.FindString(texts[i])
			}
		}
		if cancel == "" {
			t.Fatalf("Ada's email has no \"can't make it?\" link:\n%s", summarize(msgs))
		}
		cancelPath := strings.TrimPrefix(cancel, testAppURL)
		browse(t, ctx, "Ada's cancel link",
			chromedp.Navigate(a.URL+cancelPath),
			chromedp.WaitVisible(chromedp.CSS("main form button[type=submit]")),
		)
		if a.registrationsByEmail(token, id)["ada@example.com"]["status"] != "registered" {
			t.Fatal("opening the cancel link cancelled")
		}
		browse(t, ctx, "cancel",
			chromedp.Click(chromedp.CSS("main form button[type=submit]")),
			waitPath(cancelPath+"/done"),
		)
		if body := text(t, ctx, "main"); !strings.Contains(body, "Your registration is cancelled") {
			t.Errorf("the done page says:\n%s", body)
		}

		// Grace gets the seat and a "promoted" email, whose watch link
		// opens her watch page.
		var promoted received
		waitFor(t, 20*time.Second, "Grace's promotion email", func() (bool, string) {
			msgs := in.srv.Messages()
			for i, m := range in.simplify(msgs) {
				if m.To == "grace@example.com" && strings.HasPrefix(m.Subject, "A spot opened up") {
					promoted = m
					promoted.Body = in.texts(t)[i]
					return true, ""
				}
			}
			return false, summarize(in.simplify(msgs))
		})
		watch := regexp.MustCompile(regexp.QuoteMeta(testAppURL+"/watch/"+id+"?token=") + `\S+`).FindString(promoted.Body)
		if watch == "" {
			t.Fatalf("Grace's promotion has no watch link:\n%s", promoted.Body)
		}
		browse(t, ctx, "Grace's watch page",
			chromedp.Navigate(strings.Replace(watch, testAppURL, a.URL, 1)),
			chromedp.WaitVisible(chromedp.CSS("article.watch")),
		)
		if body := text(t, ctx, "article.watch"); !strings.Contains(body, "Waitlist Night") || !strings.Contains(body, "Grace, you are registered") {
			t.Errorf("Grace's watch page:\n%s", body)
		}
		if regs := a.registrationsByEmail(token, id); regs["grace@example.com"]["status"] != "registered" || regs["ada@example.com"]["status"] != "cancelled" {
			t.Errorf("after the journey: %v", regs)
		}

		// The webhooks page lists what the receiver was sent.
		hooks.waitCalls(4)
		browse(t, ctx, "webhooks page", chromedp.Navigate(a.URL+"/dashboard/webhooks"), chromedp.WaitVisible(chromedp.CSS("main table")))
		if body := text(t, ctx, "main table"); !strings.Contains(body, "registration.promoted") || !strings.Contains(body, "Delivered") {
			t.Errorf("the webhooks page's deliveries:\n%s", body)
		}
		screenshotOf(t, ctx, "webhooks", 1280, "section[id^='webhook-']")
	})
}

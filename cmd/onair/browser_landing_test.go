package main

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/onair-live/onair/internal/store/storetest"
)

// The registration page as a viewer on a phone sees it: the host's brand,
// the cover, the Markdown description and the host's questions; the form
// filled in and sent, the success page, and the answers stored. Then a
// browser that prefers French gets the same page, form and success page in
// French, and the registration keeps the language.
func TestBrowserLandingPageOnAPhone(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		token := a.signup()
		// Served by onair itself: the browser has no network, and the
		// page's policy takes images from https or from onair.
		a.expect(http.StatusOK, "PATCH", "/api/host", token, map[string]any{"name": "Acme Live", "brand_color": "#0f766e",
			"logo_url": a.URL + "/static/sample-logo.svg"})
		ev := a.createEvent(token, map[string]any{"title": "Acme Product Launch",
			"description": "Join **the whole team** for the launch of _Acme Cloud_:\n\n- a tour of what is new\n- live Q&A\n\n" +
				"[Read the agenda](https://acme.example/agenda) <script>document.title='owned'</script>",
			"cover_image_url": a.URL + "/static/sample-cover.svg", "max_registrations": 200,
			"registration_fields": landingQuestions})
		id := ev["id"].(string)

		ctx := newBrowser(t, 390, 844)
		browse(t, ctx, "registration page",
			chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
			chromedp.Navigate(a.URL+"/register/"+id+"?utm_source=social"),
			chromedp.WaitVisible(chromedp.CSS("form.register-form")),
		)
		loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
			`[...document.querySelectorAll("img.cover, .host-brand img")].every(i => i.complete && i.naturalWidth > 0)`))
		if err != nil || !loaded {
			t.Errorf("the cover and the logo did not load (%v)", err)
		}
		accent, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("header.top")).backgroundImage`))
		if err != nil || !strings.Contains(accent, "rgb(15, 118, 110)") {
			t.Errorf("the header is not in the host's colour: %q (%v)", accent, err)
		}
		if title, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.title")); title == "owned" {
			t.Error("a script of the description ran")
		}
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("document.documentElement.scrollWidth <= window.innerWidth"))
		if err != nil || !wide {
			t.Errorf("the page is wider than the phone (%v)", err)
		}
		if got := text(t, ctx, ".description strong"); got != "the whole team" {
			t.Errorf("the description's Markdown: %q", got)
		}
		screenshot(t, ctx, "landing-phone", 390)

		browse(t, ctx, "fill in and register",
			chromedp.SendKeys(chromedp.CSS("#reg-first_name"), "Ada"),
			chromedp.SendKeys(chromedp.CSS("#reg-email"), "ada@example.com"),
			chromedp.SendKeys(chromedp.CSS("#reg-q-role"), "Engineer"),
			chromedp.SetValue(chromedp.CSS("#reg-q-team_size"), "11-50"),
			chromedp.Click(chromedp.CSS("#reg-q-newsletter")),
			chromedp.Click(chromedp.CSS("form.register-form button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("#watch-url")),
		)
		if got := text(t, ctx, "h1"); !strings.Contains(got, "You are registered, Ada") {
			t.Errorf("the success page says %q", got)
		}
		screenshot(t, ctx, "landing-success-phone", 390)

		out := a.expect(http.StatusOK, "GET", "/api/events/"+id+"/registrations", token, nil)
		regs := out["registrations"].([]any)
		if len(regs) != 1 {
			t.Fatalf("%d registrations", len(regs))
		}
		r := regs[0].(map[string]any)
		answers := r["answers"].(map[string]any)
		if answers["role"] != "Engineer" || answers["team_size"] != "11-50" || answers["newsletter"] != true || r["source"] != "social" {
			t.Errorf("stored: %v", r)
		}

		browse(t, ctx, "the page in French",
			chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
				_, err := cdp.Call(ctx, t, network.SetExtraHTTPHeaders,
					network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.5"}})
				return err
			}),
			chromedp.Navigate(a.URL+"/register/"+id),
			chromedp.WaitVisible(chromedp.CSS("form.register-form")),
		)
		if lang, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.documentElement.lang")); lang != "fr" {
			t.Errorf("the page's language is %q, want fr", lang)
		}
		if got := text(t, ctx, "form.register-form button[type=submit]"); got != "S'inscrire" {
			t.Errorf("the button says %q, want S'inscrire", got)
		}
		if got := text(t, ctx, "form.register-form"); !strings.Contains(got, "Your role (obligatoire)") || !strings.Contains(got, "Choisissez…") {
			t.Errorf("the host's questions are not asked in French:\n%s", got)
		}
		browse(t, ctx, "register in French",
			chromedp.SendKeys(chromedp.CSS("#reg-email"), "amelie@example.com"),
			chromedp.SendKeys(chromedp.CSS("#reg-q-role"), "Designer"),
			chromedp.Click(chromedp.CSS("form.register-form button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("#watch-url")),
		)
		if got := text(t, ctx, "h1"); !strings.Contains(got, "Vous êtes inscrit") {
			t.Errorf("the French success page says %q", got)
		}
		screenshot(t, ctx, "landing-success-phone-fr", 390)
		if r := a.registrationsByEmail(token, id)["amelie@example.com"]; r["language"] != "fr" {
			t.Errorf("the French registration keeps the language %v, want fr", r["language"])
		}
	})
}

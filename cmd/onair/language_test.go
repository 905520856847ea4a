package main

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/store/storetest"
)

// TestLanguages: an event's language and a registrant's own, end to end.
// A German registrant of a Spanish event gets German email and SMS, one
// who names none gets Spanish, and the registration page answers a French
// browser in French, and keeps French for the registration it takes.
func TestLanguages(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		tw := notifytest.NewTwilio(t, testTwilioSID, testTwilioToken)
		a := startApp(t, dbURL, twilioEnv(tw, nil))
		host, token := dashSignup(t, a)
		ev := a.createEvent(token, map[string]any{"language": "es", "timezone": "Europe/Madrid",
			"notification_settings": map[string]any{"email_enabled": true, "sms_enabled": true}})
		id := ev["id"].(string)
		if ev["language"] != "es" {
			t.Fatalf("the event's language is %v; want es", ev["language"])
		}

		t.Run("another language is a 422 on language", func(t *testing.T) {
			for _, path := range []string{"/api/events/" + id, "/api/events"} {
				method, body := "PATCH", map[string]any{"language": "it"}
				if path == "/api/events" {
					method, body = "POST", map[string]any{"title": "x", "scheduled_start": a.startsAt(time.Hour).Format(time.RFC3339), "language": "klingon"}
				}
				out := a.expect(http.StatusUnprocessableEntity, method, path, token, body)
				if fields, _ := out["error"].(map[string]any)["fields"].(map[string]any); fields["language"] == nil {
					t.Errorf("%s %s: %v; want the field language named", method, path, out)
				}
			}
			out := a.expect(http.StatusUnprocessableEntity, "POST", "/api/events/"+id+"/register", "",
				map[string]any{"email": "it@example.com", "language": "it"})
			if fields, _ := out["error"].(map[string]any)["fields"].(map[string]any); fields["language"] == nil {
				t.Errorf("registration in it: %v; want the field language named", out)
			}
		})

		dora := a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "",
			map[string]any{"email": "de@example.com", "first_name": "Dora", "phone": "+14155550131", "language": "de"})
		a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "",
			map[string]any{"email": "es@example.com", "first_name": "Elena"})

		t.Run("the registrants list names the language of each one's messages", func(t *testing.T) {
			page := host.in(t).expect(http.StatusOK, "/dashboard/events/"+id)
			for _, want := range []string{"<td>German (Deutsch)</td>", "<td>Spanish (español)</td>"} {
				if !strings.Contains(page, want) {
					t.Errorf("the registrants list has no %s", want)
				}
			}
		})

		t.Run("a German registrant of a Spanish event gets German messages", func(t *testing.T) {
			sms := waitSMS(t, tw, 1, 15*time.Second)[0]
			for _, want := range []string{"Du bist für Product Launch Webinar angemeldet", "Keine Zeit? " + testAppURL + "/cancel/",
				"Antworte STOP zum Abmelden."} {
				if !strings.Contains(sms.Body, want) {
					t.Errorf("the SMS lacks %q:\n%s", want, sms.Body)
				}
			}
			emails := waitOutbox(t, a, token, id, 2)
			de, es := emails["de@example.com"], emails["es@example.com"]
			if de["subject"] != "Du bist angemeldet: Product Launch Webinar" || !strings.Contains(de["text"].(string), "Hallo Dora,") ||
				!strings.Contains(de["text"].(string), "Abbestellen: ") || !strings.Contains(de["html"].(string), `<html lang="de">`) {
				t.Errorf("the German registrant's email:\n%v\n%v", de["subject"], de["text"])
			}
			if es["subject"] != "Te has registrado: Product Launch Webinar" || !strings.Contains(es["text"].(string), "Hola, Elena:") {
				t.Errorf("the registrant who named no language (the event's es):\n%v\n%v", es["subject"], es["text"])
			}

			// Her pages are German too, whatever her browser prefers.
			en := newViewerBrowser(t, a)
			en.languages = "en-US"
			links := linkRE.FindAllString(de["text"].(string), -1)
			pages := map[string]string{strings.TrimPrefix(dora["watch_url"].(string), testAppURL): "Dora, du bist angemeldet. Komm zu Beginn"}
			for _, l := range links {
				switch path := strings.TrimPrefix(l, testAppURL); {
				case strings.HasPrefix(path, "/u/"):
					pages[path] = "Keine Nachrichten mehr zu Product Launch Webinar an de@example.com?"
				case strings.HasPrefix(path, "/cancel/"):
					pages[path] = "Deine Anmeldung für Product Launch Webinar stornieren?"
				}
			}
			if len(pages) != 3 {
				t.Fatalf("the links of the German email: %v", links)
			}
			for path, want := range pages {
				status, body, _ := en.get(path)
				if page := html.UnescapeString(body); status != http.StatusOK || !strings.Contains(page, want) || !strings.Contains(page, `lang="de"`) {
					t.Errorf("GET %s: status %d; the page lacks %q:\n%s", path, status, want, page)
				}
			}
			frBrowser := newViewerBrowser(t, a)
			frBrowser.languages = "fr"
			if status, body, _ := frBrowser.get("/cancel/not-a-token"); status != http.StatusNotFound ||
				!strings.Contains(html.UnescapeString(body), "Ce lien n'est pas valide.") {
				t.Errorf("a bad link for a French browser: %d\n%s", status, body)
			}
			if csv := a.rawBody(t, "/api/events/"+id+"/registrations?format=csv", token); !strings.Contains(csv, "de@example.com") ||
				!strings.Contains(strings.SplitN(csv, "\n", 2)[0], ",timezone,language,") ||
				!regexp.MustCompile(`de@example\.com,[^\n]*,Europe/Madrid,de,registered,`).MatchString(csv) ||
				!regexp.MustCompile(`es@example\.com,[^\n]*,Europe/Madrid,es,registered,`).MatchString(csv) {
				t.Errorf("the CSV lacks the registrant's language:\n%s", csv)
			}
		})

		t.Run("the registration page answers Accept-Language", func(t *testing.T) {
			fr := newViewerBrowser(t, a)
			fr.languages = "fr-CH, fr;q=0.9, en;q=0.8"
			status, body, _ := fr.get("/register/" + id)
			page := html.UnescapeString(body)
			for _, want := range []string{`<html lang="fr">`, "Prénom", "S'inscrire", `name="language" value="fr"`} {
				if status != http.StatusOK || !strings.Contains(page, want) {
					t.Errorf("status %d; the French page lacks %q", status, want)
				}
			}
			status, body, _ = fr.register("/register/"+id, url.Values{"email": {"fr@example.com"}, "first_name": {"Fanny"}})
			if page := html.UnescapeString(body); status != http.StatusOK || !strings.Contains(page, "Vous êtes inscrit, Fanny !") {
				t.Errorf("the success page: status %d\n%s", status, page)
			}
			regs := a.expect(http.StatusOK, "GET", "/api/events/"+id+"/registrations", token, nil)["registrations"].([]any)
			langs := map[string]any{}
			for _, r := range regs {
				r := r.(map[string]any)
				langs[r["email"].(string)] = r["language"]
			}
			if langs["fr@example.com"] != "fr" || langs["de@example.com"] != "de" || langs["es@example.com"] != nil {
				t.Errorf("stored languages %v; want fr, de and none", langs)
			}
			if _, body, _ := newViewerBrowser(t, a).get("/register/" + id); !strings.Contains(body, `<html lang="es">`) {
				t.Errorf("a browser that names no language does not get the event's Spanish")
			}
		})
	})
}

// linkRE finds the links of a message's text part.
var linkRE = regexp.MustCompile(`https?://[^\s]+`)

// rawBody is the body of a GET that must answer 200.
func (a *app) rawBody(t *testing.T, path, token string) string {
	t.Helper()
	status, body, _ := a.raw("GET", path, token, nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d", path, status)
	}
	return string(body)
}

// waitOutbox waits until the outbox holds n messages of event id, and
// returns the email ones by recipient.
func waitOutbox(t *testing.T, a *app, token, id string, n int) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	waitFor(t, 15*time.Second, "the emails in the outbox", func() (bool, string) {
		clear(out)
		for _, m := range a.expect(http.StatusOK, "GET", "/api/outbox?event_id="+id, token, nil)["messages"].([]any) {
			if m := m.(map[string]any); m["channel"] == "email" {
				out[m["to"].(string)] = m
			}
		}
		return len(out) >= n, ""
	})
	return out
}

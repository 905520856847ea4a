package notify

import (
	"strings"
	"testing"

	"github.com/onair-live/onair/internal/locale"
	"github.com/onair-live/onair/internal/onair"
)

// TestEveryKindInEveryLanguage renders each kind of message in each
// language and holds it to that language's words: the subject, the time
// as the language writes it, the footer, the calendar entry, the SMS.
func TestEveryKindInEveryLanguage(t *testing.T) {
	for _, lang := range onair.Languages {
		l := locale.For(lang)
		for _, kind := range onair.MessageKinds {
			t.Run(string(lang)+" "+string(kind), func(t *testing.T) {
				c := testContent(kind)
				c.Registration.Language = lang
				n, _ := c.Split()
				n, _ = checkNotice(n)
				zone := onair.ViewerZoneName(c.Event, c.Registration)
				kc := copyFor(n, c.Event.Title, zone, l)
				m, err := RenderEmail(c)
				if err != nil {
					t.Fatal(err)
				}
				if want := kc.kicker + ": " + c.Event.Title; m.Subject != want {
					t.Errorf("subject %q; want %q", m.Subject, want)
				}
				when := FormatTimeIn(c.Event.ScheduledStart, zone, lang)
				for _, want := range []string{when, kc.lead, l.T("footer_unsubscribe_link") + ": " + c.UnsubscribeURL} {
					if !strings.Contains(m.Text, want) {
						t.Errorf("the text part lacks %q:\n%s", want, m.Text)
					}
				}
				if !strings.Contains(m.HTML, `<html lang="`+string(lang)+`">`) {
					t.Errorf("the HTML part does not say it is in %s", lang)
				}
				if lang != onair.English {
					english := locale.For(onair.English)
					for _, word := range []string{english.T("footer_unsubscribe_link") + ":", english.T("label_when") + ":", "You're", "registered for"} {
						if strings.Contains(m.Text, word) {
							t.Errorf("the %s text part has the English %q:\n%s", lang, word, m.Text)
						}
					}
				}
				for _, a := range m.Attachments {
					ics := strings.ReplaceAll(string(a.Data), "\r\n ", "") // unfolded
					if c.Event.Status != onair.StatusCancelled && !strings.Contains(ics, l.T("calendar_watch")+": ") {
						t.Errorf("the calendar entry's link is not labelled in %s:\n%s", lang, ics)
					}
				}
				c.Registration.Phone = "+14155550100"
				sms, err := RenderSMS(c)
				if err != nil {
					t.Fatal(err)
				}
				checkSMS(t, c, sms)
			})
		}
	}
}

func TestTheRegistrantsLanguageWins(t *testing.T) {
	c := testContent(onair.KindReminder)
	c.Event.Language = onair.Spanish
	m, err := RenderEmail(c)
	if err != nil || !strings.HasPrefix(m.Subject, "Empieza ") {
		t.Errorf("a registrant with no language of an es event: %q, %v; want Spanish", m.Subject, err)
	}
	c.Registration.Language = onair.German
	m, err = RenderEmail(c)
	if err != nil || !strings.HasPrefix(m.Subject, "Beginnt ") {
		t.Errorf("a de registrant of an es event: %q, %v; want German", m.Subject, err)
	}
	// One notification's template serves registrants of every language.
	tmpl, err := PrepareEmail(Notice{Kind: c.Kind, Interval: c.Interval, Event: c.Event, From: c.From})
	if err != nil {
		t.Fatal(err)
	}
	_, p := c.Split()
	for lang, prefix := range map[onair.Language]string{onair.German: "Beginnt ", onair.French: "Ça commence ", "": "Empieza "} {
		p.Registration.Language = lang
		m, err := tmpl.Fill(p)
		if err != nil || !strings.HasPrefix(m.Subject, prefix) {
			t.Errorf("filled for %q: %q, %v; want it to start %q", lang, m.Subject, err, prefix)
		}
	}
}

func TestGoldenLanguages(t *testing.T) {
	for _, lang := range []onair.Language{onair.Spanish, onair.French, onair.German, onair.Portuguese} {
		for _, kind := range []onair.NotificationKind{onair.KindConfirmation, onair.KindReminder} {
			c := testContent(kind)
			c.Registration.Language = lang
			m, err := RenderEmail(c)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, string(kind)+"."+string(lang)+".email.txt", []byte("Subject: "+m.Subject+"\n\n"+m.Text))
			sms, err := RenderSMS(c)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, string(kind)+"."+string(lang)+".sms.txt", []byte(sms.Text))
		}
	}
}

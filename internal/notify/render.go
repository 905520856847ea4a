package notify

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"

	"github.com/onair-live/onair/internal/locale"
	"github.com/onair-live/onair/internal/onair"
)

// Content is everything one message says to one registrant.
type Content struct {
	Kind           onair.NotificationKind
	Interval       onair.Interval // the reminder's interval (KindReminder only)
	Event          onair.Event
	Registration   onair.Registration
	WatchURL       string    // the viewer's own link (APP_URL/watch/{event}?token=…)
	CalendarURL    string    // the viewer's .ics download (APP_URL/api/registrations/ics?token=…)
	UnsubscribeURL string    // APP_URL/u/{token}
	CancelURL      string    // APP_URL/cancel/{token}: the "can't make it?" link
	PreviousStart  time.Time // KindRescheduled: the start before the change
	// Live says the event is under way as the message is sent (a late
	// joiner's confirmation says so).
	Live bool
	// From is the host as the message presents it: the sender's name, the
	// Reply-To, the colour and logo of the header, the calendar organizer.
	From Sender

	// Track, when set, gives the tracked link through which the HTML part
	// of an email sends a click to target (APP_URL/api/track/notification/
	// {id}/click?d=…). The unsubscribe link and header are never wrapped:
	// they must work without a redirect. The text part keeps plain links.
	Track func(target string) string
	// OpenPixelURL, when set, is the 1×1 image the HTML part loads to count
	// an open (APP_URL/api/track/notification/{id}/open?d=…). A
	// cancellation carries none: its open says nothing a host acts on, and
	// an image in a short message is what spam filters look for.
	OpenPixelURL string
}

//go:embed templates/*.tmpl
var templateFS embed.FS

// The templates are parsed once, when the package is loaded: a bad template
// stops the program at start rather than failing every send, and parsing
// per message would dominate the cost of rendering.
var (
	emailHTML = htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/email.html.tmpl"))
	emailText = texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/email.txt.tmpl"))
)

// calendarFilename is the attachment's name; mail clients offer a file
// ending in .ics to the calendar.
const calendarFilename = "invite.ics"

// emailView is what the email templates show. Every string in it is plain
// text: html/template escapes it for the HTML part.
type emailView struct {
	Subject         string
	Preheader       string // the first line, which inboxes show next to the subject
	Kicker          string // the line above the title in the header
	Title           string
	Greeting        string
	Lead            string
	WhenLabel       string
	When            string
	Previous        string // rescheduled: the old start
	Duration        string // "1 hour"; not for a cancellation
	After           string // a paragraph after the time (cancelled: what it means for the viewer)
	Help            string // a paragraph after the button (starting now: how joining works)
	Custom          [][]string
	CustomText      string
	Description     [][]string
	DescriptionText string
	WatchLabel      string
	WatchURL        string
	Shared          bool // the watch button's link is the same for everyone (the replay)
	CalendarURL     string
	GoogleURL       string
	UnsubscribeURL  string
	CancelURL       string
	OpenPixelURL    string // HTML part only
	HostName        string // the host's own name, when it gave one
	ReplyTo         bool   // replies reach the host
	LogoURL         string
	LogoAlt         string
	Colors          palette
	// Lang is the message's language (the html element's lang); W its
	// words around the fields above.
	Lang string
	W    emailWords
}

// emailWords are the fixed words of an email in its language; the
// footer's sentences name the event and the host.
type emailWords struct {
	Previously, RunsFor, RunsForText, YoursAlone, AddCalendar, GoogleCalendar, About, HostNote string
	Reason, Reply, CancelLead, CancelLink, CancelTail, UnsubscribeLink, UnsubscribeTail        string
}

// wordsFor are the fixed words in l of an email about title from host
// (its name, or "") of an event that runs for duration ("" for none shown).
func wordsFor(l *locale.Locale, title, host, duration string) emailWords {
	w := emailWords{
		Previously: l.T("email_previously"), YoursAlone: l.T("email_yours_alone"),
		AddCalendar: l.T("email_add_calendar"), GoogleCalendar: l.T("email_google_calendar"), About: l.T("email_about"),
		HostNote: l.T("email_host_note"), Reason: l.T("footer_reason", "Title", title), Reply: l.T("footer_reply"),
		CancelLead: l.T("footer_cancel_lead"), CancelLink: l.T("footer_cancel_link"), CancelTail: l.T("footer_cancel_tail"),
		UnsubscribeLink: l.T("footer_unsubscribe_link"), UnsubscribeTail: l.T("footer_unsubscribe_tail"),
	}
	if duration != "" {
		w.RunsFor, w.RunsForText = l.T("email_runs_for", "Duration", duration), l.T("email_runs_for_text", "Duration", duration)
	}
	if host != "" {
		w.Reason, w.Reply = l.T("footer_reason_host", "Title", title, "Host", host), l.T("footer_reply_host", "Host", host)
	}
	return w
}

// kindCopy is the wording that differs between kinds.
type kindCopy struct {
	kicker, lead, whenLabel, watchLabel, after, help string
}

// RenderEmail renders c as an email to the registrant: an HTML part and a
// text part saying the same, the one-click unsubscribe headers of RFC 8058,
// and for confirmations, reschedules and cancellations the calendar file.
// It executes the templates for this one message; a notification to many
// registrants is cheaper through PrepareEmail, whose Fill gives the same
// message byte for byte.
func RenderEmail(c Content) (Message, error) {
	n, p := c.Split()
	t, err := PrepareEmail(n)
	if err != nil {
		return Message{}, err
	}
	pv, err := t.personalize(p)
	if err != nil {
		return Message{}, err
	}
	v, hv := t.views(&pv)
	var html, text bytes.Buffer
	html.Grow(8 << 10)
	text.Grow(2 << 10)
	if err := emailHTML.Execute(&html, hv); err != nil {
		return Message{}, fmt.Errorf("notify: render email html: %w", err)
	}
	if err := emailText.Execute(&text, v); err != nil {
		return Message{}, fmt.Errorf("notify: render email text: %w", err)
	}
	return t.message(&pv, p, v.Subject, text.String(), html.String())
}

// views are what the text part (v) and the HTML part (hv) of the email to
// the recipient of pv show. The HTML part's links are the tracked ones.
func (t *EmailTemplate) views(pv *personalView) (v, hv emailView) {
	n := t.n
	zone := pv.zone
	l := locale.For(pv.lang)
	kc := copyFor(n, t.title, zone, l)
	v = emailView{
		Lang:           string(l.Lang),
		Subject:        oneLine(kc.kicker + ": " + t.title),
		Kicker:         kc.kicker,
		Title:          t.title,
		Greeting:       pv.text[slotGreeting],
		Lead:           kc.lead,
		WhenLabel:      kc.whenLabel,
		When:           FormatTimeIn(n.Event.ScheduledStart, zone, l.Lang),
		After:          kc.after,
		Help:           kc.help,
		UnsubscribeURL: pv.text[slotUnsubscribe],
		CancelURL:      pv.text[slotCancel],
		HostName:       t.fromName,
		ReplyTo:        t.replyTo != "",
		LogoURL:        n.From.LogoURL,
		LogoAlt:        n.From.DisplayName(),
		Colors:         paletteFor(n.From.BrandColor),
	}
	followUp := n.Kind == onair.KindFollowUpAttended || n.Kind == onair.KindFollowUpMissed
	if !carriesImages(n) {
		// No image at all in a cancellation, the logo neither (the name
		// stands in for it): a short message with an image is what spam
		// filters score, and this is the one message that must land.
		// So is a follow-up with no replay to link to.
		v.LogoURL = ""
	}
	if n.Kind != onair.KindCancelled && !followUp {
		v.Duration = durationWords(eventEnd(n.Event).Sub(n.Event.ScheduledStart), l, "length_")
	}
	v.W = wordsFor(l, t.title, t.fromName, v.Duration)
	// Visible, unlike the hidden preheaders of bulk mail: text in the
	// background's colour is what spam filters score as hidden.
	v.Preheader = v.WhenLabel + ": " + v.When
	if n.Kind == onair.KindRescheduled {
		v.Previous = FormatTimeIn(n.PreviousStart, zone, l.Lang)
	}
	// A cancellation carries no link to join and no entry to add, and the
	// host's note and the description were written for an event that was
	// going to happen (personalize leaves its links out).
	switch {
	case followUp:
		// The event is over: the host's words are the follow-up's own,
		// and the button is the replay, the same link for everyone.
		v.WatchLabel, v.Shared = kc.watchLabel, true
		v.CustomText = normalizeNewlines(n.Event.FollowUp(n.Kind).Message)
		v.Custom = paragraphs(v.CustomText)
	case n.Kind != onair.KindCancelled:
		v.WatchLabel = kc.watchLabel
		v.CustomText = normalizeNewlines(n.Event.Notifications.CustomMessage)
		v.Custom = paragraphs(v.CustomText)
		v.DescriptionText = normalizeNewlines(n.Event.Description)
		v.Description = paragraphs(v.DescriptionText)
	}
	v.WatchURL, v.CalendarURL, v.GoogleURL = pv.text[slotWatch], pv.text[slotCalendar], pv.text[slotGoogle]

	// The HTML part's links go through the click tracker; the text part's
	// stay plain.
	hv = v
	hv.Greeting, hv.UnsubscribeURL, hv.CancelURL = pv.html[slotGreeting], pv.html[slotUnsubscribe], pv.html[slotCancel]
	hv.WatchURL, hv.CalendarURL, hv.GoogleURL = pv.html[slotWatch], pv.html[slotCalendar], pv.html[slotGoogle]
	hv.OpenPixelURL = pv.html[slotPixel]
	return v, hv
}

// message is the email to the recipient of pv with the given subject and
// parts: its headers, and the calendar file for the kinds that carry one.
func (t *EmailTemplate) message(pv *personalView, p Personal, subject, text, html string) (Message, error) {
	m := Message{
		Channel: onair.ChannelEmail,
		To:      pv.to,
		// Only a name the host gave: without one, the provider sends as
		// EMAIL_FROM reads, byte for byte.
		FromName: t.fromName,
		Subject:  subject,
		Text:     text,
		HTML:     html,
		Headers: []Header{
			{Name: "List-Unsubscribe", Value: "<" + p.UnsubscribeURL + ">"},
			{Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click"},
		},
		DeliveryID: p.DeliveryID,
	}
	if t.replyTo != "" {
		m.Headers = append(m.Headers, Header{Name: "Reply-To", Value: t.replyTo})
	}
	if t.attach {
		m.Attachments = []Attachment{{
			Filename:    calendarFilename,
			ContentType: calendarContentType(t.n.Event),
			Data:        CalendarFile(t.n.Event, t.n.From, WatchLink(p.WatchURL, pv.lang)),
		}}
	}
	// Belt and braces: nothing above should let a line break through, and a
	// header with one is a header injection.
	if err := headerValue("Subject", m.Subject); err != nil {
		return Message{}, err
	}
	for _, h := range m.Headers {
		if err := headerValue(h.Name, h.Value); err != nil {
			return Message{}, err
		}
	}
	return m, nil
}

// carriesImages reports whether n's email shows images (the logo, the
// open pixel): not a cancellation, nor a follow-up without a replay. Both
// are short messages with nothing to click, and a short message with an
// image is what spam filters score (SpamAssassin's HTML_IMAGE_ONLY).
func carriesImages(n Notice) bool {
	switch n.Kind {
	case onair.KindCancelled, onair.KindWaitlisted: // short notices, with no link to join
		return false
	case onair.KindFollowUpAttended, onair.KindFollowUpMissed:
		return n.Event.ReplayURL != ""
	}
	return true
}

// carriesCalendar reports whether an email of kind carries the calendar
// file: the ones that add, move or remove the entry.
func carriesCalendar(kind onair.NotificationKind) bool {
	switch kind {
	case onair.KindConfirmation, onair.KindRescheduled, onair.KindCancelled, onair.KindPromoted:
		return true
	}
	return false
}

// carriesWatch reports whether a message of kind carries the watch link:
// every one but a cancellation and a place on the waitlist, which have
// nothing to join.
func carriesWatch(kind onair.NotificationKind) bool {
	switch kind {
	case onair.KindCancelled, onair.KindWaitlisted, onair.KindFollowUpAttended, onair.KindFollowUpMissed:
		return false // a follow-up links to the replay instead, when there is one
	}
	return true
}

// checkNotice refuses what no message can be rendered from and resolves
// the kind: a reminder at offset zero (the "now" interval) is the
// starting-now message, and a cancellation always describes a cancelled
// event, so its calendar file is a CANCEL even if the caller passed the
// event as it was before.
func checkNotice(n Notice) (Notice, error) {
	switch n.Kind {
	case onair.KindConfirmation, onair.KindStartingNow, onair.KindCancelled, onair.KindWaitlisted, onair.KindPromoted,
		onair.KindFollowUpAttended, onair.KindFollowUpMissed:
	case onair.KindReminder:
		if n.Interval.Offset <= 0 {
			n.Kind = onair.KindStartingNow
		}
	case onair.KindRescheduled:
		if n.PreviousStart.IsZero() {
			return n, errors.New("notify: a rescheduled notice needs the previous start")
		}
	default:
		return n, fmt.Errorf("notify: unknown notification kind %q", n.Kind)
	}
	if n.Kind == onair.KindCancelled {
		n.Event.Status = onair.StatusCancelled
	}
	return n, nil
}

// checkLinks refuses a recipient's links that no message of kind may
// carry.
func checkLinks(kind onair.NotificationKind, p *Personal) error {
	// Rule 10: every message carries its unsubscribe path.
	if err := checkURL("unsubscribe URL", p.UnsubscribeURL, true); err != nil {
		return err
	}
	if err := checkURL("watch URL", p.WatchURL, carriesWatch(kind)); err != nil {
		return err
	}
	if err := checkURL("cancel URL", p.CancelURL, false); err != nil {
		return err
	}
	if err := checkURL("calendar URL", p.CalendarURL, false); err != nil {
		return err
	}
	return checkURL("open pixel URL", p.OpenPixelURL, false)
}

// copyFor words n's kind for the title in l.
func copyFor(n Notice, title, zone string, l *locale.Locale) kindCopy {
	t := func(id string) string { return l.T(id, "Title", title) }
	join, when := l.T("button_join"), l.T("label_when")
	switch n.Kind {
	case onair.KindConfirmation:
		if n.Live {
			return kindCopy{kicker: t("confirmation_live_kicker"), lead: t("confirmation_live_lead"), whenLabel: l.T("label_started"), watchLabel: l.T("button_watch_now")}
		}
		return kindCopy{kicker: t("confirmation_kicker"), lead: t("confirmation_lead"), whenLabel: when, watchLabel: join}
	case onair.KindWaitlisted:
		return kindCopy{kicker: t("waitlisted_kicker"), lead: t("waitlisted_lead"), whenLabel: when}
	case onair.KindPromoted:
		return kindCopy{kicker: t("promoted_kicker"), lead: t("promoted_lead"), whenLabel: when, watchLabel: join}
	case onair.KindReminder:
		until := untilWords(n.Interval.Offset, n.Event.ScheduledStart, zone, l)
		return kindCopy{kicker: l.T("reminder_kicker", "Until", until), lead: l.T("reminder_lead", "Title", title, "Until", until),
			whenLabel: when, watchLabel: join}
	case onair.KindStartingNow:
		return kindCopy{kicker: t("starting_now_kicker"), lead: t("starting_now_lead"), whenLabel: when, watchLabel: l.T("button_watch_now"),
			help: t("starting_now_help")}
	case onair.KindFollowUpAttended, onair.KindFollowUpMissed:
		prefix := "missed_"
		if n.Kind == onair.KindFollowUpAttended {
			prefix = "attended_"
		}
		lead := t(prefix + "lead")
		if n.Event.ReplayURL != "" {
			lead = t(prefix + "lead_replay")
		}
		return kindCopy{kicker: t(prefix + "kicker"), lead: lead, whenLabel: l.T("label_took_place"), watchLabel: l.T("button_replay"),
			after: t(prefix + "after")}
	case onair.KindRescheduled:
		return kindCopy{kicker: t("rescheduled_kicker"), lead: t("rescheduled_lead"), whenLabel: l.T("label_new_time"), watchLabel: join}
	default: // onair.KindCancelled
		return kindCopy{kicker: t("cancelled_kicker"), lead: t("cancelled_lead"), whenLabel: l.T("label_was_scheduled"),
			after: t("cancelled_after")}
	}
}

// greeting uses the registrant's first name when there is one.
func greeting(firstName string, l *locale.Locale) string {
	g := greetings[l.Lang]
	if name := oneLine(firstName); name != "" {
		return g.before + name + g.after
	}
	return g.plain
}

// greetingWords are a language's greeting, cut where the name goes: every
// recipient has their own, and the catalogue's template is executed once
// per language, not once per message (it doubled the cost of Fill).
type greetingWords struct{ plain, before, after string }

var greetings = func() map[onair.Language]greetingWords {
	out := make(map[onair.Language]greetingWords, len(onair.Languages))
	for _, lang := range onair.Languages {
		l := locale.For(lang)
		before, after, _ := strings.Cut(l.T("greeting_name", "Name", "\x00"), "\x00")
		out[lang] = greetingWords{plain: l.T("greeting"), before: before, after: after}
	}
	return out
}()

// paragraphs splits text into paragraphs (at blank lines) of lines, so that
// the HTML part keeps the author's line breaks without relying on
// white-space CSS, which Outlook ignores.
func paragraphs(s string) [][]string {
	if s == "" {
		return nil
	}
	var out [][]string
	for _, p := range strings.Split(s, "\n\n") {
		var lines []string
		for _, l := range strings.Split(p, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
		if lines != nil {
			out = append(out, lines)
		}
	}
	return out
}

// oneLine makes s fit on one line of a header or an SMS: every control or
// line-separator character becomes a space, runs of spaces become one.
// Titles and names are validated as single lines already; this is the
// second lock on the door to header injection.
func oneLine(s string) string {
	clean := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(clean), " ")
}

// headerValue refuses a header value that contains CR, LF or any other
// control character.
func headerValue(name, v string) error {
	if strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return fmt.Errorf("notify: the %s header contains a control character", name)
	}
	return nil
}

// checkURL refuses a link that is missing (when required), not absolute
// http(s), or not a single token: links go into headers and SMS verbatim,
// so they are checked rather than altered.
func checkURL(what, s string, required bool) error {
	if s == "" {
		if required {
			return fmt.Errorf("notify: the %s is required", what)
		}
		return nil
	}
	if strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == '<' || r == '>' || r == 0x7f }) >= 0 {
		return fmt.Errorf("notify: the %s contains a space, a control character or an angle bracket", what)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("notify: the %s %q is not an absolute http(s) URL", what, s)
	}
	return nil
}

package notify

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/onair-live/onair/internal/locale"
	"github.com/onair-live/onair/internal/onair"
)

// Notice is what one notification says to all its registrants: everything
// of a Content but the registrant's own. Whom it goes to, in which zone,
// with which links is Personal.
type Notice struct {
	Kind          onair.NotificationKind
	Interval      onair.Interval // the reminder's interval (KindReminder only)
	Event         onair.Event
	PreviousStart time.Time // KindRescheduled: the start before the change
	// From is the host as the message presents it.
	From Sender
	// Live says the event is under way as the message is sent: a
	// confirmation to a late joiner says so, and sends them straight in.
	Live bool
}

// Personal is what one message says to its registrant alone: the address
// or number and the first name of the greeting, the zone its times are
// shown in (the registration's, or the event's), the viewer's own links,
// and the delivery the message is for.
type Personal struct {
	Registration   onair.Registration
	WatchURL       string // APP_URL/watch/{event}?token=…
	CalendarURL    string // APP_URL/api/registrations/ics?token=…
	UnsubscribeURL string // APP_URL/u/{token}
	CancelURL      string // APP_URL/cancel/{token}: "can't make it?"
	// Track and OpenPixelURL are the email's tracked links, as in Content.
	Track        func(target string) string
	OpenPixelURL string
	// DeliveryID names the delivery; Fill copies it into the Message.
	DeliveryID int64
}

// Split separates what c says to every registrant of its notification
// from what it says to its registrant alone.
func (c Content) Split() (Notice, Personal) {
	return Notice{Kind: c.Kind, Interval: c.Interval, Event: c.Event, PreviousStart: c.PreviousStart, From: c.From, Live: c.Live},
		Personal{Registration: c.Registration, WatchURL: c.WatchURL, CalendarURL: c.CalendarURL,
			UnsubscribeURL: c.UnsubscribeURL, CancelURL: c.CancelURL, Track: c.Track, OpenPixelURL: c.OpenPixelURL}
}

// The slots of an email: the values that differ between its recipients.
type slot uint8

const (
	slotGreeting slot = iota
	slotWatch
	slotCalendar
	slotGoogle
	slotUnsubscribe
	slotPixel // the HTML part's only
	slotCancel
	numSlots
)

// slotNames name the slots as providers' variables: the text part's value
// under the name, the HTML part's (escaped, tracked) under name_html.
var slotNames = [numSlots]string{"greeting", "watch", "calendar", "google", "unsubscribe", "pixel", "cancel"}

// personalView is what the email to one recipient says of them alone:
// each slot's value in the text part and, tracked but not yet escaped, in
// the HTML part. An empty value leaves its line out of the message.
type personalView struct {
	to   string
	zone string
	lang onair.Language // the registrant's, or the event's
	text [numSlots]string
	html [numSlots]string
}

// shape says which slots of pv are filled: the templates' conditions
// depend on nothing else of a recipient.
func (pv *personalView) shape() uint16 {
	var s uint16
	for i := range numSlots {
		if pv.text[i] != "" {
			s |= 1 << i
		}
		if pv.html[i] != "" {
			s |= 1 << (numSlots + i)
		}
	}
	return s
}

// EmailTemplate is a notification's email, rendered once for each zone its
// recipients see times in, and filled in for each recipient. It is safe
// for concurrent use.
type EmailTemplate struct {
	n        Notice // as checkNotice resolved it
	title    string
	replyTo  string
	fromName string
	attach   bool // the kind carries the calendar file
	// google is the Google Calendar link in each language, cut where the
	// watch link goes (query-escaped, twice: in the details and as the
	// location); nil when the kind shows none.
	google map[onair.Language][]string
	// nonce marks the slots in a rendering: random, so that no text a host
	// or a viewer wrote can pass for one, and made of letters and digits,
	// which every escaper leaves alone.
	nonce string

	mu      sync.Mutex
	layouts map[layoutKey]*emailLayout
}

// layoutKey names one rendering of the templates: the viewer's zone (as
// resolved: every spelling of one zone renders alike) and which slots are
// filled.
type layoutKey struct {
	loc   *time.Location
	lang  onair.Language
	shape uint16
}

// emailLayout is the email rendered for one zone and shape, its parts cut
// at the slots.
type emailLayout struct {
	subject    string
	text, html chunks
	public     *Layout // the chunks' literals, for Parts
}

// chunks is a part of a message as literal text between slots:
// lits[0] slots[0] lits[1] … slots[n-1] lits[n].
type chunks struct {
	lits  []string
	slots []slot
	size  int // the literals' length
}

// PrepareEmail checks n and prepares its email for every recipient. The
// templates are rendered for a zone the first time a recipient in it is
// filled in.
func PrepareEmail(n Notice) (*EmailTemplate, error) {
	n, err := checkNotice(n)
	if err != nil {
		return nil, err
	}
	t := &EmailTemplate{
		n:        n,
		title:    oneLine(n.Event.Title),
		replyTo:  strings.TrimSpace(n.From.ReplyTo),
		fromName: oneLine(n.From.Name),
		attach:   carriesCalendar(n.Kind),
		layouts:  make(map[layoutKey]*emailLayout),
	}
	if err := headerValue("Reply-To", t.replyTo); err != nil {
		return nil, err
	}
	if err := checkURL("logo URL", n.From.LogoURL, false); err != nil {
		return nil, err
	}
	if err := headerValue("From", t.fromName); err != nil {
		return nil, err
	}
	var b [15]byte
	_, _ = rand.Read(b[:])
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	nonce := []byte("zq")
	for _, c := range b {
		nonce = append(nonce, alphabet[int(c)%len(alphabet)])
	}
	t.nonce = string(nonce)
	if carriesCalendarLinks(n.Kind) && !n.Live {
		t.google = make(map[onair.Language][]string, len(onair.Languages))
		for _, l := range onair.Languages {
			t.google[l] = strings.Split(GoogleCalendarURL(n.Event, t.token(slotWatch), l), t.token(slotWatch))
		}
	}
	return t, nil
}

// carriesCalendarLinks reports whether an email of kind offers to add the
// event to a calendar: not once it is starting, over or cancelled.
func carriesCalendarLinks(kind onair.NotificationKind) bool {
	switch kind {
	case onair.KindCancelled, onair.KindWaitlisted, onair.KindStartingNow, onair.KindFollowUpAttended, onair.KindFollowUpMissed:
		return false
	}
	return true
}

// token is slot s's mark in a rendering.
func (t *EmailTemplate) token(s slot) string { return t.nonce + string(rune('A'+s)) }

// HasAttachment reports whether every email of t carries an attachment
// of its own (the calendar file, which holds the viewer's link), which a
// provider's batch form cannot vary by recipient.
func (t *EmailTemplate) HasAttachment() bool { return t.attach }

// googleURL is the Google Calendar link around watch, in lang.
func (t *EmailTemplate) googleURL(watch string, lang onair.Language) string {
	if watch == "" {
		return GoogleCalendarURL(t.n.Event, "", lang)
	}
	return strings.Join(t.google[lang], url.QueryEscape(watch))
}

// personalize checks p and works out the slots of its email.
func (t *EmailTemplate) personalize(p Personal) (personalView, error) {
	kind := t.n.Kind
	if err := checkLinks(kind, &p); err != nil {
		return personalView{}, err
	}
	to := strings.TrimSpace(p.Registration.Email)
	if to == "" {
		return personalView{}, errors.New("notify: the registration has no email address")
	}
	if err := headerValue("To", to); err != nil {
		return personalView{}, err
	}
	pv := personalView{to: to, zone: onair.ViewerZoneName(t.n.Event, p.Registration), lang: onair.MessageLanguage(t.n.Event, p.Registration)}
	pv.text[slotGreeting] = greeting(p.Registration.FirstName, locale.For(pv.lang))
	pv.text[slotUnsubscribe] = p.UnsubscribeURL
	if !isFollowUp(kind) { // after the end there is nothing to cancel
		pv.text[slotCancel] = p.CancelURL
	}
	// A cancellation carries no link to join and no entry to add, nor does
	// a place on the waitlist; adding to a calendar an event that is
	// starting, live already, or over is no help: its follow-up links to
	// the replay when there is one.
	switch {
	case isFollowUp(kind):
		pv.text[slotWatch] = t.n.Event.ReplayURL
	case carriesWatch(kind):
		pv.text[slotWatch] = p.WatchURL
		if carriesCalendarLinks(kind) && !t.n.Live {
			pv.text[slotCalendar] = p.CalendarURL
			pv.text[slotGoogle] = t.googleURL(p.WatchURL, pv.lang)
		}
	}
	pv.html = pv.text
	if p.Track != nil {
		for _, s := range []slot{slotWatch, slotCalendar, slotGoogle} {
			if pv.html[s] != "" {
				pv.html[s] = p.Track(pv.html[s])
			}
		}
	}
	// A cancellation carries no open pixel: its open says nothing a host
	// acts on, and an image in a short message is what spam filters
	// look for.
	if carriesImages(t.n) {
		pv.html[slotPixel] = p.OpenPixelURL
	}
	return pv, nil
}

// Fill is the email of t to p: byte for byte what RenderEmail renders for
// the Content that Split would give back as t's Notice and p, with
// p.DeliveryID as its DeliveryID.
func (t *EmailTemplate) Fill(p Personal) (Message, error) {
	pv, err := t.personalize(p)
	if err != nil {
		return Message{}, err
	}
	l, err := t.layout(&pv)
	if err != nil {
		return Message{}, err
	}
	text, html := l.text.values(&pv.text, false), l.html.values(&pv.html, true)
	m, err := t.message(&pv, p, l.subject, join(l.text.lits, text), join(l.html.lits, html))
	if err != nil {
		return Message{}, err
	}
	m.Parts = &Parts{Layout: l.public, Text: text, HTML: html}
	return m, nil
}

// layout is the rendering for pv's zone and shape, made on first use.
func (t *EmailTemplate) layout(pv *personalView) (*emailLayout, error) {
	key := layoutKey{loc: location(pv.zone), lang: pv.lang, shape: pv.shape()}
	t.mu.Lock()
	l := t.layouts[key]
	t.mu.Unlock()
	if l != nil {
		return l, nil
	}
	// The templates see a token wherever pv has a value, so every
	// condition on a slot comes out as it would for pv.
	marked := personalView{to: pv.to, zone: pv.zone, lang: pv.lang}
	for s := range numSlots {
		if pv.text[s] != "" {
			marked.text[s] = t.token(s)
		}
		if pv.html[s] != "" {
			marked.html[s] = t.token(s)
		}
	}
	v, hv := t.views(&marked)
	var html, text bytes.Buffer
	if err := emailHTML.Execute(&html, hv); err != nil {
		return nil, fmt.Errorf("notify: render email html: %w", err)
	}
	if err := emailText.Execute(&text, v); err != nil {
		return nil, fmt.Errorf("notify: render email text: %w", err)
	}
	l = &emailLayout{subject: v.Subject}
	var err error
	if l.text, err = t.cut(text.String()); err != nil {
		return nil, err
	}
	if l.html, err = t.cut(html.String()); err != nil {
		return nil, err
	}
	l.public = &Layout{Text: l.text.lits, HTML: l.html.lits}
	t.mu.Lock()
	defer t.mu.Unlock()
	if prev := t.layouts[key]; prev != nil {
		return prev, nil // rendered meanwhile by another recipient
	}
	t.layouts[key] = l
	return l, nil
}

// cut splits a rendering at its tokens.
func (t *EmailTemplate) cut(s string) (chunks, error) {
	var c chunks
	for {
		i := strings.Index(s, t.nonce)
		if i < 0 {
			break
		}
		end := i + len(t.nonce)
		if end >= len(s) || s[end] < 'A' || s[end] >= 'A'+byte(numSlots) {
			return chunks{}, errors.New("notify: a slot's mark came out of the template mangled")
		}
		c.lits = append(c.lits, s[:i])
		c.slots = append(c.slots, slot(s[end]-'A'))
		s = s[end+1:]
	}
	c.lits = append(c.lits, s)
	for _, l := range c.lits {
		c.size += len(l)
	}
	return c, nil
}

// fill writes c with vals in its slots, escaped as the HTML part's
// template escapes them when html is set.
func (c *chunks) fill(vals *[numSlots]string, html bool) string {
	var b strings.Builder
	n := c.size
	for _, s := range c.slots {
		n += len(vals[s]) + len(vals[s])/8
	}
	b.Grow(n)
	for i, s := range c.slots {
		b.WriteString(c.lits[i])
		if html {
			htmlSlotEscapers[s](&b, vals[s])
		} else {
			b.WriteString(vals[s])
		}
	}
	b.WriteString(c.lits[len(c.lits)-1])
	return b.String()
}

// isFollowUp reports whether kind is one of the follow-ups after the end.
func isFollowUp(kind onair.NotificationKind) bool {
	return kind == onair.KindFollowUpAttended || kind == onair.KindFollowUpMissed
}

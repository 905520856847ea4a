package notify

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/onair-live/onair/internal/locale"
	"github.com/onair-live/onair/internal/onair"
)

// An SMS is sent as GSM-7 and kept within two concatenated segments of 153
// septets. One character outside the GSM-7 alphabet (an emoji, a curly
// quote) would switch the whole message to UCS-2, where two segments hold
// only 134 characters, so bodies are kept to GSM-7 and measured in septets
// (the extension characters such as € and [ take two).
const (
	maxSMSSeptets = 2 * 153
	// minSMSTitle is the shortest a truncated title may get before a
	// leaner layout is tried: below it the message no longer says which
	// event it is about.
	minSMSTitle = 20
)

// RenderSMS renders c as a text message to the registrant's phone: the
// event's title (shortened if needed), the start in the viewer's zone, the
// watch link and the way out, within two GSM-7 segments. A notification to
// many registrants is cheaper through PrepareSMS, whose Fill gives the
// same message.
func RenderSMS(c Content) (Message, error) {
	n, p := c.Split()
	t, err := PrepareSMS(n)
	if err != nil {
		return Message{}, err
	}
	to, err := t.check(&p)
	if err != nil {
		return Message{}, err
	}
	lang := onair.MessageLanguage(t.n.Event, p.Registration)
	way := wayOut(t.n.Kind, p, lang)
	layouts := smsLayouts(t.n, onair.ViewerZoneName(t.n.Event, p.Registration), lang)
	for note := range noteFits {
		for _, l := range layouts {
			fixed, ok := septets(l.body("", "", p.WatchURL, way))
			if !ok {
				return Message{}, errSMSNotGSM
			}
			if title, note, ok := l.fit(t.title, note, maxSMSSeptets-fixed); ok {
				return Message{Channel: onair.ChannelSMS, To: to, Text: l.body(title, note, p.WatchURL, way)}, nil
			}
		}
	}
	return Message{}, errSMSTooLong
}

var (
	errSMSNotGSM  = errors.New("notify: an SMS link or time is not GSM-7 text")
	errSMSTooLong = errors.New("notify: the SMS does not fit in two segments even with a short title (links too long?)")
)

// SMSTemplate is a notification's text message, worded once for each zone
// its recipients see times in, and filled in for each recipient. It is
// safe for concurrent use.
type SMSTemplate struct {
	n     Notice // as checkNotice resolved it
	title string // the title in GSM-7, before any cut

	mu      sync.Mutex
	layouts map[smsKey][]smsLayout
}

// smsKey names one wording of an SMS: the zone its times are in and its
// language.
type smsKey struct {
	loc  *time.Location
	lang onair.Language
}

// PrepareSMS checks n and prepares its text message for every recipient.
func PrepareSMS(n Notice) (*SMSTemplate, error) {
	n, err := checkNotice(n)
	if err != nil {
		return nil, err
	}
	title := gsmText(oneLine(n.Event.Title))
	if title == "" {
		// A title entirely outside GSM-7 (say, in Japanese) leaves nothing.
		title = "Your event"
	}
	return &SMSTemplate{n: n, title: title, layouts: make(map[smsKey][]smsLayout)}, nil
}

// check refuses what p's message cannot be sent with, and returns the
// number to send it to.
func (t *SMSTemplate) check(p *Personal) (string, error) {
	if err := checkLinks(t.n.Kind, p); err != nil {
		return "", err
	}
	to := strings.TrimSpace(p.Registration.Phone)
	if to == "" {
		return "", errors.New("notify: the registration has no phone number")
	}
	if !onair.IsE164(to) {
		return "", fmt.Errorf("notify: %q is not an E.164 phone number", to)
	}
	return to, nil
}

// Fill is the text message of t to p: what RenderSMS renders for the
// Content that Split would give back as t's Notice and p, with
// p.DeliveryID as its DeliveryID. It counts the septets of the links once
// and of the wording once per zone, where rendering counts them whole for
// every message.
func (t *SMSTemplate) Fill(p Personal) (Message, error) {
	to, err := t.check(&p)
	if err != nil {
		return Message{}, err
	}
	lang := onair.MessageLanguage(t.n.Event, p.Registration)
	way := wayOut(t.n.Kind, p, lang)
	unsub, unsubOK := septets(way)
	watch, watchOK := septets(p.WatchURL)
	layouts := t.layoutsFor(onair.ViewerZoneName(t.n.Event, p.Registration), lang)
	for note := range noteFits {
		for _, l := range layouts {
			fixed, ok := l.fixed+unsub, l.gsm && unsubOK
			if l.watch {
				fixed, ok = fixed+watch, ok && watchOK
			}
			if !ok {
				return Message{}, errSMSNotGSM
			}
			if title, note, ok := l.fit(t.title, note, maxSMSSeptets-fixed); ok {
				return Message{Channel: onair.ChannelSMS, To: to, Text: l.body(title, note, p.WatchURL, way), DeliveryID: p.DeliveryID}, nil
			}
		}
	}
	return Message{}, errSMSTooLong
}

// layoutsFor is the wording for zone in lang, made on first use.
func (t *SMSTemplate) layoutsFor(zone string, lang onair.Language) []smsLayout {
	key := smsKey{location(zone), lang}
	t.mu.Lock()
	defer t.mu.Unlock()
	ls, ok := t.layouts[key]
	if !ok {
		ls = smsLayouts(t.n, zone, lang)
		t.layouts[key] = ls
	}
	return ls
}

// smsLayout is one wording of an SMS: head, the title, tail, the host's
// note on a line of its own, then the watch link (when it has one) and the
// way out.
type smsLayout struct {
	head, tail string
	stop       string // the STOP line, in the message's language
	watch      bool
	// note is the event's sms_message made GSM-7 ("" for none): a
	// character outside the alphabet would make the whole message UCS-2,
	// whose two segments hold 134 characters instead of 306 septets.
	note string
	// fixed is the septets of everything but the title, the note and the
	// links; gsm says whether all of it is GSM-7.
	fixed int
	gsm   bool
}

// The lines around an SMS's links. Rule 10: the way out, and STOP, which
// carriers require us to honour (the keyword stays STOP in every
// language: it is the carriers'). The way out is the "can't make it?"
// link, whose page also stops the messages (it links to the unsubscribe
// page): two segments hold the watch link and one more, not two more. The
// watch link stands on its line alone, without a label, which pays for
// the words before the cancel link.
const smsWatch = "\n"

// wayOut is the line of p's SMS of kind that leads out, in lang: the
// cancel link, or the unsubscribe link for a message that has none (a
// preview) or comes after the end (a follow-up).
func wayOut(kind onair.NotificationKind, p Personal, lang onair.Language) string {
	w := smsWords[lang]
	if p.CancelURL != "" && !isFollowUp(kind) {
		return w.cancel + p.CancelURL
	}
	return w.unsubscribe + p.UnsubscribeURL
}

// smsStop is the last line of every SMS, in lang.
func smsStop(lang onair.Language) string { return smsWords[lang].stop }

// smsWords are the lines around an SMS's links in each language, worded
// once: wayOut runs for every message.
var smsWords = func() map[onair.Language]struct{ cancel, unsubscribe, stop string } {
	out := make(map[onair.Language]struct{ cancel, unsubscribe, stop string }, len(onair.Languages))
	for _, lang := range onair.Languages {
		l := locale.For(lang)
		out[lang] = struct{ cancel, unsubscribe, stop string }{
			"\n" + gsmWording(l.T("sms_cancel")) + " ", "\n" + gsmWording(l.T("sms_unsubscribe")) + " ", "\n" + gsmWording(l.T("sms_stop"))}
	}
	return out
}()

func newSMSLayout(head, tail string, watch bool, stop string) smsLayout {
	l := smsLayout{head: head, tail: tail, watch: watch, stop: stop}
	l.fixed, l.gsm = septets(l.body("", "", "", ""))
	return l
}

// body is the message with title, the note as fitted, the watch link and
// the way out (the line wayOut gives).
func (l smsLayout) body(title, note, watch, way string) string {
	s := l.head + title + l.tail
	if note != "" {
		s += "\n" + note
	}
	if l.watch {
		s += smsWatch + watch
	}
	return s + way + l.stop
}

// noteFit is how much of the host's note an SMS keeps. Every layout is
// tried with the whole note before any with a cut one, and with a cut one
// before any without: the host's words outrank the richer wording.
type noteFit int

const (
	noteWhole noteFit = iota // the title shortened, down to minSMSTitle
	noteCut                  // beside the shortest title, cut to minSMSTitle at least
	noteNone
	noteFits // how many there are
)

// fit is the title and the note as they go into l within budget septets
// (all but the title, the note and its line break), keeping as much of the
// note as nf says; ok is false when that does not fit.
func (l smsLayout) fit(title string, nf noteFit, budget int) (string, string, bool) {
	switch {
	case nf == noteNone || l.note == "":
		if nf != noteNone && l.note == "" && nf != noteWhole {
			return "", "", false // without a note, the first pass says it all
		}
		t, ok := fitTitle(title, budget)
		return t, "", ok
	case nf == noteWhole:
		n, _ := septets(l.note)
		t, ok := fitTitle(title, budget-n-1)
		return t, l.note, ok
	}
	short, _ := fitTitle(title, minSMSTitle)
	used, _ := septets(short)
	note, ok := fitTitle(l.note, budget-used-1)
	return short, note, ok
}

// smsLayouts returns the wordings of n's SMS in zone and lang, richest
// first; the first that fits with a readable title wins. Each carries the
// event's note (sms_message).
func smsLayouts(n Notice, zone string, lang onair.Language) []smsLayout {
	ls := kindLayouts(n, zone, lang)
	note := gsmText(oneLine(n.Event.Notifications.SMSMessage))
	for i := range ls {
		ls[i].note = note
	}
	return ls
}

// smsTitleMark stands for the title in a catalogue's SMS wording, which
// is cut there into the layout's head and tail.
const smsTitleMark = "\x00"

// kindLayouts are the wordings of n's kind in lang, before the note.
// Each is a catalogue message with the title, the times and how long
// until the start in it, kept to GSM-7 (gsmWording): an "ã" or an "ê"
// would make the whole message UCS-2, whose two segments hold 134
// characters instead of 306 septets, fewer than the links need.
func kindLayouts(n Notice, zone string, lang onair.Language) []smsLayout {
	l := locale.For(lang)
	stop := smsStop(lang)
	when := FormatShortTimeIn(n.Event.ScheduledStart, zone, lang)
	layout := func(id string, watch bool, kv ...any) smsLayout {
		text := gsmWording(l.T(id, append([]any{"Title", smsTitleMark, "When", when}, kv...)...))
		head, tail, _ := strings.Cut(text, smsTitleMark)
		return newSMSLayout(head, tail, watch, stop)
	}
	switch n.Kind {
	case onair.KindConfirmation:
		if n.Live {
			return []smsLayout{layout("sms_confirmation_live", true)}
		}
		return []smsLayout{layout("sms_confirmation", true), layout("sms_confirmation_short", true)}
	case onair.KindWaitlisted:
		return []smsLayout{layout("sms_waitlisted", false), layout("sms_waitlisted_short", false)}
	case onair.KindPromoted:
		return []smsLayout{layout("sms_promoted", true), layout("sms_promoted_short", true)}
	case onair.KindReminder:
		until := untilWords(n.Interval.Offset, n.Event.ScheduledStart, zone, l)
		return []smsLayout{layout("sms_reminder", true, "Until", until), layout("sms_reminder_short", true)}
	case onair.KindStartingNow:
		return []smsLayout{layout("sms_starting_now", true)}
	case onair.KindRescheduled:
		// Both times are in the viewer's zone; the old one repeats the
		// zone's name only when it differs (across a DST change).
		was := FormatShortTimeIn(n.PreviousStart, zone, lang)
		if z := " " + zoneName(n.Event.ScheduledStart.In(location(zone))); strings.HasSuffix(when, z) && strings.HasSuffix(was, z) {
			was = strings.TrimSuffix(was, z)
		}
		return []smsLayout{
			layout("sms_rescheduled", true, "Was", was),
			// With long links and a long zone name the old time may not
			// fit; the new one is what the viewer must know.
			layout("sms_rescheduled_short", true),
		}
	case onair.KindFollowUpAttended, onair.KindFollowUpMissed:
		// Nothing to join: the replay when there is one, the same link
		// for everyone (left out if it is not GSM-7 text).
		id := "sms_missed"
		if n.Kind == onair.KindFollowUpAttended {
			id = "sms_attended"
		}
		plain := layout(id, false)
		replay := plain
		replay.tail += "\n" + gsmWording(l.T("sms_replay")) + " " + n.Event.ReplayURL
		replay = newSMSLayout(replay.head, replay.tail, false, stop)
		if n.Event.ReplayURL != "" && replay.gsm {
			return []smsLayout{replay, plain}
		}
		return []smsLayout{plain}
	default: // onair.KindCancelled: nothing to watch
		return []smsLayout{layout("sms_cancelled", false)}
	}
}

// fitTitle returns title whole if it takes at most budget septets, or cut
// and ending in "..." to fit; ok is false when that would leave fewer than
// minSMSTitle septets.
func fitTitle(title string, budget int) (string, bool) {
	if n, _ := septets(title); n <= budget {
		return title, true
	}
	if budget < minSMSTitle {
		return "", false
	}
	used, end := 0, 0
	for i, r := range title {
		n := gsmSeptets[r]
		if used+n > budget-len("...") {
			break
		}
		used += n
		end = i + len(string(r))
	}
	return strings.TrimRight(title[:end], " ") + "...", true
}

// septets counts the GSM-7 septets of s; ok is false if s has a character
// outside the alphabet.
func septets(s string) (n int, ok bool) {
	for _, r := range s {
		k, in := gsmSeptets[r]
		if !in {
			return n, false
		}
		n += k
	}
	return n, true
}

// gsmWording keeps a catalogue's wording within GSM-7 as gsmText does,
// but leaves its spaces and line breaks as they are: the wording is cut
// around the title, and its ends are spaces.
func gsmWording(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\x00' || gsmSeptets[r] > 0:
			b.WriteRune(r)
		case gsmReplacements[r] != "":
			b.WriteString(gsmReplacements[r])
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// gsmText keeps s within GSM-7: characters outside it are replaced by a
// near equivalent (curly quotes, dashes, accents, "…") or dropped (emoji,
// other scripts), and the spaces that leaves are tidied.
func gsmText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsControl(r):
			b.WriteByte(' ')
		case gsmSeptets[r] > 0:
			b.WriteRune(r)
		case gsmReplacements[r] != "":
			b.WriteString(gsmReplacements[r])
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// The GSM 03.38 alphabet: the basic set (one septet each) and the
// extension table (an escape and a character: two septets).
const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtension = "^{}\\[~]|€\f"
)

// gsmSeptets maps every GSM-7 character to the septets it takes.
var gsmSeptets = func() map[rune]int {
	m := make(map[rune]int, 140)
	for _, r := range gsmBasic {
		m[r] = 1
	}
	for _, r := range gsmExtension {
		m[r] = 2
	}
	return m
}()

// gsmReplacements are the GSM-7 stand-ins for common characters outside it.
var gsmReplacements = map[rune]string{
	'‘': "'", '’': "'", '‚': "'", '′': "'", '`': "'", '´': "'",
	'“': `"`, '”': `"`, '„': `"`, '″': `"`, '«': `"`, '»': `"`,
	'–': "-", '—': "-", '‐': "-", '‑': "-", '−': "-", '•': "-", '·': "-",
	'…': "...",
	'á': "a", 'â': "a", 'ã': "a", 'ā': "a", 'ą': "a",
	'Á': "A", 'À': "A", 'Â': "A", 'Ã': "A", 'Ā': "A", 'Ą': "A",
	'ç': "c", 'ć': "c", 'č': "c", 'Ć': "C", 'Č': "C",
	'ê': "e", 'ë': "e", 'ē': "e", 'ę': "e", 'ě': "e",
	'È': "E", 'Ê': "E", 'Ë': "E", 'Ē': "E", 'Ę': "E", 'Ě': "E",
	'í': "i", 'î': "i", 'ï': "i", 'ī': "i", 'Í': "I", 'Ì': "I", 'Î': "I", 'Ï': "I",
	'ó': "o", 'ô': "o", 'õ': "o", 'ō': "o", 'ő': "o", 'Ó': "O", 'Ò': "O", 'Ô': "O", 'Õ': "O", 'Ő': "O",
	'ú': "u", 'û': "u", 'ū': "u", 'ű': "u", 'ů': "u", 'Ú': "U", 'Ù': "U", 'Û': "U", 'Ű': "U",
	'ý': "y", 'ÿ': "y", 'Ý': "Y", 'ń': "n", 'ň': "n", 'Ń': "N",
	'ł': "l", 'Ł': "L", 'ś': "s", 'š': "s", 'Ś': "S", 'Š': "S", 'ř': "r", 'Ř': "R",
	'ź': "z", 'ż': "z", 'ž': "z", 'Ź': "Z", 'Ż': "Z", 'Ž': "Z", 'ť': "t", 'ď': "d",
	'œ': "oe", 'Œ': "OE", 'ð': "d", 'þ': "th",
	'™': "(TM)", '©': "(C)", '®': "(R)", '×': "x",
}

package notify

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

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
// watch link and the way out, within two GSM-7 segments.
func RenderSMS(c Content) (Message, error) {
	c, err := checkContent(c)
	if err != nil {
		return Message{}, err
	}
	to := strings.TrimSpace(c.Registration.Phone)
	if to == "" {
		return Message{}, errors.New("notify: the registration has no phone number")
	}
	if !onair.IsE164(to) {
		return Message{}, fmt.Errorf("notify: %q is not an E.164 phone number", to)
	}
	title := gsmText(oneLine(c.Event.Title))
	if title == "" {
		// A title entirely outside GSM-7 (say, in Japanese) leaves nothing.
		title = "Your event"
	}
	for _, layout := range smsLayouts(c) {
		fixed, ok := septets(layout(""))
		if !ok {
			return Message{}, errors.New("notify: an SMS link or time is not GSM-7 text")
		}
		t, ok := fitTitle(title, maxSMSSeptets-fixed)
		if !ok {
			continue
		}
		return Message{Channel: onair.ChannelSMS, To: to, Text: layout(t)}, nil
	}
	return Message{}, fmt.Errorf("notify: the SMS does not fit in two segments even with a short title (links too long?)")
}

// smsLayouts returns the bodies of c's SMS as functions of the title,
// richest first; the first that fits with a readable title wins.
func smsLayouts(c Content) []func(title string) string {
	zone := c.viewerZone()
	when := FormatTime(c.Event.ScheduledStart, zone)
	watch := "\nWatch: " + c.WatchURL
	// Rule 10: the link, and STOP, which carriers require us to honour.
	optOut := "\nUnsubscribe: " + c.UnsubscribeURL + "\nReply STOP to opt out."
	switch c.Kind {
	case onair.KindConfirmation:
		return []func(string) string{
			func(t string) string { return "You're registered for " + t + " on " + when + "." + watch + optOut },
		}
	case onair.KindReminder:
		until := untilWords(c.Interval.Offset, c.Event.ScheduledStart, zone)
		return []func(string) string{
			func(t string) string { return t + " starts " + until + " (" + when + ")." + watch + optOut },
		}
	case onair.KindStartingNow:
		return []func(string) string{
			func(t string) string { return t + " is live now!" + watch + optOut },
		}
	case onair.KindRescheduled:
		// Both times are in the viewer's zone; the old one repeats the
		// zone's name only when it differs (across a DST change).
		was := FormatTime(c.PreviousStart, zone)
		if z := " " + zoneName(c.Event.ScheduledStart.In(location(zone))); strings.HasSuffix(when, z) && strings.HasSuffix(was, z) {
			was = strings.TrimSuffix(was, z)
		}
		return []func(string) string{
			func(t string) string { return t + " has moved to " + when + " (was " + was + ")." + watch + optOut },
			// With long links and a long zone name the old time may not
			// fit; the new one is what the viewer must know.
			func(t string) string { return t + " has moved to " + when + "." + watch + optOut },
		}
	default: // onair.KindCancelled: nothing to watch
		return []func(string) string{
			func(t string) string { return t + " has been cancelled. Sorry for the change of plans." + optOut },
		}
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

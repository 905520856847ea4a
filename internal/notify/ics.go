package notify

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

	"github.com/onair-live/onair/internal/locale"
	"github.com/onair-live/onair/internal/onair"
)

// Calendar files are written with github.com/arran4/golang-ical. Tested
// here (ics_test.go) it writes CRLF line ends when asked
// (ics.WithNewLineWindows), folds at 75 octets without splitting a UTF-8
// sequence, and escapes TEXT values; its one gap is a bare CR, which it
// passes through, so text is normalised to LF before it is handed over.

// prodID names onair as the producer of every calendar file (RFC 5545 3.7.3).
const prodID = "-//onair//onair events//EN"

// The METHOD of a calendar file and of the Content-Type that carries it
// (RFC 6047 wants them equal). PUBLISH rather than REQUEST: the same file is
// the confirmation's attachment and the public download of
// GET /events/{id}.ics, and REQUEST is an iTIP invitation that needs
// ATTENDEE lines and asks the viewer's client to RSVP to an organizer that
// cannot read replies. Clients still replace an entry they already hold
// when a PUBLISH arrives with the same UID and a higher SEQUENCE, which is
// what a reschedule needs. A cancelled event is a CANCEL, which clients
// apply to the entry with that UID.
const (
	methodPublish = "PUBLISH"
	methodCancel  = "CANCEL"
)

// calendarMethod is the METHOD of ev's calendar file.
func calendarMethod(ev onair.Event) string {
	if ev.Status == onair.StatusCancelled {
		return methodCancel
	}
	return methodPublish
}

// calendarContentType is the Content-Type of ev's calendar file as an
// email attachment.
func calendarContentType(ev onair.Event) string {
	return "text/calendar; charset=utf-8; method=" + calendarMethod(ev)
}

// calendarUID is the UID of ev's calendar entry. It never changes, so that
// a reschedule or a cancel updates the entry viewers already have instead
// of adding a second one.
func calendarUID(ev onair.Event) string { return ev.ID + "@onair" }

// CalendarLink is the link of a calendar entry: its URL and LOCATION, and
// the line that ends its description, which says what the link is for.
type CalendarLink struct {
	Label string // "Watch", "Register", in Lang
	URL   string
	// Lang is the language of the entry's own words (the link's label,
	// the alarm).
	Lang onair.Language
}

// WatchLink is a viewer's own link to the event, in the calendar file of
// that viewer, in their language.
func WatchLink(url string, lang onair.Language) CalendarLink {
	return CalendarLink{Label: locale.For(lang).T("calendar_watch"), URL: url, Lang: lang}
}

// RegistrationLink is the event's public registration page, in the public
// calendar file, which anyone may download and which carries no viewer's
// link: in the event's language.
func RegistrationLink(url string, lang onair.Language) CalendarLink {
	return CalendarLink{Label: locale.For(lang).T("calendar_register"), URL: url, Lang: lang}
}

// alarmBefore is how long before the start the entry's alarm rings.
const alarmBefore = 15 * time.Minute

// CalendarFile returns ev as an RFC 5545 calendar with one VEVENT: CRLF line
// ends, lines folded at 75 octets, times in UTC, SEQUENCE from the event so
// that clients apply changes in order, and METHOD:CANCEL with
// STATUS:CANCELLED once the event is cancelled. The ORGANIZER, which RFC
// 5546 requires in a PUBLISH and a CANCEL (a client may ignore a CANCEL
// without one), is from: the host's name at onair's sending address. link,
// when given, is the entry's URL and LOCATION and ends its description.
// A scheduled event rings an alarm 15 minutes before it starts.
func CalendarFile(ev onair.Event, from Sender, link CalendarLink) []byte {
	cal := ics.NewCalendarFor("onair")
	cal.SetProductId(prodID)
	cal.SetMethod(ics.Method(calendarMethod(ev)))

	ve := cal.AddEvent(calendarUID(ev))
	ve.SetSequence(ev.Sequence)
	ve.SetDtStampTime(calendarStamp(ev))
	ve.SetStartAt(ev.ScheduledStart)
	ve.SetEndAt(eventEnd(ev))
	ve.SetSummary(oneLine(ev.Title))
	if from.Address != "" {
		ve.Properties = append(ve.Properties, organizer(from))
	}
	if d := calendarDescription(ev, link); d != "" {
		ve.SetDescription(d)
	}
	if link.URL != "" {
		ve.SetLocation(link.URL)
		ve.SetURL(link.URL)
	}
	if ev.Status == onair.StatusCancelled {
		ve.SetStatus(ics.ObjectStatusCancelled)
	} else {
		ve.SetStatus(ics.ObjectStatusConfirmed)
		// RFC 5546 allows no VALARM in a CANCEL: there is nothing to
		// remind of.
		alarm := ve.AddAlarm()
		alarm.SetAction(ics.ActionDisplay)
		alarm.SetTrigger("-PT15M")
		alarm.SetDescription(locale.For(link.Lang).T("calendar_alarm", "Title", oneLine(ev.Title), "Minutes", int(alarmBefore.Minutes())))
	}
	return []byte(cal.Serialize(ics.WithNewLineWindows))
}

// organizer is the ORGANIZER property of an entry sent by from. The name
// is written here, not as the library's CN parameter: the library escapes
// a parameter value with backslashes ("Acme\, Inc."), which RFC 5545 does
// not know, where a value with a comma, a colon or a semicolon must be a
// quoted string, and a double quote in it is ^' (RFC 6868).
func organizer(from Sender) ics.IANAProperty {
	head := string(ics.ComponentPropertyOrganizer)
	if name := from.DisplayName(); name != "" {
		head += `;CN="` + paramQuoter.Replace(name) + `"`
	}
	return ics.IANAProperty{BaseProperty: ics.BaseProperty{
		IANAToken: head,
		// The address goes in a mailto URI, in which these would have to
		// be percent-encoded (and a TEXT escape would be applied to them).
		Value:          "mailto:" + mailtoEscaper.Replace(from.Address),
		ICalParameters: map[string][]string{},
	}}
}

var (
	paramQuoter   = strings.NewReplacer("^", "^^", `"`, "^'")
	mailtoEscaper = strings.NewReplacer("%", "%25", ",", "%2C", ";", "%3B", `\`, "%5C", `"`, "%22", " ", "%20")
)

// calendarStamp is the DTSTAMP: when the event last changed, not when the
// file was rendered, so that rendering stays a pure function and two
// renderings of one version of the event are byte for byte the same.
func calendarStamp(ev onair.Event) time.Time {
	for _, t := range []time.Time{ev.UpdatedAt, ev.CreatedAt} {
		if !t.IsZero() {
			return t
		}
	}
	return ev.ScheduledStart
}

// eventEnd is the event's planned end; an event without a duration is
// given an hour, the API's default.
func eventEnd(ev onair.Event) time.Time {
	minutes := ev.DurationMinutes
	if minutes <= 0 {
		minutes = 60
	}
	return ev.ScheduledStart.Add(time.Duration(minutes) * time.Minute)
}

// calendarDescription is the event's description followed by the link,
// with every line end as a plain LF (the library escapes LF as \n but would
// let a CR through into the file).
func calendarDescription(ev onair.Event, link CalendarLink) string {
	d := normalizeNewlines(ev.Description)
	if link.URL != "" {
		if d != "" {
			d += "\n\n"
		}
		d += link.Label + ": " + link.URL
	}
	return d
}

// maxGoogleDetails bounds, in bytes of UTF-8, the description carried in a
// Google Calendar link: the whole link must stay well under the ~8 KB that
// browsers and mail clients reliably follow, a description may be 10,000
// characters, and in the link each byte outside ASCII takes three ("%E6").
// A bound in characters let a Japanese description make a 9 KB link.
const maxGoogleDetails = 1000

// GoogleCalendarURL returns a link that opens Google Calendar's "new event"
// form filled in with ev: title, UTC start and end, the description and the
// watch link.
func GoogleCalendarURL(ev onair.Event, watchURL string, lang onair.Language) string {
	details := truncateBytes(normalizeNewlines(ev.Description), maxGoogleDetails)
	if watchURL != "" {
		if details != "" {
			details += "\n\n"
		}
		details += locale.For(lang).T("calendar_watch") + ": " + watchURL
	}
	q := url.Values{}
	q.Set("action", "TEMPLATE")
	q.Set("text", oneLine(ev.Title))
	q.Set("dates", icsTime(ev.ScheduledStart)+"/"+icsTime(eventEnd(ev)))
	if details != "" {
		q.Set("details", details)
	}
	if watchURL != "" {
		q.Set("location", watchURL)
	}
	return "https://calendar.google.com/calendar/render?" + q.Encode()
}

// normalizeNewlines turns CRLF and lone CR into LF and trims the ends.
func normalizeNewlines(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.TrimSpace(s)
}

// truncateBytes cuts s to at most n bytes, between two characters, marking
// a cut with "…".
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimRight(s[:cut], " \n") + "…"
}

package notify

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

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

// CalendarFile returns ev as an RFC 5545 calendar with one VEVENT: CRLF line
// ends, lines folded at 75 octets, times in UTC, SEQUENCE from the event so
// that clients apply changes in order, and METHOD:CANCEL with
// STATUS:CANCELLED once the event is cancelled. watchURL, when given, is
// the entry's URL and ends its description.
func CalendarFile(ev onair.Event, watchURL string) []byte {
	cal := ics.NewCalendarFor("onair")
	cal.SetProductId(prodID)
	cal.SetMethod(ics.Method(calendarMethod(ev)))

	ve := cal.AddEvent(calendarUID(ev))
	ve.SetSequence(ev.Sequence)
	ve.SetDtStampTime(calendarStamp(ev))
	ve.SetStartAt(ev.ScheduledStart)
	ve.SetEndAt(eventEnd(ev))
	ve.SetSummary(oneLine(ev.Title))
	if d := calendarDescription(ev, watchURL); d != "" {
		ve.SetDescription(d)
	}
	if watchURL != "" {
		ve.SetURL(watchURL)
	}
	if ev.Status == onair.StatusCancelled {
		ve.SetStatus(ics.ObjectStatusCancelled)
	} else {
		ve.SetStatus(ics.ObjectStatusConfirmed)
	}
	return []byte(cal.Serialize(ics.WithNewLineWindows))
}

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

// calendarDescription is the event's description followed by the watch
// link, with every line end as a plain LF (the library escapes LF as \n but
// would let a CR through into the file).
func calendarDescription(ev onair.Event, watchURL string) string {
	d := normalizeNewlines(ev.Description)
	if watchURL != "" {
		if d != "" {
			d += "\n\n"
		}
		d += "Watch: " + watchURL
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
func GoogleCalendarURL(ev onair.Event, watchURL string) string {
	details := truncateBytes(normalizeNewlines(ev.Description), maxGoogleDetails)
	if watchURL != "" {
		if details != "" {
			details += "\n\n"
		}
		details += "Watch: " + watchURL
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

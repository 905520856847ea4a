package notify

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

	"github.com/onair-live/onair/internal/onair"
)

// icsProp is one content line of a calendar file, unfolded.
type icsProp struct {
	Name, Params, Value string
}

type icsCal []icsProp

// get returns the value of the first property called name, TEXT escapes
// undone, or "" when there is none.
func (c icsCal) get(name string) string {
	for _, p := range c {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// component returns the properties of the first component called name,
// without those of the components nested in it (a VEVENT's VALARM).
func (c icsCal) component(name string) icsCal {
	var out icsCal
	depth := 0
	for _, p := range c {
		switch {
		case depth == 0 && p.Name == "BEGIN" && p.Value == name:
			depth = 1
		case depth == 0:
		case p.Name == "BEGIN":
			depth++
		case p.Name == "END":
			if depth--; depth == 0 {
				return out
			}
		case depth == 1:
			out = append(out, p)
		}
	}
	return out
}

// param returns the value of parameter name of the first property called
// prop, a quoted string unquoted and RFC 6868 escapes undone, and whether
// there is one.
func (c icsCal) param(prop, name string) (string, bool) {
	for _, p := range c {
		if p.Name != prop {
			continue
		}
		for _, kv := range splitOutsideQuotes(p.Params, ';') {
			k, v, _ := strings.Cut(kv, "=")
			if k != name {
				continue
			}
			if strings.HasPrefix(v, `"`) {
				v = strings.TrimSuffix(strings.TrimPrefix(v, `"`), `"`)
			}
			return strings.NewReplacer("^'", `"`, "^n", "\n", "^^", "^").Replace(v), true
		}
		return "", false
	}
	return "", false
}

// splitOutsideQuotes splits s at every sep that is not inside a quoted
// string.
func splitOutsideQuotes(s string, sep byte) []string {
	var out []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case sep:
			if !quoted {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// indexOutsideQuotes is the index of the first c in s outside a quoted
// string, or -1.
func indexOutsideQuotes(s string, c byte) int {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case c:
			if !quoted {
				return i
			}
		}
	}
	return -1
}

// textProps are the properties parseICS reads as RFC 5545 TEXT.
var textProps = map[string]bool{"SUMMARY": true, "DESCRIPTION": true, "UID": true, "PRODID": true, "METHOD": true,
	"STATUS": true, "LOCATION": true, "ACTION": true}

// parseICS is a deliberately strict reader of what CalendarFile writes: it
// fails the test on a line end other than CRLF, a physical line over 75
// octets or one that is not valid UTF-8 by itself (a fold inside a UTF-8
// sequence), a bad TEXT escape or an unescaped ; or , in TEXT.
func parseICS(t *testing.T, data []byte) icsCal {
	t.Helper()
	s := string(data)
	if !strings.HasSuffix(s, "\r\n") {
		t.Fatalf("calendar does not end with CRLF: %q", s)
	}
	var logical []string
	for i, line := range strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n") {
		if strings.ContainsAny(line, "\r\n") {
			t.Fatalf("line %d has a bare CR or LF: %q", i+1, line)
		}
		if len(line) > 75 {
			t.Errorf("line %d is %d octets: %q", i+1, len(line), line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("line %d is not valid UTF-8 by itself (a fold split a character): %q", i+1, line)
		}
		if strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
			if len(logical) == 0 {
				t.Fatal("the first line is a continuation")
			}
			logical[len(logical)-1] += line[1:]
			continue
		}
		logical = append(logical, line)
	}
	var cal icsCal
	for _, l := range logical {
		// A parameter value may hold a colon inside quotes (CN="A: B").
		colon := indexOutsideQuotes(l, ':')
		if colon < 0 {
			t.Fatalf("no colon in %q", l)
		}
		head, value := l[:colon], l[colon+1:]
		name, params, _ := strings.Cut(head, ";")
		for _, kv := range splitOutsideQuotes(params, ';') {
			if kv == "" {
				continue
			}
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				t.Errorf("parameter %q of %s has no name or no value", kv, name)
			}
			// RFC 5545 3.1: a value with a colon, a semicolon or a comma
			// must be quoted, and a quoted one holds no quote. (There are
			// no backslash escapes in parameters: "Acme\, Inc." would be
			// unquoted with a comma.)
			if strings.HasPrefix(v, `"`) {
				if len(v) < 2 || !strings.HasSuffix(v, `"`) || strings.Contains(v[1:len(v)-1], `"`) {
					t.Errorf("parameter %q of %s is badly quoted", kv, name)
				}
			} else if strings.ContainsAny(v, `:;,"`) {
				t.Errorf("parameter %q of %s needs quotes", kv, name)
			}
		}
		if textProps[name] {
			value = unescapeText(t, value)
		}
		cal = append(cal, icsProp{name, params, value})
	}
	if first, last := cal[0], cal[len(cal)-1]; first.Name+first.Value != "BEGINVCALENDAR" || last.Name+last.Value != "ENDVCALENDAR" {
		t.Errorf("not one VCALENDAR: starts %v, ends %v", first, last)
	}
	if n := strings.Count(s, "BEGIN:VEVENT\r\n"); n != 1 {
		t.Errorf("%d VEVENTs, want 1", n)
	}
	return cal
}

func unescapeText(t *testing.T, v string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case ';', ',':
			t.Errorf("unescaped %q in TEXT value %q", c, v)
		case '\\':
			i++
			if i == len(v) {
				t.Fatalf("TEXT value ends in a backslash: %q", v)
			}
			switch v[i] {
			case '\\', ';', ',':
				b.WriteByte(v[i])
			case 'n', 'N':
				b.WriteByte('\n')
			default:
				t.Errorf("bad escape \\%c in %q", v[i], v)
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func TestCalendarFileGolden(t *testing.T) {
	golden(t, "event.ics", CalendarFile(testEvent(), testSender(), WatchLink(testWatchURL, onair.English)))
	golden(t, "event_rescheduled.ics", CalendarFile(testContent(onair.KindRescheduled).Event, testSender(), WatchLink(testWatchURL, onair.English)))
	golden(t, "event_cancelled.ics", CalendarFile(testContent(onair.KindCancelled).Event, testSender(), WatchLink(testWatchURL, onair.English)))
	golden(t, "event_public.ics", CalendarFile(testEvent(), testBrand(), RegistrationLink(testRegisterURL, onair.English)))
}

func TestCalendarFileRoundTrip(t *testing.T) {
	ev := testEvent()
	ev.Title = `Q&A; pricing, plans \ more — 日本語の説明会 🚀 ` + strings.Repeat("Ünïcödé ", 12)
	ev.Description = "First line; with, punctuation \\ and a backslash\r\nCRLF line\rlone CR line\n\n" +
		strings.Repeat("絵文字😀 and words ", 30)
	ev.Sequence = 3
	ev.DurationMinutes = 90
	cal := parseICS(t, CalendarFile(ev, testBrand(), WatchLink(testWatchURL, onair.English)))

	want := map[string]string{
		"VERSION":  "2.0",
		"PRODID":   "-//onair//onair events//EN",
		"METHOD":   "PUBLISH",
		"UID":      testEventID + "@onair",
		"SEQUENCE": "3",
		"DTSTAMP":  "20261101T093000Z",
		"DTSTART":  "20261215T140000Z",
		"DTEND":    "20261215T153000Z",
		"SUMMARY":  strings.TrimSpace(ev.Title),
		"DESCRIPTION": "First line; with, punctuation \\ and a backslash\nCRLF line\nlone CR line\n\n" +
			strings.TrimSpace(strings.Repeat("絵文字😀 and words ", 30)) + "\n\nWatch: " + testWatchURL,
		"URL":       testWatchURL,
		"LOCATION":  testWatchURL,
		"STATUS":    "CONFIRMED",
		"ORGANIZER": "mailto:no-reply@events.example.com",
		"ACTION":    "DISPLAY",
		"TRIGGER":   "-PT15M",
	}
	for name, v := range want {
		if got := cal.get(name); got != v {
			t.Errorf("%s = %q\nwant %q", name, got, v)
		}
	}
	if cn, _ := cal.param("ORGANIZER", "CN"); cn != "Acme Launches" {
		t.Errorf("ORGANIZER CN %q, want the host's name", cn)
	}
}

// icsComponents lists the BEGIN lines of a calendar in order.
func icsComponents(cal icsCal) []string {
	var out []string
	for _, p := range cal {
		if p.Name == "BEGIN" {
			out = append(out, p.Value)
		}
	}
	return out
}

func TestCalendarFileAlarm(t *testing.T) {
	t.Run("a scheduled event rings 15 minutes before", func(t *testing.T) {
		data := CalendarFile(testEvent(), testSender(), WatchLink(testWatchURL, onair.English))
		cal := parseICS(t, data)
		if got := strings.Join(icsComponents(cal), " "); got != "VCALENDAR VEVENT VALARM" {
			t.Fatalf("components %s", got)
		}
		// The alarm's own description follows the event's.
		var descriptions []string
		for _, p := range cal {
			if p.Name == "DESCRIPTION" {
				descriptions = append(descriptions, p.Value)
			}
		}
		if len(descriptions) != 2 || descriptions[1] != "Product Launch Webinar starts in 15 minutes" {
			t.Errorf("descriptions %q", descriptions)
		}
		if !strings.Contains(string(data), "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\n") {
			t.Errorf("no DISPLAY alarm at -PT15M:\n%s", data)
		}
	})
	t.Run("a cancellation carries none (RFC 5546)", func(t *testing.T) {
		cal := parseICS(t, CalendarFile(testContent(onair.KindCancelled).Event, testSender(), WatchLink(testWatchURL, onair.English)))
		if got := strings.Join(icsComponents(cal), " "); got != "VCALENDAR VEVENT" {
			t.Errorf("components %s", got)
		}
	})
}

func TestCalendarFileOrganizer(t *testing.T) {
	names := map[string]string{
		"plain":                 "Acme Launches",
		"comma":                 "Acme, Inc.",
		"colon and semicolon":   "Launch: day one; part two",
		"apostrophe":            "O'Reilly Media",
		"double quote and ^":    `The "Best" ^ Show`,
		"non-ASCII":             "Société Générale 日本 🚀",
		"long enough to fold":   strings.Repeat("Ünïcödé Events ", 6),
		"no name: EMAIL_FROM's": "",
	}
	for what, name := range names {
		t.Run(what, func(t *testing.T) {
			from := NewSender(onair.HostSettings{Name: name}, testEmailFrom)
			for _, ev := range []onair.Event{testEvent(), testContent(onair.KindCancelled).Event} {
				data := CalendarFile(ev, from, WatchLink(testWatchURL, onair.English))
				cal := parseICS(t, data)
				if got := cal.get("ORGANIZER"); got != "mailto:no-reply@events.example.com" {
					t.Errorf("%s: ORGANIZER %q", ev.Status, got)
				}
				want := strings.TrimSpace(strings.Join(strings.Fields(name), " "))
				if want == "" {
					want = "onair"
				}
				if cn, ok := cal.param("ORGANIZER", "CN"); !ok || cn != want {
					t.Errorf("%s: CN %q, want %q", ev.Status, cn, want)
				}
				// And golang-ical's own reader agrees.
				lib, err := ics.ParseCalendar(bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				org := lib.Events()[0].GetProperty(ics.ComponentPropertyOrganizer)
				if org == nil || org.Value != "mailto:no-reply@events.example.com" {
					t.Fatalf("library reads ORGANIZER %+v", org)
				}
				if cn := org.ICalParameters["CN"]; len(cn) != 1 || strings.NewReplacer("^'", `"`, "^^", "^").Replace(cn[0]) != want {
					t.Errorf("library reads CN %q, want %q", cn, want)
				}
			}
		})
	}
	t.Run("no sending address, no ORGANIZER", func(t *testing.T) {
		cal := parseICS(t, CalendarFile(testEvent(), Sender{}, WatchLink(testWatchURL, onair.English)))
		if got := cal.get("ORGANIZER"); got != "" {
			t.Errorf("ORGANIZER %q", got)
		}
	})
}

func TestPublicCalendarFileLinksTheRegistrationPage(t *testing.T) {
	cal := parseICS(t, CalendarFile(testEvent(), testBrand(), RegistrationLink(testRegisterURL, onair.English)))
	for name, want := range map[string]string{"URL": testRegisterURL, "LOCATION": testRegisterURL} {
		if got := cal.get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if d := cal.get("DESCRIPTION"); !strings.HasSuffix(d, "\n\nRegister: "+testRegisterURL) || strings.Contains(d, "Watch") {
		t.Errorf("DESCRIPTION does not end with the labelled registration link: %q", d)
	}
}

func TestCalendarFoldNeverSplitsACharacter(t *testing.T) {
	// Shift a run of 4-octet characters across every position of the fold.
	for n := range 80 {
		ev := testEvent()
		ev.Title = strings.Repeat("a", n) + strings.Repeat("😀", 40)
		ev.Description = strings.Repeat("é", n) + strings.Repeat("日", 60)
		cal := parseICS(t, CalendarFile(ev, testSender(), CalendarLink{}))
		if cal.get("SUMMARY") != ev.Title || cal.get("DESCRIPTION") != ev.Description {
			t.Fatalf("prefix %d: round trip changed the text", n)
		}
	}
}

func TestCalendarFileCancelled(t *testing.T) {
	ev := testContent(onair.KindCancelled).Event
	cal := parseICS(t, CalendarFile(ev, testSender(), WatchLink(testWatchURL, onair.English)))
	for name, want := range map[string]string{
		"METHOD": "CANCEL", "STATUS": "CANCELLED", "UID": testEventID + "@onair", "SEQUENCE": "1",
		"DTSTAMP": "20261120T160000Z", "DTSTART": "20261215T140000Z",
	} {
		if got := cal.get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestCalendarFileWithoutLinkOrDescription(t *testing.T) {
	ev := testEvent()
	ev.Description = ""
	ev.DurationMinutes = 0
	ev.UpdatedAt, ev.CreatedAt = time.Time{}, time.Time{}
	cal := parseICS(t, CalendarFile(ev, testSender(), CalendarLink{})).component("VEVENT")
	for _, name := range []string{"URL", "LOCATION", "DESCRIPTION"} {
		if v := cal.get(name); v != "" {
			t.Errorf("%s = %q, want none", name, v)
		}
	}
	if cal.get("DTEND") != "20261215T150000Z" || cal.get("DTSTAMP") != "20261215T140000Z" {
		t.Errorf("DTEND %q DTSTAMP %q: want an hour's event stamped at its start", cal.get("DTEND"), cal.get("DTSTAMP"))
	}
}

// TestCalendarFileReadsBackWithTheLibrary checks the file against a second,
// independent reader: golang-ical's own parser.
func TestCalendarFileReadsBackWithTheLibrary(t *testing.T) {
	ev := testEvent()
	ev.Title = "Launch; now, with 日本語 " + strings.Repeat("🚀", 30)
	cal, err := ics.ParseCalendar(bytes.NewReader(CalendarFile(ev, testBrand(), WatchLink(testWatchURL, onair.English))))
	if err != nil {
		t.Fatal(err)
	}
	events := cal.Events()
	if len(events) != 1 || events[0].Id() != testEventID+"@onair" {
		t.Fatalf("events %v", events)
	}
	start, err := events[0].GetStartAt()
	if err != nil || !start.Equal(testStart) {
		t.Errorf("start %v, %v", start, err)
	}
	if got := ics.FromText(events[0].GetProperty(ics.ComponentPropertySummary).Value); got != ev.Title {
		t.Errorf("summary %q, want %q", got, ev.Title)
	}
}

func TestGoogleCalendarURL(t *testing.T) {
	ev := testEvent()
	ev.Description = strings.Repeat("long description ", 200)
	u, err := url.Parse(GoogleCalendarURL(ev, testWatchURL, onair.English))
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "https" || u.Host != "calendar.google.com" || u.Path != "/calendar/render" {
		t.Errorf("link to %s", u)
	}
	q := u.Query()
	for name, want := range map[string]string{
		"action":   "TEMPLATE",
		"text":     "Product Launch Webinar",
		"dates":    "20261215T140000Z/20261215T150000Z",
		"location": testWatchURL,
	} {
		if got := q.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	details := q.Get("details")
	if !strings.HasSuffix(details, "…\n\nWatch: "+testWatchURL) {
		t.Errorf("details do not end with the cut mark and the watch link: %q", details[max(0, len(details)-200):])
	}
	if n := utf8.RuneCountInString(details); n > maxGoogleDetails+200 {
		t.Errorf("details are %d characters", n)
	}
	t.Run("a long description in Japanese keeps the link short", func(t *testing.T) {
		ev := testEvent()
		ev.Title = strings.Repeat("日", onair.MaxTitleLen)
		ev.Description = strings.Repeat("日本語の説明会", 1500)
		link := GoogleCalendarURL(ev, testWatchURL, onair.English)
		if len(link) > 8000 {
			t.Errorf("link is %d bytes", len(link))
		}
		u, err := url.Parse(link)
		if err != nil {
			t.Fatal(err)
		}
		if d := u.Query().Get("details"); !utf8.ValidString(d) || !strings.HasPrefix(d, "日本語の説明会") || !strings.Contains(d, "…\n\nWatch: ") {
			t.Errorf("details %q", d)
		}
	})
}

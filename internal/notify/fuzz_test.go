package notify

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/onair-live/onair/internal/locale"
	"github.com/onair-live/onair/internal/onair"
)

// Fuzz targets for rendering what hosts and viewers wrote: titles,
// descriptions, names, the host's note and time zones are outside input,
// and every message built from them must stay well formed.

// tagRE finds the start of every element in HTML: what follows a '<'.
var tagRE = regexp.MustCompile(`<(/?[^\s/>]*)`)

// templateTags are the elements the email template writes. Any other '<'
// in a rendered email would be markup that came from someone's text.
var templateTags = func() map[string]bool {
	src, err := templateFS.ReadFile("templates/email.html.tmpl")
	if err != nil {
		panic(err)
	}
	tags := map[string]bool{}
	for _, m := range tagRE.FindAllStringSubmatch(string(src), -1) {
		tags[strings.ToLower(m[1])] = true
	}
	return tags
}()

// hostileSeeds are texts that have broken renderers elsewhere.
var hostileSeeds = []string{
	`<script>alert("x")</script>`,
	`<SCRIPT SRC=//evil.example/x.js></SCRIPT>`,
	`<img src=x onerror="alert(1)">`,
	`"><svg onload=alert(1)>`,
	"</p><script>1</script>",
	"<!--", "]]>", "{{.Subject}}", "&lt;script&gt;", "&#60;script",
	"Launch\r\nBcc: victim@example.com\n\rX-Evil: 1",
	"line\u2028separator\u2029paragraph\u0085next",
	"🚀 “Launch” Day — Q&A… with Zoë & José\u00a0Ñúñez 日本",
	"新製品発表会 🎉",
	"Q&A; pricing, plans \\ more",
	"\x00\x01\x1b[31m\x7f",
	"\xff\xfe invalid UTF-8 \xc3",
	"€[]{}^~|\\ \f",
	strings.Repeat("Quarterly Product Strategy ", 8)[:200],
	strings.Repeat("😀", 200),
	strings.Repeat("日本語の説明会", 200), // past the Google link's bound in bytes, not in characters
}

// zoneSeeds are the viewer's zones tried first.
var zoneSeeds = []string{
	"", "UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Chatham",
	"America/St_Johns", "Etc/GMT+12", "Local", "Moon/Base", "../../etc/passwd", "America/./New_York",
}

// addRenderSeeds adds every kind with hostile texts in every field.
func addRenderSeeds(f *testing.F) {
	for i, s := range hostileSeeds {
		kind := uint8(i % len(allKinds))
		zone := zoneSeeds[i%len(zoneSeeds)]
		f.Add(kind, s, s, s, s, zone, int64(time.Hour), i%2 == 0)
		f.Add(kind, "Launch", s, "Ada", s, zone, int64(24*time.Hour), i%2 == 1)
	}
	f.Add(uint8(1), "Launch", "", "", "", "Europe/Berlin", int64(0), false)
	f.Add(uint8(1), "Launch", "", "", "", "America/New_York", int64(-1), false)
	f.Add(uint8(1), "Launch", "", "", "", "America/New_York", int64(1<<63-1), false)
	f.Add(uint8(1), "Launch", "", "", "", "Australia/Lord_Howe", int64(90*time.Second), true)
}

// fuzzContent is the content of a kind with the fuzzed texts.
func fuzzContent(kind uint8, title, description, firstName, custom, zone string, offset int64) Content {
	c := testContent(allKinds[int(kind)%len(allKinds)])
	c.Event.Title = title
	c.Event.Description = description
	c.Event.Notifications.CustomMessage = custom
	c.Registration.FirstName = firstName
	c.Registration.Timezone = zone
	if c.Kind == onair.KindReminder {
		c.Interval = onair.Interval{Offset: time.Duration(offset)}
	}
	return c
}

// anyContains reports whether one of texts contains sub.
func anyContains(sub string, texts ...string) bool {
	for _, s := range texts {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func FuzzRenderEmail(f *testing.F) {
	addRenderSeeds(f)
	f.Fuzz(func(t *testing.T, kind uint8, title, description, firstName, custom, zone string, offset int64, tracked bool) {
		c := fuzzContent(kind, title, description, firstName, custom, zone, offset)
		if tracked {
			tc := trackedContent(c.Kind)
			c.Track, c.OpenPixelURL = tc.Track, tc.OpenPixelURL
		}
		m, err := RenderEmail(c)
		if err != nil {
			t.Fatalf("RenderEmail: %v", err)
		}

		// The HTML part: every element is one of the template's, so nothing
		// anyone wrote became markup, and the texts read back unescaped.
		if strings.Contains(strings.ToLower(m.HTML), "<script") {
			t.Fatalf("HTML part contains <script:\n%s", m.HTML)
		}
		for _, tag := range tagRE.FindAllStringSubmatch(m.HTML, -1) {
			if !templateTags[strings.ToLower(tag[1])] {
				t.Fatalf("HTML part has an element <%s that the template does not write", tag[1])
			}
		}
		shown := html.UnescapeString(m.HTML)
		for _, want := range []string{oneLine(title), oneLine(firstName)} {
			if !strings.Contains(shown, want) {
				t.Fatalf("HTML part does not show %q", want)
			}
		}

		// The text part is plain text: what was written, as written, and
		// neither markup nor HTML escapes of its own.
		if !strings.Contains(m.Text, oneLine(title)) {
			t.Fatalf("text part does not show the title %q", oneLine(title))
		}
		if !anyContains("<", title, description, firstName, custom) && strings.Contains(m.Text, "<") {
			t.Fatalf("text part has markup:\n%s", m.Text)
		}
		if !anyContains("&", title, description, firstName, custom) {
			for _, esc := range []string{"&lt;", "&gt;", "&amp;", "&quot;", "&#"} {
				if strings.Contains(m.Text, esc) {
					t.Fatalf("text part has the HTML escape %s:\n%s", esc, m.Text)
				}
			}
		}

		// Headers: one line each, the subject naming the event.
		if strings.IndexFunc(m.Subject, unicode.IsControl) >= 0 || !strings.Contains(m.Subject, oneLine(title)) {
			t.Fatalf("subject %q", m.Subject)
		}
		for _, h := range m.Headers {
			if strings.IndexFunc(h.Value, unicode.IsControl) >= 0 {
				t.Fatalf("header %s: %q", h.Name, h.Value)
			}
		}
		for _, a := range m.Attachments {
			checkCalendarLines(t, a.Data)
		}
	})
}

// checkCalendarLines holds a calendar file to the lines RFC 5545 wants:
// CRLF line ends, at most 75 octets each.
func checkCalendarLines(t *testing.T, data []byte) {
	t.Helper()
	s := string(data)
	if !strings.HasSuffix(s, "\r\n") {
		t.Fatalf("calendar does not end with CRLF")
	}
	for i, line := range strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n") {
		if strings.ContainsAny(line, "\r\n") {
			t.Fatalf("line %d has a bare CR or LF: %q", i+1, line)
		}
		if len(line) > 75 {
			t.Fatalf("line %d is %d octets: %q", i+1, len(line), line)
		}
	}
}

// cutTitle reports whether text holds a start of title marked with "...",
// as fitTitle cuts.
func cutTitle(text, title string) bool {
	for i := len(title) - 1; i > 0; i-- {
		if !utf8.RuneStart(title[i]) {
			continue
		}
		if p := strings.TrimRight(title[:i], " "); p != "" && strings.Contains(text, p+"...") {
			return true
		}
	}
	return false
}

func FuzzRenderSMS(f *testing.F) {
	addRenderSeeds(f)
	f.Fuzz(func(t *testing.T, kind uint8, title, _, _, _, zone string, offset int64, earlier bool) {
		c := fuzzContent(kind, title, "", "", "", zone, offset)
		if c.Kind == onair.KindRescheduled {
			// The old start anywhere within a year of the new one.
			shift := time.Duration(offset%(366*24*60)) * time.Minute
			if earlier {
				shift = -shift
			}
			c.PreviousStart = c.Event.ScheduledStart.Add(shift)
		}
		m, err := RenderSMS(c)
		if err != nil {
			t.Fatalf("RenderSMS: %v", err)
		}
		if c.Kind == onair.KindReminder && c.Interval.Offset <= 0 {
			c.Kind = onair.KindStartingNow // as checkNotice resolves it
		}
		checkSMS(t, c, m) // GSM-7, at most two segments, the links and STOP
		if strings.ContainsAny(m.Text, "\r\f") {
			t.Fatalf("body has a CR or form feed: %q", m.Text)
		}
		if gsm := gsmText(oneLine(title)); gsm != "" && !strings.Contains(m.Text, gsm) && !cutTitle(m.Text, gsm) {
			t.Fatalf("body does not name the event %q:\n%s", gsm, m.Text)
		}
	})
}

func FuzzCalendarFile(f *testing.F) {
	for i, s := range hostileSeeds {
		f.Add(s, s, int64(i*1440), i*37, i-3, i%3 == 0, i%2 == 0)
	}
	f.Add("Launch", "", int64(0), 0, 0, false, false)
	f.Add("Launch", "a\r\n\r\nb\rc\n", int64(-60*24*365), 10080, 1<<31, true, true)
	f.Fuzz(func(t *testing.T, title, description string, startMinutes int64, duration, sequence int, cancelled, withWatch bool) {
		ev := testEvent()
		ev.Title, ev.Description = title, description
		// Starts within 10 years either side of the usual one.
		ev.ScheduledStart = testStart.Add(time.Duration(startMinutes%(10*366*24*60)) * time.Minute)
		ev.DurationMinutes = duration % (onair.MaxDurationMinutes + 1)
		ev.Sequence = sequence
		if cancelled {
			ev.Status = onair.StatusCancelled
		}
		var link CalendarLink
		if withWatch {
			link = WatchLink(testWatchURL, onair.English)
		}
		// The host's name is as hostile as the title.
		data := CalendarFile(ev, NewSender(onair.HostSettings{Name: title}, testEmailFrom), link)
		checkCalendarLines(t, data)
		// What the domain lets a host write (valid UTF-8, no control
		// characters but line ends and tabs) reads back as written, and no
		// control character but HTAB reaches the file.
		valid := utf8.ValidString(title) && utf8.ValidString(description) &&
			strings.IndexFunc(description, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) < 0
		if !valid {
			return
		}
		if i := strings.IndexFunc(string(data), func(r rune) bool { return unicode.IsControl(r) && r != '\t' && r != '\r' && r != '\n' }); i >= 0 {
			t.Fatalf("calendar has control character %q", data[i])
		}
		cal := parseICS(t, data)
		if got, want := cal.get("SUMMARY"), oneLine(title); got != want {
			t.Fatalf("SUMMARY %q, want %q", got, want)
		}
		if got, want := cal.component("VEVENT").get("DESCRIPTION"), calendarDescription(ev, link); got != want {
			t.Fatalf("DESCRIPTION %q, want %q", got, want)
		}
		want := oneLine(title)
		if want == "" {
			want = "onair"
		}
		if cn, _ := cal.param("ORGANIZER", "CN"); cn != want {
			t.Fatalf("ORGANIZER CN %q, want %q", cn, want)
		}
		if got, want := cal.get("METHOD"), calendarMethod(ev); got != want {
			t.Fatalf("METHOD %q, want %q", got, want)
		}
	})
}

func FuzzGoogleCalendarURL(f *testing.F) {
	for _, s := range hostileSeeds {
		f.Add(s, s, true)
		f.Add("Launch", s, true)
	}
	f.Add("Launch", "", false)
	f.Add(strings.Repeat("<", 200), strings.Repeat("<", 2000), true)
	f.Fuzz(func(t *testing.T, title, description string, withWatch bool) {
		ev := testEvent()
		ev.Title, ev.Description = title, description
		watch := ""
		if withWatch {
			watch = testWatchURL
		}
		link := GoogleCalendarURL(ev, watch, onair.English)
		u, err := url.Parse(link)
		if err != nil || u.Scheme != "https" || u.Host != "calendar.google.com" {
			t.Fatalf("link %q: %v", link, err)
		}
		q := u.Query()
		if q.Get("text") != oneLine(title) {
			t.Fatalf("text %q, want %q", q.Get("text"), oneLine(title))
		}
		if watch != "" && (q.Get("location") != watch || !strings.HasSuffix(q.Get("details"), "Watch: "+watch)) {
			t.Fatalf("the watch link is missing: %v", q)
		}
		// A title the domain accepts leaves the link well under the ~8 KB
		// that browsers and mail clients reliably follow, whatever the
		// description.
		if utf8.RuneCountInString(title) <= onair.MaxTitleLen && len(link) > 8000 {
			t.Fatalf("link is %d bytes", len(link))
		}
	})
}

func FuzzReminderWording(f *testing.F) {
	for _, d := range []time.Duration{0, -1, time.Second, 20 * time.Second, 90 * time.Second, 59*time.Minute + 40*time.Second,
		time.Hour, 24 * time.Hour, 36 * time.Hour, 10 * 24 * time.Hour, 14 * 24 * time.Hour, onair.MaxCustomOffset, 1<<63 - 1} {
		for _, zone := range zoneSeeds {
			f.Add(int64(d), int64(0), zone)
		}
	}
	f.Add(int64(24*time.Hour), int64(-27*24*60), "America/New_York") // just after a spring-forward night
	words := regexp.MustCompile(`^(now|tomorrow|in [1-9][0-9]* (week|day|hour|minute)s?( [1-9][0-9]* (hour|minute)s?)?)$`)
	f.Fuzz(func(t *testing.T, offset, startMinutes int64, zone string) {
		start := testStart.Add(time.Duration(startMinutes%(10*366*24*60)) * time.Minute)
		got := untilWords(time.Duration(offset), start, zone, locale.For(onair.English))
		if !words.MatchString(got) {
			t.Fatalf("untilWords(%v, %v, %q) = %q", time.Duration(offset), start, zone, got)
		}
		if when := FormatTime(start, zone); !strings.HasSuffix(when, " "+zoneName(start.In(location(zone)))) {
			t.Fatalf("FormatTime(%v, %q) = %q does not name its zone", start, zone, when)
		}
	})
}

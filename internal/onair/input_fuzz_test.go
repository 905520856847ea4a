package onair

import (
	"errors"
	"net/mail"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// Fuzz targets for what hosts and viewers write: an event, a registration,
// a host's credentials. Each input is either refused with a validation
// error that names exactly the fields at fault, or turned into a value
// within the limits the domain documents.

// checkLine holds s to what cleanLine lets through.
func checkLine(t *testing.T, field, s string, max int, required bool) {
	t.Helper()
	if s != strings.TrimSpace(s) || !utf8.ValidString(s) || utf8.RuneCountInString(s) > max ||
		strings.IndexFunc(s, unicode.IsControl) >= 0 || (required && s == "") {
		t.Fatalf("%s %q is not a trimmed line of at most %d characters", field, s, max)
	}
}

// checkText holds s to what cleanText lets through.
func checkText(t *testing.T, field, s string, max int) {
	t.Helper()
	if s != strings.TrimSpace(s) || !utf8.ValidString(s) || utf8.RuneCountInString(s) > max ||
		strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) >= 0 {
		t.Fatalf("%s %q is not a trimmed text of at most %d characters", field, s, max)
	}
}

// checkEmail holds s to what cleanEmail lets through: one bare address.
func checkEmail(t *testing.T, s string) {
	t.Helper()
	addr, err := mail.ParseAddress(s)
	at := strings.LastIndexByte(s, '@')
	if s == "" || s != strings.TrimSpace(s) || len(s) > 254 || strings.IndexFunc(s, unicode.IsControl) >= 0 ||
		strings.ContainsAny(s, " <>\"") || err != nil || addr.Name != "" || addr.Address != s || at <= 0 || at == len(s)-1 {
		t.Fatalf("email %q is not one bare address", s)
	}
}

// checkEvent holds ev to the limits of an event's fields (event.go).
func checkEvent(t *testing.T, ev Event) {
	t.Helper()
	checkLine(t, "title", ev.Title, MaxTitleLen, true)
	checkText(t, "description", ev.Description, MaxDescriptionLen)
	checkText(t, "custom message", ev.Notifications.CustomMessage, MaxCustomMessageLen)
	if ev.StreamURL != "" {
		checkLine(t, "stream URL", ev.StreamURL, MaxStreamURLLen, false)
		if !isWebURL(ev.StreamURL) {
			t.Fatalf("stream URL %q is not an http(s) URL", ev.StreamURL)
		}
	}
	if !ValidTimezone(ev.Timezone) {
		t.Fatalf("time zone %q", ev.Timezone)
	}
	if ev.DurationMinutes < 1 || ev.DurationMinutes > MaxDurationMinutes {
		t.Fatalf("duration %d", ev.DurationMinutes)
	}
	if m := ev.MaxRegistrations; m < 0 || m > MaxCapacity || (m != 0 && m < ev.RegistrationCount) {
		t.Fatalf("capacity %d with %d registrations", m, ev.RegistrationCount)
	}
	if len(ev.Intervals) > MaxIntervals {
		t.Fatalf("%d intervals", len(ev.Intervals))
	}
	seen := map[time.Duration]bool{}
	for _, iv := range ev.Intervals {
		checkInterval(t, iv)
		if seen[iv.Offset] {
			t.Fatalf("intervals %v repeat an offset", ev.Intervals)
		}
		seen[iv.Offset] = true
	}
	if ev.ScheduledStart.Location() != time.UTC {
		t.Fatalf("start %v is not in UTC", ev.ScheduledStart)
	}
}

// checkValidationError returns err as a *ValidationError whose fields are
// all among allowed.
func checkValidationError(t *testing.T, err error, allowed []string) *ValidationError {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, ErrUnprocessable) || len(ve.Fields) == 0 {
		t.Fatalf("error %#v is not a validation error", err)
	}
	for field := range ve.Fields {
		if !slices.Contains(allowed, field) {
			t.Fatalf("validation error names %q: %v", field, ve.Fields)
		}
	}
	return ve
}

// hasProblem reports whether err is a validation error about field.
func hasProblem(err error, field string) bool {
	var ve *ValidationError
	return errors.As(err, &ve) && ve.Has(field)
}

// eventFields are the fields of an EventInput a validation error can name.
var eventFields = []string{
	"title", "description", "scheduled_start", "timezone", "duration_minutes", "max_registrations",
	"stream_url", "notification_settings.custom_message", "selected_intervals",
}

// fuzzEventInput builds an EventInput from fuzzed values; bit i of absent
// leaves out field i (in the order of eventFields, the notification
// settings as a whole).
func fuzzEventInput(absent uint16, title, description, start, zone, streamURL, custom, intervals string,
	duration, capacity int, email, sms bool) EventInput {
	in := EventInput{
		Title: &title, Description: &description, ScheduledStart: &start, Timezone: &zone,
		DurationMinutes: &duration, MaxRegistrations: &capacity, StreamURL: &streamURL,
		NotificationSettings: &NotificationSettingsInput{EmailEnabled: &email, SMSEnabled: &sms, CustomMessage: &custom},
	}
	list := splitList(intervals)
	in.SelectedIntervals = &list
	nils := []func(){
		func() { in.Title = nil }, func() { in.Description = nil }, func() { in.ScheduledStart = nil },
		func() { in.Timezone = nil }, func() { in.DurationMinutes = nil }, func() { in.MaxRegistrations = nil },
		func() { in.StreamURL = nil }, func() { in.NotificationSettings = nil }, func() { in.SelectedIntervals = nil },
	}
	for i, clear := range nils {
		if absent&(1<<i) != 0 {
			clear()
		}
	}
	return in
}

// eventInputOnly is base with field taken from in, as it was (given or
// absent).
func eventInputOnly(base, in EventInput, field string) EventInput {
	switch field {
	case "title":
		base.Title = in.Title
	case "description":
		base.Description = in.Description
	case "scheduled_start":
		base.ScheduledStart = in.ScheduledStart
	case "timezone":
		base.Timezone = in.Timezone
	case "duration_minutes":
		base.DurationMinutes = in.DurationMinutes
	case "max_registrations":
		base.MaxRegistrations = in.MaxRegistrations
	case "stream_url":
		base.StreamURL = in.StreamURL
	case "notification_settings.custom_message":
		base.NotificationSettings = in.NotificationSettings
	case "selected_intervals":
		base.SelectedIntervals = in.SelectedIntervals
	}
	return base
}

// addEventSeeds adds inputs that make an event or touch one of its limits.
func addEventSeeds(f *testing.F) {
	long := func(s string, n int) string { return strings.Repeat(s, n) }
	type seed struct {
		absent                                                        uint16
		title, description, start, zone, streamURL, custom, intervals string
		duration, capacity                                            int
	}
	for _, s := range []seed{
		{0, "Launch", "About it", "2026-12-15T14:00:00Z", "Europe/Berlin", "https://stream.example.com/live", "See you", "1day,1hour,now", 60, 0},
		{0x1fe, "Launch", "", "2026-12-15T14:00:00Z", "", "", "", "", 0, 0},
		{0x1ff, "", "", "", "", "", "", "", 0, 0},
		{0, "  Launch\t", " \n", "2026-12-15T09:00:00-05:00", " UTC ", "", "", "", 1, 10000000},
		{0, long("é", 200), long("日", 10000), "2031-11-26T12:00:00Z", "Australia/Lord_Howe", "http://x.example", long("x", 500), "2weeks,8784h,1s", 10080, 1},
		{0, long("é", 201), long("日", 10001), "2031-11-27T12:00:01Z", "Moon/Base", "ftp://x.example", long("x", 501), "bogus", 10081, 10000001},
		{0, "A\r\nBcc: x@example.com", "tab\tok\r\nline", "2026-11-27T12:00:00Z", "Local", "https://x.example/\n", "\x00", "now,now", 0, -1},
		{0, "\xff", "\xfe", "2026-12-15T14:00:00", "localtime", "javascript:alert(1)", "\u2028", "1hour,60m", -5, 5},
		{0, "Launch", "", "0001-01-01T00:00:00Z", "UTC", "", "", "", 60, 0}, // the zero time
		{0, "Launch", "", "0001-01-01T01:00:00+01:00", "UTC", "", "", "", 60, 0},
		{0, "Launch", "", "2026-12-15T14:00:00.999999999Z", "Etc/GMT+12", "https://", "", "", 60, 0},
		{0, "Launch", "", "2026-12-15T14:00:00+24:00", "Asia/Kathmandu", "//x.example/a", "", "", 60, 0},
		{0, "Launch", "", "9999-12-31T23:59:59Z", "Europe//Berlin", long("a", 2049), "", ",", 60, 0},
	} {
		f.Add(s.absent, s.title, s.description, s.start, s.zone, s.streamURL, s.custom, s.intervals, s.duration, s.capacity, true, false)
	}
}

func FuzzNewEvent(f *testing.F) {
	addEventSeeds(f)
	f.Fuzz(func(t *testing.T, absent uint16, title, description, start, zone, streamURL, custom, intervals string,
		duration, capacity int, email, sms bool) {
		in := fuzzEventInput(absent, title, description, start, zone, streamURL, custom, intervals, duration, capacity, email, sms)
		ev, err := NewEvent("host-1", in, now)
		if err != nil {
			ve := checkValidationError(t, err, eventFields)
			// Every problem is reported at once: a field is named exactly
			// when it is refused on its own, beside valid others.
			base := validInput()
			for _, field := range eventFields {
				_, alone := NewEvent("host-1", eventInputOnly(base, in, field), now)
				if hasProblem(alone, field) != ve.Has(field) {
					t.Fatalf("%s: with the others %v; alone %v", field, ve.Fields, alone)
				}
			}
			return
		}
		checkEvent(t, ev)
		if ev.Status != StatusScheduled || ev.Version != 1 || ev.Sequence != 0 || !ValidID(ev.ID) || ev.HostID != "host-1" ||
			!ev.CreatedAt.Equal(now) || !ev.UpdatedAt.Equal(now) || ev.RegistrationCount != 0 {
			t.Fatalf("new event %+v", ev)
		}
		want, _ := time.Parse(time.RFC3339, strings.TrimSpace(start))
		if !ev.ScheduledStart.After(now) || ev.ScheduledStart.Sub(now) > MaxScheduleAhead || !ev.ScheduledStart.Equal(want) {
			t.Fatalf("start %v from %q at %v", ev.ScheduledStart, start, now)
		}
		if ev.Title != strings.TrimSpace(title) {
			t.Fatalf("title %q from %q", ev.Title, title)
		}
		if in.Timezone == nil && ev.Timezone != "UTC" || in.DurationMinutes == nil && ev.DurationMinutes != 60 ||
			in.NotificationSettings == nil && (!ev.Notifications.EmailEnabled || ev.Notifications.SMSEnabled) {
			t.Fatalf("defaults not applied: %+v", ev)
		}
		if in.SelectedIntervals == nil {
			if defaults, _ := ParseIntervals(DefaultIntervals); !slices.Equal(ev.Intervals, defaults) {
				t.Fatalf("intervals %v, want the defaults", ev.Intervals)
			}
		}
	})
}

func FuzzEventUpdate(f *testing.F) {
	addEventSeeds(f)
	f.Fuzz(func(t *testing.T, absent uint16, title, description, start, zone, streamURL, custom, intervals string,
		duration, capacity int, email, sms bool) {
		// The event's state and registrations come from the fuzzed values
		// too, so that every status and capacity is tried.
		base := validInput()
		base.Timezone, base.MaxRegistrations = ptr("Europe/Berlin"), ptr(0)
		e, err := NewEvent("host-1", base, now)
		if err != nil {
			t.Fatal(err)
		}
		e.RegistrationCount = int(absent>>9) * 7
		switch absent >> 14 {
		case 1:
			e, _ = e.Start(now)
		case 2:
			e, _ = e.End(now)
		case 3:
			e, _ = e.Cancel(now)
		}
		later := now.Add(time.Hour)
		in := fuzzEventInput(absent, title, description, start, zone, streamURL, custom, intervals, duration, capacity, email, sms)

		next, ch, err := e.Update(in, later)
		if err != nil {
			if !reflect.DeepEqual(next, e) || ch != (Change{}) {
				t.Fatalf("a refused update changed the event: %+v, %+v", next, ch)
			}
			var de *Error
			switch {
			case e.Status == StatusEnded || e.Status == StatusCancelled:
				if !errors.As(err, &de) || !errors.Is(err, ErrGone) {
					t.Fatalf("update of a %s event: %#v", e.Status, err)
				}
			case errors.As(err, &de):
				st, perr := time.Parse(time.RFC3339, strings.TrimSpace(start))
				if !errors.Is(err, ErrConflict) || e.Status != StatusLive || in.ScheduledStart == nil || perr != nil || st.Equal(e.ScheduledStart) {
					t.Fatalf("update refused with %#v", err)
				}
			default:
				ve := checkValidationError(t, err, eventFields)
				for _, field := range eventFields {
					_, _, alone := e.Update(eventInputOnly(EventInput{}, in, field), later)
					if hasProblem(alone, field) != ve.Has(field) {
						t.Fatalf("%s: with the others %v; alone %v", field, ve.Fields, alone)
					}
				}
			}
			return
		}
		if e.Status == StatusEnded || e.Status == StatusCancelled {
			t.Fatalf("a %s event was updated", e.Status)
		}
		checkEvent(t, next)
		if next.ID != e.ID || next.HostID != e.HostID || next.Status != e.Status || !next.CreatedAt.Equal(e.CreatedAt) ||
			next.RegistrationCount != e.RegistrationCount || !next.UpdatedAt.Equal(later) {
			t.Fatalf("update changed what it must not: %+v", next)
		}
		moved := !next.ScheduledStart.Equal(e.ScheduledStart)
		if moved {
			if e.Status != StatusScheduled || !next.ScheduledStart.After(later) || next.ScheduledStart.Sub(later) > MaxScheduleAhead {
				t.Fatalf("a %s event moved to %v", e.Status, next.ScheduledStart)
			}
			if next.Version != e.Version+1 || next.Sequence != e.Sequence+1 {
				t.Fatalf("moved, but version %d sequence %d (were %d %d)", next.Version, next.Sequence, e.Version, e.Sequence)
			}
		} else if next.Version != e.Version || next.Sequence != e.Sequence {
			t.Fatalf("not moved, but version %d sequence %d (were %d %d)", next.Version, next.Sequence, e.Version, e.Sequence)
		}
		replan := moved || next.Timezone != e.Timezone || !sameIntervals(next.Intervals, e.Intervals) ||
			next.Notifications.EmailEnabled != e.Notifications.EmailEnabled || next.Notifications.SMSEnabled != e.Notifications.SMSEnabled
		if ch.Rescheduled != moved || ch.Replan != replan {
			t.Fatalf("change %+v, want rescheduled=%v replan=%v", ch, moved, replan)
		}
		// What the host left out stays as it was.
		for _, kept := range []struct {
			absent   bool
			got, was any
			field    string
		}{
			{in.Title == nil, next.Title, e.Title, "title"},
			{in.Description == nil, next.Description, e.Description, "description"},
			{in.Timezone == nil, next.Timezone, e.Timezone, "timezone"},
			{in.DurationMinutes == nil, next.DurationMinutes, e.DurationMinutes, "duration"},
			{in.MaxRegistrations == nil, next.MaxRegistrations, e.MaxRegistrations, "capacity"},
			{in.StreamURL == nil, next.StreamURL, e.StreamURL, "stream URL"},
			{in.NotificationSettings == nil, next.Notifications, e.Notifications, "notifications"},
			{in.SelectedIntervals == nil, next.Intervals, e.Intervals, "intervals"},
			{in.ScheduledStart == nil, moved, false, "start"},
		} {
			if kept.absent && !reflect.DeepEqual(kept.got, kept.was) {
				t.Fatalf("%s left out, but changed from %v to %v", kept.field, kept.was, kept.got)
			}
		}
	})
}

// registrationFields are the fields of a RegistrationInput a validation
// error can name.
var registrationFields = []string{"email", "first_name", "last_name", "company", "source", "phone", "timezone"}

// registrationInputOnly is a valid input with field taken from in.
func registrationInputOnly(in RegistrationInput, field string) RegistrationInput {
	out := RegistrationInput{Email: "ada@example.com"}
	switch field {
	case "email":
		out.Email = in.Email
	case "first_name":
		out.FirstName = in.FirstName
	case "last_name":
		out.LastName = in.LastName
	case "company":
		out.Company = in.Company
	case "source":
		out.Source = in.Source
	case "phone":
		out.Phone = in.Phone
	case "timezone":
		out.Timezone = in.Timezone
	}
	return out
}

func FuzzNewRegistration(f *testing.F) {
	long := strings.Repeat
	for _, in := range []RegistrationInput{
		{FirstName: " Ada ", LastName: "Lovelace", Email: " Ada@Example.com ", Phone: "+44 20 7946 0958", Company: "Analytical Engines", Source: "Social", Timezone: "Europe/London"},
		{Email: "a@example.com"},
		{},
		{Email: "Ada <ada@example.com>", FirstName: long("é", 101), Company: long("x", 201), Source: long("S", 65)},
		{Email: "a@example.com, b@example.com", LastName: "X\r\nBcc: y", Phone: "555"},
		{Email: "a@example.com\nBcc: b@example.com", Company: "A\x00B", Timezone: "Moon/Base"},
		{Email: `"a b"@example.com`, FirstName: "\xff\xfe", Source: "İSTANBUL", Timezone: "localtime"},
		{Email: "ü@例え.jp", FirstName: long("é", 100), LastName: "\u2028", Company: long("x", 200), Source: long("Ⱥ", 64), Phone: long("1", 33)},
		{Email: long("a", 64) + "@" + long("b", 189) + ".com", Phone: "+1 415 555 0100", Timezone: "UTC"},
		{Email: "a@[127.0.0.1]", Phone: "+0123456789", Timezone: "America//New_York"},
		{Email: "@example.com", Source: " \t "},
		{Email: "a@", Source: "EMAIL"},
	} {
		f.Add(in.Email, in.FirstName, in.LastName, in.Phone, in.Company, in.Source, in.Timezone, true)
		f.Add(in.Email, in.FirstName, in.LastName, in.Phone, in.Company, in.Source, in.Timezone, false)
	}
	ev, err := NewEvent("host-1", EventInput{Title: ptr("T"), ScheduledStart: ptr("2026-12-15T14:00:00Z"), Timezone: ptr("Europe/Berlin")}, now)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, email, first, last, phone, company, source, zone string, phoneOK bool) {
		// The phone normaliser accepts (spaces removed, possibly not E.164)
		// or refuses, as the fuzzer chooses.
		normalize := func(raw string) (string, error) {
			if !phoneOK {
				return "", errors.New("is not a phone number")
			}
			return strings.ReplaceAll(raw, " ", ""), nil
		}
		in := RegistrationInput{FirstName: first, LastName: last, Email: email, Phone: phone, Company: company, Timezone: zone, Source: source}
		r, err := NewRegistration(ev, in, normalize, now)
		if err != nil {
			ve := checkValidationError(t, err, registrationFields)
			for _, field := range registrationFields {
				_, alone := NewRegistration(ev, registrationInputOnly(in, field), normalize, now)
				if hasProblem(alone, field) != ve.Has(field) {
					t.Fatalf("%s: with the others %v; alone %v", field, ve.Fields, alone)
				}
			}
			return
		}
		checkEmail(t, r.Email)
		checkLine(t, "first name", r.FirstName, MaxNameLen, false)
		checkLine(t, "last name", r.LastName, MaxNameLen, false)
		checkLine(t, "company", r.Company, MaxCompanyLen, false)
		checkLine(t, "source", r.Source, MaxSourceLen, true)
		if r.Email != strings.TrimSpace(email) || r.FirstName != strings.TrimSpace(first) ||
			r.LastName != strings.TrimSpace(last) || r.Company != strings.TrimSpace(company) {
			t.Fatalf("registration %+v from %+v", r, in)
		}
		if s := strings.ToLower(strings.TrimSpace(source)); r.Source != s && !(s == "" && r.Source == "direct") {
			t.Fatalf("source %q from %q", r.Source, source)
		}
		if p := strings.TrimSpace(phone); (p == "") != (r.Phone == "") || (p != "" && (!IsE164(r.Phone) || r.Phone != strings.ReplaceAll(p, " ", ""))) {
			t.Fatalf("phone %q from %q", r.Phone, phone)
		}
		if z := strings.TrimSpace(zone); !ValidTimezone(r.Timezone) || (z != "" && r.Timezone != z) || (z == "" && r.Timezone != ev.Timezone) {
			t.Fatalf("time zone %q from %q", r.Timezone, zone)
		}
		if !ValidID(r.ID) || r.EventID != ev.ID || r.HostID != ev.HostID || r.Status != RegRegistered ||
			!r.CreatedAt.Equal(now) || !r.UpdatedAt.Equal(now) {
			t.Fatalf("registration %+v", r)
		}
		if r.Erased() {
			t.Fatalf("a new registration is erased: %+v", r)
		}
	})
}

func FuzzCredentialsValidate(f *testing.F) {
	for _, c := range []Credentials{
		{"host@example.com", "correct horse"},
		{" Host@Example.com ", "12345678"},
		{"", ""},
		{"host@example.com", "1234567"},
		{"host@example.com", "ééééééé"},
		{"host@example.com", "éééééééé"},
		{"host@example.com", strings.Repeat("x", 256)},
		{"host@example.com", strings.Repeat("x", 257)},
		{"host@example.com", strings.Repeat("é", 129)},
		{"Host <host@example.com>", "\xff\xff\xff\xff\xff\xff\xff\xff"},
		{"host@example.com\r\nBcc: x@example.com", "password"},
		{"host@", "password"},
	} {
		f.Add(c.Email, c.Password)
	}
	ev, err := NewEvent("host-1", validInput(), now)
	if err != nil {
		f.Fatal(err)
	}
	refuse := func(string) (string, error) { return "", errors.New("no phone expected") }
	f.Fuzz(func(t *testing.T, email, password string) {
		c, err := Credentials{Email: email, Password: password}.Validate()
		if c.Email != strings.TrimSpace(email) || c.Password != password {
			t.Fatalf("Validate returned %+v for %q, %q", c, email, password)
		}
		badPassword := password == "" || utf8.RuneCountInString(password) < MinPasswordLen || len(password) > MaxPasswordLen
		// A host's address is judged as a viewer's is.
		_, regErr := NewRegistration(ev, RegistrationInput{Email: email}, refuse, now)
		badEmail := hasProblem(regErr, "email")
		if err == nil {
			if badPassword || badEmail {
				t.Fatalf("accepted %q, %q", email, password)
			}
			checkEmail(t, c.Email)
			if again, err := c.Validate(); again != c || err != nil {
				t.Fatalf("valid credentials %+v validate as %+v, %v", c, again, err)
			}
			return
		}
		ve := checkValidationError(t, err, []string{"email", "password"})
		if ve.Has("password") != badPassword || ve.Has("email") != badEmail {
			t.Fatalf("problems %v for %q, %q; a viewer's address would get %v", ve.Fields, email, password, regErr)
		}
	})
}

package web

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/onair-live/onair/internal/onair"
)

// The fuzz targets of the parsers that read outside input. Plain `go test`
// runs their seeds; `go test -fuzz '^FuzzName$' ./internal/web/` explores.

// jsonBodies are the request bodies the API decodes, by a name for the
// failure messages.
var jsonBodies = []struct {
	name string
	dst  func() any
}{
	{"event input", func() any { return new(onair.EventInput) }},
	{"registration input", func() any { return new(onair.RegistrationInput) }},
	{"credentials", func() any { return new(onair.Credentials) }},
	{"engagement", func() any { return new(engagementRequest) }},
	{"revenue", func() any { return new(revenueRequest) }},
	{"mailgun event", func() any { return new(mailgunEvent) }},
}

// FuzzDecodeJSON: any body decodes into every request struct, or fails
// with an error that the API answers with a 4xx JSON error; never a panic
// and never a 5xx.
func FuzzDecodeJSON(f *testing.F) {
	future := `"2030-12-15T14:00:00Z"`
	for _, body := range []string{
		`{"title": "Launch", "scheduled_start": ` + future + `, "timezone": "America/New_York", "duration_minutes": 60,
		  "max_registrations": 500, "registration_enabled": true, "stream_url": "https://example.com/live",
		  "notification_settings": {"email_enabled": true, "sms_enabled": true, "custom_message": "See you"},
		  "selected_intervals": ["2weeks", "1day", "45m", "now"]}`,
		`{"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "phone": "+44 20 7946 0000",
		  "company": "Engines", "timezone": "Europe/London", "source": "social"}`,
		`{"email": "host@example.com", "password": "correct horse"}`,
		`{"token": "abc", "action": "chat"}`,
		`{"token": "abc", "amount_cents": 1250, "currency": "EUR"}`,
		`{"signature": {"timestamp": "1700000000", "token": "t", "signature": "00"},
		  "event-data": {"event": "failed", "severity": "permanent", "user-variables": {"onair-delivery": "7"},
		  "delivery-status": {"code": 550, "message": "no such user"}}}`,
		``, ` `, `null`, `{}`, `[]`, `"a string"`, `42`, `{"title": 5}`, `{"duration_minutes": 1.5}`,
		`{"duration_minutes": 1e400}`, `{"max_registrations": 99999999999999999999}`, `{"amount_cents": -1e30}`,
		`{"notification_settings": []}`, `{"notification_settings": {"sms_enabled": "yes"}}`,
		`{"selected_intervals": "1day"}`, `{"selected_intervals": [1]}`, `{"user-variables": 5}`,
		`{"event-data": {"user-variables": []}}`, `{"email": "a"}}`, `{"email": "a"}]`, `{"email": "a"} {}`,
		`{"email": "a`, "{\"email\": \"\x00\"}", "{\"email\": \"\xff\"}", `{"email": "\ud800"}`,
		strings.Repeat("[", 10001), strings.Repeat(`{"a":`, 100) + `1` + strings.Repeat(`}`, 100),
	} {
		for i := range jsonBodies {
			f.Add(uint8(i), []byte(body))
		}
	}
	s := &Server{log: slog.New(slog.DiscardHandler)}
	f.Fuzz(func(t *testing.T, kind uint8, body []byte) {
		target := jsonBodies[int(kind)%len(jsonBodies)]
		r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		r.Body = http.MaxBytesReader(nil, r.Body, maxBody)
		err := decodeJSON(r, target.dst())
		if err == nil {
			return
		}
		status, _ := describe(err)
		if status < 400 || status >= 500 {
			t.Fatalf("%s: decodeJSON(%q) = %v, answered with %d; want a 4xx", target.name, body, err, status)
		}
		expectJSONError(t, s, r, err, status)
	})
}

// expectJSONError checks that writeError answers err with status and the
// API's error shape.
func expectJSONError(t *testing.T, s *Server, r *http.Request, err error, status int) {
	t.Helper()
	w := httptest.NewRecorder()
	s.writeError(w, r, err)
	var out errorBody
	if w.Code != status {
		t.Fatalf("writeError(%v) wrote %d, describe said %d", err, w.Code, status)
	}
	if jerr := json.Unmarshal(w.Body.Bytes(), &out); jerr != nil || out.Error.Code == "" || out.Error.Message == "" {
		t.Fatalf("writeError(%v) wrote %q; want {\"error\": {\"code\", \"message\"}}", err, w.Body.String())
	}
	if status == http.StatusUnprocessableEntity && len(out.Error.Fields) == 0 {
		t.Fatalf("writeError(%v) wrote a 422 naming no field: %q", err, w.Body.String())
	}
}

// FuzzNormalizePhone: a number as typed is refused, or becomes E.164 that
// the domain accepts and that normalizes to itself.
func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{
		"+1 415 555 0100", "(415) 555-0100", "415.555.0100", "+44 20 7946 0000", "+442079460000",
		"0044 20 7946 0000", "+49 (0)30 123456", "+39 06 6982 1234", "+61 2 9374 4000", "+683 4002",
		"+1 800 FLOWERS", "+1 415 555 0100 ext. 12", "tel:+1-415-555-0100", "+", "+1", "1", "",
		"call me", "++1 415 555 0100", "+0 123 456 789", "+999 123 456 789", strings.Repeat("1", 40),
		"+1\u00a0415\u00a0555\u00a00100", "+１ ４１５ ５５５ ０１００", "\xff+1 415 555 0100", "+800 1234 5678",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		out, err := normalizePhone(raw)
		if err != nil {
			if out != "" || err.Error() == "" {
				t.Fatalf("normalizePhone(%q) = %q, %v; want no number and a reason", raw, out, err)
			}
			return
		}
		if !onair.IsE164(out) {
			t.Fatalf("normalizePhone(%q) = %q, which is not E.164", raw, out)
		}
		again, err := normalizePhone(out)
		if err != nil || again != out {
			t.Fatalf("normalizePhone(%q) = %q, but normalizePhone(%q) = %q, %v", raw, out, out, again, err)
		}
	})
}

// fuzzZones are the zones the date fuzzers read times in: UTC, and zones
// with DST, half- and quarter-hour offsets, and unusual transitions.
var fuzzZones = []string{
	"UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu",
	"America/St_Johns", "America/Santiago", "Pacific/Chatham", "Africa/Casablanca", "Pacific/Apia",
	"Europe/Dublin", "America/Sao_Paulo", "Asia/Tehran", "Pacific/Kiritimati",
}

// fuzzZone is zone when the domain accepts it, and else one of fuzzZones.
func fuzzZone(t *testing.T, i uint8, zone string) *time.Location {
	t.Helper()
	if !onair.ValidTimezone(zone) {
		zone = fuzzZones[int(i)%len(fuzzZones)]
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatalf("%q passes ValidTimezone but does not load: %v", zone, err)
	}
	return loc
}

// sameWallTime fails t unless at, read in loc, shows the wall-clock time
// that value says in layout: what the host typed is what the event gets.
func sameWallTime(t *testing.T, at time.Time, loc *time.Location, layout, value string) {
	t.Helper()
	typed, err := time.Parse(layout, value) // the wall time alone, as UTC
	if err != nil {
		t.Fatalf("%q was accepted, but does not parse with %q: %v", value, layout, err)
	}
	const wall = "2006-01-02 15:04:05"
	if got, want := at.In(loc).Format(wall), typed.Format(wall); got != want {
		t.Fatalf("%q in %s was read as %s, which is %s there", value, loc, at.Format(time.RFC3339), got)
	}
}

// FuzzDashParseLocal: the reschedule form's time is refused, or read as
// exactly the wall-clock time typed, in the zone chosen.
func FuzzDashParseLocal(f *testing.F) {
	for _, s := range []string{
		"2026-12-15T14:00", "2026-12-15T14:00:30", "2026-12-15 14:00", "2026-12-15 14:00:30",
		"2026-12-15T14:00:30.5", "2026-02-30T10:00", "2026-12-15T24:00", "2026-12-15T9:05", "0000-01-01T00:00",
		"2026-03-08T02:30", "2026-11-01T01:30", "2026-10-04T02:15", "2026-04-05T01:45", "2026-12-15", "", "garbage",
	} {
		for i := range fuzzZones {
			f.Add(s, uint8(i), "")
		}
	}
	f.Add("2026-03-29T01:30", uint8(0), "Europe/Berlin")
	f.Fuzz(func(t *testing.T, value string, zi uint8, zone string) {
		loc := fuzzZone(t, zi, zone)
		at, err := dashParseLocal(value, loc)
		if err != nil {
			return
		}
		for _, layout := range []string{dashLocalLayout, "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05"} {
			if _, err := time.Parse(layout, value); err == nil {
				sameWallTime(t, at, loc, layout, value)
				return
			}
		}
		t.Fatalf("dashParseLocal accepted %q, which no layout of the form reads", value)
	})
}

// FuzzWizardStart: the wizard's date and time are refused (a problem on
// scheduled_start, or absent when one is empty), or read as exactly the
// wall-clock time typed, in the zone chosen.
func FuzzWizardStart(f *testing.F) {
	for _, c := range [][2]string{
		{"2026-12-15", "14:00"}, {"2026-12-15", "14:00:30"}, {" 2026-12-15 ", " 14:00 "}, {"2026-12-15", ""},
		{"", "14:00"}, {"2026-02-29", "10:00"}, {"2026-12-15", "25:00"}, {"2026-12-15", "9:5"},
		{"2026-03-08", "02:30"}, {"2026-11-01", "01:30"}, {"2026-10-04", "02:15"}, {"15/12/2026", "2pm"},
		{"2026-12-15", "14:00:30.25"}, {"2026-12-15T14:00", "14:00"},
	} {
		for i := range fuzzZones {
			f.Add(c[0], c[1], uint8(i), "")
		}
	}
	f.Add("2026-03-29", "02:30", uint8(0), "Europe/Berlin")
	f.Fuzz(func(t *testing.T, date, clock string, zi uint8, zone string) {
		if !onair.ValidTimezone(zone) {
			zone = fuzzZones[int(zi)%len(fuzzZones)]
		}
		loc := fuzzZone(t, zi, zone)
		form := wizardForm{Date: date, Time: clock, Timezone: zone}
		v := &onair.ValidationError{}
		got := form.start(v)
		d, c := strings.TrimSpace(date), strings.TrimSpace(clock)
		switch {
		case got == nil && (d == "" || c == ""):
			if v.Err() != nil {
				t.Fatalf("an empty date or time is absent, not a problem: %v", v)
			}
			return
		case got == nil:
			if !v.Has("scheduled_start") {
				t.Fatalf("date %q and time %q were refused without a problem on scheduled_start", date, clock)
			}
			return
		case v.Err() != nil:
			t.Fatalf("date %q and time %q were read as %q, yet with a problem: %v", date, clock, *got, v)
		}
		at, err := time.Parse(time.RFC3339, *got)
		if err != nil {
			t.Fatalf("date %q and time %q became %q, which is not RFC 3339: %v", date, clock, *got, err)
		}
		if _, offset := at.In(loc).Zone(); offset%60 != 0 {
			// RFC 3339 writes offsets in whole minutes. Zones had offsets
			// with seconds only in their distant past (local mean time),
			// which the domain refuses as past anyway.
			return
		}
		layout := "2006-01-02 15:04"
		if strings.Count(c, ":") == 2 {
			layout += ":05"
		}
		sameWallTime(t, at, loc, layout, d+" "+c)
	})
}

// FuzzDeliveryID: the delivery id Mailgun echoes, any JSON value, is
// refused or is a positive id that says exactly what was sent.
func FuzzDeliveryID(f *testing.F) {
	for _, s := range []string{
		`"7"`, `7`, `7.0`, `7.5`, `-7`, `0`, `"0"`, `"-7"`, `"+7"`, `"007"`, `" 7"`, `"7 "`, `""`,
		`"9223372036854775807"`, `"9223372036854775808"`, `9223372036854775807`, `1e19`, `1e300`,
		`9007199254740993`, `null`, `true`, `[7]`, `{"id": 7}`, `"seven"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var v any
		if json.Unmarshal(raw, &v) != nil {
			return
		}
		id, ok := deliveryID(v)
		if !ok {
			return
		}
		if id <= 0 {
			t.Fatalf("deliveryID(%s) = %d, true; want a positive id", raw, id)
		}
		switch x := v.(type) {
		case float64:
			// A JSON number is a float64: only below 2^53 does it name one
			// integer exactly (2^53 is also 2^53+1 rounded).
			if x >= 1<<53 || float64(id) != x || x != math.Trunc(x) {
				t.Fatalf("deliveryID(%s) = %d, true; the number does not say that id exactly", raw, id)
			}
		case string:
			if !utf8.ValidString(x) || strings.TrimSpace(x) != x {
				t.Fatalf("deliveryID(%s) = %d, true; want the id in plain digits", raw, id)
			}
		default:
			t.Fatalf("deliveryID(%s) = %d, true for a %T", raw, id, v)
		}
	})
}

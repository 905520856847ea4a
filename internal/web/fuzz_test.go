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

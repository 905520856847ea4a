package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/store/storetest"
)

// The API's promise under test: "Every bad input gets a clear error and a
// 4xx, never a 5xx", each error in the shape {"error": {"code", "message"}}.

// badRequest is one request a client may send, and the 4xx it must get.
type badRequest struct {
	name     string
	method   string
	path     string
	auth     bool // send the host's API token
	body     any  // a string or []byte is sent as it is, anything else as JSON
	status   int
	orStatus int    // another acceptable status, where the contract allows both
	code     string // the error code; "" when any code will do
	field    string // the field error.fields must name when the status is 422
}

// badRoute is the bad requests of one route.
type badRoute struct {
	route string
	cases []badRequest
}

const (
	maxBodyBytes = 1 << 20 // "at most 1 MiB (413 beyond)"
	takenEmail   = "taken@example.com"
	takenPass    = "correct horse"
)

func TestBadInputNeverFails5xx(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, databaseURL string) {
		a := startApp(t, databaseURL, nil)
		a.expect(http.StatusCreated, "POST", "/api/auth/signup", "", map[string]string{"email": takenEmail, "password": takenPass})
		token := a.signup()
		id := a.createEvent(token, nil)["id"].(string)

		for _, r := range badInputTable(id) {
			t.Run(r.route, func(t *testing.T) {
				for _, c := range r.cases {
					t.Run(c.name, func(t *testing.T) {
						tok := ""
						if c.auth {
							tok = token
						}
						expectBadRequest(t, a, tok, c)
					})
				}
			})
		}
	})
}

// badInputTable lists bad requests against every route that takes input;
// id is an event of the host whose token the authenticated cases send.
func badInputTable(id string) []badRoute {
	future := time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
	event := func(fields string) string {
		return `{"title": "Launch", "scheduled_start": "` + future + `"` + fields + `}`
	}
	eventPath := "/api/events/" + id

	return []badRoute{
		{"signup", on("POST", "/api/auth/signup", false, append(malformedBodies(`{"email": "malformed@example.com", "password": "correct horse"}`),
			badRequest{name: "JSON null", body: `null`, status: 400, orStatus: 422},
			badRequest{name: "email is a number", body: `{"email": 5, "password": "correct horse"}`, status: 422, code: "validation_failed", field: "email"},
			badRequest{name: "password is true", body: `{"email": "typed@example.com", "password": true}`, status: 422, code: "validation_failed", field: "password"},
			badRequest{name: "empty object", body: `{}`, status: 422, code: "validation_failed", field: "email"},
			badRequest{name: "email is not an address", body: `{"email": "not an email", "password": "correct horse"}`, status: 422, code: "validation_failed", field: "email"},
			badRequest{name: "email has CR-LF", body: `{"email": "a@example.com\r\nBcc: b@example.com", "password": "correct horse"}`, status: 422, code: "validation_failed", field: "email"},
			badRequest{name: "email has NUL", body: `{"email": "a\u0000b@example.com", "password": "correct horse"}`, status: 422, code: "validation_failed", field: "email"},
			badRequest{name: "email of 300 characters", body: `{"email": "` + strings.Repeat("a", 290) + `@example.com", "password": "correct horse"}`, status: 422, code: "validation_failed", field: "email"},
			badRequest{name: "password too short", body: `{"email": "short@example.com", "password": "short"}`, status: 422, code: "validation_failed", field: "password"},
			badRequest{name: "password over 256 bytes", body: `{"email": "long@example.com", "password": "` + strings.Repeat("p", 257) + `"}`, status: 422, code: "validation_failed", field: "password"},
			badRequest{name: "email already taken, in another case", body: `{"email": "TAKEN@example.com", "password": "correct horse"}`, status: 409, code: "email_taken"},
			badRequest{name: "an unknown field", body: `{"email": "extra@example.com", "password": "correct horse", "passwort": "x"}`, status: 422, code: "validation_failed", field: "passwort"},
		)...)},

		{"login", on("POST", "/api/auth/login", false, append(malformedBodies(`{"email": "`+takenEmail+`", "password": "`+takenPass+`"}`),
			badRequest{name: "email is a list", body: `{"email": ["a@example.com"], "password": "x"}`, status: 422, code: "validation_failed", field: "email"},
			badRequest{name: "empty object", body: `{}`, status: 422, code: "validation_failed", field: "email"},
			badRequest{name: "wrong password", body: `{"email": "` + takenEmail + `", "password": "wrong horse"}`, status: 401, code: "invalid_credentials"},
			badRequest{name: "unknown email", body: `{"email": "nobody@example.com", "password": "correct horse"}`, status: 401, code: "invalid_credentials"},
			badRequest{name: "email has NUL", body: `{"email": "taken\u0000@example.com", "password": "correct horse"}`, status: 401, orStatus: 422},
			badRequest{name: "password over 256 bytes", body: `{"email": "` + takenEmail + `", "password": "` + strings.Repeat("p", 300) + `"}`, status: 401, code: "invalid_credentials"},
		)...)},

		{"create event", on("POST", "/api/events", true, append(malformedBodies(event("")),
			badRequest{name: "JSON null", body: `null`, status: 400, orStatus: 422},
			badRequest{name: "title is a number", body: `{"title": 5, "scheduled_start": "` + future + `"}`, status: 422, code: "validation_failed", field: "title"},
			badRequest{name: "title is null", body: `{"title": null, "scheduled_start": "` + future + `"}`, status: 422, code: "validation_failed", field: "title"},
			badRequest{name: "title is missing", body: `{"scheduled_start": "` + future + `"}`, status: 422, code: "validation_failed", field: "title"},
			badRequest{name: "title is blank", body: `{"title": "   ", "scheduled_start": "` + future + `"}`, status: 422, code: "validation_failed", field: "title"},
			badRequest{name: "title of 201 characters", body: `{"title": "` + strings.Repeat("é", 201) + `", "scheduled_start": "` + future + `"}`, status: 422, code: "validation_failed", field: "title"},
			badRequest{name: "title has CR-LF", body: `{"title": "Launch\r\nBcc: x@example.com", "scheduled_start": "` + future + `"}`, status: 422, code: "validation_failed", field: "title"},
			badRequest{name: "title has NUL", body: `{"title": "Launch\u0000", "scheduled_start": "` + future + `"}`, status: 422, code: "validation_failed", field: "title"},
			badRequest{name: "duration_minutes is \"sixty\"", body: event(`, "duration_minutes": "sixty"`), status: 422, code: "validation_failed", field: "duration_minutes"},
			badRequest{name: "duration_minutes is 1.5", body: event(`, "duration_minutes": 1.5`), status: 422, code: "validation_failed", field: "duration_minutes"},
			badRequest{name: "duration_minutes is 1e400", body: event(`, "duration_minutes": 1e400`), status: 422, code: "validation_failed", field: "duration_minutes"},
			badRequest{name: "duration_minutes is 0", body: event(`, "duration_minutes": 0`), status: 422, code: "validation_failed", field: "duration_minutes"},
			badRequest{name: "duration_minutes over a week", body: event(`, "duration_minutes": 10081`), status: 422, code: "validation_failed", field: "duration_minutes"},
			badRequest{name: "duration_minutes beyond int64", body: event(`, "duration_minutes": 99999999999999999999`), status: 422, code: "validation_failed", field: "duration_minutes"},
			badRequest{name: "max_registrations is a string", body: event(`, "max_registrations": "many"`), status: 422, code: "validation_failed", field: "max_registrations"},
			badRequest{name: "max_registrations is -1", body: event(`, "max_registrations": -1`), status: 422, code: "validation_failed", field: "max_registrations"},
			badRequest{name: "registration_enabled is \"yes\"", body: event(`, "registration_enabled": "yes"`), status: 422, code: "validation_failed", field: "registration_enabled"},
			badRequest{name: "selected_intervals is \"1day\"", body: event(`, "selected_intervals": "1day"`), status: 422, code: "validation_failed", field: "selected_intervals"},
			badRequest{name: "selected_intervals holds a number", body: event(`, "selected_intervals": [1]`), status: 422, code: "validation_failed", field: "selected_intervals"},
			badRequest{name: "selected_intervals holds an unknown name", body: event(`, "selected_intervals": ["fortnight"]`), status: 422, code: "validation_failed", field: "selected_intervals"},
			badRequest{name: "selected_intervals holds 0s", body: event(`, "selected_intervals": ["0s"]`), status: 422, code: "validation_failed", field: "selected_intervals"},
			badRequest{name: "selected_intervals holds the same time twice", body: event(`, "selected_intervals": ["1hour", "60m"]`), status: 422, code: "validation_failed", field: "selected_intervals"},
			badRequest{name: "selected_intervals holds 21 entries", body: event(`, "selected_intervals": [` + customIntervals(21) + `]`), status: 422, code: "validation_failed", field: "selected_intervals"},
			badRequest{name: "notification_settings is a list", body: event(`, "notification_settings": []`), status: 422, code: "validation_failed", field: "notification_settings"},
			badRequest{name: "notification_settings.sms_enabled is \"yes\"", body: event(`, "notification_settings": {"sms_enabled": "yes"}`), status: 422, code: "validation_failed", field: "notification_settings.sms_enabled"},
			badRequest{name: "custom_message of 501 characters", body: event(`, "notification_settings": {"custom_message": "` + strings.Repeat("m", 501) + `"}`), status: 422, code: "validation_failed", field: "notification_settings.custom_message"},
			badRequest{name: "scheduled_start is \"tomorrow\"", body: `{"title": "Launch", "scheduled_start": "tomorrow"}`, status: 422, code: "validation_failed", field: "scheduled_start"},
			badRequest{name: "scheduled_start without an offset", body: `{"title": "Launch", "scheduled_start": "2099-01-01T00:00:00"}`, status: 422, code: "validation_failed", field: "scheduled_start"},
			badRequest{name: "scheduled_start in the past", body: `{"title": "Launch", "scheduled_start": "2001-01-01T00:00:00Z"}`, status: 422, code: "validation_failed", field: "scheduled_start"},
			badRequest{name: "scheduled_start in year 9999", body: `{"title": "Launch", "scheduled_start": "9999-12-31T23:59:59Z"}`, status: 422, code: "validation_failed", field: "scheduled_start"},
			badRequest{name: "scheduled_start is a number", body: `{"title": "Launch", "scheduled_start": 1767225600}`, status: 422, code: "validation_failed", field: "scheduled_start"},
			badRequest{name: "timezone is unknown", body: event(`, "timezone": "Mars/Olympus_Mons"`), status: 422, code: "validation_failed", field: "timezone"},
			badRequest{name: "timezone is Local", body: event(`, "timezone": "Local"`), status: 422, code: "validation_failed", field: "timezone"},
			badRequest{name: "timezone is a path", body: event(`, "timezone": "../../../etc/passwd"`), status: 422, code: "validation_failed", field: "timezone"},
			badRequest{name: "timezone has NUL", body: event(`, "timezone": "UTC\u0000"`), status: 422, code: "validation_failed", field: "timezone"},
			badRequest{name: "stream_url is javascript:", body: event(`, "stream_url": "javascript:alert(1)"`), status: 422, code: "validation_failed", field: "stream_url"},
			badRequest{name: "description has NUL", body: event(`, "description": "a\u0000b"`), status: 422, code: "validation_failed", field: "description"},
			badRequest{name: "sms_quiet_hours starts at 25:00", body: event(`, "notification_settings": {"sms_quiet_hours": {"start": "25:00", "end": "08:00"}}`), status: 422, code: "validation_failed", field: "notification_settings.sms_quiet_hours.start"},
			badRequest{name: "sms_quiet_hours with a typo", body: event(`, "notification_settings": {"sms_quiet_hours": {"start": "21:00", "end": "08:00", "zone": "UTC"}}`), status: 422, code: "validation_failed", field: "notification_settings.sms_quiet_hours.zone"},
			badRequest{name: "sms_quiet_hours is a string", body: event(`, "notification_settings": {"sms_quiet_hours": "21-8"}`), status: 422, code: "validation_failed", field: "notification_settings.sms_quiet_hours"},
			badRequest{name: "ab_test with an unknown interval", body: event(`, "ab_test": {"intervals_b": ["fortnight"]}`), status: 422, code: "validation_failed", field: "ab_test.intervals_b"},
			badRequest{name: "ab_test without intervals_b", body: event(`, "ab_test": {"arms": 3}`), status: 422, code: "validation_failed", field: "ab_test.arms"},
			badRequest{name: "ab_test is a list", body: event(`, "ab_test": []`), status: 422, code: "validation_failed", field: "ab_test"},
			// A typo must not be dropped, leaving the setting at its default.
			badRequest{name: "a top-level sms_enabled", body: event(`, "sms_enabled": true`), status: 422, code: "validation_failed", field: "sms_enabled"},
			badRequest{name: "notification_settings.typo", body: event(`, "notification_settings": {"sms_enabled": true, "typo": 1}`), status: 422, code: "validation_failed", field: "notification_settings.typo"},
			// A typo must not be dropped, leaving the setting at its default.
			badRequest{name: "a top-level sms_enabled", body: event(`, "sms_enabled": true`), status: 422, code: "validation_failed", field: "sms_enabled"},
			badRequest{name: "notification_settings.typo", body: event(`, "notification_settings": {"sms_enabled": true, "typo": 1}`), status: 422, code: "validation_failed", field: "notification_settings.typo"},
		)...)},

		{"patch event", on("PATCH", eventPath, true, append(malformedBodies(`{"title": "Renamed"}`),
			badRequest{name: "title is a number", body: `{"title": 5}`, status: 422, code: "validation_failed", field: "title"},
			badRequest{name: "title is blank", body: `{"title": ""}`, status: 422, code: "validation_failed", field: "title"},
			badRequest{name: "title has CR-LF", body: `{"title": "a\r\nb"}`, status: 422, code: "validation_failed", field: "title"},
			badRequest{name: "duration_minutes is \"sixty\"", body: `{"duration_minutes": "sixty"}`, status: 422, code: "validation_failed", field: "duration_minutes"},
			badRequest{name: "selected_intervals is \"1day\"", body: `{"selected_intervals": "1day"}`, status: 422, code: "validation_failed", field: "selected_intervals"},
			badRequest{name: "scheduled_start in the past", body: `{"scheduled_start": "2001-01-01T00:00:00Z"}`, status: 422, code: "validation_failed", field: "scheduled_start"},
			badRequest{name: "notification_settings.email_enabled is 1", body: `{"notification_settings": {"email_enabled": 1}}`, status: 422, code: "validation_failed", field: "notification_settings.email_enabled"},
			badRequest{name: "an unknown field", body: `{"titel": "Renamed"}`, status: 422, code: "validation_failed", field: "titel"},
			badRequest{name: "unknown event", method: "PATCH", path: "/api/events/00000000-0000-4000-8000-000000000000", body: `{"title": "Renamed"}`, status: 404, code: "not_found"},
		)...)},

		{"list events", on("GET", "", true,
			badRequest{name: "limit=-1", path: "/api/events?limit=-1", status: 400, code: "bad_request"},
			badRequest{name: "limit=abc", path: "/api/events?limit=abc", status: 400, code: "bad_request"},
			badRequest{name: "limit=0", path: "/api/events?limit=0", status: 400, code: "bad_request"},
			badRequest{name: "limit=1.5", path: "/api/events?limit=1.5", status: 400, code: "bad_request"},
			badRequest{name: "limit beyond int64", path: "/api/events?limit=99999999999999999999", status: 400, code: "bad_request"},
			badRequest{name: "offset=x", path: "/api/events?offset=x", status: 400, code: "bad_request"},
			badRequest{name: "offset=-1", path: "/api/events?offset=-1", status: 400, code: "bad_request"},
			badRequest{name: "status=bogus", path: "/api/events?status=bogus", status: 400, code: "bad_request"},
			badRequest{name: "status=NUL", path: "/api/events?status=%00", status: 400, code: "bad_request"},
		)},

		{"list registrations", on("GET", "", true,
			badRequest{name: "format=xml", path: eventPath + "/registrations?format=xml", status: 400, code: "bad_request"},
			badRequest{name: "limit=-1", path: eventPath + "/registrations?limit=-1", status: 400, code: "bad_request"},
			badRequest{name: "limit=abc", path: eventPath + "/registrations?limit=abc", status: 400, code: "bad_request"},
			badRequest{name: "limit=0", path: eventPath + "/registrations?limit=0", status: 400, code: "bad_request"},
			badRequest{name: "offset=x", path: eventPath + "/registrations?offset=x", status: 400, code: "bad_request"},
			badRequest{name: "unknown event", path: "/api/events/00000000-0000-4000-8000-000000000000/registrations", status: 404, code: "not_found"},
		)},

		{"registration info", on("GET", "", false,
			badRequest{name: "unknown event", path: "/api/events/00000000-0000-4000-8000-000000000000/register", status: 404, code: "not_found"},
			badRequest{name: "an id of odd characters", path: "/api/events/%3Cscript%3E/register", status: 404, code: "not_found"},
		)},

		{"register", on("POST", eventPath+"/register", false, append(malformedBodies(`{"email": "malformed@example.com"}`),
			badRequest{name: "JSON null", body: `null`, status: 400, orStatus: 422},
			badRequest{name: "empty object", body: `{}`, status: 422, code: "validation_failed", field: "email"},
			badRequest{name: "email is a number", body: `{"email": 5}`, status: 422, code: "validation_failed", field: "email"},
			badRequest{name: "email is not an address", body: `{"email": "not an email"}`, status: 422, code: "validation_failed", field: "email"},
			badRequest{name: "email has a display name", body: `{"email": "Ada <ada@example.com>"}`, status: 422, code: "validation_failed", field: "email"},
			badRequest{name: "email has CR-LF", body: `{"email": "ada@example.com\r\nBcc: b@example.com"}`, status: 422, code: "validation_failed", field: "email"},
			badRequest{name: "first_name is a number", body: `{"email": "a1@example.com", "first_name": 5}`, status: 422, code: "validation_failed", field: "first_name"},
			badRequest{name: "first_name has CR-LF", body: `{"email": "a2@example.com", "first_name": "Ada\r\nBcc: x@example.com"}`, status: 422, code: "validation_failed", field: "first_name"},
			badRequest{name: "first_name has NUL", body: `{"email": "a3@example.com", "first_name": "Ada\u0000"}`, status: 422, code: "validation_failed", field: "first_name"},
			badRequest{name: "first_name of 101 characters", body: `{"email": "a4@example.com", "first_name": "` + strings.Repeat("n", 101) + `"}`, status: 422, code: "validation_failed", field: "first_name"},
			badRequest{name: "last_name is a list", body: `{"email": "a5@example.com", "last_name": []}`, status: 422, code: "validation_failed", field: "last_name"},
			badRequest{name: "company has NUL", body: `{"email": "a6@example.com", "company": "\u0000"}`, status: 422, code: "validation_failed", field: "company"},
			badRequest{name: "phone is letters", body: `{"email": "a7@example.com", "phone": "call me"}`, status: 422, code: "validation_failed", field: "phone"},
			badRequest{name: "phone is too short", body: `{"email": "a8@example.com", "phone": "+1"}`, status: 422, code: "validation_failed", field: "phone"},
			badRequest{name: "phone of 40 digits", body: `{"email": "a9@example.com", "phone": "` + strings.Repeat("1", 40) + `"}`, status: 422, code: "validation_failed", field: "phone"},
			badRequest{name: "timezone is unknown", body: `{"email": "a10@example.com", "timezone": "Nowhere/Land"}`, status: 422, code: "validation_failed", field: "timezone"},
			badRequest{name: "source of 65 characters", body: `{"email": "a11@example.com", "source": "` + strings.Repeat("s", 65) + `"}`, status: 422, code: "validation_failed", field: "source"},
			badRequest{name: "unknown event", path: "/api/events/00000000-0000-4000-8000-000000000000/register", body: `{"email": "a12@example.com"}`, status: 404, code: "not_found"},
			badRequest{name: "an unknown field", body: `{"email": "a13@example.com", "phone_number": "+14155550100"}`, status: 422, code: "validation_failed", field: "phone_number"},
		)...)},
	}
}

// malformedBodies are bodies that are not one JSON object, for a route whose
// valid body is valid: each is a 400, or a 413 beyond 1 MiB.
func malformedBodies(valid string) []badRequest {
	return []badRequest{
		{name: "empty body", body: "", status: 400, code: "bad_request"},
		{name: "only whitespace", body: " \r\n\t ", status: 400, code: "bad_request"},
		{name: "not JSON", body: "not json", status: 400, code: "bad_request"},
		{name: "a form instead of JSON", body: "email=a%40example.com&password=x", status: 400, code: "bad_request"},
		{name: "a JSON array", body: "[" + valid + "]", status: 400, code: "bad_request"},
		{name: "a JSON string", body: `"` + strings.ReplaceAll(valid, `"`, `\"`) + `"`, status: 400, code: "bad_request"},
		{name: "a JSON number", body: "42", status: 400, code: "bad_request"},
		{name: "a truncated object", body: valid[:len(valid)-1], status: 400, code: "bad_request"},
		{name: "a raw NUL byte inside a string", body: strings.Replace(valid, `": "`, "\": \"\x00", 1), status: 400, code: "bad_request"},
		{name: "trailing garbage after the object", body: valid + " garbage", status: 400, code: "bad_request"},
		{name: "two objects", body: valid + valid, status: 400, code: "bad_request"},
		{name: "a stray closing brace after the object", body: valid + "}", status: 400, code: "bad_request"},
		{name: "a stray closing bracket after the object", body: valid + "]", status: 400, code: "bad_request"},
		{name: "body over 1 MiB", body: oversizedBody(), status: 413, code: "payload_too_large"},
	}
}

// on fills in the method, path and authentication of cases that leave them
// empty.
func on(method, path string, auth bool, cases ...badRequest) []badRequest {
	out := make([]badRequest, len(cases))
	for i, c := range cases {
		if c.method == "" {
			c.method = method
		}
		if c.path == "" {
			c.path = path
		}
		c.auth = auth
		out[i] = c
	}
	return out
}

// oversizedBody is a JSON object one byte over the limit.
func oversizedBody() []byte {
	b := []byte(`{"title": "` + strings.Repeat("a", maxBodyBytes) + `"}`)
	return b[:maxBodyBytes+1]
}

// customIntervals returns n distinct custom intervals as JSON strings.
func customIntervals(n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf(`"%dm"`, i+1)
	}
	return strings.Join(s, ", ")
}

// expectBadRequest sends c and checks its status, error code and field.
func expectBadRequest(t *testing.T, a *app, token string, c badRequest) {
	t.Helper()
	status, raw, header := appFor(t, a).raw(c.method, c.path, token, c.body)
	if status != c.status && (c.orStatus == 0 || status != c.orStatus) {
		want := fmt.Sprint(c.status)
		if c.orStatus != 0 {
			want += " or " + fmt.Sprint(c.orStatus)
		}
		t.Fatalf("%s %s %s: status %d, want %s: %s", c.method, c.path, abbreviate(c.body), status, want, abbreviate(raw))
	}
	e := requireErrorBody(t, status, raw, header)
	if c.code != "" && e.Code != c.code {
		t.Errorf("%s %s %s: code %q, want %q: %s", c.method, c.path, abbreviate(c.body), e.Code, c.code, raw)
	}
	if c.field != "" && status == http.StatusUnprocessableEntity && e.Fields[c.field] == "" {
		t.Errorf("%s %s %s: error.fields does not name %q: %s", c.method, c.path, abbreviate(c.body), c.field, raw)
	}
}

func TestBadInputUnknownEventIDs(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, databaseURL string) {
		a := startApp(t, databaseURL, nil)
		token := a.signup()
		a.createEvent(token, nil) // the host has an event; none of these ids is it

		ids := []struct{ name, id string }{
			{"a well-formed id of no event", "00000000-0000-4000-8000-000000000000"},
			{"a word", "nope"},
			{"an escaped NUL", "%00"},
			{"NUL inside an id", "abc%00def"},
			{"dot-dot", ".."},
			{"escaped dot-dot", "%2E%2E"},
			{"an escaped slash", "a%2Fb"},
			{"a byte that is not UTF-8", "%FF"},
			{"a right-to-left override", "%E2%80%AE"},
			{"an escaped CR-LF", "id%0D%0Ainjected"},
			{"SQL", "'%20OR%20'1'%3D'1"},
			{"LIKE wildcards", "%25_%25"},
			{"5000 characters", strings.Repeat("x", 5000)},
			{"300 emoji", strings.Repeat("%F0%9F%98%80", 300)},
		}
		for _, c := range ids {
			t.Run(c.name, func(t *testing.T) {
				p := "/api/events/" + c.id
				for _, r := range []struct {
					method, path string
					auth         bool
					body         any
				}{
					{"GET", p, true, nil},
					{"PATCH", p, true, map[string]any{"title": "Renamed"}},
					{"POST", p + "/start", true, nil},
					{"POST", p + "/end", true, nil},
					{"POST", p + "/cancel", true, nil},
					{"GET", p + "/registrations", true, nil},
					{"GET", p + "/registrations?format=csv", true, nil},
					{"GET", p + "/register", false, nil},
					{"POST", p + "/register", false, map[string]any{"email": "ada@example.com"}},
				} {
					tok := ""
					if r.auth {
						tok = token
					}
					status, raw, header := appFor(t, a).raw(r.method, r.path, tok, r.body)
					if status != http.StatusNotFound {
						t.Errorf("%s %s: status %d, want 404: %s", r.method, abbreviate(r.path), status, abbreviate(raw))
						continue
					}
					if e := requireErrorBody(t, status, raw, header); e.Code != "not_found" {
						t.Errorf("%s %s: code %q, want not_found", r.method, abbreviate(r.path), e.Code)
					}
				}
			})
		}
	})
}

func TestBadInputQueryText(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, databaseURL string) {
		a := startApp(t, databaseURL, nil)
		token := a.signup()
		id := a.createEvent(token, map[string]any{"title": "100% _real_ launch"})["id"].(string)
		a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", map[string]any{"email": "ada@example.com", "first_name": "Ada"})

		// Search text is free text: what a client can type is a 200, except
		// that a NUL, bytes that are not UTF-8 and a query far longer than any
		// title may be refused as malformed.
		for _, q := range []struct {
			name, q  string
			orStatus int
		}{
			{"LIKE wildcards", "%25_", 0},
			{"a backslash", "%5C", 0},
			{"a quote", "'", 0},
			{"a byte that is not UTF-8", "%FF", http.StatusBadRequest},
			{"2000 characters", strings.Repeat("q", 2000), http.StatusBadRequest},
			{"an escaped NUL", "%00", http.StatusBadRequest},
		} {
			t.Run("q is "+q.name, func(t *testing.T) {
				sub := appFor(t, a)
				for _, path := range []string{"/api/events?q=" + q.q, "/api/events/" + id + "/registrations?q=" + q.q} {
					status, raw, header := sub.raw("GET", path, token, nil)
					switch {
					case status == http.StatusOK:
					case q.orStatus != 0 && status == q.orStatus:
						requireErrorBody(t, status, raw, header)
					default:
						t.Errorf("GET %s: status %d, want 200: %s", abbreviate(path), status, abbreviate(raw))
					}
				}
			})
		}
	})
}

func TestBadInputListLimitIsCapped(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, databaseURL string) {
		a := startApp(t, databaseURL, nil)
		token := a.signup()
		var id string
		for i := range 101 {
			id = a.createEvent(token, map[string]any{"title": fmt.Sprintf("Event %d", i)})["id"].(string)
		}
		a.expect(http.StatusCreated, "POST", "/api/events/"+id+"/register", "", map[string]any{"email": "ada@example.com"})

		t.Run("limit=1000 lists at most 100 events", func(t *testing.T) {
			out := appFor(t, a).expect(http.StatusOK, "GET", "/api/events?limit=1000", token, nil)
			if n := len(out["events"].([]any)); n != 100 {
				t.Errorf("%d events, want 100", n)
			}
			if out["total"] != float64(101) {
				t.Errorf("total %v, want 101", out["total"])
			}
		})
		t.Run("an offset beyond the end is an empty page", func(t *testing.T) {
			out := appFor(t, a).expect(http.StatusOK, "GET", "/api/events?offset=9223372036854775807", token, nil)
			if n := len(out["events"].([]any)); n != 0 || out["total"] != float64(101) {
				t.Errorf("%d events, total %v; want 0 of 101", n, out["total"])
			}
		})
		t.Run("limit=5000 on registrations is a 200", func(t *testing.T) {
			out := appFor(t, a).expect(http.StatusOK, "GET", "/api/events/"+id+"/registrations?limit=5000", token, nil)
			if out["total"] != float64(1) {
				t.Errorf("total %v, want 1", out["total"])
			}
		})
	})
}

func TestBadInputBodyLimit(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, databaseURL string) {
		a := startApp(t, databaseURL, nil)
		token := a.signup()
		id := a.createEvent(token, nil)["id"].(string)
		future := time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)

		t.Run("a body of exactly 1 MiB is read", func(t *testing.T) {
			body := padTo(`{"title": "Padded", "scheduled_start": "`+future+`"}`, maxBodyBytes)
			appFor(t, a).expect(http.StatusCreated, "POST", "/api/events", token, body)
		})
		t.Run("one byte more is 413", func(t *testing.T) {
			body := padTo(`{"title": "Padded", "scheduled_start": "`+future+`"}`, maxBodyBytes+1)
			status, raw, header := appFor(t, a).raw("POST", "/api/events", token, body)
			if status != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d, want 413: %s", status, raw)
			}
			if e := requireErrorBody(t, status, raw, header); e.Code != "payload_too_large" {
				t.Errorf("code %q, want payload_too_large", e.Code)
			}
		})

		for _, r := range []struct {
			name, method, path string
			auth               bool
		}{
			{"signup", "POST", "/api/auth/signup", false},
			{"login", "POST", "/api/auth/login", false},
			{"create event", "POST", "/api/events", true},
			{"patch event", "PATCH", "/api/events/" + id, true},
			{"register", "POST", "/api/events/" + id + "/register", false},
		} {
			t.Run(r.name+" with a chunked body over 1 MiB is 413", func(t *testing.T) {
				header := http.Header{}
				if r.auth {
					header.Set("Authorization", "Bearer "+token)
				}
				// A reader of unknown length: the request goes chunked,
				// without a Content-Length to refuse it early.
				body := io.MultiReader(bytes.NewReader(oversizedBody()))
				status, raw, h := appFor(t, a).rawRequest(r.method, r.path, header, body)
				if status != http.StatusRequestEntityTooLarge {
					t.Fatalf("status %d, want 413: %s", status, abbreviate(raw))
				}
				if e := requireErrorBody(t, status, raw, h); e.Code != "payload_too_large" {
					t.Errorf("code %q, want payload_too_large", e.Code)
				}
			})
		}
	})
}

// padTo pads a JSON body with trailing spaces to n bytes.
func padTo(body string, n int) string { return body + strings.Repeat(" ", n-len(body)) }

func TestBadInputTextFields(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, databaseURL string) {
		a := startApp(t, databaseURL, nil)
		token := a.signup()
		id := a.createEvent(token, map[string]any{"title": "Unchanged"})["id"].(string)
		future := time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)

		// Each text is written in a JSON string as it is: "\u0000" is the
		// JSON escape, "\x00" a raw byte.
		texts := []struct {
			name     string
			text     string
			status   int
			orStatus int
		}{
			{"invalid UTF-8", "Launch \xff\xfe", 422, 400},
			{"a lone UTF-8 continuation byte", "Caf\x80", 422, 400},
			{"an escaped NUL", `Launch\u0000`, 422, 0},
			{"an escaped CR-LF", `Launch\r\nBcc: x@example.com`, 422, 0},
			{"an escaped bell", `Launch\u0007`, 422, 0},
			{"a raw NUL byte", "Launch\x00", 400, 0},
			{"a raw CR-LF", "Launch\r\nBcc: x@example.com", 400, 0},
		}
		for i, c := range texts {
			t.Run("create event with a title with "+c.name, func(t *testing.T) {
				expectBadRequest(t, a, token, badRequest{method: "POST", path: "/api/events",
					body:   []byte(`{"title": "` + c.text + `", "scheduled_start": "` + future + `"}`),
					status: c.status, orStatus: c.orStatus, field: "title"})
			})
			t.Run("patch event with a title with "+c.name, func(t *testing.T) {
				expectBadRequest(t, a, token, badRequest{method: "PATCH", path: "/api/events/" + id,
					body:   []byte(`{"title": "` + c.text + `"}`),
					status: c.status, orStatus: c.orStatus, field: "title"})
			})
			t.Run("register with a first_name with "+c.name, func(t *testing.T) {
				expectBadRequest(t, a, "", badRequest{method: "POST", path: "/api/events/" + id + "/register",
					body:   []byte(fmt.Sprintf(`{"email": "viewer%d@example.com", "first_name": "%s"}`, i, c.text)),
					status: c.status, orStatus: c.orStatus, field: "first_name"})
			})
		}

		t.Run("the event is unchanged and has no registration", func(t *testing.T) {
			ev := appFor(t, a).expect(http.StatusOK, "GET", "/api/events/"+id, token, nil)["event"].(map[string]any)
			if ev["title"] != "Unchanged" || ev["registration_count"] != float64(0) {
				t.Errorf("title %q, registration_count %v; want \"Unchanged\" and 0", ev["title"], ev["registration_count"])
			}
		})
	})
}

func TestBadInputMutatedJSON(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, databaseURL string) {
		a := startApp(t, databaseURL, nil)
		token := a.signup()
		id := a.createEvent(token, nil)["id"].(string)
		future := time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
		validEvent := `{"title": "Product Launch", "description": "Line one\nline two", "scheduled_start": "` + future + `",
			"timezone": "America/New_York", "duration_minutes": 60, "max_registrations": 500,
			"registration_enabled": true, "stream_url": "https://example.com/live",
			"notification_settings": {"email_enabled": true, "sms_enabled": true, "custom_message": "See you!"},
			"selected_intervals": ["1day", "1hour", "45m", "now"]}`
		validRegistration := `{"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
			"phone": "+1 415 555 0100", "company": "Engines", "timezone": "Europe/London", "source": "social"}`

		rng := rand.New(rand.NewSource(20261215))
		for _, target := range []struct {
			name, path, token, valid string
		}{
			{"create event", "/api/events", token, validEvent},
			{"register", "/api/events/" + id + "/register", "", validRegistration},
		} {
			t.Run(target.name, func(t *testing.T) {
				sub := appFor(t, a)
				for i := range 100 {
					body := mutate(rng, []byte(target.valid))
					status, raw, header := sub.raw("POST", target.path, target.token, body)
					switch {
					case status >= 200 && status < 300:
						var out map[string]any
						if err := json.Unmarshal(raw, &out); err != nil {
							t.Errorf("mutation %d %q: %d with a body that is not a JSON object: %q", i, body, status, raw)
						}
					case status >= 400 && status < 500:
						if e := requireErrorBody(t, status, raw, header); e.Code == "" {
							t.Errorf("mutation %d %q: the error above", i, body)
						}
					default:
						t.Errorf("mutation %d %q: status %d, want 2xx or 4xx: %s", i, body, status, raw)
					}
				}
			})
		}
	})
}

// mutate flips, inserts or deletes one to four bytes of b.
func mutate(rng *rand.Rand, b []byte) []byte {
	b = bytes.Clone(b)
	const interesting = `{}[]":,\0123456789.-+eE ntfu` + "\x00\xff\n"
	for range 1 + rng.Intn(4) {
		if len(b) == 0 {
			b = append(b, '{')
		}
		i := rng.Intn(len(b))
		switch rng.Intn(3) {
		case 0:
			b[i] ^= 1 << rng.Intn(8)
		case 1:
			c := byte(rng.Intn(256))
			if rng.Intn(2) == 0 {
				c = interesting[rng.Intn(len(interesting))]
			}
			b = append(b[:i], append([]byte{c}, b[i:]...)...)
		case 2:
			b = append(b[:i], b[i+1:]...)
		}
	}
	return b
}

// appFor returns the app a reporting to t, so that a subtest's failures are
// its own.
func appFor(t *testing.T, a *app) *app {
	return &app{t: t, URL: a.URL, DBURL: a.DBURL}
}

// rawRequest is raw with the headers in the caller's hands (no token is
// added); a body that is an io.Reader of unknown length is sent chunked.
func (a *app) rawRequest(method, path string, header http.Header, body any) (int, []byte, http.Header) {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd = b
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, a.URL+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	if resp.StatusCode >= 500 {
		a.t.Errorf("%s %s: %d (no input may cause a 5xx): %s", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, raw, resp.Header
}

// apiError is the inside of the API's error body.
type apiError struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields"`
}

// requireErrorBody checks that an error response is JSON of exactly the
// shape {"error": {"code", "message", "fields"?}} with a code and a message,
// and returns its inside.
func requireErrorBody(t *testing.T, status int, raw []byte, header http.Header) apiError {
	t.Helper()
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%d: Content-Type %q, want application/json: %s", status, ct, abbreviate(raw))
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		t.Errorf("%d: the error body is not a JSON object (%v): %s", status, err, abbreviate(raw))
		return apiError{}
	}
	var e apiError
	if _, ok := top["error"]; !ok || len(top) != 1 {
		t.Errorf(`%d: the error body is not {"error": {...}}: %s`, status, abbreviate(raw))
		return e
	}
	dec := json.NewDecoder(bytes.NewReader(top["error"]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Errorf("%d: error is not {code, message, fields?} (%v): %s", status, err, abbreviate(raw))
	}
	if e.Code == "" || strings.TrimSpace(e.Message) == "" {
		t.Errorf("%d: the error needs a code and a message: %s", status, abbreviate(raw))
	}
	return e
}

// abbreviate keeps failure messages about huge bodies short.
func abbreviate(v any) string {
	var s string
	switch b := v.(type) {
	case nil:
		return ""
	case string:
		s = b
	case []byte:
		s = string(b)
	default:
		s = fmt.Sprint(b)
	}
	if len(s) > 300 {
		return fmt.Sprintf("%q… (%d bytes)", s[:300], len(s))
	}
	return fmt.Sprintf("%q", s)
}

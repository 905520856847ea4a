package site

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/onair-live/onair/internal/onair"
)

// statuses maps each domain error kind to its HTTP status and default code.
// It is the one place where the domain meets HTTP.
var statuses = []struct {
	kind   error
	status int
	code   string
}{
	{onair.ErrInvalid, http.StatusBadRequest, "bad_request"},
	{onair.ErrUnauthorized, http.StatusUnauthorized, "unauthorized"},
	{onair.ErrForbidden, http.StatusForbidden, "forbidden"},
	{onair.ErrNotFound, http.StatusNotFound, "not_found"},
	{onair.ErrConflict, http.StatusConflict, "conflict"},
	{onair.ErrGone, http.StatusGone, "gone"},
	{onair.ErrTooLarge, http.StatusRequestEntityTooLarge, "payload_too_large"},
	{onair.ErrUnprocessable, http.StatusUnprocessableEntity, "validation_failed"},
	{onair.ErrTooManyRequests, http.StatusTooManyRequests, "rate_limited"},
}

// Detail is what a client is told of an error: the API writes it as JSON,
// a page as a sentence.
type Detail struct {
	Code    string
	Message string
	Fields  map[string]string
}

// Describe turns any error into a status and the detail the client sees.
// Errors outside the vocabulary are internal: the caller logs their cause,
// and the client is told only that something went wrong.
func Describe(err error) (int, Detail) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge, Detail{Code: "payload_too_large",
			Message: "the request body is larger than " + strconv.FormatInt(mbe.Limit>>10, 10) + " KiB"}
	}
	var ve *onair.ValidationError
	if errors.As(err, &ve) {
		return http.StatusUnprocessableEntity, Detail{Code: "validation_failed",
			Message: "some fields are not valid", Fields: ve.Fields}
	}
	for _, s := range statuses {
		if !errors.Is(err, s.kind) {
			continue
		}
		// Only the domain's own errors speak to the client; anything else
		// (a driver's text, say) is replaced by the kind's plain name.
		d := Detail{Code: s.code, Message: s.kind.Error()}
		var oe *onair.Error
		if errors.As(err, &oe) {
			d.Code, d.Message = oe.Code, oe.Message
			if d.Code == "" {
				d.Code = s.code
			}
		}
		return s.status, d
	}
	return http.StatusInternalServerError, Detail{Code: "internal_error", Message: "internal error"}
}

// SetRetryAfter tells the client of a 429 when to try again: as err says,
// or in a second.
func SetRetryAfter(w http.ResponseWriter, err error, status int) {
	if secs, ok := onair.RetrySeconds(err); ok {
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	} else if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
}

// Sentence starts msg with a capital letter, as a line of a page does.
func Sentence(msg string) string {
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}

package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/onair-live/onair/internal/onair"
)

// maxBody is the largest request body the API reads.
const maxBody = 1 << 20

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// decodeJSON reads the request body, a single JSON object, into dst. A body
// that is not JSON is a 400; a value of the wrong type for a field is a
// validation error on that field.
func decodeJSON(r *http.Request, dst any) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return onair.Errorf(onair.ErrInvalid, "bad_request", "could not read the request body")
	}
	if strings.TrimSpace(string(body)) == "" {
		return onair.Errorf(onair.ErrInvalid, "bad_request", "the request body is empty: send a JSON object")
	}
	if !utf8.Valid(body) {
		// encoding/json would quietly turn bad bytes into U+FFFD; refuse them.
		return onair.Errorf(onair.ErrInvalid, "bad_request", "the body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(dst); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return onair.Errorf(onair.ErrInvalid, "bad_request", "the body is not valid JSON (at byte %d): %v", syn.Offset, syn)
		case errors.As(err, &typ) && typ.Field != "":
			return onair.Invalid(typ.Field, "must be "+jsonKind(typ.Type.String()))
		case errors.As(err, &typ):
			return onair.Errorf(onair.ErrInvalid, "bad_request", "the body must be a JSON object")
		case errors.Is(err, io.ErrUnexpectedEOF):
			return onair.Errorf(onair.ErrInvalid, "bad_request", "the body is not valid JSON: it ends too soon")
		}
		return onair.Errorf(onair.ErrInvalid, "bad_request", "the body is not valid JSON: %v", err)
	}
	// More() says nothing of a stray '}' or ']'; only the next token does.
	if _, err := dec.Token(); err != io.EOF {
		return onair.Errorf(onair.ErrInvalid, "bad_request", "the body must hold a single JSON object and nothing after it")
	}
	return nil
}

// jsonKind names a Go type as a JSON client knows it.
func jsonKind(goType string) string {
	goType = strings.TrimPrefix(goType, "*")
	switch {
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "a whole number"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	}
	return "an object"
}

// queryInt reads an optional non-negative integer query parameter.
func queryInt(r *http.Request, name string, def, max int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, onair.Errorf(onair.ErrInvalid, "bad_request", "%s must be a whole number of 0 or more", name)
	}
	if max > 0 && n > max {
		n = max
	}
	return n, nil
}

// searchQuery reads the optional q parameter: one line of at most 200
// characters.
func searchQuery(r *http.Request) (string, error) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if !utf8.ValidString(q) || strings.IndexFunc(q, unicode.IsControl) >= 0 || utf8.RuneCountInString(q) > 200 {
		return "", onair.Errorf(onair.ErrInvalid, "bad_request", "q must be one line of text, at most 200 characters")
	}
	return q, nil
}

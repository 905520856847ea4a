package web

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/web/site"
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
// validation error on that field, and so is a field dst does not know, at
// any depth ("notification_settings.typo": a typo must not be dropped
// silently, leaving the setting at its default).
func decodeJSON(r *http.Request, dst any) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	// Nearly every body has no field dst does not know, and a strict decode
	// that succeeds shows it in one pass, without the tree. Any error sends
	// the body the whole way, which decodes it again and says exactly what
	// is wrong (every unknown field, by its path).
	if decodeBody(body, dst, true) == nil {
		return nil
	}
	if err := decodeBody(body, dst, false); err != nil {
		return err
	}
	var tree any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&tree); err != nil {
		return onair.Errorf(onair.ErrInvalid, "bad_request", "the body is not valid JSON: %v", err)
	}
	v := &onair.ValidationError{}
	unknownFields(v, "", tree, reflect.TypeOf(dst))
	return v.Err()
}

// decodeForeignJSON is decodeJSON for a body another service defines (a
// provider's webhook): fields onair does not read are ignored, since the
// sender adds fields as it likes.
func decodeForeignJSON(r *http.Request, dst any) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	return decodeBody(body, dst, false)
}

// readBody reads a request body that should hold JSON: not empty, UTF-8.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		return nil, onair.Errorf(onair.ErrInvalid, "bad_request", "could not read the request body")
	}
	if strings.TrimSpace(string(body)) == "" {
		return nil, onair.Errorf(onair.ErrInvalid, "bad_request", "the request body is empty: send a JSON object")
	}
	if !utf8.Valid(body) {
		// encoding/json would quietly turn bad bytes into U+FFFD; refuse them.
		return nil, onair.Errorf(onair.ErrInvalid, "bad_request", "the body is not valid UTF-8")
	}
	return body, nil
}

// decodeBody decodes body, a single JSON value, into dst; strict refuses a
// field dst does not know (with the plain error of encoding/json).
func decodeBody(body []byte, dst any, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
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

// unknownFields adds to v every key of the decoded JSON value tree that
// type t does not know, named by its path ("notification_settings.typo",
// "items[2].typo"). Keys match as encoding/json matches them (the tag's
// name, or the field's, case-insensitively). A value decoded by its own
// UnmarshalJSON, or into an interface or a json.RawMessage, takes any key;
// so does a map, whose values are checked against its element type.
func unknownFields(v *onair.ValidationError, path string, tree any, t reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := tree.(map[string]any)
		if !ok {
			return
		}
		fields := jsonFields(t)
		for key, val := range obj {
			f, ok := fields[key]
			if !ok {
				for name, g := range fields {
					if strings.EqualFold(name, key) {
						f, ok = g, true
						break
					}
				}
			}
			if !ok {
				v.Add(joinPath(path, key), "unknown field")
				continue
			}
			unknownFields(v, joinPath(path, key), val, f.Type)
		}
	case reflect.Map:
		if obj, ok := tree.(map[string]any); ok {
			for key, val := range obj {
				unknownFields(v, joinPath(path, key), val, t.Elem())
			}
		}
	case reflect.Slice, reflect.Array:
		if list, ok := tree.([]any); ok {
			for i, val := range list {
				unknownFields(v, path+"["+strconv.Itoa(i)+"]", val, t.Elem())
			}
		}
	}
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// jsonFields maps the JSON names of struct type t to its fields, with the
// fields of embedded structs promoted as encoding/json promotes them.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for _, f := range reflect.VisibleFields(t) {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() || (f.Anonymous && name == "") {
			continue // an untagged embedded struct's fields are promoted
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f
	}
	return out
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
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

// searchQuery reads the optional q parameter, as the dashboard's lists do.
var searchQuery = site.SearchQuery

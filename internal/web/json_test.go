package web

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// jsonProbe has every kind of field decodeJSON walks into.
type jsonProbe struct {
	Name     string                    `json:"name"`
	Settings *jsonProbeInner           `json:"settings"`
	Items    []jsonProbeInner          `json:"items"`
	ByKey    map[string]jsonProbeInner `json:"by_key"`
	Answers  map[string]any            `json:"answers"`
	Raw      json.RawMessage           `json:"raw"`
	When     time.Time                 `json:"when"`
	Skipped  string                    `json:"-"`
	jsonProbeEmbedded
}

type jsonProbeInner struct {
	On *bool `json:"on"`
}

type jsonProbeEmbedded struct {
	Promoted string `json:"promoted"`
}

func TestDecodeJSONNamesUnknownFields(t *testing.T) {
	tests := []struct {
		name, body string
		unknown    []string
	}{
		{"every known field", `{"name": "a", "settings": {"on": true}, "items": [{"on": false}], "by_key": {"x": {"on": true}},
			"answers": {"anything": {"goes": 1}}, "raw": {"free": 1}, "when": "2026-12-01T14:00:00Z", "promoted": "p"}`, nil},
		{"a key in another case, as encoding/json reads it", `{"NAME": "a", "Settings": {"ON": true}}`, nil},
		{"a top-level typo", `{"nmae": "a"}`, []string{"nmae"}},
		{"a nested typo", `{"settings": {"on": true, "typo": 1}}`, []string{"settings.typo"}},
		{"a typo in a list item", `{"items": [{"on": true}, {"of": true}]}`, []string{"items[1].of"}},
		{"a typo in a map value", `{"by_key": {"x": {"no": true}}}`, []string{"by_key.x.no"}},
		{"a field named -", `{"-": 1, "Skipped": "x"}`, []string{"-", "Skipped"}},
		{"all of them at once", `{"a": 1, "b": 2, "settings": {"c": 3}}`, []string{"a", "b", "settings.c"}},
		{"null where an object goes", `{"settings": null, "items": null}`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var dst jsonProbe
			err := decodeJSON(httptest.NewRequest("POST", "/", strings.NewReader(tc.body)), &dst)
			if len(tc.unknown) == 0 {
				if err != nil {
					t.Fatalf("decodeJSON: %v", err)
				}
				return
			}
			var ve *onair.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("decodeJSON = %v; want a validation error", err)
			}
			want := map[string]string{}
			for _, f := range tc.unknown {
				want[f] = "unknown field"
			}
			if !maps.Equal(ve.Fields, want) {
				t.Errorf("fields %v; want %v", ve.Fields, want)
			}
		})
	}
}

func TestDecodeForeignJSONIgnoresUnknownFields(t *testing.T) {
	var dst jsonProbe
	body := `{"name": "a", "added-by-the-provider": {"x": 1}}`
	if err := decodeForeignJSON(httptest.NewRequest("POST", "/", strings.NewReader(body)), &dst); err != nil || dst.Name != "a" {
		t.Fatalf("decodeForeignJSON = %v, %+v", err, dst)
	}
}

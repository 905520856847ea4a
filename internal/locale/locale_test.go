package locale

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// TestCatalogueIsComplete fails when a language lacks a message of
// English's, has one English does not, or leaves one empty; and when a
// plural message has no text for a count its language's rules ask for.
func TestCatalogueIsComplete(t *testing.T) {
	en, err := Messages(onair.English)
	if err != nil {
		t.Fatal(err)
	}
	if len(en) < 100 {
		t.Fatalf("the English catalogue has %d messages; it was not read", len(en))
	}
	for _, l := range onair.Languages {
		msgs, err := Messages(l)
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		for id := range en {
			empty, ok := msgs[id]
			switch {
			case !ok:
				t.Errorf("%s lacks %q", l, id)
			case empty:
				t.Errorf("%s: %q is empty", l, id)
			}
		}
		for id := range msgs {
			if _, ok := en[id]; !ok {
				t.Errorf("%s has %q, which English has not", l, id)
			}
		}
		loc := For(l)
		for _, id := range []string{"until_week", "until_day", "until_hour", "until_minute",
			"length_week", "length_day", "length_hour", "length_minute", "reg_spots_left"} {
			for _, n := range []int{0, 1, 2, 5, 21, 1000000} {
				if got := loc.N(id, n); got == id || !strings.Contains(got, strconv.Itoa(n)) {
					t.Errorf("%s: %s for %d is %q", l, id, n, got)
				}
			}
		}
	}
}

func TestTimeIsWrittenTheLanguagesWay(t *testing.T) {
	at := time.Date(2026, 12, 15, 14, 5, 0, 0, time.UTC)
	want := map[onair.Language]string{
		onair.English:    "Tue 15 Dec, 2:05 PM",
		onair.Spanish:    "martes, 15 de diciembre, 14:05",
		onair.French:     "mardi 15 décembre à 14:05",
		onair.German:     "Dienstag, 15. Dezember, 14:05",
		onair.Portuguese: "terça-feira, 15 de dezembro, 14:05",
	}
	for l, w := range want {
		if got := For(l).Time(at); got != w {
			t.Errorf("%s: %q; want %q", l, got, w)
		}
	}
}

func TestMatchAcceptLanguage(t *testing.T) {
	tests := []struct {
		header string
		want   onair.Language
		ok     bool
	}{
		{"fr", onair.French, true},
		{"fr-CH, fr;q=0.9, en;q=0.8", onair.French, true},
		{"de-AT", onair.German, true},
		{"pt-BR,pt;q=0.9", onair.Portuguese, true},
		{"es-419", onair.Spanish, true},
		{"en-GB", onair.English, true},
		{"ja, de;q=0.5", onair.German, true},
		{"ja", "", false},
		{"", "", false},
		{"*", "", false},
		{"not a header;;;", "", false},
	}
	for _, tt := range tests {
		got, ok := Match(tt.header)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Match(%q) = %q, %v; want %q, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}

func TestTFillsFields(t *testing.T) {
	if got := For(onair.German).T("reminder_lead", "Title", "Launch", "Until", "morgen"); got != "Launch beginnt morgen." {
		t.Errorf("got %q", got)
	}
	if got := For("xx").T("label_when"); got != "When" {
		t.Errorf("an unknown language: %q; want English", got)
	}
}

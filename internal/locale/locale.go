// Package locale holds the words of every message and public page in each
// language onair writes (the catalogue, embedded, one TOML file per
// language, read by go-i18n), the matching of a browser's Accept-Language
// to those languages (golang.org/x/text/language), and the writing of
// dates and times the way each language writes them (month and weekday
// names from github.com/goodsign/monday).
package locale

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/goodsign/monday"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/onair-live/onair/internal/onair"
)

//go:embed catalog/*.toml
var catalogFS embed.FS

// tags are the languages as x/text names them, in onair.Languages' order.
var tags = []language.Tag{language.English, language.Spanish, language.French, language.German, language.Portuguese}

// dateLocales are the month and weekday names of each language. Portuguese
// is Brazil's, where most of its speakers live (and, like Portugal's since
// 1990, it writes month names in lower case).
var dateLocales = map[onair.Language]monday.Locale{
	onair.English:    monday.LocaleEnUS,
	onair.Spanish:    monday.LocaleEsES,
	onair.French:     monday.LocaleFrFR,
	onair.German:     monday.LocaleDeDE,
	onair.Portuguese: monday.LocalePtBR,
}

// A Locale is one language's words. It is safe for concurrent use.
type Locale struct {
	Lang   onair.Language
	loc    *i18n.Localizer
	layout string // how a time is written (the catalogue's time_layout)
	short  string // and in a text message (time_layout_short)
}

var (
	bundle  = i18n.NewBundle(language.English)
	locales = map[onair.Language]*Locale{}
)

func init() {
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	for i, l := range onair.Languages {
		name := "catalog/" + string(l) + ".toml"
		b, err := catalogFS.ReadFile(name)
		if err != nil {
			panic(err)
		}
		if _, err := bundle.ParseMessageFileBytes(b, path.Base(name)); err != nil {
			panic(fmt.Sprintf("locale: %s: %v", name, err))
		}
		loc := &Locale{Lang: l, loc: i18n.NewLocalizer(bundle, tags[i].String())}
		locales[l] = loc
	}
	for _, loc := range locales {
		loc.layout, loc.short = loc.T("time_layout"), loc.T("time_layout_short")
	}
}

// For is the words of l; an unknown or empty l is English.
func For(l onair.Language) *Locale {
	if loc := locales[l]; loc != nil {
		return loc
	}
	return locales[onair.English]
}

// T is the text of message id, its {{.Name}} fields filled from kv, given
// as pairs of a name and a value: T("lead", "Title", title). A message
// missing from the catalogue (which TestCatalogueIsComplete prevents)
// shows its id rather than nothing.
func (l *Locale) T(id string, kv ...any) string {
	cfg := &i18n.LocalizeConfig{MessageID: id}
	if len(kv) > 0 {
		data := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			data[fmt.Sprint(kv[i])] = kv[i+1]
		}
		cfg.TemplateData = data
	}
	s, err := l.loc.Localize(cfg)
	if err != nil {
		return id
	}
	return s
}

// N is the text of the plural message id for the count n ({{.Count}}).
func (l *Locale) N(id string, n int) string {
	s, err := l.loc.Localize(&i18n.LocalizeConfig{MessageID: id, PluralCount: n, TemplateData: map[string]any{"Count": n}})
	if err != nil {
		return id
	}
	return s
}

// NShown is N for the count n with shown written in its place: the text a
// script fills in with a count it learns later ("{n} spots left").
func (l *Locale) NShown(id string, n int, shown string) string {
	s, err := l.loc.Localize(&i18n.LocalizeConfig{MessageID: id, PluralCount: n, TemplateData: map[string]any{"Count": shown}})
	if err != nil {
		return id
	}
	return s
}

// Time writes t (already in the zone it is shown in) as the language
// writes a day and a time, without the year and without the zone:
// "Tue 15 Dec, 9:00 AM", "martes, 15 de diciembre, 09:00".
func (l *Locale) Time(t time.Time) string {
	return monday.Format(t, l.layout, dateLocales[l.Lang])
}

// ShortTime writes t as Time does, with abbreviated names, as a text
// message does: "Tue 15 Dec, 9:00 AM", "mar 15 dic, 09:00".
func (l *Locale) ShortTime(t time.Time) string {
	return monday.Format(t, l.short, dateLocales[l.Lang])
}

// matcher picks the closest of onair's languages to a browser's.
var matcher = language.NewMatcher(tags)

// Match is the language of onair's closest to the preferences of an
// Accept-Language header ("fr-CH, fr;q=0.9, en;q=0.8"); ok is false when
// the header names none of them (nor a close relative), and the caller's
// default applies.
func Match(acceptLanguage string) (onair.Language, bool) {
	prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(prefs) == 0 {
		return "", false
	}
	_, i, conf := matcher.Match(prefs...)
	if conf == language.No {
		return "", false
	}
	return onair.Languages[i], true
}

// Messages are the ids of the catalogue of l and, for each, whether its
// text (every plural form it gives) is empty: for the test that holds the
// languages to one another.
func Messages(l onair.Language) (map[string]bool, error) {
	b, err := fs.ReadFile(catalogFS, "catalog/"+string(l)+".toml")
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	if err := toml.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(raw))
	for id, v := range raw {
		switch v := v.(type) {
		case string:
			out[id] = strings.TrimSpace(v) == ""
		case map[string]any:
			empty := len(v) == 0
			for _, form := range v {
				if s, ok := form.(string); !ok || strings.TrimSpace(s) == "" {
					empty = true
				}
			}
			out[id] = empty
		default:
			out[id] = true
		}
	}
	return out, nil
}

package onair

import "strings"

// Language is a language onair writes its messages and public pages in,
// as a lower-case ISO 639-1 code.
type Language string

// The languages of messages and public pages.
const (
	English    Language = "en"
	Spanish    Language = "es"
	French     Language = "fr"
	German     Language = "de"
	Portuguese Language = "pt"
)

// Languages are every language onair writes, English (the default) first.
var Languages = []Language{English, Spanish, French, German, Portuguese}

// ParseLanguage reads a language code as a client sends it ("de", " DE ");
// ok is false for any other value, the empty string included.
func ParseLanguage(s string) (Language, bool) {
	l := Language(strings.ToLower(strings.TrimSpace(s)))
	for _, known := range Languages {
		if l == known {
			return l, true
		}
	}
	return "", false
}

// languageProblem is the validation message of a language field.
const languageProblem = "must be one of en, es, fr, de, pt"

// MessageLanguage is the language of what r is sent and shown about ev:
// the registrant's own when they chose one, the event's otherwise.
func MessageLanguage(ev Event, r Registration) Language {
	if r.Language != "" {
		return r.Language
	}
	if ev.Language != "" {
		return ev.Language
	}
	return English
}

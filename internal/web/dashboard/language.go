package dashboard

import "github.com/onair-live/onair/internal/onair"

// languageOption is one language a host may choose for an event's
// messages and public pages; the dashboard itself stays English.
type languageOption struct {
	Code onair.Language
	Name string // in English, then in the language itself
}

// languageOptions are onair.Languages as the forms offer them.
var languageOptions = []languageOption{
	{onair.English, "English"},
	{onair.Spanish, "Spanish (español)"},
	{onair.French, "French (français)"},
	{onair.German, "German (Deutsch)"},
	{onair.Portuguese, "Portuguese (português)"},
}

// languageName names l as the forms do.
func languageName(l onair.Language) string {
	for _, o := range languageOptions {
		if o.Code == l {
			return o.Name
		}
	}
	return string(l)
}

package site

import (
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
)

// SearchQuery reads the optional q parameter: one line of at most 200
// characters.
func SearchQuery(r *http.Request) (string, error) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if !utf8.ValidString(q) || strings.IndexFunc(q, unicode.IsControl) >= 0 || utf8.RuneCountInString(q) > 200 {
		return "", onair.Errorf(onair.ErrInvalid, "bad_request", "q must be one line of text, at most 200 characters")
	}
	return q, nil
}

// SuppressionFilter reads the query of a list of suppressions, the API's
// or the page's: channel and q.
func SuppressionFilter(r *http.Request, hostID string) (store.SuppressionFilter, error) {
	f := store.SuppressionFilter{HostID: hostID}
	switch ch := onair.Channel(r.URL.Query().Get("channel")); ch {
	case "", onair.ChannelEmail, onair.ChannelSMS:
		f.Channel = ch
	default:
		return f, onair.Errorf(onair.ErrInvalid, "bad_request", "channel must be email or sms")
	}
	var err error
	if f.Query, err = SearchQuery(r); err != nil {
		return f, err
	}
	return f, nil
}

// SafeNext keeps a redirect after sign-in or after a form on this site's
// dashboard: a path with no scheme, no host and no control character (a
// browser drops a tab, so "/\t/evil.example" would become "//evil.example").
func SafeNext(next string) string {
	const home = "/dashboard/events"
	if strings.IndexFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) >= 0 {
		return home
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || !strings.HasPrefix(u.Path, "/dashboard/") ||
		strings.HasPrefix(u.Path, "//") {
		return home
	}
	return u.RequestURI()
}

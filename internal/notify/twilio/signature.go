package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
)

// Signature is the X-Twilio-Signature Twilio sends with a webhook POSTed to
// fullURL with form: the base64 HMAC-SHA1, keyed with the auth token, of
// the URL (scheme, host, path and query, exactly as configured in Twilio)
// followed by each POST parameter's name and value, sorted by name (and a
// repeated name's values sorted too), with no separators.
func Signature(authToken, fullURL string, form url.Values) string {
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(fullURL))
	names := make([]string, 0, len(form))
	for name := range form {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		values := slices.Clone(form[name])
		slices.Sort(values)
		for _, v := range values {
			mac.Write([]byte(name))
			mac.Write([]byte(v))
		}
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// ValidSignature reports whether signature is Twilio's for a webhook
// POSTed to fullURL with form. Like Twilio's own libraries it accepts the
// URL with or without its port, because what Twilio signs depends on how
// the URL was written in its console while a server behind a proxy sees
// another form. The comparison takes constant time.
func ValidSignature(authToken, fullURL string, form url.Values, signature string) bool {
	if authToken == "" || signature == "" {
		return false
	}
	got, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return false
	}
	valid := false
	for _, u := range urlVariants(fullURL) {
		want, _ := base64.StdEncoding.DecodeString(Signature(authToken, u, form))
		// Check every variant, not stopping at a match, so that the time
		// taken does not tell which one matched.
		if hmac.Equal(got, want) {
			valid = true
		}
	}
	return valid
}

// urlVariants is raw, raw without its port, and raw with the scheme's
// default port when it has none.
func urlVariants(raw string) []string {
	variants := []string{raw}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return variants
	}
	other := *u
	if port := u.Port(); port != "" {
		other.Host = strings.TrimSuffix(u.Host, ":"+port)
	} else {
		switch u.Scheme {
		case "https":
			other.Host = u.Host + ":443"
		case "http":
			other.Host = u.Host + ":80"
		default:
			return variants
		}
	}
	return append(variants, other.String())
}

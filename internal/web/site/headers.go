package site

import "net/http"

// ContentPolicy is the Content-Security-Policy of a response. Scripts
// and styles come only from onair's own files (ui/static): no inline
// script, no handler attribute, no inline style, so that text a registrant
// or a host typed can never run, even where escaping failed. Images may
// come from https (a host's logo), frames only from https (the event's
// stream on the watch page); forms post only to onair itself. Unless
// framable, no page may be framed (clickjacking). emailStyles lets the
// inline styles of an email show in a preview: an <iframe srcdoc> inherits
// the policy of its page, and emails are styled inline (scripts stay
// forbidden there as everywhere).
func ContentPolicy(framable, emailStyles bool) string {
	style := "style-src 'self'"
	if emailStyles {
		style += " 'unsafe-inline'"
	}
	p := "default-src 'self'; script-src 'self'; " + style + "; img-src 'self' https: data:; frame-src https:; " +
		"object-src 'none'; base-uri 'none'; form-action 'self'"
	if !framable {
		p += "; frame-ancestors 'none'"
	}
	return p
}

// AllowFraming lets any site frame the response: the registration page,
// which a host embeds on their own site.
func AllowFraming(w http.ResponseWriter) {
	w.Header().Set("Content-Security-Policy", ContentPolicy(true, false))
	w.Header().Del("X-Frame-Options")
}

// AllowEmailStyles lets the page's email previews keep their inline styles.
func AllowEmailStyles(w http.ResponseWriter) {
	w.Header().Set("Content-Security-Policy", ContentPolicy(false, true))
}

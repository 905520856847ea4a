package links

import (
	"html"
	"html/template"
	"net/url"
	"regexp"
	"strings"

	"github.com/onair-live/onair/internal/onair"
)

// Previews of sent email in the dashboard show the message without its
// tracking: looking at a message must count no open and no click. The
// stored message keeps what was sent; only what the dashboard renders
// changes. The patterns follow trackPath, whatever the host of the URL
// (APP_URL may have changed since the message was sent).
var (
	// trackedImage is an <img> of the open pixel.
	trackedImage = regexp.MustCompile(`(?i)<img\b[^>]*\ssrc\s*=\s*"[^"]*/api/track/notification/[^"/]+/open\?[^"]*"[^>]*>`)
	// trackedLink is an href through the click redirect.
	trackedLink = regexp.MustCompile(`(?i)\shref\s*=\s*"([^"]*/api/track/notification/[^"]*)"`)
)

// Untrack returns the HTML part of an email without its open pixel, and
// with each tracked link (Click's) replaced by the link it leads to; a
// link whose signature does not verify leads nowhere.
func (l Links) Untrack(body string) string {
	body = trackedImage.ReplaceAllString(body, "")
	return trackedLink.ReplaceAllStringFunc(body, func(attr string) string {
		raw := trackedLink.FindStringSubmatch(attr)[1]
		target, ok := l.clickTarget(html.UnescapeString(raw))
		if !ok {
			return ` href="#"`
		}
		return ` href="` + template.HTMLEscapeString(target) + `"`
	})
}

// clickTarget is the target of a URL that Click made
// (…/api/track/notification/{id}/click?d=…), when its d verifies.
func (l Links) clickTarget(tracked string) (string, bool) {
	u, err := url.Parse(tracked)
	if err != nil {
		return "", false
	}
	_, rest, ok := strings.Cut(u.Path, "/api/track/notification/")
	nid, kind, _ := strings.Cut(rest, "/")
	if !ok || kind != "click" {
		return "", false
	}
	_, target, ok := onair.ParseClickTrackingData(l.secret, nid, u.Query().Get("d"))
	return target, ok
}

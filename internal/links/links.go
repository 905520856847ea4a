// Package links builds every URL that onair hands to a viewer: the watch
// link, the calendar file, the unsubscribe link, the registration page and
// the tracked click and open pixel of an email. The web pages, the API and
// the messages the workers send all take them from here, so a link in an
// email is the link a page shows, and the shape of each is written once,
// next to the others, beside the routes that answer them (internal/web's
// routes.go).
package links

import (
	"net/url"
	"strings"

	"github.com/onair-live/onair/internal/onair"
)

// Links builds the viewer URLs of one deployment: APP_URL and the secret
// key that signs their tokens. The zero value is not useful; use New.
type Links struct {
	base   string // APP_URL without a trailing slash
	secret string
}

// New returns the Links of the public base URL appURL (a trailing slash is
// dropped) and the secret key.
func New(appURL, secret string) Links {
	return Links{base: strings.TrimRight(appURL, "/"), secret: secret}
}

// Viewer are the URLs that belong to one registration alone and that every
// message to it carries.
type Viewer struct {
	Watch       string // APP_URL/watch/{event}?token={watch token}
	Calendar    string // APP_URL/api/registrations/ics?token={watch token}
	Unsubscribe string // APP_URL/u/{unsubscribe token}
	Cancel      string // APP_URL/cancel/{cancel token}: "can't make it?"
}

// Viewer returns r's own URLs. The watch link and the calendar file share
// the watch token; the unsubscribe link has a token of its own, so that a
// forwarded watch link cannot unsubscribe anyone.
func (l Links) Viewer(r onair.Registration) Viewer {
	token := onair.WatchToken(l.secret, r.ID)
	return Viewer{
		Watch:       l.base + watchPath(r.EventID, token),
		Calendar:    l.base + calendarPath(token),
		Unsubscribe: l.base + "/u/" + onair.UnsubscribeToken(l.secret, r.ID),
		Cancel:      l.Cancel(r),
	}
}

// Cancel is r's own "can't make it?" link: a page that asks, and whose
// button cancels the registration. Its token is neither the watch token
// nor the unsubscribe token, so neither of those links can cancel.
func (l Links) Cancel(r onair.Registration) string {
	return l.base + CancelPath(onair.CancelToken(l.secret, r.ID))
}

// CancelPath is the path of the cancel page of the cancel token token.
func CancelPath(token string) string { return "/cancel/" + token }

// Unsubscribe is r's own unsubscribe page.
func (l Links) Unsubscribe(r onair.Registration) string {
	return l.base + "/u/" + onair.UnsubscribeToken(l.secret, r.ID)
}

// Sample returns the URLs of a registrant of event eventID as a preview
// shows them: each shaped as the real one, with token in place of the
// registration's tokens, so that they open nothing.
func (l Links) Sample(eventID, token string) Viewer {
	return Viewer{
		Watch:       l.base + watchPath(eventID, token),
		Calendar:    l.base + calendarPath(token),
		Unsubscribe: l.base + "/u/" + token,
		Cancel:      l.base + CancelPath(token),
	}
}

// Watch is r's own link to the event's watch page.
func (l Links) Watch(r onair.Registration) string {
	return l.base + watchPath(r.EventID, onair.WatchToken(l.secret, r.ID))
}

// CalendarPath is the path, within this site, of r's own calendar file
// (with r's watch link): for a page of the site, which needs no APP_URL.
func (l Links) CalendarPath(r onair.Registration) string {
	return calendarPath(onair.WatchToken(l.secret, r.ID))
}

// Register is the public registration page of event eventID.
func (l Links) Register(eventID string) string {
	return l.base + "/register/" + eventID
}

// Click is the tracked link through which a click on target in delivery
// deliveryID of notification notificationID is counted before the
// redirect: the signed d names the delivery and the target.
func (l Links) Click(notificationID string, deliveryID int64, target string) string {
	return l.base + trackPath(notificationID) + l.clickQuery(notificationID, deliveryID, target)
}

// OpenPixel is the 1×1 image whose load counts an open of delivery
// deliveryID of notification notificationID.
func (l Links) OpenPixel(notificationID string, deliveryID int64) string {
	return l.base + trackPath(notificationID) + l.openQuery(notificationID, deliveryID)
}

// Tracking returns the tracked links of one email delivery in the form the
// renderer takes them: a function wrapping each link of the message, and
// the open pixel. They are Click's and OpenPixel's, with the path that they
// share built once for the half a dozen links of a message.
func (l Links) Tracking(notificationID string, deliveryID int64) (click func(target string) string, pixel string) {
	base := l.base + trackPath(notificationID)
	click = func(target string) string { return base + l.clickQuery(notificationID, deliveryID, target) }
	return click, base + l.openQuery(notificationID, deliveryID)
}

func trackPath(notificationID string) string {
	return "/api/track/notification/" + url.PathEscape(notificationID)
}

func (l Links) clickQuery(notificationID string, deliveryID int64, target string) string {
	return "/click?d=" + onair.ClickTrackingData(l.secret, notificationID, deliveryID, target)
}

func (l Links) openQuery(notificationID string, deliveryID int64) string {
	return "/open?d=" + onair.OpenTrackingData(l.secret, notificationID, deliveryID)
}

// WatchPath is the path of event eventID's watch page without a token: the
// path of the cookie that keeps the viewer's token for the page and its
// heartbeats.
func WatchPath(eventID string) string { return "/watch/" + eventID }

func watchPath(eventID, token string) string { return WatchPath(eventID) + "?token=" + token }

// calendarPath is the calendar file of the registration whose watch token
// is token. A watch token is base64url, which a query needs not escape.
func calendarPath(token string) string { return "/api/registrations/ics?token=" + token }

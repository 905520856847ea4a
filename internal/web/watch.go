package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/onair-live/onair/internal/links"
	"github.com/onair-live/onair/internal/locale"
	"github.com/onair-live/onair/internal/onair"
)

// watchCookie holds the viewer's token once the watch link has been opened,
// so that the token leaves the address bar and the history.
const (
	watchCookie    = "onair_watch"
	watchCookieTTL = 90 * 24 * time.Hour
)

// watchView is the data of the watch page.
type watchView struct {
	Event        onair.Event
	Registration onair.Registration
	State        string // upcoming, starting, live, ended or cancelled
	Embed        bool   // StreamURL is an https URL, shown in an iframe
}

// watchPage serves GET /watch/{id}: the viewer's own page of the event.
// Opened with ?token=, it keeps the token in a cookie scoped to this event
// and redirects to the bare address; later visits use the cookie.
func (s *Server) watchPage(w http.ResponseWriter, r *http.Request) error {
	// The page's address is the viewer's secret until the redirect; no
	// referrer ever carries it to a stream host or a linked site.
	w = noReferrerWriter{w}
	id := r.PathValue("id")
	cookiePath := links.WatchPath(id)
	var reg onair.Registration
	var err error
	if q := r.URL.Query(); q.Has("token") {
		// The link of the messages: the page itself, and a cookie so that
		// the page's heartbeats and a later visit of /watch/{id} need no
		// token in the address (the page's script drops it from there).
		if reg, err = s.viewerRegistration(r, id, q.Get("token")); err != nil {
			return s.viewerNotFound(w, r, err, watchNotFound)
		}
		// The cookie holds the token of the current form, whatever form
		// the link had (one handed out before tokens were derived).
		http.SetCookie(w, &http.Cookie{Name: watchCookie, Value: onair.WatchToken(s.secret, reg.ID), Path: cookiePath,
			MaxAge: int(watchCookieTTL / time.Second), HttpOnly: true, Secure: s.secureCookies(),
			SameSite: http.SameSiteLaxMode})
		w.Header().Set("Cache-Control", "no-store")
	} else {
		var token string
		if c, err := r.Cookie(watchCookie); err == nil {
			token = c.Value
		}
		if reg, err = s.viewerRegistration(r, id, token); err != nil {
			if token != "" {
				http.SetCookie(w, &http.Cookie{Name: watchCookie, Value: "", Path: cookiePath, MaxAge: -1,
					HttpOnly: true, Secure: s.secureCookies(), SameSite: http.SameSiteLaxMode})
			}
			return s.viewerNotFound(w, r, err, watchNotFound)
		}
	}
	ev, err := s.store.Event(r.Context(), reg.EventID)
	if err != nil {
		return err
	}
	now := s.clock()
	// The visit itself counts nothing: mail scanners and link previews
	// fetch every link of a message. The page's script joins (POST
	// /watch/{id}/join) once a person has it in front of them.
	v := watchView{Event: ev, Registration: reg, State: watchState(ev, now)}
	if u, err := url.Parse(ev.StreamURL); err == nil && u.Scheme == "https" && u.Host != "" {
		v.Embed = true
	}
	p, err := s.publicPage(r, ev, page{Title: ev.Title, Data: v, L: locale.For(onair.MessageLanguage(ev, reg))})
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "watch", p)
}

// watchState is what the watch page shows of ev at now.
func watchState(ev onair.Event, now time.Time) string {
	switch {
	case ev.Status == onair.StatusCancelled:
		return "cancelled"
	case ev.Status == onair.StatusEnded:
		return "ended"
	case ev.Status == onair.StatusLive:
		return "live"
	case now.Before(ev.ScheduledStart):
		return "upcoming"
	}
	return "starting" // the time has come; the host has not gone live yet
}

// viewerRegistration finds the registration token belongs to, which must
// be one of event id. Any mismatch is ErrNotFound.
func (s *Server) viewerRegistration(r *http.Request, id, token string) (onair.Registration, error) {
	if token == "" {
		return onair.Registration{}, onair.Errorf(onair.ErrNotFound, "not_found", "no watch token")
	}
	reg, err := s.store.RegistrationByToken(r.Context(), s.secret, token)
	if err != nil {
		return reg, err
	}
	if reg.EventID != id {
		return onair.Registration{}, onair.Errorf(onair.ErrNotFound, "not_found", "the token is of another event")
	}
	return reg, nil
}

// noReferrerWriter keeps Referrer-Policy at no-referrer whatever the page
// renderer sets before it writes the header.
type noReferrerWriter struct{ http.ResponseWriter }

func (w noReferrerWriter) WriteHeader(code int) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.ResponseWriter.WriteHeader(code)
}

func (w noReferrerWriter) Write(b []byte) (int, error) {
	w.Header().Set("Referrer-Policy", "no-referrer") // ignored once the header is out
	return w.ResponseWriter.Write(b)
}

func (w noReferrerWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

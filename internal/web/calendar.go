package web

import (
	"net/http"
	"strings"

	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/onair"
)

// eventCalendar serves GET /events/{id}.ics: the public calendar entry.
func (s *Server) eventCalendar(w http.ResponseWriter, r *http.Request) error {
	id, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	if !ok {
		return onair.Errorf(onair.ErrNotFound, "not_found", "no such calendar file")
	}
	ev, err := s.store.Event(r.Context(), id)
	if err != nil {
		return err
	}
	// Anyone may download this file: its link is the registration page,
	// never a viewer's own.
	return s.writeCalendar(w, r, ev, notify.RegistrationLink(s.links.Register(ev.ID), ev.Language))
}

// viewerCalendar serves the calendar entry of one viewer, with their own
// watch link.
func (s *Server) viewerCalendar(w http.ResponseWriter, r *http.Request) error {
	reg, err := s.store.RegistrationByToken(r.Context(), s.secret, r.URL.Query().Get("token"))
	if err != nil {
		return err
	}
	ev, err := s.store.Event(r.Context(), reg.EventID)
	if err != nil {
		return err
	}
	return s.writeCalendar(w, r, ev, notify.WatchLink(s.links.Watch(reg), onair.MessageLanguage(ev, reg)))
}

// writeCalendar answers with ev's calendar file, organized by its host.
func (s *Server) writeCalendar(w http.ResponseWriter, r *http.Request, ev onair.Event, link notify.CalendarLink) error {
	host, err := s.store.Host(r.Context(), ev.HostID)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+ev.ID+`.ics"`)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Referrer-Policy", "no-referrer")
	_, err = w.Write(notify.CalendarFile(ev, s.sender(host), link))
	return err
}

// sender is who host's messages and calendar entries come from.
func (s *Server) sender(host onair.Host) notify.Sender {
	return notify.NewSender(host.HostSettings, s.emailFrom)
}

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
	writeCalendar(w, ev, s.appURL+"/register/"+ev.ID)
	return nil
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
	writeCalendar(w, ev, s.watchURL(reg))
	return nil
}

func writeCalendar(w http.ResponseWriter, ev onair.Event, link string) {
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+ev.ID+`.ics"`)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Write(notify.CalendarFile(ev, link))
}

package web

import (
	"net/http"

	"github.com/onair-live/onair/internal/onair"
)

func (s *Server) eventAnalytics(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	ev, err := s.store.HostEvent(r.Context(), host.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	a, err := s.store.EventAnalytics(r.Context(), ev.ID)
	if err != nil {
		return err
	}
	if ev.WaitlistEnabled || ev.WaitlistCount > 0 {
		a.Waitlisted = &ev.WaitlistCount
	}
	writeJSON(w, http.StatusOK, map[string]any{"analytics": a})
	return nil
}

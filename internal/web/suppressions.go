package web

import (
	"net/http"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/web/site"
)

// suppressionJSON is one address a host no longer sends to.
type suppressionJSON struct {
	ID        string                `json:"id"`
	Channel   onair.Channel         `json:"channel"`
	Address   string                `json:"address"`
	Reason    onair.SuppressionKind `json:"reason"`
	Detail    string                `json:"detail,omitempty"`
	CreatedAt string                `json:"created_at"`
}

func viewSuppression(sp onair.Suppression) suppressionJSON {
	return suppressionJSON{ID: sp.ID, Channel: sp.Channel, Address: sp.Address, Reason: sp.Kind,
		Detail: sp.Reason, CreatedAt: formatTime(sp.CreatedAt)}
}

func (s *Server) listSuppressions(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	f, err := site.SuppressionFilter(r, host.ID)
	if err != nil {
		return err
	}
	if f.Limit, err = queryInt(r, "limit", 100, 1000); err != nil {
		return err
	}
	if f.Limit == 0 {
		return onair.Errorf(onair.ErrInvalid, "bad_request", "limit must be between 1 and 1000")
	}
	if f.Offset, err = queryInt(r, "offset", 0, 0); err != nil {
		return err
	}
	list, total, err := s.store.Suppressions(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]suppressionJSON, len(list))
	for i, sp := range list {
		out[i] = viewSuppression(sp)
	}
	writeJSON(w, http.StatusOK, map[string]any{"suppressions": out, "total": total})
	return nil
}

func (s *Server) liftSuppression(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	id := r.PathValue("id")
	if !onair.ValidID(id) {
		return onair.Errorf(onair.ErrNotFound, "not_found", "no such suppression")
	}
	if err := s.store.LiftSuppression(r.Context(), host.ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

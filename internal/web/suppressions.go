package web

import (
	"net/http"
	"net/url"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
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

// suppressionFilter reads the list's query: channel, q, limit and offset.
func suppressionFilter(r *http.Request, hostID string) (store.SuppressionFilter, error) {
	f := store.SuppressionFilter{HostID: hostID}
	switch ch := onair.Channel(r.URL.Query().Get("channel")); ch {
	case "", onair.ChannelEmail, onair.ChannelSMS:
		f.Channel = ch
	default:
		return f, onair.Errorf(onair.ErrInvalid, "bad_request", "channel must be email or sms")
	}
	var err error
	if f.Query, err = searchQuery(r); err != nil {
		return f, err
	}
	return f, nil
}

func (s *Server) listSuppressions(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	f, err := suppressionFilter(r, host.ID)
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

// dashSuppressionsPage is the data of /dashboard/suppressions.
type dashSuppressionsPage struct {
	Suppressions []onair.Suppression
	Channel      onair.Channel
	Query        string
	Lifted       bool
	Pager        dashPager
}

func (s *Server) dashSuppressions(w http.ResponseWriter, r *http.Request, p page) error {
	f, err := suppressionFilter(r, p.Host.ID)
	if err != nil {
		return err
	}
	n := dashPageNumber(r)
	f.Limit, f.Offset = dashPageSize, (n-1)*dashPageSize
	list, total, err := s.store.Suppressions(r.Context(), f)
	if err != nil {
		return err
	}
	q := url.Values{}
	q.Set("channel", string(f.Channel))
	q.Set("q", f.Query)
	d := dashSuppressionsPage{Suppressions: list, Channel: f.Channel, Query: f.Query, Lifted: r.URL.Query().Has("lifted"),
		Pager: newDashPager("Pages of the suppression list", "/dashboard/suppressions", q, n, dashPageSize, len(list), total)}
	p.Title, p.Data = "Suppressions", d
	return s.render(w, r, http.StatusOK, "suppressions", p)
}

func (s *Server) dashLiftSuppression(w http.ResponseWriter, r *http.Request, p page) error {
	id := r.PathValue("id")
	if !onair.ValidID(id) {
		return onair.Errorf(onair.ErrNotFound, "not_found", "no such suppression")
	}
	if err := s.store.LiftSuppression(r.Context(), p.Host.ID, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/dashboard/suppressions?lifted=1", http.StatusSeeOther)
	return nil
}

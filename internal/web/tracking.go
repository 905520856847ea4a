package web

import (
	"errors"
	"net/http"

	"github.com/onair-live/onair/internal/onair"
)

// pixelGIF is a transparent 1×1 GIF.
var pixelGIF = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00" +
	"!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// trackOpen answers an email's open pixel. It always answers with the
// image, whatever d is (a mail client shows a broken image otherwise), and
// counts the open only when d is a valid signature for the delivery and
// notification of the path.
func (s *Server) trackOpen(w http.ResponseWriter, r *http.Request) error {
	nid := r.PathValue("id")
	if id, ok := onair.ParseOpenTrackingData(s.secret, nid, r.URL.Query().Get("d")); ok {
		if err := s.store.RecordOpen(r.Context(), nid, id, s.clock()); err != nil && !errors.Is(err, onair.ErrNotFound) {
			s.log.ErrorContext(r.Context(), "recording an open failed", "delivery", id, "err", err)
		}
	}
	h := w.Header()
	h.Set("Content-Type", "image/gif")
	h.Set("Cache-Control", "no-store, max-age=0")
	h.Set("Content-Length", "43")
	w.WriteHeader(http.StatusOK)
	w.Write(pixelGIF)
	return nil
}

// trackClick counts a click in an email and redirects to its target. Only
// a target the system signed for this delivery of this notification is
// ever redirected to: a tampered d, a foreign target or a d of another
// notification is a 400 page, never a redirect (no open redirect).
func (s *Server) trackClick(w http.ResponseWriter, r *http.Request) error {
	nid := r.PathValue("id")
	id, target, ok := onair.ParseClickTrackingData(s.secret, nid, r.URL.Query().Get("d"))
	if !ok {
		return onair.Errorf(onair.ErrInvalid, "bad_request", "This link is not valid. It may have been copied incompletely.")
	}
	// The target is one the system put in this message, so the viewer is
	// sent on even if the click cannot be counted (a deleted delivery).
	if err := s.store.RecordClick(r.Context(), nid, id, s.clock()); err != nil && !errors.Is(err, onair.ErrNotFound) {
		s.log.ErrorContext(r.Context(), "recording a click failed", "delivery", id, "err", err)
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusFound)
	return nil
}

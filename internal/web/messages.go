package web

import (
	"net/http"

	"github.com/onair-live/onair/internal/onair"
)

// previewMessage is one message of the event as a sample registrant gets
// it: GET /api/events/{id}/preview?kind=K&interval=I&channel=email|sms.
func (s *Server) previewMessage(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	ev, err := s.store.HostEvent(r.Context(), host.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	ms, err := onair.ParseMessageSample(ev, q.Get("kind"), q.Get("interval"), q.Get("channel"))
	if err != nil {
		return err
	}
	m, err := s.dash.PreviewMessage(host, ev, ms)
	if err != nil {
		return onair.Errorf(onair.ErrUnprocessable, "cannot_render", "this message cannot be previewed: %v", err)
	}
	if ms.Channel == onair.ChannelSMS {
		writeJSON(w, http.StatusOK, map[string]string{"text": m.Text})
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]string{"subject": m.Subject, "html": m.HTML, "text": m.Text})
	return nil
}

// testSendRequest is the body of a test send.
type testSendRequest struct {
	Kind     string `json:"kind"`
	Interval string `json:"interval"`
	Channel  string `json:"channel"`
	To       string `json:"to"`
}

// testSend sends one message of the event to the host now, marked as a
// test: POST /api/events/{id}/test-send → 202 {"sent_to"}.
func (s *Server) testSend(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	var in testSendRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ev, err := s.store.HostEvent(r.Context(), host.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	ms, err := onair.ParseMessageSample(ev, in.Kind, in.Interval, in.Channel)
	if err != nil {
		return err
	}
	to, err := s.dash.TestSend(r.Context(), host, ev, ms, in.To)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"sent_to": to})
	return nil
}

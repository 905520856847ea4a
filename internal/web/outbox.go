package web

import (
	"net/http"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
)

// outboxJSON is a message the outbox provider kept, as the API shows it.
type outboxJSON struct {
	ID          int64             `json:"id"`
	EventID     string            `json:"event_id"`
	DeliveryID  int64             `json:"delivery_id"`
	Channel     onair.Channel     `json:"channel"`
	To          string            `json:"to"`
	Subject     string            `json:"subject"`
	Text        string            `json:"text"`
	HTML        string            `json:"html"`
	Headers     map[string]string `json:"headers"`
	Attachments []outboxFileJSON  `json:"attachments"`
	CreatedAt   time.Time         `json:"created_at"`
}

type outboxFileJSON struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Content     string `json:"content"`
}

// viewOutbox keeps m's absent headers and attachments absent: the contract
// shows them as null, not as empty.
func viewOutbox(m store.OutboxMessage) outboxJSON {
	v := outboxJSON{ID: m.ID, EventID: m.EventID, DeliveryID: m.DeliveryID, Channel: m.Channel, To: m.To,
		Subject: m.Subject, Text: m.Text, HTML: m.HTML, Headers: m.Headers, CreatedAt: m.CreatedAt}
	if m.Attachments != nil {
		v.Attachments = make([]outboxFileJSON, len(m.Attachments))
		for i, f := range m.Attachments {
			v.Attachments[i] = outboxFileJSON(f)
		}
	}
	return v
}

func (s *Server) listOutbox(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	f := store.OutboxFilter{HostID: host.ID, EventID: r.URL.Query().Get("event_id")}
	if f.EventID != "" {
		if _, err := s.store.HostEvent(r.Context(), host.ID, f.EventID); err != nil {
			return err
		}
	}
	var err error
	if f.Limit, err = queryInt(r, "limit", 50, 200); err != nil {
		return err
	}
	if f.Limit == 0 {
		return onair.Errorf(onair.ErrInvalid, "bad_request", "limit must be between 1 and 200")
	}
	if f.Offset, err = queryInt(r, "offset", 0, 0); err != nil {
		return err
	}
	msgs, total, err := s.store.Outbox(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]outboxJSON, len(msgs))
	for i, m := range msgs {
		out[i] = viewOutbox(m)
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": out, "total": total})
	return nil
}

package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/onair-live/onair/internal/onair"
)

// notificationJSON is a notification as its host sees it.
type notificationJSON struct {
	ID       string                 `json:"id"`
	Kind     onair.NotificationKind `json:"kind"`
	Interval *string                `json:"interval"`
	Channel  onair.Channel          `json:"channel"`
	// Arm is the A/B test arm whose ladder a reminder belongs to; null
	// for a notification to every registrant.
	Arm           *string                  `json:"arm"`
	ScheduledTime string                   `json:"scheduled_time"`
	Status        onair.NotificationStatus `json:"status"`
	Recipients    int                      `json:"recipients"`
	SentCount     int                      `json:"sent_count"`
	FailedCount   int                      `json:"failed_count"`
	SkippedCount  int                      `json:"skipped_count"`
	// DeliveredCount: sent and not reported back as bounced. Opens are
	// approximate (mail clients fetch images ahead of the reader); each
	// delivery counts once however often it was opened or clicked.
	DeliveredCount int     `json:"delivered_count"`
	OpenedCount    int     `json:"opened_count"`
	ClickedCount   int     `json:"clicked_count"`
	ErrorDetails   *string `json:"error_details"`
	PreviousStart  *string `json:"previous_start,omitempty"`
}

func viewNotification(n onair.Notification, f onair.MessageFigures) notificationJSON {
	v := notificationJSON{
		ID: n.ID, Kind: n.Kind, Channel: n.Channel, ScheduledTime: formatTime(n.ScheduledTime),
		Status: n.Status, Recipients: n.Recipients, SentCount: n.SentCount, FailedCount: n.FailedCount,
		SkippedCount: n.SkippedCount, PreviousStart: formatTimePtr(n.PreviousStart),
		DeliveredCount: f.Delivered, OpenedCount: f.Opened, ClickedCount: f.Clicked,
	}
	if n.Interval != "" {
		v.Interval = &n.Interval
	}
	if n.Arm != "" {
		v.Arm = &n.Arm
	}
	if n.ErrorDetails != "" {
		v.ErrorDetails = &n.ErrorDetails
	}
	return v
}

func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	ev, err := s.store.HostEvent(r.Context(), host.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	ns, err := s.store.EventNotifications(r.Context(), ev.ID)
	if err != nil {
		return err
	}
	figures, err := s.store.NotificationFigures(r.Context(), ev.ID)
	if err != nil {
		return err
	}
	out := make([]notificationJSON, len(ns))
	for i, n := range ns {
		out[i] = viewNotification(n, figures[n.ID])
	}
	writeJSON(w, http.StatusOK, map[string]any{"notifications": out})
	return nil
}

// cronSend runs one sweep. Off (404) unless CRON_SECRET is set; the secret
// is compared in constant time.
func (s *Server) cronSend(w http.ResponseWriter, r *http.Request) error {
	if s.cron == "" || s.sweep == nil {
		return onair.Errorf(onair.ErrNotFound, "not_found", "the cron endpoint is off: set CRON_SECRET to use it")
	}
	scheme, secret, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(secret)), []byte(s.cron)) != 1 {
		return onair.Errorf(onair.ErrUnauthorized, "unauthorized", "send Authorization: Bearer $CRON_SECRET")
	}
	// A client that hangs up must not cut sends off half-way.
	n, err := s.sweep(context.WithoutCancel(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"processed": n})
	return nil
}

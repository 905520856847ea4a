package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// EventAnalytics counts an event's figures from the raw rows, in one
// read-only snapshot.
func (s *Store) EventAnalytics(ctx context.Context, eventID string) (onair.Analytics, error) {
	a := onair.Analytics{
		RegistrationsBySource: map[string]int{}, RegistrationsByDay: map[string]int{},
		SentByChannel: map[string]int{}, EngagementByAction: map[string]int{},
	}
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return a, s.normalize(err)
	}
	defer tx.Rollback()
	one := func(dst any, query string) error {
		return s.normalize(tx.QueryRowContext(ctx, query, eventID).Scan(dst))
	}
	grouped := func(into map[string]int, query string) error {
		rows, err := tx.QueryContext(ctx, query, eventID)
		if err != nil {
			return s.normalize(err)
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var n int
			if err := rows.Scan(&k, &n); err != nil {
				return err
			}
			into[k] += n
		}
		return s.normalize(rows.Err())
	}
	var avgWatch sql.NullFloat64
	steps := []error{
		one(&a.Registrations, `SELECT COUNT(*) FROM registrations WHERE event_id = $1`),
		grouped(a.RegistrationsBySource, `SELECT source, COUNT(*) FROM registrations WHERE event_id = $1 GROUP BY source`),
		one(&a.NotificationsSent, `SELECT COALESCE(SUM(sent_count), 0) FROM notifications WHERE event_id = $1`),
		one(&a.NotificationsFailed, `SELECT COALESCE(SUM(failed_count), 0) FROM notifications WHERE event_id = $1`),
		grouped(a.SentByChannel, `SELECT channel, COALESCE(SUM(sent_count), 0) FROM notifications WHERE event_id = $1 GROUP BY channel`),
		one(&a.NotificationsOpened, `SELECT COUNT(*) FROM deliveries d JOIN notifications n ON n.id = d.notification_id
			WHERE n.event_id = $1 AND d.opened_at IS NOT NULL`),
		one(&a.NotificationsClicked, `SELECT COUNT(*) FROM deliveries d JOIN notifications n ON n.id = d.notification_id
			WHERE n.event_id = $1 AND d.clicked_at IS NOT NULL`),
		one(&a.Attended, `SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND attended = TRUE`),
		one(&a.PeakConcurrentViewers, `SELECT peak_viewers FROM events WHERE id = $1`),
		one(&avgWatch, `SELECT AVG(watch_seconds) FROM registrations WHERE event_id = $1 AND attended = TRUE`),
		one(&a.EngagementActions, `SELECT COUNT(*) FROM engagement_actions WHERE event_id = $1`),
		grouped(a.EngagementByAction, `SELECT action, COUNT(*) FROM engagement_actions WHERE event_id = $1 GROUP BY action`),
		one(&a.RevenueCents, `SELECT COALESCE(SUM(amount_cents), 0) FROM purchases WHERE event_id = $1`),
		one(&a.Purchasers, `SELECT COUNT(DISTINCT registration_id) FROM purchases WHERE event_id = $1`),
		one(&a.Funnel.Notified, `SELECT COUNT(DISTINCT d.registration_id) FROM deliveries d
			JOIN notifications n ON n.id = d.notification_id WHERE n.event_id = $1 AND d.status = 'sent'`),
		one(&a.Funnel.Opened, `SELECT COUNT(DISTINCT d.registration_id) FROM deliveries d
			JOIN notifications n ON n.id = d.notification_id WHERE n.event_id = $1 AND d.opened_at IS NOT NULL`),
		one(&a.Funnel.Clicked, `SELECT COUNT(DISTINCT d.registration_id) FROM deliveries d
			JOIN notifications n ON n.id = d.notification_id WHERE n.event_id = $1 AND d.clicked_at IS NOT NULL`),
	}
	for _, err := range steps {
		if err != nil {
			return a, err
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT created_at FROM registrations WHERE event_id = $1`, eventID)
	if err != nil {
		return a, s.normalize(err)
	}
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			rows.Close()
			return a, err
		}
		a.RegistrationsByDay[fromDB(at).Format(time.DateOnly)]++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return a, s.normalize(err)
	}
	a.AverageWatchSeconds = avgWatch.Float64
	a.Funnel.Registered, a.Funnel.Attended = a.Registrations, a.Attended
	a.Rates()
	return a, nil
}

// RegistrantActivity is what one registrant received and did.
type RegistrantActivity struct {
	Sent, Failed, Opened, Clicked int
	WatchSeconds                  int
	RevenueCents                  int64
}

// RegistrantsActivity returns the activity of every registrant of an event
// who has any, by registration id.
func (s *Store) RegistrantsActivity(ctx context.Context, eventID string) (map[string]RegistrantActivity, error) {
	out := map[string]RegistrantActivity{}
	rows, err := s.read.QueryContext(ctx, `SELECT d.registration_id,
			COUNT(CASE WHEN d.status = 'sent' THEN 1 END),
			COUNT(CASE WHEN d.status = 'failed' THEN 1 END),
			COUNT(d.opened_at), COUNT(d.clicked_at)
		FROM deliveries d JOIN notifications n ON n.id = d.notification_id
		WHERE n.event_id = $1 GROUP BY d.registration_id`, eventID)
	if err != nil {
		return nil, s.normalize(err)
	}
	for rows.Next() {
		var id string
		var a RegistrantActivity
		if err := rows.Scan(&id, &a.Sent, &a.Failed, &a.Opened, &a.Clicked); err != nil {
			rows.Close()
			return nil, err
		}
		out[id] = a
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.normalize(err)
	}
	rows, err = s.read.QueryContext(ctx, `SELECT r.id, r.watch_seconds,
			COALESCE((SELECT SUM(p.amount_cents) FROM purchases p WHERE p.registration_id = r.id), 0)
		FROM registrations r WHERE r.event_id = $1 AND (r.watch_seconds > 0
			OR EXISTS (SELECT 1 FROM purchases p WHERE p.registration_id = r.id))`, eventID)
	if err != nil {
		return nil, s.normalize(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var watch int
		var revenue int64
		if err := rows.Scan(&id, &watch, &revenue); err != nil {
			return nil, err
		}
		a := out[id]
		a.WatchSeconds, a.RevenueCents = watch, revenue
		out[id] = a
	}
	return out, s.normalize(rows.Err())
}

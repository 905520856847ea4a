package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// EventAnalytics counts an event's figures from the raw rows, in one
// read-only snapshot.
func (s *Store) EventAnalytics(ctx context.Context, eventID string) (onair.Analytics, error) {
	a := onair.Analytics{
		RegistrationsBySource: map[string]int{}, RegistrationsByDay: map[string]int{},
		ByChannel: map[onair.Channel]onair.MessageFigures{}, EngagementByAction: map[string]int{},
		RevenueByCurrency: map[string]int64{},
	}
	tx, err := s.snapshot(ctx)
	if err != nil {
		return a, err
	}
	defer tx.Rollback()
	one := func(dst any, query string) error {
		return s.normalize(tx.QueryRowContext(ctx, query, eventID).Scan(dst))
	}
	grouped := func(add func(k string, n int64), query string) error {
		return s.eachRow(ctx, tx, func(rows *sql.Rows) error {
			var k string
			var n int64
			if err := rows.Scan(&k, &n); err != nil {
				return err
			}
			add(k, n)
			return nil
		}, query, eventID)
	}
	into := func(m map[string]int) func(string, int64) { return func(k string, n int64) { m[k] += int(n) } }
	var avgWatch sql.NullFloat64
	var abTest string
	steps := []error{
		one(&abTest, `SELECT ab_test FROM events WHERE id = $1`),
		one(&a.Registrations, `SELECT COUNT(*) FROM registrations WHERE event_id = $1`),
		grouped(into(a.RegistrationsBySource), `SELECT source, COUNT(*) FROM registrations WHERE event_id = $1 GROUP BY source`),
		one(&a.Attended, `SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND attended = TRUE`),
		one(&a.PeakConcurrentViewers, `SELECT peak_viewers FROM events WHERE id = $1`),
		one(&avgWatch, `SELECT AVG(watch_seconds) FROM registrations WHERE event_id = $1 AND attended = TRUE`),
		one(&a.EngagementActions, `SELECT COUNT(*) FROM engagement_actions WHERE event_id = $1`),
		grouped(into(a.EngagementByAction), `SELECT action, COUNT(*) FROM engagement_actions WHERE event_id = $1 GROUP BY action`),
		one(&a.RevenueCents, `SELECT COALESCE(SUM(amount_cents), 0) FROM purchases WHERE event_id = $1`),
		grouped(func(k string, n int64) { a.RevenueByCurrency[k] = n },
			`SELECT currency, CAST(SUM(amount_cents) AS BIGINT) FROM purchases WHERE event_id = $1 GROUP BY currency`),
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
	if a.Notifications, err = s.notificationFigures(ctx, tx, eventID); err != nil {
		return a, err
	}
	addMessageTotals(&a)
	if err := s.countRegistrationsByDay(ctx, tx, eventID, a.RegistrationsByDay); err != nil {
		return a, err
	}
	a.AverageWatchSeconds = avgWatch.Float64
	a.Funnel.Registered, a.Funnel.Attended = a.Registrations, a.Attended
	a.Rates()
	t, err := parseABTest(abTest)
	if err != nil {
		return a, fmt.Errorf("event %s: stored A/B test: %w", eventID, err)
	}
	if t != nil {
		arms, err := s.armCounts(ctx, tx, eventID)
		if err != nil {
			return a, err
		}
		a.ABFigures(t, arms)
	}
	return a, nil
}

// addMessageTotals sums a's notifications' figures, in all and by channel.
func addMessageTotals(a *onair.Analytics) {
	var all onair.MessageFigures
	for _, n := range a.Notifications {
		all.Add(n.MessageFigures)
		ch := a.ByChannel[n.Channel]
		ch.Add(n.MessageFigures)
		a.ByChannel[n.Channel] = ch
	}
	a.NotificationsSent, a.NotificationsDelivered, a.NotificationsFailed = all.Sent, all.Delivered, all.Failed
	a.NotificationsOpened, a.NotificationsClicked = all.Opened, all.Clicked
}

// countRegistrationsByDay adds the event's registrations to byDay, by the
// UTC day they were made.
func (s *Store) countRegistrationsByDay(ctx context.Context, tx *sql.Tx, eventID string, byDay map[string]int) error {
	rows, err := tx.QueryContext(ctx, `SELECT created_at FROM registrations WHERE event_id = $1`, eventID)
	if err != nil {
		return s.normalize(err)
	}
	defer rows.Close()
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			return err
		}
		byDay[fromDB(at).Format(time.DateOnly)]++
	}
	rows.Close()
	return s.normalize(rows.Err())
}

// NotificationFigures returns the message figures of each notification of
// an event, by notification id, counted from its deliveries.
func (s *Store) NotificationFigures(ctx context.Context, eventID string) (map[string]onair.MessageFigures, error) {
	ns, err := s.notificationFigures(ctx, s.read, eventID)
	out := make(map[string]onair.MessageFigures, len(ns))
	for _, n := range ns {
		out[n.ID] = n.MessageFigures
	}
	return out, err
}

// notificationFigures counts the deliveries of each notification of an
// event: sent (the provider took it), delivered (sent and not bounced),
// failed, opened and clicked; in the order EventNotifications lists them.
func (s *Store) notificationFigures(ctx context.Context, q querier, eventID string) ([]onair.NotificationFigures, error) {
	out := []onair.NotificationFigures{}
	err := s.eachRow(ctx, q, func(rows *sql.Rows) error {
		var n onair.NotificationFigures
		var at int64
		f := &n.MessageFigures
		if err := rows.Scan(&n.ID, &n.Kind, &n.Interval, &n.Channel, &n.Arm, &at, &n.Status,
			&f.Sent, &f.Delivered, &f.Failed, &f.Opened, &f.Clicked); err != nil {
			return err
		}
		n.ScheduledTime = fromDB(at)
		out = append(out, n)
		return nil
	}, `SELECT n.id, n.kind, n.interval_name, n.channel, n.arm, n.scheduled_time, n.status,
			COUNT(CASE WHEN d.status = 'sent' THEN 1 END),
			COUNT(CASE WHEN d.status = 'sent' AND d.bounced_at IS NULL THEN 1 END),
			COUNT(CASE WHEN d.status = 'failed' THEN 1 END),
			COUNT(d.opened_at), COUNT(d.clicked_at)
		FROM notifications n LEFT JOIN deliveries d ON d.notification_id = n.id
		WHERE n.event_id = $1
		GROUP BY n.id, n.kind, n.interval_name, n.channel, n.arm, n.scheduled_time, n.status, n.created_at
		ORDER BY n.scheduled_time, n.created_at, n.channel, n.id`, eventID)
	return out, err
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

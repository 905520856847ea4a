package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// The counting updates of tracking: the first time is kept, every time is
// counted.
const (
	countOpen  = `UPDATE deliveries SET opened_at = COALESCE(opened_at, $1), open_count = open_count + 1 WHERE id = $2`
	countClick = `UPDATE deliveries SET clicked_at = COALESCE(clicked_at, $1), click_count = click_count + 1 WHERE id = $2`
)

// RecordOpen counts an open of delivery deliveryID of notification
// notificationID: the first open's time is kept, every open is counted. A
// delivery that is not that notification's is not found.
func (s *Store) RecordOpen(ctx context.Context, notificationID string, deliveryID int64, now time.Time) error {
	return s.recordTracking(ctx, countOpen+` AND notification_id = $3`, deliveryID, now, notificationID)
}

// RecordClick counts a click in delivery deliveryID of notification
// notificationID, as RecordOpen counts an open.
func (s *Store) RecordClick(ctx context.Context, notificationID string, deliveryID int64, now time.Time) error {
	return s.recordTracking(ctx, countClick+` AND notification_id = $3`, deliveryID, now, notificationID)
}

// RecordReportedOpen counts an open of delivery deliveryID that the
// provider reported (a Mailgun "opened" event), as RecordOpen does. The
// webhook's signature vouches for the id.
func (s *Store) RecordReportedOpen(ctx context.Context, deliveryID int64, now time.Time) error {
	return s.recordTracking(ctx, countOpen, deliveryID, now)
}

// RecordReportedClick counts a click the provider reported, as
// RecordReportedOpen counts an open.
func (s *Store) RecordReportedClick(ctx context.Context, deliveryID int64, now time.Time) error {
	return s.recordTracking(ctx, countClick, deliveryID, now)
}

// recordTracking runs one counting update ($1 now, $2 the delivery, then
// more). The counters are not part of the delivery's sending state, so
// updated_at (which the sweep of pending deliveries reads) is left alone.
func (s *Store) recordTracking(ctx context.Context, query string, deliveryID int64, now time.Time, more ...any) error {
	res, err := s.write.ExecContext(ctx, query, append([]any{dbTime(now), deliveryID}, more...)...)
	if err != nil {
		return s.normalize(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return onair.Errorf(onair.ErrNotFound, "not_found", "no such delivery")
	}
	return nil
}

// DeliveryStats is what tracking counted of one delivery.
type DeliveryStats struct {
	OpenedAt   *time.Time
	OpenCount  int
	ClickedAt  *time.Time
	ClickCount int
}

// DeliveryStats returns the open and click counters of a delivery.
func (s *Store) DeliveryStats(ctx context.Context, deliveryID int64) (DeliveryStats, error) {
	var st DeliveryStats
	var opened, clicked sql.NullInt64
	err := s.read.QueryRowContext(ctx, `SELECT opened_at, open_count, clicked_at, click_count
		FROM deliveries WHERE id = $1`, deliveryID).Scan(&opened, &st.OpenCount, &clicked, &st.ClickCount)
	if err != nil {
		return st, s.normalize(err)
	}
	st.OpenedAt, st.ClickedAt = fromDBPtr(opened), fromDBPtr(clicked)
	return st, nil
}

// FirstWebhook records the token of a signed provider webhook received at
// now and reports whether it is the first time: the check and the mark are
// one statement, so of any number of copies arriving together, on any
// number of nodes, exactly one is first. Tokens older than keep (longer
// than a webhook is accepted after it was signed) are forgotten.
func (s *Store) FirstWebhook(ctx context.Context, token string, now time.Time, keep time.Duration) (bool, error) {
	if _, err := s.write.ExecContext(ctx, `DELETE FROM seen_webhooks WHERE received_at < $1`, dbTime(now.Add(-keep))); err != nil {
		return false, s.normalize(err)
	}
	res, err := s.write.ExecContext(ctx, `INSERT INTO seen_webhooks (token, received_at) VALUES ($1, $2)
		ON CONFLICT (token) DO NOTHING`, token, dbTime(now))
	if err != nil {
		return false, s.normalize(err)
	}
	n, err := res.RowsAffected()
	return n == 1, s.normalize(err)
}

// ForgetWebhook forgets a token FirstWebhook recorded, when what the
// webhook reported could not be recorded: the provider's next copy of it
// is then first.
func (s *Store) ForgetWebhook(ctx context.Context, token string) error {
	_, err := s.write.ExecContext(ctx, `DELETE FROM seen_webhooks WHERE token = $1`, token)
	return s.normalize(err)
}

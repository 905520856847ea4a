package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/redact"
)

// ReasonSTOP marks a suppression that the number's owner asked for by SMS,
// and can undo with START.
const ReasonSTOP = "STOP"

// SuppressPhone stops SMS to phone from every host it registered with: one
// sending number serves all hosts, so a STOP to it is a STOP to each.
func (s *Store) SuppressPhone(ctx context.Context, phone string, now time.Time) (int, error) {
	res, err := s.write.ExecContext(ctx, `INSERT INTO suppressions (host_id, channel, address, reason, created_at)
		SELECT DISTINCT host_id, 'sms', phone, CAST($2 AS TEXT), CAST($3 AS BIGINT) FROM registrations WHERE phone = $1
		ON CONFLICT (host_id, channel, address) DO NOTHING`, phone, ReasonSTOP, dbTime(now))
	if err != nil {
		return 0, s.normalize(err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// UnsuppressPhone lifts the STOP of phone (the owner sent START). Other
// suppressions (an invalid number) stay.
func (s *Store) UnsuppressPhone(ctx context.Context, phone string) error {
	_, err := s.write.ExecContext(ctx, `DELETE FROM suppressions WHERE channel = 'sms' AND address = $1 AND reason = $2`,
		phone, ReasonSTOP)
	return s.normalize(err)
}

// SuppressDeliveryAddress stops further email to the address of a delivery
// for its host (a bounce or complaint the provider reported later), and
// notes the reason on the delivery. A bounce also marks the delivery as not
// delivered (bounced_at; the first report's time is kept).
func (s *Store) SuppressDeliveryAddress(ctx context.Context, deliveryID int64, reason string, bounced bool, now time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var hostID, address string
		var ch onair.Channel
		var erased bool
		err := tx.QueryRowContext(ctx, `SELECT r.host_id, d.channel,
			CASE WHEN d.channel = 'sms' THEN r.phone ELSE r.email_norm END, r.erased_at IS NOT NULL
			FROM deliveries d JOIN registrations r ON r.id = d.registration_id WHERE d.id = $1`, deliveryID).
			Scan(&hostID, &ch, &address, &erased)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // not ours, or deleted since
		}
		if err != nil {
			return s.normalize(err)
		}
		if erased {
			// The viewer was forgotten: no list may name them again, but
			// the figures still learn that the message bounced.
			reason = redact.String(reason)
		} else if _, err := tx.ExecContext(ctx, `INSERT INTO suppressions (host_id, channel, address, reason, created_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (host_id, channel, address) DO NOTHING`,
			hostID, ch, address, truncate(reason, 500), dbTime(now)); err != nil {
			return s.normalize(err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE deliveries SET error = $1, updated_at = $2,
			bounced_at = CASE WHEN $3 THEN COALESCE(bounced_at, $2) ELSE bounced_at END WHERE id = $4`,
			truncate(reason, 1000), dbTime(now), bounced, deliveryID)
		return s.normalize(err)
	})
}

// UnsubscribeDelivery unsubscribes the registration a delivery went to (the
// viewer unsubscribed through the provider's own link).
func (s *Store) UnsubscribeDelivery(ctx context.Context, deliveryID int64, now time.Time) error {
	_, err := s.write.ExecContext(ctx, `UPDATE registrations SET status = 'unsubscribed', updated_at = $1
		WHERE status = 'registered' AND id = (SELECT registration_id FROM deliveries WHERE id = $2)`,
		dbTime(now), deliveryID)
	return s.normalize(err)
}

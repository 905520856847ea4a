package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
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
	res, err := s.write.ExecContext(ctx, `INSERT INTO suppressions (id, host_id, channel, address, kind, reason, created_at)
		SELECT `+s.newID+`, host_id, 'sms', $1, 'stop', CAST($2 AS TEXT), CAST($3 AS BIGINT)
		FROM (SELECT DISTINCT host_id FROM registrations WHERE phone = $1) h
		WHERE TRUE -- SQLite reads ON CONFLICT after a bare FROM as a join's ON
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
			`+deliveryAddressSQL+`, r.erased_at IS NOT NULL
			FROM deliveries d JOIN registrations r ON r.id = d.registration_id WHERE d.id = $1`, deliveryID).
			Scan(&hostID, &ch, &address, &erased)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // not ours, or deleted since
		}
		if err != nil {
			return s.normalize(err)
		}
		kind := onair.SuppressionBounced
		if !bounced {
			kind = onair.SuppressionComplained
		}
		if erased {
			// The viewer was forgotten: no list may name them again, but
			// the figures still learn that the message bounced.
			reason = redact.String(reason)
		} else if _, err := tx.ExecContext(ctx, `INSERT INTO suppressions (id, host_id, channel, address, kind, reason, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (host_id, channel, address) DO NOTHING`,
			onair.NewID(), hostID, ch, address, kind, truncate(reason, 500), dbTime(now)); err != nil {
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

// SuppressionFilter selects suppressions of one host.
type SuppressionFilter struct {
	HostID  string
	Channel onair.Channel // "" for both
	Query   string        // part of the address
	Limit   int           // 0: all
	Offset  int
}

// Suppressions lists a host's suppressions, newest first, and how many
// match in all.
func (s *Store) Suppressions(ctx context.Context, f SuppressionFilter) ([]onair.Suppression, int, error) {
	cond := "host_id = $1"
	args := []any{f.HostID}
	if f.Channel != "" {
		args = append(args, f.Channel)
		cond += fmt.Sprintf(" AND channel = $%d", len(args))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		args = append(args, likePattern(strings.ToLower(q)))
		cond += fmt.Sprintf(` AND LOWER(address) LIKE $%d ESCAPE '\'`, len(args))
	}
	var total int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM suppressions WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, s.normalize(err)
	}
	query := `SELECT id, channel, address, kind, reason, created_at FROM suppressions WHERE ` + cond +
		` ORDER BY created_at DESC, id`
	if f.Limit > 0 {
		args = append(args, f.Limit, f.Offset)
		query += fmt.Sprintf(" LIMIT $%d OFFSET $%d", len(args)-1, len(args))
	}
	out := []onair.Suppression{}
	err := s.eachRow(ctx, s.read, func(row *sql.Rows) error {
		var sp onair.Suppression
		var created int64
		if err := row.Scan(&sp.ID, &sp.Channel, &sp.Address, &sp.Kind, &sp.Reason, &created); err != nil {
			return err
		}
		sp.CreatedAt = fromDB(created)
		out = append(out, sp)
		return nil
	}, query, args...)
	return out, total, err
}

// LiftSuppression deletes one suppression of a host: messages go again to
// that address, to the registrations still registered. Another host's is
// ErrNotFound.
func (s *Store) LiftSuppression(ctx context.Context, hostID, id string) error {
	res, err := s.write.ExecContext(ctx, `DELETE FROM suppressions WHERE host_id = $1 AND id = $2`, hostID, id)
	if err != nil {
		return s.normalize(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return onair.Errorf(onair.ErrNotFound, "not_found", "no such suppression")
	}
	return nil
}

// UnsubscribeFromHost is the viewer's "everything from this host": the
// registration is unsubscribed, and its email address and phone go on the
// host's suppression list, so that no event of the host, now or later,
// sends to them on any channel.
func (s *Store) UnsubscribeFromHost(ctx context.Context, registrationID string, now time.Time) (onair.Registration, onair.Event, error) {
	r, ev, err := s.RegistrationWithEvent(ctx, registrationID)
	if err != nil {
		return r, ev, err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE registrations SET status = 'unsubscribed', updated_at = $1
			WHERE id = $2 AND status = 'registered'`, dbTime(now), r.ID); err != nil {
			return s.normalize(err)
		}
		for _, ch := range []onair.Channel{onair.ChannelEmail, onair.ChannelSMS} {
			address := onair.Address(ch, r)
			if address == "" {
				continue
			}
			// A suppression of another kind (a bounce) becomes the viewer's
			// own wish, which a host should not lift lightly.
			if _, err := tx.ExecContext(ctx, `INSERT INTO suppressions (id, host_id, channel, address, kind, reason, created_at)
				VALUES ($1, $2, $3, $4, $5, '', $6)
				ON CONFLICT (host_id, channel, address) DO UPDATE SET kind = excluded.kind`,
				onair.NewID(), r.HostID, ch, address, onair.SuppressionUnsubscribed, dbTime(now)); err != nil {
				return s.normalize(err)
			}
		}
		return nil
	})
	if r.Status == onair.RegRegistered {
		r.Status = onair.RegUnsubscribed
	}
	return r, ev, err
}

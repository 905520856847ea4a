package store

import (
	"context"
	"database/sql"
	"time"
)

// TakeLimit counts one hit of l at now, or refuses it with l.Refused and
// the time to wait (onair.RetryAfter), in the database so that the limit
// holds across nodes. The row of the key is locked by the upsert that
// creates it, so concurrent hits are counted one after the other.
func (s *Store) TakeLimit(ctx context.Context, l Limit, now time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO rate_limits (key, hits, expires_at) VALUES ($1, '', 0)
			ON CONFLICT (key) DO UPDATE SET hits = rate_limits.hits`, l.Key); err != nil {
			return s.normalize(err)
		}
		var raw string
		if err := tx.QueryRowContext(ctx, `SELECT hits FROM rate_limits WHERE key = $1`, l.Key).Scan(&raw); err != nil {
			return s.normalize(err)
		}
		hits, expires, err := takeHit(raw, l, now)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE rate_limits SET hits = $1, expires_at = $2 WHERE key = $3`, hits, expires, l.Key)
		return s.normalize(err)
	})
}

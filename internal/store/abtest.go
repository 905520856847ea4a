package store

import (
	"context"
	"database/sql"

	"github.com/onair-live/onair/internal/onair"
)

// assignArms keeps an event's registrants in step with its A/B test as a
// change leaves it (from before to after), in the change's transaction and
// under the event's lock: a test that starts puts the registrants who have
// no arm in one, alternately in registration order (onair.ArmFor), counting
// on from the event's ab_seq as a registration would; a test that ends
// takes every registrant out of the arms, and the next test counts from 1.
// It returns after with its count.
func (s *Store) assignArms(ctx context.Context, tx *sql.Tx, before, after onair.Event) (onair.Event, error) {
	switch {
	case before.ABTest == nil && after.ABTest != nil:
		res, err := tx.ExecContext(ctx, `UPDATE registrations SET arm = CASE WHEN (o.rn + $2) % 2 = 1 THEN 'a' ELSE 'b' END
			FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY created_at, id) AS rn FROM registrations
				WHERE event_id = $1 AND arm = '') AS o
			WHERE registrations.id = o.id`, after.ID, after.ABSeq)
		if err != nil {
			return after, s.normalize(err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return after, s.normalize(err)
		}
		after.ABSeq += int(n)
	case before.ABTest != nil && after.ABTest == nil:
		if _, err := tx.ExecContext(ctx, `UPDATE registrations SET arm = '' WHERE event_id = $1`, after.ID); err != nil {
			return after, s.normalize(err)
		}
		after.ABSeq = 0
	default:
		return after, nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE events SET ab_seq = $1 WHERE id = $2`, after.ABSeq, after.ID)
	return after, s.normalize(err)
}

// armCounts are the registrations and attendees of each arm of an event's
// A/B test, counted from the registrations as the analytics count them all
// (whatever became of each since: every one was put in its arm).
func (s *Store) armCounts(ctx context.Context, q querier, eventID string) (map[string]onair.ArmFigures, error) {
	rows, err := q.QueryContext(ctx, `SELECT arm, COUNT(*), SUM(CASE WHEN attended THEN 1 ELSE 0 END)
		FROM registrations WHERE event_id = $1 AND arm <> ''
		GROUP BY arm ORDER BY arm`, eventID)
	if err != nil {
		return nil, s.normalize(err)
	}
	defer rows.Close()
	out := map[string]onair.ArmFigures{}
	for rows.Next() {
		var arm string
		var f onair.ArmFigures
		if err := rows.Scan(&arm, &f.Registrations, &f.Attended); err != nil {
			return nil, err
		}
		out[arm] = f
	}
	return out, s.normalize(rows.Err())
}

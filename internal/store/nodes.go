package store

import (
	"context"
	"database/sql"
	"time"
)

// Nodes: a sending node beats its heart in the nodes table, and what a
// node that died had claimed goes back to pending.

// NodeAlive says that the sending node owner is alive at now.
func (s *Store) NodeAlive(ctx context.Context, owner string, now time.Time) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO nodes (id, seen_at) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`, owner, dbTime(now))
	return s.normalize(err)
}

// LeaveNode forgets a node that stopped cleanly, with nothing claimed.
func (s *Store) LeaveNode(ctx context.Context, owner string) error {
	_, err := s.write.ExecContext(ctx, `DELETE FROM nodes WHERE id = $1`, owner)
	return s.normalize(err)
}

// ReleaseDeadNodes hands back to pending what the nodes whose last
// heartbeat is older than cutoff had claimed and not recorded, and forgets
// those nodes. Whether such a message left is unknown; sending it again is
// the lesser harm than losing it. It returns how many it released.
func (s *Store) ReleaseDeadNodes(ctx context.Context, cutoff time.Time) (int, error) {
	var released int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'pending', claimed_by = ''
			WHERE status = 'sending' AND claimed_by IN (SELECT id FROM nodes WHERE seen_at < $1)`, dbTime(cutoff))
		if err != nil {
			return s.normalize(err)
		}
		released, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx, `DELETE FROM nodes WHERE seen_at < $1`, dbTime(cutoff))
		return s.normalize(err)
	})
	return int(released), err
}

// ReleaseClaimsOf hands back to pending whatever the owners whose name
// begins with prefix had claimed and not recorded: on SQLite, where one
// process runs the workers, the claims of an earlier worker process, which
// died.
func (s *Store) ReleaseClaimsOf(ctx context.Context, prefix string) (int, error) {
	res, err := s.write.ExecContext(ctx, `UPDATE deliveries SET status = 'pending', claimed_by = ''
		WHERE status = 'sending' AND substr(claimed_by, 1, $1) = $2`, len(prefix), prefix)
	if err != nil {
		return 0, s.normalize(err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

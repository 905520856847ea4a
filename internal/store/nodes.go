package store

import (
	"context"
	"database/sql"
	"maps"
	"slices"
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

// Heartbeats lists every node's last heartbeat, as its clock said it.
func (s *Store) Heartbeats(ctx context.Context) (map[string]time.Time, error) {
	beats := map[string]time.Time{}
	err := s.eachRow(ctx, s.read, func(rows *sql.Rows) error {
		var id string
		var at int64
		if err := rows.Scan(&id, &at); err != nil {
			return err
		}
		beats[id] = fromDB(at)
		return nil
	}, `SELECT id, seen_at FROM nodes`)
	return beats, err
}

// ReleaseNodes hands back to pending what the silent nodes had claimed and
// not recorded, and forgets them: each node whose last heartbeat is still
// the one given (a node that beat since is alive after all, and keeps its
// claims). Whether such a message left is unknown; sending it again is the
// lesser harm than losing it. It returns how many it released.
func (s *Store) ReleaseNodes(ctx context.Context, silent map[string]time.Time) (int, error) {
	var released int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		released = 0
		for _, id := range slices.Sorted(maps.Keys(silent)) {
			res, err := tx.ExecContext(ctx, `DELETE FROM nodes WHERE id = $1 AND seen_at = $2`, id, dbTime(silent[id]))
			if err != nil {
				return s.normalize(err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue // it beat since
			}
			res, err = tx.ExecContext(ctx, `UPDATE deliveries SET status = 'pending', claimed_by = ''
				WHERE status = 'sending' AND claimed_by = $1`, id)
			if err != nil {
				return s.normalize(err)
			}
			n, _ := res.RowsAffected()
			released += n
		}
		return nil
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

package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xc0 == 0x80 { // do not cut a UTF-8 sequence
		n--
	}
	return s[:n]
}

// ReleaseStaleClaims returns to pending the deliveries claimed before
// claimedBefore and never recorded by an owner that is no node: their
// sender (a sweep, or a job River gave up on) died without a retry that
// would take them up. Whether such a message left is unknown; sending it
// again is the lesser harm than losing it. A node's claims are left to its
// heartbeat (ReleaseNodes): a node still beating is sending them, however
// long ago the clock says it took them. It returns how many it released.
func (s *Store) ReleaseStaleClaims(ctx context.Context, claimedBefore time.Time) (int, error) {
	res, err := s.write.ExecContext(ctx, `UPDATE deliveries SET status = 'pending', claimed_by = ''
		WHERE status = 'sending' AND claimed_at < $1 AND claimed_by NOT IN (SELECT id FROM nodes)`, dbTime(claimedBefore))
	if err != nil {
		return 0, s.normalize(err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// ReleaseClaims hands deliveries that owner claimed and did not try to send
// back to pending, for another sender; the claim does not count as an
// attempt.
func (s *Store) ReleaseClaims(ctx context.Context, owner string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{owner}
	for _, id := range ids {
		args = append(args, id)
	}
	_, err := s.write.ExecContext(ctx, `UPDATE deliveries SET status = 'pending', claimed_by = '',
		attempts = attempts - 1 WHERE status = 'sending' AND claimed_by = $1 AND id IN (`+placeholders(2, len(ids))+`)`, args...)
	return s.normalize(err)
}

// PendingDeliveries lists up to limit deliveries waiting to be sent that
// were last touched before idleSince, oldest first.
func (s *Store) PendingDeliveries(ctx context.Context, idleSince time.Time, limit int) ([]int64, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id FROM deliveries
		WHERE status = 'pending' AND updated_at <= $1 AND (next_attempt_at IS NULL OR next_attempt_at <= $3)
		ORDER BY id LIMIT $2`, dbTime(idleSince), limit, dbTime(time.Now()))
	if err != nil {
		return nil, s.normalize(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, s.normalize(rows.Err())
}

// OutboxMessage is a message the outbox provider kept instead of sending.
// The API shows it in a shape of its own (internal/web's outboxJSON).
type OutboxMessage struct {
	ID          int64
	EventID     string
	DeliveryID  int64
	Channel     onair.Channel
	To          string
	Subject     string
	Text        string
	HTML        string
	Headers     map[string]string
	Attachments []OutboxFile
	CreatedAt   time.Time
}

// OutboxFile is an attachment of an outbox message. Its JSON names are the
// form of the attachments column, which SaveOutbox writes and Outbox reads.
type OutboxFile struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Content     string `json:"content"`
}

// SaveOutbox keeps m, under the host and event of its delivery (of
// m.EventID for a test send, which has none), and returns its id.
func (s *Store) SaveOutbox(ctx context.Context, m OutboxMessage) (int64, error) {
	headers, _ := json.Marshal(m.Headers)
	files, _ := json.Marshal(m.Attachments)
	var id int64
	if m.DeliveryID == 0 {
		// A test send: no delivery, kept under its event (delivery 0).
		err := s.write.QueryRowContext(ctx, `INSERT INTO outbox_messages (host_id, event_id, delivery_id, channel,
			recipient, subject, text_body, html_body, headers, attachments, created_at)
			SELECT e.host_id, e.id, 0, CAST($2 AS TEXT), CAST($3 AS TEXT), CAST($4 AS TEXT), CAST($5 AS TEXT),
				CAST($6 AS TEXT), CAST($7 AS TEXT), CAST($8 AS TEXT), CAST($9 AS BIGINT)
			FROM events e WHERE e.id = $1 RETURNING id`,
			m.EventID, m.Channel, m.To, m.Subject, m.Text, m.HTML, string(headers), string(files),
			dbTime(m.CreatedAt)).Scan(&id)
		return id, s.normalize(err)
	}
	err := s.write.QueryRowContext(ctx, `INSERT INTO outbox_messages (host_id, event_id, delivery_id, channel,
		recipient, subject, text_body, html_body, headers, attachments, created_at)
		SELECT e.host_id, e.id, d.id, CAST($2 AS TEXT), CAST($3 AS TEXT), CAST($4 AS TEXT), CAST($5 AS TEXT),
			CAST($6 AS TEXT), CAST($7 AS TEXT), CAST($8 AS TEXT), CAST($9 AS BIGINT)
		FROM deliveries d JOIN notifications n ON n.id = d.notification_id JOIN events e ON e.id = n.event_id
		WHERE d.id = $1 RETURNING id`,
		m.DeliveryID, m.Channel, m.To, m.Subject, m.Text, m.HTML, string(headers), string(files),
		dbTime(m.CreatedAt)).Scan(&id)
	return id, s.normalize(err)
}

// OutboxFilter selects a host's outbox messages.
type OutboxFilter struct {
	HostID  string
	EventID string // "" for every event
	Limit   int
	Offset  int
}

// Outbox lists what the outbox provider kept for a host, newest first.
func (s *Store) Outbox(ctx context.Context, f OutboxFilter) ([]OutboxMessage, int, error) {
	cond, args := "host_id = $1", []any{f.HostID}
	if f.EventID != "" {
		cond += " AND event_id = $2"
		args = append(args, f.EventID)
	}
	var total int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox_messages WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, s.normalize(err)
	}
	args = append(args, f.Limit, f.Offset)
	rows, err := s.read.QueryContext(ctx, `SELECT id, event_id, delivery_id, channel, recipient, subject,
		text_body, html_body, headers, attachments, created_at FROM outbox_messages WHERE `+cond+`
		ORDER BY id DESC LIMIT $`+itoa(len(args)-1)+` OFFSET $`+itoa(len(args)), args...)
	if err != nil {
		return nil, 0, s.normalize(err)
	}
	defer rows.Close()
	out := []OutboxMessage{}
	for rows.Next() {
		var m OutboxMessage
		var headers, files string
		var created int64
		if err := rows.Scan(&m.ID, &m.EventID, &m.DeliveryID, &m.Channel, &m.To, &m.Subject, &m.Text,
			&m.HTML, &headers, &files, &created); err != nil {
			return nil, 0, err
		}
		json.Unmarshal([]byte(headers), &m.Headers)
		json.Unmarshal([]byte(files), &m.Attachments)
		m.CreatedAt = fromDB(created)
		out = append(out, m)
	}
	return out, total, s.normalize(rows.Err())
}

// PruneOutbox deletes the outbox entries kept since before cutoff, a batch
// at a time, and returns how many it deleted.
func (s *Store) PruneOutbox(ctx context.Context, cutoff time.Time) (int, error) {
	total := 0
	for {
		res, err := s.write.ExecContext(ctx, `DELETE FROM outbox_messages WHERE id IN
			(SELECT id FROM outbox_messages WHERE created_at < $1 ORDER BY created_at LIMIT 1000)`, dbTime(cutoff))
		if err != nil {
			return total, s.normalize(err)
		}
		n, _ := res.RowsAffected()
		total += int(n)
		if n < 1000 {
			return total, nil
		}
	}
}

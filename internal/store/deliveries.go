package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// SendItem is one delivery claimed for sending, with what its message needs.
type SendItem struct {
	Delivery     onair.Delivery
	Notification onair.Notification
	Event        onair.Event
	Registration onair.Registration
	// Host is the event's host, whose settings present the message.
	Host onair.Host
}

// ClaimDeliveries takes the deliveries among ids that are still to be sent
// and marks them as being sent by owner. It re-checks each one's
// eligibility at now (onair.SendBlockedReason) and marks those that may not
// leave as skipped, with the reason. A delivery already claimed by another
// owner is left alone; one claimed earlier by the same owner (a retried job
// whose previous attempt died) is taken again: that is the only way a
// message can leave twice, and only if it was in flight at the crash.
func (s *Store) ClaimDeliveries(ctx context.Context, ids []int64, owner string, now time.Time) ([]SendItem, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var items []SendItem
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		items = nil
		args := []any{}
		for _, id := range ids {
			args = append(args, id)
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+registrationColumns+`, d.id, d.notification_id, d.channel,
			d.seq, d.status, d.claimed_by, d.attempts,
			EXISTS (SELECT 1 FROM suppressions sp WHERE sp.host_id = r.host_id AND sp.channel = d.channel
				AND sp.address = CASE WHEN d.channel = 'sms' THEN r.phone ELSE r.email_norm END)
			FROM deliveries d JOIN registrations r ON r.id = d.registration_id
			WHERE d.id IN (`+placeholders(1, len(ids))+`) ORDER BY d.id`, args...)
		if err != nil {
			return s.normalize(err)
		}
		type row struct {
			d          onair.Delivery
			claimedBy  string
			reg        onair.Registration
			suppressed bool
		}
		var found []row
		for rows.Next() {
			var x row
			x.reg, err = scanRegistration(withExtra{rows, []any{&x.d.ID, &x.d.NotificationID, &x.d.Channel,
				&x.d.Seq, &x.d.Status, &x.claimedBy, &x.d.Attempts, &x.suppressed}})
			if err != nil {
				rows.Close()
				return err
			}
			x.d.RegistrationID = x.reg.ID
			found = append(found, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return s.normalize(err)
		}

		notifs := map[string]onair.Notification{}
		events := map[string]onair.Event{}
		hosts := map[string]onair.Host{}
		skipped := map[string]int{}
		for _, x := range found {
			switch {
			case x.d.Status == onair.DeliveryPending:
			case x.d.Status == onair.DeliverySending && x.claimedBy == owner:
			default:
				continue // done, or someone else's
			}
			n, ok := notifs[x.d.NotificationID]
			if !ok {
				if n, err = scanNotification(tx.QueryRowContext(ctx, `SELECT `+notificationColumns+`
					FROM notifications n WHERE n.id = $1`, x.d.NotificationID)); err != nil {
					return s.normalize(err)
				}
				notifs[n.ID] = n
			}
			ev, ok := events[n.EventID]
			if !ok {
				if ev, err = scanEvent(tx.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events WHERE id = $1`, n.EventID)); err != nil {
					return s.normalize(err)
				}
				events[ev.ID] = ev
			}
			if reason := onair.SendBlockedReason(n, ev, x.reg, x.d.Channel, x.suppressed, now); reason != "" {
				res, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'skipped', error = $1,
					claimed_by = '', updated_at = $2 WHERE id = $3 AND `+claimable("$4"), reason, dbTime(now), x.d.ID, owner)
				if err != nil {
					return s.normalize(err)
				}
				if n, _ := res.RowsAffected(); n == 1 {
					skipped[x.d.NotificationID]++
				}
				continue
			}
			host, ok := hosts[ev.HostID]
			if !ok {
				if host, err = scanHost(tx.QueryRowContext(ctx, `SELECT `+hostColumns+` FROM hosts h WHERE h.id = $1`, ev.HostID)); err != nil {
					return s.normalize(err)
				}
				host.PasswordHash = "" // a message has no business with it
				hosts[host.ID] = host
			}
			x.d.Status, x.d.Attempts = onair.DeliverySending, x.d.Attempts+1
			items = append(items, SendItem{Delivery: x.d, Notification: n, Event: ev, Registration: x.reg, Host: host})
		}
		if len(items) > 0 {
			// The rows were read without a lock: another sender may have
			// claimed some since (on PostgreSQL, which runs claims side by
			// side). The claim holds only where the row is still claimable,
			// and only the rows it took are sent.
			args := []any{dbTime(now), owner}
			for _, it := range items {
				args = append(args, it.Delivery.ID)
			}
			rows, err := tx.QueryContext(ctx, `UPDATE deliveries SET status = 'sending', claimed_by = $2,
				claimed_at = $1, attempts = attempts + 1, updated_at = $1
				WHERE id IN (`+placeholders(3, len(items))+`) AND `+claimable("$2")+` RETURNING id`, args...)
			if err != nil {
				return s.normalize(err)
			}
			taken := map[int64]bool{}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				taken[id] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return s.normalize(err)
			}
			claimed := items[:0]
			for _, it := range items {
				if taken[it.Delivery.ID] {
					claimed = append(claimed, it)
				}
			}
			items = claimed
		}
		for _, nid := range slices.Sorted(maps.Keys(skipped)) {
			k := skipped[nid]
			if _, err := tx.ExecContext(ctx, `UPDATE notifications SET skipped_count = skipped_count + $1,
				updated_at = $2 WHERE id = $3`, k, dbTime(now), nid); err != nil {
				return s.normalize(err)
			}
			if err := s.refreshStatus(ctx, tx, nid, now); err != nil {
				return err
			}
		}
		return nil
	})
	return items, err
}

// claimable is the condition under which the owner named by the parameter
// may take a delivery: nobody holds it, or that owner itself did in an
// attempt that died.
func claimable(ownerParam string) string {
	return `(status = 'pending' OR (status = 'sending' AND claimed_by = ` + ownerParam + `))`
}

// Outcome is what became of one claimed delivery.
type Outcome struct {
	DeliveryID int64
	// Status is sent, failed (permanently) or pending (to be retried).
	Status     onair.DeliveryStatus
	Provider   string
	ProviderID string
	Error      string
	// Suppress marks the address as not to be sent to again by this host
	// (hard bounce, complaint, STOP).
	Suppress bool
	// RetryAt is, for a pending outcome, when to try again.
	RetryAt time.Time
}

// RecordOutcomes writes what became of deliveries claimed by owner, and
// keeps their notifications' counters and statuses exact, in one
// transaction. An outcome for a delivery that owner no longer holds is
// ignored, so a late or repeated record cannot count twice.
func (s *Store) RecordOutcomes(ctx context.Context, owner string, outcomes []Outcome, now time.Time) error {
	if len(outcomes) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		type tally struct {
			sent, failed int
			firstError   string
		}
		counts := map[string]*tally{}
		byStatus := map[onair.DeliveryStatus][]Outcome{}
		for _, o := range outcomes {
			byStatus[o.Status] = append(byStatus[o.Status], o)
		}
		recorded := map[int64]string{} // delivery → its notification
		for status, group := range byStatus {
			// One statement a status: the per-delivery values travel in
			// CASE expressions, which both engines parse once.
			args := []any{status, owner, dbTime(now)}
			var sentAt any
			if status == onair.DeliverySent {
				sentAt = dbTime(now)
			}
			args = append(args, sentAt)
			// Each value is cast: PostgreSQL would otherwise type every
			// parameter of a CASE as text.
			caseOf := func(sqlType string, value func(Outcome) any) string {
				var b strings.Builder
				b.WriteString("CASE id")
				for _, o := range group {
					args = append(args, o.DeliveryID, value(o))
					fmt.Fprintf(&b, " WHEN $%d THEN CAST($%d AS %s)", len(args)-1, len(args), sqlType)
				}
				b.WriteString(" END")
				return b.String()
			}
			provider := caseOf("TEXT", func(o Outcome) any { return o.Provider })
			providerID := caseOf("TEXT", func(o Outcome) any { return o.ProviderID })
			errText := caseOf("TEXT", func(o Outcome) any { return truncate(o.Error, 1000) })
			retryAt := caseOf("BIGINT", func(o Outcome) any {
				if o.RetryAt.IsZero() {
					return nil
				}
				return dbTime(o.RetryAt)
			})
			ids := make([]any, len(group))
			for i, o := range group {
				ids[i] = o.DeliveryID
			}
			from := len(args) + 1
			args = append(args, ids...)
			rows, err := tx.QueryContext(ctx, `UPDATE deliveries SET status = $1, claimed_by = '', updated_at = $3,
				sent_at = CAST($4 AS BIGINT), provider = `+provider+`, provider_message_id = `+providerID+`,
				error = `+errText+`, next_attempt_at = `+retryAt+`
				WHERE id IN (`+placeholders(from, len(ids))+`) AND status = 'sending' AND claimed_by = $2
				RETURNING id, notification_id`, args...)
			if err != nil {
				return s.normalize(err)
			}
			for rows.Next() {
				var id int64
				var nid string
				if err := rows.Scan(&id, &nid); err != nil {
					rows.Close()
					return err
				}
				recorded[id] = nid
				if counts[nid] == nil {
					counts[nid] = &tally{}
				}
				switch status {
				case onair.DeliverySent:
					counts[nid].sent++
				case onair.DeliveryFailed:
					counts[nid].failed++
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return s.normalize(err)
			}
		}
		for _, o := range outcomes {
			nid, ok := recorded[o.DeliveryID]
			if ok && o.Status == onair.DeliveryFailed && counts[nid].firstError == "" {
				counts[nid].firstError = o.Error
			}
			if ok && o.Suppress {
				if _, err := tx.ExecContext(ctx, `INSERT INTO suppressions (id, host_id, channel, address, kind, reason, created_at)
					SELECT `+s.newID+`, r.host_id, d.channel, CASE WHEN d.channel = 'sms' THEN r.phone ELSE r.email_norm END,
						-- a number that refuses SMS (Twilio's 21610) is a STOP
						CASE WHEN d.channel = 'sms' THEN 'stop' ELSE 'bounced' END, CAST($2 AS TEXT), CAST($3 AS BIGINT)
					FROM deliveries d JOIN registrations r ON r.id = d.registration_id
					WHERE d.id = $1 AND r.erased_at IS NULL
					ON CONFLICT (host_id, channel, address) DO NOTHING`,
					o.DeliveryID, truncate(o.Error, 500), dbTime(now)); err != nil {
					return s.normalize(err)
				}
			}
		}
		// Notification rows are locked in id order everywhere, so that two
		// transactions never wait on each other in a cycle.
		for _, nid := range slices.Sorted(maps.Keys(counts)) {
			t := counts[nid]
			if _, err := tx.ExecContext(ctx, `UPDATE notifications SET sent_count = sent_count + $1,
				failed_count = failed_count + $2,
				error_details = CASE WHEN error_details = '' THEN $3 ELSE error_details END,
				updated_at = $4 WHERE id = $5`,
				t.sent, t.failed, truncate(t.firstError, 1000), dbTime(now), nid); err != nil {
				return s.normalize(err)
			}
			if err := s.refreshStatus(ctx, tx, nid, now); err != nil {
				return err
			}
		}
		return nil
	})
}

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
// claimedBefore and never recorded: their sender died without a retry that
// would take them up (a sweep, or a job River gave up on). Whether such a
// message left is unknown; sending it again is the lesser harm than losing
// it. It returns how many it released.
func (s *Store) ReleaseStaleClaims(ctx context.Context, claimedBefore time.Time) (int, error) {
	res, err := s.write.ExecContext(ctx, `UPDATE deliveries SET status = 'pending', claimed_by = ''
		WHERE status = 'sending' AND claimed_at < $1`, dbTime(claimedBefore))
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
type OutboxMessage struct {
	ID          int64             `json:"id"`
	EventID     string            `json:"event_id"`
	DeliveryID  int64             `json:"delivery_id"`
	Channel     onair.Channel     `json:"channel"`
	To          string            `json:"to"`
	Subject     string            `json:"subject"`
	Text        string            `json:"text"`
	HTML        string            `json:"html"`
	Headers     map[string]string `json:"headers"`
	Attachments []OutboxFile      `json:"attachments"`
	CreatedAt   time.Time         `json:"created_at"`
}

// OutboxFile is an attachment of an outbox message.
type OutboxFile struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Content     string `json:"content"`
}

// SaveOutbox keeps m, under the host and event of its delivery, and returns
// its id.
func (s *Store) SaveOutbox(ctx context.Context, m OutboxMessage) (int64, error) {
	headers, _ := json.Marshal(m.Headers)
	files, _ := json.Marshal(m.Attachments)
	var id int64
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

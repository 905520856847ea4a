package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// Enqueuer puts work on the durable queue inside a store transaction, so
// that the work exists if and only if the rows that need it commit.
type Enqueuer interface {
	// EnqueueDispatch schedules n's dispatch at its time.
	EnqueueDispatch(ctx context.Context, tx *sql.Tx, n onair.Notification) error
	// DeliveriesReady says that deliveries became due: a transaction that
	// created them committed. The sending nodes also look by themselves.
	DeliveriesReady()
	// ForgetDispatch removes the queued dispatch jobs of these
	// notifications, which are being deleted. A job already running finds
	// no notification and ends.
	ForgetDispatch(ctx context.Context, tx *sql.Tx, notificationIDs []string) error
}

// SetEnqueuer connects the store to the queue. Without one (the migrate and
// host commands) the store plans and records but queues nothing; the
// periodic sweep of a running node picks such rows up.
func (s *Store) SetEnqueuer(e Enqueuer) { s.enq = e }

const notificationColumns = `n.id, n.event_id, n.kind, n.interval_name, n.channel, n.scheduled_time,
	n.status, n.event_version, n.recipients, n.sent_count, n.failed_count, n.skipped_count,
	n.error_details, n.previous_start, n.created_at, n.updated_at, n.arm`

func scanNotification(row scanner, extra ...any) (onair.Notification, error) {
	var n onair.Notification
	var at, created, updated int64
	var previous sql.NullInt64
	dest := append([]any{&n.ID, &n.EventID, &n.Kind, &n.Interval, &n.Channel, &at, &n.Status,
		&n.EventVersion, &n.Recipients, &n.SentCount, &n.FailedCount, &n.SkippedCount,
		&n.ErrorDetails, &previous, &created, &updated, &n.Arm}, extra...)
	err := row.Scan(dest...)
	n.ScheduledTime, n.CreatedAt, n.UpdatedAt = fromDB(at), fromDB(created), fromDB(updated)
	n.PreviousStart = fromDBPtr(previous)
	return n, err
}

// EventNotifications lists an event's notifications in the order they are
// due.
func (s *Store) EventNotifications(ctx context.Context, eventID string) ([]onair.Notification, error) {
	return s.eventNotifications(ctx, s.read, eventID)
}

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (s *Store) eventNotifications(ctx context.Context, q querier, eventID string) ([]onair.Notification, error) {
	return s.queryNotifications(ctx, q, `SELECT `+notificationColumns+` FROM notifications n
		WHERE n.event_id = $1 ORDER BY n.scheduled_time, n.created_at, n.channel, n.id`, eventID)
}

// lockEventNotifications reads an event's notifications and locks them, in
// id order like every other transaction that locks several of them, so
// that a dispatch cannot change one between this read and the update that
// follows it.
func (s *Store) lockEventNotifications(ctx context.Context, tx *sql.Tx, eventID string) ([]onair.Notification, error) {
	return s.queryNotifications(ctx, tx, `SELECT `+notificationColumns+` FROM notifications n
		WHERE n.event_id = $1 ORDER BY n.id`+s.forUpdate, eventID)
}

func (s *Store) queryNotifications(ctx context.Context, q querier, query string, args ...any) ([]onair.Notification, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.normalize(err)
	}
	defer rows.Close()
	out := []onair.Notification{}
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, s.normalize(rows.Err())
}

// applyPlan writes a plan change and queues the dispatch of every
// notification it leaves scheduled.
func (s *Store) applyPlan(ctx context.Context, tx *sql.Tx, pc onair.PlanChange) error {
	for _, n := range pc.Insert {
		fanoutDone := n.Status != onair.NotifScheduled
		_, err := tx.ExecContext(ctx, `INSERT INTO notifications (id, event_id, kind, interval_name,
			channel, scheduled_time, status, event_version, error_details, previous_start, fanout_done,
			created_at, updated_at, arm) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
			n.ID, n.EventID, n.Kind, n.Interval, n.Channel, dbTime(n.ScheduledTime), n.Status,
			n.EventVersion, n.ErrorDetails, dbTimePtr(n.PreviousStart), fanoutDone,
			dbTime(n.CreatedAt), dbTime(n.UpdatedAt), n.Arm)
		if err != nil {
			return s.normalize(err)
		}
	}
	for _, n := range pc.Update {
		_, err := tx.ExecContext(ctx, `UPDATE notifications SET scheduled_time = $1, status = $2,
			event_version = $3, error_details = $4, updated_at = $5,
			fanout_done = CASE WHEN $2 = 'scheduled' THEN fanout_done ELSE TRUE END
			WHERE id = $6`,
			dbTime(n.ScheduledTime), n.Status, n.EventVersion, n.ErrorDetails, dbTime(n.UpdatedAt), n.ID)
		if err != nil {
			return s.normalize(err)
		}
	}
	if s.enq == nil {
		return nil
	}
	for _, n := range append(append([]onair.Notification(nil), pc.Insert...), pc.Update...) {
		if n.Status == onair.NotifScheduled {
			if err := s.enq.EnqueueDispatch(ctx, tx, n); err != nil {
				return fmt.Errorf("queueing the dispatch of notification %s: %w", n.ID, err)
			}
		}
	}
	return nil
}

// DueNotifications lists notifications whose time has come at now and
// that still wait for their dispatch, or whose fan-out was interrupted.
func (s *Store) DueNotifications(ctx context.Context, now time.Time, limit int) ([]onair.Notification, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+notificationColumns+` FROM notifications n
		WHERE (n.status = 'scheduled' AND n.scheduled_time <= $1)
		   OR (n.status = 'sending' AND n.fanout_done = FALSE)
		ORDER BY n.scheduled_time LIMIT $2`, dbTime(now), limit)
	if err != nil {
		return nil, s.normalize(err)
	}
	defer rows.Close()
	var out []onair.Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, s.normalize(rows.Err())
}

// DispatchStep takes one step of a notification's dispatch at now: it
// checks that the notification is still due for the given event version and
// not stale (marking it skipped with the reason when it is), then creates,
// in one statement, the pending deliveries of the next page of up to
// pageSize eligible registrants, due at the notification's time, for the
// sending nodes to pick up. It returns how many deliveries it created,
// whether more steps are needed, and, for a notification not yet due, how
// long until it is. Any number of callers may step the same notification at
// once: each page is taken under the notification's lock, and a delivery
// cannot be created twice.
func (s *Store) DispatchStep(ctx context.Context, id string, version int, now time.Time, pageSize int) (created int, more bool, wait time.Duration, err error) {
	if !onair.ValidID(id) {
		return 0, false, 0, fmt.Errorf("%w: no such notification", onair.ErrNotFound)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		created, more = 0, false
		var fanoutDone bool
		var cursor string
		n, err := scanNotification(tx.QueryRowContext(ctx, `SELECT `+notificationColumns+`, n.fanout_done, n.fanout_cursor
			FROM notifications n WHERE n.id = $1`+s.forUpdate, id), &fanoutDone, &cursor)
		if err != nil {
			return s.normalize(err)
		}
		switch {
		case version != 0 && n.EventVersion != version:
			return nil // superseded: a later dispatch carries the current version
		case n.Status == onair.NotifScheduled && n.ScheduledTime.After(now):
			wait = n.ScheduledTime.Sub(now) // not due yet
			return nil
		case n.Status != onair.NotifScheduled && (n.Status != onair.NotifSending || fanoutDone):
			return nil // already dispatched, skipped or cancelled
		}
		ev, err := scanEvent(tx.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events WHERE id = $1`, n.EventID))
		if err != nil {
			return s.normalize(err)
		}
		if n.Status == onair.NotifScheduled {
			if reason := onair.StaleReason(n, ev, now); reason != "" {
				_, err := tx.ExecContext(ctx, `UPDATE notifications SET status = 'skipped', error_details = $1,
					fanout_done = TRUE, updated_at = $2 WHERE id = $3`, reason, dbTime(now), n.ID)
				return s.normalize(err)
			}
		}
		// The page ends at the pageSize-th recipient (onair.RecipientReason,
		// onair.AudienceReason): the cursor of the next step.
		eligible := `FROM registrations r WHERE r.event_id = $1 AND r.id > $2 AND ` + recipientSQL(n.Channel) +
			` AND ` + audienceSQL(n.Kind) + ` AND ` + armSQL(n.Arm)
		var last sql.NullString
		var page int
		if err := tx.QueryRowContext(ctx, `SELECT MAX(id), COUNT(*) FROM (SELECT r.id `+eligible+`
			ORDER BY r.id LIMIT $3) AS page`, n.EventID, cursor, pageSize).Scan(&last, &page); err != nil {
			return s.normalize(err)
		}
		if page > 0 {
			res, err := tx.ExecContext(ctx, `INSERT INTO deliveries (notification_id, registration_id, channel,
				status, lane, due_at, created_at, updated_at)
				SELECT CAST($4 AS TEXT), r.id, CAST($5 AS TEXT), 'pending', `+itoa(laneBulk)+`, CAST($6 AS BIGINT),
					CAST($7 AS BIGINT), CAST($7 AS BIGINT) `+eligible+` AND r.id <= $3
				ON CONFLICT (notification_id, registration_id, channel, seq) DO NOTHING`,
				n.EventID, cursor, last.String, n.ID, n.Channel, dbTime(n.ScheduledTime), dbTime(now))
			if err != nil {
				return s.normalize(err)
			}
			k, _ := res.RowsAffected() // fewer than the page: created by an earlier, interrupted step
			created = int(k)
			cursor = last.String
		}
		more = page == pageSize
		if _, err := tx.ExecContext(ctx, `UPDATE notifications SET status = 'sending', recipients = recipients + $1,
			fanout_cursor = $2, fanout_done = $3, updated_at = $4 WHERE id = $5`,
			created, cursor, !more, dbTime(now), n.ID); err != nil {
			return s.normalize(err)
		}
		if !more {
			if err := s.refreshStatus(ctx, tx, n.ID, now); err != nil {
				return err
			}
		}
		if created > 0 {
			s.readyAfterCommit(tx)
		}
		return nil
	})
	return created, more, wait, err
}

// refreshStatus derives a notification's status from its counters once its
// fan-out is done. Skipped and cancelled notifications keep their status.
func (s *Store) refreshStatus(ctx context.Context, tx *sql.Tx, id string, now time.Time) error {
	var status onair.NotificationStatus
	var recipients, sent, failed, skipped int
	var done bool
	err := tx.QueryRowContext(ctx, `SELECT status, recipients, sent_count, failed_count, skipped_count, fanout_done
		FROM notifications WHERE id = $1`, id).Scan(&status, &recipients, &sent, &failed, &skipped, &done)
	if err != nil {
		return s.normalize(err)
	}
	if status == onair.NotifSkipped || status == onair.NotifCancelled || status == onair.NotifScheduled {
		return nil
	}
	next := onair.NotifSending
	if done {
		next = onair.OutcomeStatus(recipients, sent, failed, skipped)
	}
	if next != status {
		_, err = tx.ExecContext(ctx, `UPDATE notifications SET status = $1, updated_at = $2 WHERE id = $3`, next, dbTime(now), id)
	}
	return s.normalize(err)
}

// placeholders returns "$from, $from+1, …" for n values.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

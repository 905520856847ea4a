package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// RecordJoin records a visit of the watch page by registration regID of
// event eventID at now. When the event is watchable (live, or within
// onair.JoinWindow before its start) the registration is marked attended
// (first_joined_at is kept from the first join) and the visit counts as a
// heartbeat: it starts a viewing session or continues the current one. It
// reports whether the registration counts as attended.
func (s *Store) RecordJoin(ctx context.Context, eventID, regID string, now time.Time) (bool, error) {
	var attended bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		attended, _, err = s.beat(ctx, tx, eventID, regID, now)
		return err
	})
	return attended, err
}

// Heartbeat keeps registration regID present at event eventID at now and
// returns the number of viewers present. While the event is watchable, a
// heartbeat less than onair.PresenceTimeout after the previous one continues the
// viewing session and adds the time between them to the watch time (of the
// session and of the registration, which stays their sum); a later one
// starts a new session and adds nothing. The event's peak of concurrent
// viewers is raised in the same transaction. Outside that window a
// heartbeat records nothing.
func (s *Store) Heartbeat(ctx context.Context, eventID, regID string, now time.Time) (int, error) {
	var viewers int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		_, viewers, err = s.beat(ctx, tx, eventID, regID, now)
		return err
	})
	return viewers, err
}

// beat is RecordJoin and Heartbeat. The event row is locked first (FOR NO
// KEY UPDATE on PostgreSQL; SQLite runs one write transaction at a time),
// so that heartbeats of one event run one after the other and the viewer
// count each of them reads includes every heartbeat committed before it:
// the peak cannot be missed by two heartbeats that each see only itself.
func (s *Store) beat(ctx context.Context, tx *sql.Tx, eventID, regID string, now time.Time) (attended bool, viewers int, err error) {
	if !onair.ValidID(eventID) || !onair.ValidID(regID) {
		return false, 0, errNoSuchEvent
	}
	var status onair.EventStatus
	var start int64
	var duration int
	err = tx.QueryRowContext(ctx, `SELECT status, scheduled_start, duration_minutes FROM events WHERE id = $1`+s.forUpdate,
		eventID).Scan(&status, &start, &duration)
	if err != nil {
		return false, 0, s.normalize(err)
	}
	var wasAttended bool
	err = tx.QueryRowContext(ctx, `SELECT attended FROM registrations WHERE id = $1 AND event_id = $2`,
		regID, eventID).Scan(&wasAttended)
	if err != nil {
		return false, 0, s.normalize(fmt.Errorf("registration %s of event %s: %w", regID, eventID, err))
	}
	if !onair.Watchable(status, fromDB(start), duration, now) {
		viewers, err = s.countViewers(ctx, tx, eventID, now)
		return false, viewers, err
	}

	// The viewing session: the current one, which the beat continues or
	// not as onair.Heartbeat decides.
	var sessionID, sessionSeen int64
	var last *time.Time
	err = tx.QueryRowContext(ctx, `SELECT id, last_seen_at FROM viewer_sessions WHERE registration_id = $1
		ORDER BY last_seen_at DESC, id DESC LIMIT 1`, regID).Scan(&sessionID, &sessionSeen)
	switch {
	case err == nil:
		t := fromDB(sessionSeen)
		last = &t
	case errors.Is(err, sql.ErrNoRows):
		err = nil
	default:
		return false, 0, s.normalize(err)
	}
	b := onair.Heartbeat(last, now)
	if b.Continues {
		_, err = tx.ExecContext(ctx, `UPDATE viewer_sessions SET last_seen_at = $1, seconds = seconds + $2 WHERE id = $3`,
			dbTime(b.Seen), b.Seconds, sessionID)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO viewer_sessions (event_id, registration_id, started_at, last_seen_at, seconds)
			VALUES ($1, $2, $3, $3, 0)`, eventID, regID, dbTime(now))
	}
	if err != nil {
		return false, 0, s.normalize(err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE registrations SET attended = TRUE,
		first_joined_at = COALESCE(first_joined_at, $1),
		last_seen_at = CASE WHEN last_seen_at IS NULL OR last_seen_at < $2 THEN $2 ELSE last_seen_at END,
		watch_seconds = watch_seconds + $3 WHERE id = $4`,
		dbTime(now), dbTime(b.Seen), b.Seconds, regID)
	if err != nil {
		return false, 0, s.normalize(err)
	}
	if !wasAttended {
		if err := s.queueAttended(ctx, tx, regID, now); err != nil {
			return false, 0, err
		}
	}
	if viewers, err = s.countViewers(ctx, tx, eventID, now); err != nil {
		return false, 0, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE events SET peak_viewers = $1 WHERE id = $2 AND peak_viewers < $1`,
		viewers, eventID)
	if err != nil {
		return false, 0, s.normalize(err)
	}
	return true, viewers, nil
}

// queueAttended queues the viewer.attended webhooks of the registration
// that tx has just counted as attended, for the first time.
func (s *Store) queueAttended(ctx context.Context, tx *sql.Tx, regID string, now time.Time) error {
	r, err := scanRegistration(tx.QueryRowContext(ctx, `SELECT `+registrationColumns+` FROM registrations r WHERE r.id = $1`, regID))
	if err != nil {
		return s.normalize(err)
	}
	return s.QueueHook(ctx, tx, HookFact{Type: onair.HookViewerAttended, HostID: r.HostID, At: now, Registration: &r})
}

// countViewers counts the registrations of eventID present at now.
func (s *Store) countViewers(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, eventID string, now time.Time) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(DISTINCT registration_id) FROM viewer_sessions
		WHERE event_id = $1 AND last_seen_at > $2`,
		eventID, dbTime(onair.PresentSince(now))).Scan(&n)
	return n, s.normalize(err)
}

// CurrentViewers is the number of viewers of eventID present at now: those
// whose last heartbeat is younger than onair.PresenceTimeout.
func (s *Store) CurrentViewers(ctx context.Context, eventID string, now time.Time) (int, error) {
	if !onair.ValidID(eventID) {
		return 0, errNoSuchEvent
	}
	return s.countViewers(ctx, s.read, eventID, now)
}

// PeakViewers is the largest number of viewers of eventID ever present at
// once.
func (s *Store) PeakViewers(ctx context.Context, eventID string) (int, error) {
	if !onair.ValidID(eventID) {
		return 0, errNoSuchEvent
	}
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT peak_viewers FROM events WHERE id = $1`, eventID).Scan(&n)
	return n, s.normalize(err)
}

// Attendance is what the store knows of one registration's viewing.
type Attendance struct {
	Attended      bool
	FirstJoinedAt *time.Time
	LastSeenAt    *time.Time
	WatchSeconds  int64
}

// RegistrationAttendance returns the viewing record of registration regID.
func (s *Store) RegistrationAttendance(ctx context.Context, regID string) (Attendance, error) {
	var a Attendance
	if !onair.ValidID(regID) {
		return a, fmt.Errorf("%w: no such registration", onair.ErrNotFound)
	}
	var first, last sql.NullInt64
	err := s.read.QueryRowContext(ctx, `SELECT attended, first_joined_at, last_seen_at, watch_seconds
		FROM registrations WHERE id = $1`, regID).Scan(&a.Attended, &first, &last, &a.WatchSeconds)
	a.FirstJoinedAt, a.LastSeenAt = fromDBPtr(first), fromDBPtr(last)
	return a, s.normalize(err)
}

// RecordEngagement records one engagement action (one of
// onair.EngagementActions) of registration regID at event eventID, at
// most onair.MaxEngagements of them (onair.ErrEngagementCap beyond). The
// count is read under the registration's row lock (PostgreSQL; SQLite
// writes one at a time), so that the cap holds however many requests, on
// however many nodes, arrive together.
func (s *Store) RecordEngagement(ctx context.Context, eventID, regID, action string, now time.Time) error {
	if err := onair.ValidEngagementAction(action); err != nil {
		return err
	}
	notFound := fmt.Errorf("%w: no such registration in this event", onair.ErrNotFound)
	if !onair.ValidID(eventID) || !onair.ValidID(regID) {
		return notFound
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM registrations WHERE id = $1 AND event_id = $2`+s.forUpdate,
			regID, eventID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound
		}
		if err != nil {
			return s.normalize(err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM engagement_actions WHERE registration_id = $1`,
			regID).Scan(&n); err != nil {
			return s.normalize(err)
		}
		if err := onair.EngagementAllowed(n); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO engagement_actions (event_id, registration_id, action, created_at)
			VALUES ($1, $2, $3, $4)`, eventID, regID, action, dbTime(now))
		return s.normalize(err)
	})
}

// RecordPurchase records a purchase of amountCents (as onair.ValidatePurchase
// wants it) in currency by registration regID at event eventID.
func (s *Store) RecordPurchase(ctx context.Context, eventID, regID string, amountCents int64, currency string, now time.Time) error {
	if err := onair.ValidatePurchase(amountCents, currency); err != nil {
		return err
	}
	return s.insertForRegistration(ctx, eventID, regID,
		`INSERT INTO purchases (event_id, registration_id, amount_cents, currency, created_at)
		SELECT event_id, id, $3, $4, $5 FROM registrations WHERE id = $2 AND event_id = $1`,
		amountCents, currency, dbTime(now))
}

// insertForRegistration runs query, an INSERT … SELECT from the
// registration regID of eventID ($1, $2) with args from $3 on; no such
// registration in that event is ErrNotFound.
func (s *Store) insertForRegistration(ctx context.Context, eventID, regID, query string, args ...any) error {
	notFound := fmt.Errorf("%w: no such registration in this event", onair.ErrNotFound)
	if !onair.ValidID(eventID) || !onair.ValidID(regID) {
		return notFound
	}
	res, err := s.write.ExecContext(ctx, query, append([]any{eventID, regID}, args...)...)
	if err != nil {
		return s.normalize(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.normalize(err)
	} else if n == 0 {
		return notFound
	}
	return nil
}

// ActiveViewers is the number of viewers present at now across every event:
// those whose last heartbeat is younger than onair.PresenceTimeout.
func (s *Store) ActiveViewers(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT DISTINCT event_id, registration_id
		FROM viewer_sessions WHERE last_seen_at > $1) AS present`, dbTime(onair.PresentSince(now))).Scan(&n)
	return n, s.normalize(err)
}

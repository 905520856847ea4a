package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/onair-live/onair/internal/onair"
)

// RegistrantTimeline reads what registration regID of event eventID
// received and did, from the raw rows, in one read-only snapshot
// (repeatable read, as EventAnalytics reads). An unknown id, an erased
// registration, or a registration of another event, is ErrNotFound.
func (s *Store) RegistrantTimeline(ctx context.Context, eventID, regID string) (onair.Timeline, error) {
	var t onair.Timeline
	notFound := fmt.Errorf("%w: no such registration in this event", onair.ErrNotFound)
	if !onair.ValidID(eventID) || !onair.ValidID(regID) {
		return t, notFound
	}
	tx, err := s.snapshot(ctx)
	if err != nil {
		return t, err
	}
	defer tx.Rollback()
	t, err = s.timeline(ctx, tx, eventID, regID)
	if errors.Is(err, sql.ErrNoRows) {
		return onair.Timeline{}, notFound
	}
	return t, err
}

// timeline is RegistrantTimeline inside the snapshot tx. An erased
// registration has no timeline: sql.ErrNoRows.
func (s *Store) timeline(ctx context.Context, tx *sql.Tx, eventID, regID string) (onair.Timeline, error) {
	var t onair.Timeline
	var firstJoined sql.NullInt64
	var err error
	t.Registration, err = scanRegistration(withExtra{
		tx.QueryRowContext(ctx, `SELECT `+registrationColumns+`, r.first_joined_at, r.watch_seconds
			FROM registrations r WHERE r.id = $1 AND r.event_id = $2 AND r.erased_at IS NULL`, regID, eventID),
		[]any{&firstJoined, &t.WatchSeconds}})
	if errors.Is(err, sql.ErrNoRows) {
		return onair.Timeline{}, err
	}
	if err != nil {
		return onair.Timeline{}, s.normalize(err)
	}
	t.FirstJoinedAt = fromDBPtr(firstJoined)
	if t.Registration.Status == onair.RegUnsubscribed {
		// A registration row is updated only when it is unsubscribed (its
		// viewing is counted in other columns, which leave updated_at
		// alone): its updated_at is the time of the unsubscription.
		at := t.Registration.UpdatedAt
		t.UnsubscribedAt = &at
	}

	r := &timelineRead{s: s, ctx: ctx, tx: tx, regID: regID, eventID: eventID, t: &t}
	for _, step := range []func() error{r.messages, r.sessions, r.purchases, r.engagement} {
		if err := step(); err != nil {
			return onair.Timeline{}, err
		}
	}
	return t, nil
}

// timelineRead reads the lists of one registration's timeline into t, a
// step each. Every list is read for this registration and this event, so
// that no row of another event can slip in whatever the ids say.
type timelineRead struct {
	s              *Store
	ctx            context.Context
	tx             *sql.Tx
	regID, eventID string
	t              *onair.Timeline
}

func (r *timelineRead) each(query string, scan func(rows *sql.Rows) error) error {
	return r.s.eachRow(r.ctx, r.tx, scan, query, r.regID, r.eventID)
}

func (r *timelineRead) messages() error {
	return r.each(`SELECT d.id, n.kind, n.interval_name, d.channel, d.seq, d.status, d.error,
			d.created_at, d.updated_at, d.sent_at, d.bounced_at, d.next_attempt_at,
			d.opened_at, d.open_count, d.clicked_at, d.click_count, d.due_at
		FROM deliveries d JOIN notifications n ON n.id = d.notification_id
		WHERE d.registration_id = $1 AND n.event_id = $2 ORDER BY d.id`, func(rows *sql.Rows) error {
		var m onair.TimelineMessage
		var queued, settled int64
		var sent, bounced, next, opened, clicked, due sql.NullInt64
		if err := rows.Scan(&m.DeliveryID, &m.Kind, &m.Interval, &m.Channel, &m.Seq, &m.Status, &m.Error,
			&queued, &settled, &sent, &bounced, &next, &opened, &m.OpenCount, &clicked, &m.ClickCount, &due); err != nil {
			return err
		}
		m.QueuedAt, m.SettledAt = fromDB(queued), fromDB(settled)
		m.SentAt, m.BouncedAt, m.NextAttemptAt = fromDBPtr(sent), fromDBPtr(bounced), fromDBPtr(next)
		m.OpenedAt, m.ClickedAt = fromDBPtr(opened), fromDBPtr(clicked)
		if m.Status == onair.DeliveryPending {
			m.DueAt = fromDBPtr(due)
		}
		r.t.Messages = append(r.t.Messages, m)
		return nil
	})
}

func (r *timelineRead) sessions() error {
	return r.each(`SELECT started_at, last_seen_at, seconds FROM viewer_sessions
		WHERE registration_id = $1 AND event_id = $2 ORDER BY started_at, id`, func(rows *sql.Rows) error {
		var v onair.ViewingSession
		var started, seen int64
		if err := rows.Scan(&started, &seen, &v.Seconds); err != nil {
			return err
		}
		v.StartedAt, v.LastSeenAt = fromDB(started), fromDB(seen)
		r.t.Sessions = append(r.t.Sessions, v)
		return nil
	})
}

func (r *timelineRead) purchases() error {
	return r.each(`SELECT amount_cents, currency, created_at FROM purchases
		WHERE registration_id = $1 AND event_id = $2 ORDER BY created_at, id`, func(rows *sql.Rows) error {
		var p onair.Purchase
		var at int64
		if err := rows.Scan(&p.AmountCents, &p.Currency, &at); err != nil {
			return err
		}
		p.At = fromDB(at)
		r.t.Purchases = append(r.t.Purchases, p)
		return nil
	})
}

func (r *timelineRead) engagement() error {
	return r.each(`SELECT action, COUNT(*), MIN(created_at), MAX(created_at) FROM engagement_actions
		WHERE registration_id = $1 AND event_id = $2 GROUP BY action
		ORDER BY MIN(created_at), action`, func(rows *sql.Rows) error {
		var e onair.EngagementTally
		var first, last int64
		if err := rows.Scan(&e.Action, &e.Count, &first, &last); err != nil {
			return err
		}
		e.First, e.Last = fromDB(first), fromDB(last)
		r.t.Engagement = append(r.t.Engagement, e)
		return nil
	})
}

// withExtra scans a row into a scan function's columns followed by more.
type withExtra struct {
	row   scanner
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.row.Scan(append(dest, w.extra...)...) }

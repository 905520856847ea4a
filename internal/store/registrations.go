package store

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

const registrationColumns = `r.id, r.event_id, r.host_id, r.viewer_id, r.first_name, r.last_name,
	r.email, r.phone, r.company, r.source, r.timezone, r.status, r.attended, r.erased_at,
	r.created_at, r.updated_at`

func scanRegistration(row scanner) (onair.Registration, error) {
	var r onair.Registration
	var created, updated int64
	var erased sql.NullInt64
	err := row.Scan(&r.ID, &r.EventID, &r.HostID, &r.ViewerID, &r.FirstName, &r.LastName,
		&r.Email, &r.Phone, &r.Company, &r.Source, &r.Timezone, &r.Status, &r.Attended,
		&erased, &created, &updated)
	r.CreatedAt, r.UpdatedAt = fromDB(created), fromDB(updated)
	r.ErasedAt = fromDBPtr(erased)
	return r, err
}

// ErrAlreadyRegistered is the conflict of a second registration for the same
// event and email. Its message says nothing of the first registration.
var ErrAlreadyRegistered = onair.Errorf(onair.ErrConflict, "already_registered",
	"this email is already registered for this event; the confirmation has been sent to it again")

// MaxResendsPerHour bounds how often a repeated registration attempt sends
// the confirmation again to the same address for the same event.
const MaxResendsPerHour = 3

// Register adds r to its event, inside one transaction that locks the event:
// the event must still take registrations at now (not cancelled, past, live,
// closed or full), and the email must not be registered yet. It returns the
// event as it is after the registration. The viewer's profile with the host
// is created or refreshed in the same transaction.
//
// Each of limits (the client address's, say) counts the attempt, new or
// repeated, and a new registration also counts against its email address:
// at most onair.MaxNewRegistrationsPerEmail within onair.EmailLimitWindow
// across all events. A hit beyond a limit refuses the registration with an
// onair.RetryError and counts nothing.
func (s *Store) Register(ctx context.Context, r onair.Registration, now time.Time, limits ...Limit) (onair.Event, error) {
	if !onair.ValidID(r.EventID) {
		return onair.Event{}, errNoSuchEvent
	}
	var ev onair.Event
	var duplicate bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		ev, err = scanEvent(tx.QueryRowContext(ctx,
			`SELECT `+eventColumns+` FROM events WHERE id = $1`+s.forUpdate, r.EventID))
		if err != nil {
			return s.normalize(err)
		}
		reason, closed := ev.RegistrationClosed(now)
		if closed != nil && reason != onair.ClosedFull {
			return closed
		}
		for _, l := range limits {
			if err := s.takeHit(ctx, tx, l, now); err != nil {
				return err
			}
		}
		var firstID string
		var firstStatus onair.RegistrationStatus
		err = tx.QueryRowContext(ctx, `SELECT id, status FROM registrations WHERE event_id = $1 AND email_norm = $2`,
			r.EventID, onair.NormalizeEmail(r.Email)).Scan(&firstID, &firstStatus)
		switch {
		case err == nil:
			// The answer is a conflict, but the transaction commits: the
			// confirmation goes again to the address that was registered.
			duplicate = true
			if firstStatus != onair.RegRegistered || !ev.Notifications.EmailEnabled {
				return nil
			}
			return s.resendConfirmation(ctx, tx, ev, firstID, now)
		case !errors.Is(err, sql.ErrNoRows):
			return s.normalize(err)
		case closed != nil:
			return closed
		}
		if err := s.takeHit(ctx, tx, emailLimit(r.Email), now); err != nil {
			return err
		}
		if err := s.upsertViewer(ctx, tx, ev.HostID, &r, now); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO registrations (id, event_id, host_id, viewer_id,
			first_name, last_name, email, email_norm, phone, company, source, timezone, status,
			search_text, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
			r.ID, r.EventID, ev.HostID, r.ViewerID, r.FirstName, r.LastName, r.Email,
			onair.NormalizeEmail(r.Email), r.Phone, r.Company, r.Source, r.Timezone, r.Status,
			searchText(r.FirstName, r.LastName, r.Email, r.Company), dbTime(now), dbTime(now))
		if err = s.normalize(err); errors.Is(err, onair.ErrConflict) {
			return ErrAlreadyRegistered
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx,
			`UPDATE events SET registration_count = registration_count + 1 WHERE id = $1`, ev.ID); err != nil {
			return s.normalize(err)
		}
		ev.RegistrationCount++
		var channels []onair.Channel
		for _, ch := range ev.Channels() {
			if ch != onair.ChannelSMS || r.Phone != "" {
				channels = append(channels, ch)
			}
		}
		ids, err := s.addConfirmations(ctx, tx, ev, r.ID, channels, 0, now)
		if err != nil {
			return err
		}
		return s.enqueueSend(ctx, tx, ids)
	})
	if err == nil && duplicate {
		err = ErrAlreadyRegistered
	}
	return ev, err
}

// addConfirmations creates one confirmation delivery per channel (seq 0
// for the first, more for each one sent again), creating the event's
// confirmation notification of a channel on first use. The notification
// rows are locked in id order, as every transaction that updates several
// of them does.
func (s *Store) addConfirmations(ctx context.Context, tx *sql.Tx, ev onair.Event, regID string, channels []onair.Channel, seq int, now time.Time) ([]int64, error) {
	byID := map[string]onair.Channel{}
	for _, ch := range channels {
		var nid string
		err := tx.QueryRowContext(ctx, `SELECT id FROM notifications WHERE event_id = $1 AND kind = 'confirmation' AND channel = $2`,
			ev.ID, ch).Scan(&nid)
		if errors.Is(err, sql.ErrNoRows) {
			nid = onair.NewID()
			_, err = tx.ExecContext(ctx, `INSERT INTO notifications (id, event_id, kind, channel, scheduled_time,
				status, event_version, fanout_done, created_at, updated_at)
				VALUES ($1, $2, 'confirmation', $3, $4, 'sending', $5, TRUE, $4, $4)`,
				nid, ev.ID, ch, dbTime(now), ev.Version)
		}
		if err != nil {
			return nil, s.normalize(err)
		}
		byID[nid] = ch
	}
	var ids []int64
	for _, nid := range slices.Sorted(maps.Keys(byID)) {
		var id int64
		if _, err := tx.ExecContext(ctx, `UPDATE notifications SET recipients = recipients + 1, status = 'sending',
			updated_at = $1 WHERE id = $2`, dbTime(now), nid); err != nil {
			return nil, s.normalize(err)
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO deliveries (notification_id, registration_id, channel, seq,
			status, lane, due_at, created_at, updated_at) VALUES ($1, $2, $3, $4, 'pending', `+itoa(laneTransactional)+`, $5, $5, $5)
			RETURNING id`,
			nid, regID, byID[nid], seq, dbTime(now)).Scan(&id)
		if err != nil {
			return nil, s.normalize(err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// resendConfirmation sends the email confirmation again to a registration,
// at most MaxResendsPerHour times an hour.
func (s *Store) resendConfirmation(ctx context.Context, tx *sql.Tx, ev onair.Event, regID string, now time.Time) error {
	var recent, lastSeq int
	err := tx.QueryRowContext(ctx, `SELECT
			COUNT(CASE WHEN d.seq > 0 AND d.created_at > $1 THEN 1 END), COALESCE(MAX(d.seq), 0)
		FROM deliveries d JOIN notifications n ON n.id = d.notification_id
		WHERE d.registration_id = $2 AND n.kind = 'confirmation' AND d.channel = 'email'`,
		dbTime(now.Add(-time.Hour)), regID).Scan(&recent, &lastSeq)
	if err != nil {
		return s.normalize(err)
	}
	if recent >= MaxResendsPerHour {
		return nil
	}
	ids, err := s.addConfirmations(ctx, tx, ev, regID, []onair.Channel{onair.ChannelEmail}, lastSeq+1, now)
	if err != nil {
		return err
	}
	return s.enqueueSend(ctx, tx, ids)
}

// enqueueSend has the deliveries ids sent once tx commits: the sending
// nodes pick pending deliveries up by themselves; this wakes this
// process's at once.
func (s *Store) enqueueSend(_ context.Context, tx *sql.Tx, ids []int64) error {
	if len(ids) > 0 {
		s.readyAfterCommit(tx)
	}
	return nil
}

// upsertViewer creates the viewer's profile with host, or refreshes it with
// what this registration says (an empty field keeps the known value), and
// sets r.ViewerID.
func (s *Store) upsertViewer(ctx context.Context, tx *sql.Tx, hostID string, r *onair.Registration, now time.Time) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO viewers (id, host_id, email, email_norm, first_name,
		last_name, phone, company, timezone, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
		ON CONFLICT (host_id, email_norm) DO UPDATE SET
			email = excluded.email,
			first_name = CASE WHEN excluded.first_name <> '' THEN excluded.first_name ELSE viewers.first_name END,
			last_name = CASE WHEN excluded.last_name <> '' THEN excluded.last_name ELSE viewers.last_name END,
			phone = CASE WHEN excluded.phone <> '' THEN excluded.phone ELSE viewers.phone END,
			company = CASE WHEN excluded.company <> '' THEN excluded.company ELSE viewers.company END,
			timezone = excluded.timezone,
			updated_at = excluded.updated_at
		RETURNING id`,
		onair.NewID(), hostID, r.Email, onair.NormalizeEmail(r.Email), r.FirstName, r.LastName,
		r.Phone, r.Company, r.Timezone, dbTime(now)).Scan(&r.ViewerID)
	return s.normalize(err)
}

// RegistrationFilter selects an event's registrations.
type RegistrationFilter struct {
	EventID string
	Query   string // matched against names, email and company
	Limit   int    // 0: all
	Offset  int
}

// Registrations lists an event's registrations, oldest first, and how many
// match in all. Erased registrations are not listed: they stay only as
// counts.
func (s *Store) Registrations(ctx context.Context, f RegistrationFilter) ([]onair.Registration, int, error) {
	cond := "r.event_id = $1 AND r.erased_at IS NULL"
	args := []any{f.EventID}
	if q := strings.TrimSpace(f.Query); q != "" {
		args = append(args, likePattern(q))
		cond += ` AND r.search_text LIKE $2 ESCAPE '\'`
	}
	var total int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM registrations r WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, s.normalize(err)
	}
	query := `SELECT ` + registrationColumns + ` FROM registrations r WHERE ` + cond + ` ORDER BY r.created_at, r.id`
	if f.Limit > 0 {
		args = append(args, f.Limit, f.Offset)
		query += fmt.Sprintf(" LIMIT $%d OFFSET $%d", len(args)-1, len(args))
	}
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, 0, s.normalize(err)
	}
	defer rows.Close()
	regs := []onair.Registration{}
	for rows.Next() {
		r, err := scanRegistration(rows)
		if err != nil {
			return nil, 0, err
		}
		regs = append(regs, r)
	}
	return regs, total, s.normalize(rows.Err())
}

// RegistrationByToken finds the registration a watch-link token belongs
// to: a token derived under secret (onair.WatchToken) by the id it names, a
// token handed out before tokens were derived by the hash it is kept under,
// compared again in constant time. An erased registration, or any mismatch,
// is ErrNotFound.
func (s *Store) RegistrationByToken(ctx context.Context, secret, token string) (onair.Registration, error) {
	notFound := fmt.Errorf("%w: unknown token", onair.ErrNotFound)
	var row *sql.Row
	var stored sql.NullString
	hash := onair.LegacyTokenHash(token)
	if id, ok := onair.ParseWatchToken(secret, token); ok {
		row = s.read.QueryRowContext(ctx, `SELECT `+registrationColumns+`, r.legacy_token_hash
			FROM registrations r WHERE r.id = $1 AND r.erased_at IS NULL`, id)
	} else if hash != "" {
		row = s.read.QueryRowContext(ctx, `SELECT `+registrationColumns+`, r.legacy_token_hash
			FROM registrations r WHERE r.legacy_token_hash = $1 AND r.erased_at IS NULL`, hash)
	} else {
		return onair.Registration{}, notFound
	}
	r, err := scanRegistration(withExtra{row, []any{&stored}})
	if errors.Is(err, sql.ErrNoRows) {
		return onair.Registration{}, notFound
	}
	if err != nil {
		return onair.Registration{}, s.normalize(err)
	}
	// The index found the row by the hash; the hash is compared again in
	// constant time, as every secret is, whatever the index did.
	if hash != "" && subtle.ConstantTimeCompare([]byte(stored.String), []byte(hash)) != 1 {
		return onair.Registration{}, notFound
	}
	return r, nil
}

// RegistrationWithEvent finds a registration by id, with its event.
func (s *Store) RegistrationWithEvent(ctx context.Context, id string) (onair.Registration, onair.Event, error) {
	if !onair.ValidID(id) {
		return onair.Registration{}, onair.Event{}, fmt.Errorf("%w: no such registration", onair.ErrNotFound)
	}
	r, err := scanRegistration(s.read.QueryRowContext(ctx, `SELECT `+registrationColumns+` FROM registrations r WHERE r.id = $1`, id))
	if err != nil {
		return r, onair.Event{}, s.normalize(err)
	}
	ev, err := s.Event(ctx, r.EventID)
	return r, ev, err
}

// Unsubscribe stops every further message of its event to a registration.
// It is idempotent.
func (s *Store) Unsubscribe(ctx context.Context, id string, now time.Time) (onair.Registration, onair.Event, error) {
	r, ev, err := s.RegistrationWithEvent(ctx, id)
	if err != nil {
		return r, ev, err
	}
	if r.Status == onair.RegRegistered {
		_, err = s.write.ExecContext(ctx, `UPDATE registrations SET status = 'unsubscribed', updated_at = $1
			WHERE id = $2 AND status = 'registered'`, dbTime(now), r.ID)
		r.Status = onair.RegUnsubscribed
	}
	return r, ev, s.normalize(err)
}

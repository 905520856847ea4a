package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

const registrationColumns = `r.id, r.event_id, r.host_id, r.viewer_id, r.first_name, r.last_name,
	r.email, r.phone, r.company, r.source, r.timezone, r.status, r.attended, r.access_token,
	r.created_at, r.updated_at`

func scanRegistration(row scanner) (onair.Registration, error) {
	var r onair.Registration
	var created, updated int64
	err := row.Scan(&r.ID, &r.EventID, &r.HostID, &r.ViewerID, &r.FirstName, &r.LastName,
		&r.Email, &r.Phone, &r.Company, &r.Source, &r.Timezone, &r.Status, &r.Attended,
		&r.AccessToken, &created, &updated)
	r.CreatedAt, r.UpdatedAt = fromDB(created), fromDB(updated)
	return r, err
}

// ErrAlreadyRegistered is the conflict of a second registration for the same
// event and email. Its message says nothing of the first registration.
var ErrAlreadyRegistered = onair.Errorf(onair.ErrConflict, "already_registered",
	"this email is already registered for this event; the confirmation has been sent to it again")

// Register adds r to its event, inside one transaction that locks the event:
// the event must still take registrations at now (not cancelled, past, live,
// closed or full), and the email must not be registered yet. It returns the
// event as it is after the registration. The viewer's profile with the host
// is created or refreshed in the same transaction.
func (s *Store) Register(ctx context.Context, r onair.Registration, now time.Time) (onair.Event, error) {
	if !onair.ValidID(r.EventID) {
		return onair.Event{}, errNoSuchEvent
	}
	var ev onair.Event
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
		var exists int
		err = tx.QueryRowContext(ctx, `SELECT 1 FROM registrations WHERE event_id = $1 AND email_norm = $2`,
			r.EventID, onair.NormalizeEmail(r.Email)).Scan(&exists)
		switch {
		case err == nil:
			return ErrAlreadyRegistered
		case !errors.Is(err, sql.ErrNoRows):
			return s.normalize(err)
		case closed != nil:
			return closed
		}
		if err := s.upsertViewer(ctx, tx, ev.HostID, &r, now); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO registrations (id, event_id, host_id, viewer_id,
			first_name, last_name, email, email_norm, phone, company, source, timezone, status,
			access_token, token_selector, search_text, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
			r.ID, r.EventID, ev.HostID, r.ViewerID, r.FirstName, r.LastName, r.Email,
			onair.NormalizeEmail(r.Email), r.Phone, r.Company, r.Source, r.Timezone, r.Status,
			r.AccessToken, onair.AccessSelector(r.AccessToken),
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
		return nil
	})
	return ev, err
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
// match in all.
func (s *Store) Registrations(ctx context.Context, f RegistrationFilter) ([]onair.Registration, int, error) {
	cond := "r.event_id = $1"
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

// RegistrationByToken finds the registration a watch-link token belongs to.
// The selector finds the row; the whole token is then compared in constant
// time. Any mismatch is ErrNotFound.
func (s *Store) RegistrationByToken(ctx context.Context, token string) (onair.Registration, error) {
	notFound := fmt.Errorf("%w: unknown token", onair.ErrNotFound)
	sel := onair.AccessSelector(token)
	if sel == "" {
		return onair.Registration{}, notFound
	}
	rows, err := s.read.QueryContext(ctx,
		`SELECT `+registrationColumns+` FROM registrations r WHERE r.token_selector = $1`, sel)
	if err != nil {
		return onair.Registration{}, s.normalize(err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRegistration(rows)
		if err != nil {
			return onair.Registration{}, err
		}
		if r.TokenMatches(token) {
			return r, nil
		}
	}
	if err := rows.Err(); err != nil {
		return onair.Registration{}, s.normalize(err)
	}
	return onair.Registration{}, notFound
}

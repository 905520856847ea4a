package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// Token kinds: API tokens never expire; session tokens back the dashboard's
// cookie and do.
const (
	TokenAPI     = "api"
	TokenSession = "session"
)

// CreateHost stores a new host; an email already taken (in any case) is a
// conflict.
func (s *Store) CreateHost(ctx context.Context, h onair.Host) error {
	_, err := s.write.ExecContext(ctx,
		`INSERT INTO hosts (id, email, email_norm, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
		h.ID, h.Email, onair.NormalizeEmail(h.Email), h.PasswordHash, dbTime(h.CreatedAt))
	if err = s.normalize(err); errors.Is(err, onair.ErrConflict) {
		return onair.Errorf(onair.ErrConflict, "email_taken", "an account with this email already exists")
	}
	return err
}

const hostColumns = `h.id, h.email, h.password_hash, h.created_at, h.name, h.brand_color, h.logo_url, h.reply_to,
	h.retention_days`

func scanHost(row scanner) (onair.Host, error) {
	var h onair.Host
	var created int64
	err := row.Scan(&h.ID, &h.Email, &h.PasswordHash, &created, &h.Name, &h.BrandColor, &h.LogoURL, &h.ReplyTo,
		&h.RetentionDays)
	h.CreatedAt = fromDB(created)
	return h, err
}

// errNoSuchHost is what a host id that names no host gets.
var errNoSuchHost = onair.Errorf(onair.ErrNotFound, "not_found", "no such host")

// Host finds a host by id.
func (s *Store) Host(ctx context.Context, id string) (onair.Host, error) {
	if !onair.ValidID(id) {
		return onair.Host{}, errNoSuchHost
	}
	h, err := scanHost(s.read.QueryRowContext(ctx, `SELECT `+hostColumns+` FROM hosts h WHERE h.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return h, errNoSuchHost
	}
	return h, s.normalize(err)
}

// UpdateHostSettings applies in to the settings of host id, under the
// host's row lock, so that two changes of different fields made at once
// both hold.
func (s *Store) UpdateHostSettings(ctx context.Context, id string, in onair.HostSettingsInput) (onair.Host, error) {
	if !onair.ValidID(id) {
		return onair.Host{}, errNoSuchHost
	}
	var out onair.Host
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		h, err := scanHost(tx.QueryRowContext(ctx, `SELECT `+hostColumns+` FROM hosts h WHERE h.id = $1`+s.forUpdate, id))
		if errors.Is(err, sql.ErrNoRows) {
			return errNoSuchHost
		}
		if err != nil {
			return s.normalize(err)
		}
		if h.HostSettings, err = h.HostSettings.Apply(in); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE hosts SET name = $1, brand_color = $2, logo_url = $3, reply_to = $4
			WHERE id = $5`, h.Name, h.BrandColor, h.LogoURL, h.ReplyTo, h.ID)
		out = h
		return s.normalize(err)
	})
	return out, err
}

// HostByEmail finds a host by email, in any case.
func (s *Store) HostByEmail(ctx context.Context, email string) (onair.Host, error) {
	h, err := scanHost(s.read.QueryRowContext(ctx,
		`SELECT `+hostColumns+` FROM hosts h WHERE h.email_norm = $1`, onair.NormalizeEmail(email)))
	return h, s.normalize(err)
}

// SetHostRetention sets how many days after an event is over the personal
// data of its registrants is kept (0: kept until erased on request); the
// daily retention job (EraseExpired) does the erasing.
func (s *Store) SetHostRetention(ctx context.Context, hostID string, days int) error {
	if err := onair.CheckRetentionDays(days); err != nil {
		return err
	}
	res, err := s.write.ExecContext(ctx, `UPDATE hosts SET retention_days = $1 WHERE id = $2`, days, hostID)
	if err != nil {
		return s.normalize(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: no such host", onair.ErrNotFound)
	}
	return nil
}

// CreateToken stores the hash of a new token for host. expires is nil for a
// token that never expires.
func (s *Store) CreateToken(ctx context.Context, hash, hostID, kind string, now time.Time, expires *time.Time) error {
	_, err := s.write.ExecContext(ctx,
		`INSERT INTO tokens (token_hash, host_id, kind, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		hash, hostID, kind, dbTime(now), dbTimePtr(expires))
	return s.normalize(err)
}

// HostByToken finds the host a token of the given kind belongs to, if the
// token exists and has not expired at now.
func (s *Store) HostByToken(ctx context.Context, hash, kind string, now time.Time) (onair.Host, error) {
	h, err := scanHost(s.read.QueryRowContext(ctx,
		`SELECT `+hostColumns+` FROM tokens t JOIN hosts h ON h.id = t.host_id
		 WHERE t.token_hash = $1 AND t.kind = $2 AND (t.expires_at IS NULL OR t.expires_at > $3)`,
		hash, kind, dbTime(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return h, fmt.Errorf("%w: unknown or expired token", onair.ErrUnauthorized)
	}
	return h, s.normalize(err)
}

// DeleteToken forgets a token (logout).
func (s *Store) DeleteToken(ctx context.Context, hash string) error {
	_, err := s.write.ExecContext(ctx, `DELETE FROM tokens WHERE token_hash = $1`, hash)
	return s.normalize(err)
}

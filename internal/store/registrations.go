package store

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// registrationColumns read a registration r; its place in the waitlist is
// how many of its event wait with a place up to its own.
const registrationColumns = `r.id, r.event_id, r.host_id, r.viewer_id, r.first_name, r.last_name,
	r.email, r.phone, r.company, r.source, r.timezone, r.status, r.attended, r.erased_at,
	r.created_at, r.updated_at, r.promoted_at, r.arm, r.answers, r.language, ` + waitlistPositionSQL

// waitlistPositionSQL is the waitlist position of the registration r: 0
// unless it waits.
const waitlistPositionSQL = `CASE WHEN r.status = 'waitlisted' THEN (SELECT COUNT(*) FROM registrations w
		WHERE w.event_id = r.event_id AND w.status = 'waitlisted' AND w.waitlist_seq <= r.waitlist_seq) ELSE 0 END`

func scanRegistration(row scanner) (onair.Registration, error) {
	var r onair.Registration
	var created, updated int64
	var erased, promoted sql.NullInt64
	var answers string
	err := row.Scan(&r.ID, &r.EventID, &r.HostID, &r.ViewerID, &r.FirstName, &r.LastName,
		&r.Email, &r.Phone, &r.Company, &r.Source, &r.Timezone, &r.Status, &r.Attended,
		&erased, &created, &updated, &promoted, &r.Arm, &answers, &r.Language, &r.WaitlistPosition)
	if err != nil {
		return r, err
	}
	r.CreatedAt, r.UpdatedAt = fromDB(created), fromDB(updated)
	r.ErasedAt, r.PromotedAt = fromDBPtr(erased), fromDBPtr(promoted)
	if r.Answers, err = parseAnswers(answers); err != nil {
		return r, fmt.Errorf("registration %s: stored answers: %w", r.ID, err)
	}
	return r, nil
}

// Register adds r to its event: the event must still take registrations at
// now (not cancelled, past, live, closed or full), and the email must not be
// registered yet. It returns the event as it is after the registration. The
// viewer's profile with the host is created or refreshed, and the
// confirmation deliveries are created and queued, with the registration.
//
// Each of limits (the client address's, say) counts the attempt, new or
// repeated, and a new registration also counts against its email address:
// at most onair.MaxNewRegistrationsPerEmail within onair.EmailLimitWindow
// across all events. A hit beyond a limit refuses the registration with an
// onair.RetryError and counts nothing.
//
// The registration commits in one transaction with the others that arrived
// while the previous one committed (groupcommit.go), decided one after the
// other as if each ran alone; Register returns once that transaction is on
// disk. If ctx ends before the registration's transaction begins, it is not
// made and ctx's error is returned; once begun, it completes.
func (s *Store) Register(ctx context.Context, r onair.Registration, now time.Time, limits ...Limit) (onair.Event, error) {
	return s.register(ctx, nil, r, now, limits)
}

// ErrEventChanged refuses a registration made against an event that has
// changed since in what the registration was validated against.
var ErrEventChanged = onair.Errorf(onair.ErrConflict, "event_changed",
	"the event changed while you registered; please register again")

// RegisterAgainst is Register for a registration validated against ev (as
// onair.NewRegistration, with the phone checked as ev's channels want it):
// if the stored event differs from ev in what that validation read (its
// time zone, whether it sends SMS, the questions the answers answer),
// nothing is made and ErrEventChanged is returned, so that the caller
// validates again against the event as it is.
func (s *Store) RegisterAgainst(ctx context.Context, ev onair.Event, r onair.Registration, now time.Time, limits ...Limit) (onair.Event, error) {
	return s.register(ctx, &ev, r, now, limits)
}

func (s *Store) register(ctx context.Context, against *onair.Event, r onair.Registration, now time.Time, limits []Limit) (onair.Event, error) {
	if !onair.ValidID(r.EventID) {
		return onair.Event{}, errNoSuchEvent
	}
	if err := ctx.Err(); err != nil {
		return onair.Event{}, err
	}
	req := &registerRequest{ctx: ctx, against: against, reg: r, now: now, limits: limits, answer: make(chan registerResult, 1)}
	if err := s.committer.submit(req); err != nil {
		return onair.Event{}, err
	}
	return req.wait()
}

// enqueueSend has a batch's confirmations sent once tx commits: the one
// place registrations hand their deliveries on. The sending nodes pick
// pending deliveries up by themselves; this wakes this process's at once.
func (s *Store) enqueueSend(_ context.Context, tx *sql.Tx, ids []int64) error {
	if len(ids) > 0 {
		s.readyAfterCommit(tx)
	}
	return nil
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
// It is idempotent. A registration on the waitlist leaves it: the seat it
// waits for would come with a message.
func (s *Store) Unsubscribe(ctx context.Context, id string, now time.Time) (onair.Registration, onair.Event, error) {
	r, ev, err := s.RegistrationWithEvent(ctx, id)
	if err != nil {
		return r, ev, err
	}
	if r.Status == onair.RegWaitlisted {
		r, err = s.CancelRegistration(ctx, id, now)
		return r, ev, err
	}
	if r.Status == onair.RegRegistered {
		_, err = s.write.ExecContext(ctx, `UPDATE registrations SET status = 'unsubscribed', updated_at = $1
			WHERE id = $2 AND status = 'registered'`, dbTime(now), r.ID)
		r.Status = onair.RegUnsubscribed
	}
	return r, ev, s.normalize(err)
}

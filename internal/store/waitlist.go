package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// The waitlist and a registrant's own cancellation. Every change of who
// holds a seat happens under the event's row lock, in the transaction of
// the change that frees the seat: a cancellation (CancelRegistration) or a
// higher capacity (UpdateEvent). Each fact of the waitlist happens in one
// function: a registration joins it in the registration batch
// (batch.waitlist), leaves it with a seat in promote, and a registration is
// cancelled in cancelRegistration.

// RegisterOrWaitlist is RegisterAgainst that also says how the
// registration was stored: with a seat, or waitlisted with its position.
func (s *Store) RegisterOrWaitlist(ctx context.Context, ev onair.Event, r onair.Registration, now time.Time, limits ...Limit) (onair.Registration, onair.Event, error) {
	if !onair.ValidID(r.EventID) {
		return onair.Registration{}, onair.Event{}, errNoSuchEvent
	}
	if err := ctx.Err(); err != nil {
		return onair.Registration{}, onair.Event{}, err
	}
	req := &registerRequest{ctx: ctx, against: &ev, reg: r, now: now, limits: limits, answer: make(chan registerResult, 1)}
	if err := s.committer.submit(req); err != nil {
		return onair.Registration{}, onair.Event{}, err
	}
	select {
	case res := <-req.answer:
		return res.reg, res.ev, res.err
	case <-ctx.Done():
		if req.state.CompareAndSwap(requestQueued, requestDropped) {
			return onair.Registration{}, onair.Event{}, ctx.Err()
		}
		res := <-req.answer
		return res.reg, res.ev, res.err
	}
}

// CancelRegistration is a registrant's own cancellation of registration
// id at now (onair.CancelRegistration): no further message goes to it, and
// the seat it held goes, in the same transaction, to the first on the
// waitlist. Cancelling again changes nothing. It returns the registration
// as it is afterwards.
func (s *Store) CancelRegistration(ctx context.Context, id string, now time.Time) (onair.Registration, error) {
	if !onair.ValidID(id) {
		return onair.Registration{}, fmt.Errorf("%w: no such registration", onair.ErrNotFound)
	}
	var out onair.Registration
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var eventID string
		if err := tx.QueryRowContext(ctx, `SELECT event_id FROM registrations WHERE id = $1`, id).Scan(&eventID); err != nil {
			return s.normalize(err)
		}
		// The event first, as every writer of its seats locks it.
		ev, err := scanEvent(tx.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events WHERE id = $1`+s.forUpdate, eventID))
		if err != nil {
			return s.normalize(err)
		}
		out, err = s.cancelRegistration(ctx, tx, ev, id, now)
		return err
	})
	return out, err
}

// cancelRegistration cancels registration id of ev, whose row tx holds
// locked, and gives a freed seat to the waitlist: the one place a
// registration is cancelled.
func (s *Store) cancelRegistration(ctx context.Context, tx *sql.Tx, ev onair.Event, id string, now time.Time) (onair.Registration, error) {
	r, err := scanRegistration(tx.QueryRowContext(ctx, `SELECT `+registrationColumns+` FROM registrations r WHERE r.id = $1`, id))
	if err != nil {
		return r, s.normalize(err)
	}
	outcome, err := onair.CancelRegistration(ev, r)
	if err != nil || !outcome.Cancel {
		return r, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE registrations SET status = 'cancelled', updated_at = $1 WHERE id = $2`,
		dbTime(now), r.ID); err != nil {
		return r, s.normalize(err)
	}
	r.Status, r.WaitlistPosition, r.UpdatedAt = onair.RegCancelled, 0, now
	cancelled := r
	if err := s.QueueHook(ctx, tx, HookFact{Type: onair.HookRegistrationCancelled, HostID: ev.HostID, At: now, Registration: &cancelled}); err != nil {
		return r, err
	}
	switch {
	case outcome.FreesSeat:
		ev.RegistrationCount--
		_, err = tx.ExecContext(ctx, `UPDATE events SET registration_count = registration_count - 1 WHERE id = $1`, ev.ID)
	case outcome.LeavesWaitlist:
		ev.WaitlistCount--
		_, err = tx.ExecContext(ctx, `UPDATE events SET waitlist_count = waitlist_count - 1 WHERE id = $1`, ev.ID)
	}
	if err != nil {
		return r, s.normalize(err)
	}
	// What is still pending for it is skipped when its turn comes: the
	// claim checks the registration again (rule 3).
	_, err = s.promoteWaitlisted(ctx, tx, ev, now)
	return r, err
}

// promoteWaitlisted gives ev's free seats to the first on its waitlist, in
// tx, which holds ev's row locked with ev's counters as stored. It returns
// the event as it is afterwards.
func (s *Store) promoteWaitlisted(ctx context.Context, tx *sql.Tx, ev onair.Event, now time.Time) (onair.Event, error) {
	n := ev.SeatsToPromote()
	if n == 0 {
		return ev, nil
	}
	ids, err := s.ids(ctx, tx, `SELECT id FROM registrations WHERE event_id = $1 AND status = 'waitlisted'
		ORDER BY waitlist_seq LIMIT $2`, ev.ID, n)
	if err != nil {
		return ev, err
	}
	for _, id := range ids {
		if err := s.promote(ctx, tx, &ev, id, now); err != nil {
			return ev, err
		}
	}
	return ev, nil
}

// promote seats waitlisted registration id of ev, in tx: the one place a
// registration leaves the waitlist with a seat. It is told so at once (the
// promoted message, with its watch link), and the reminders ahead of now
// reach it as they reach every registrant (onair.Registration.SeatedAt).
func (s *Store) promote(ctx context.Context, tx *sql.Tx, ev *onair.Event, id string, now time.Time) error {
	at := dbTime(now)
	res, err := tx.ExecContext(ctx, `UPDATE registrations SET status = 'registered', promoted_at = $1, updated_at = $1
		WHERE id = $2 AND status = 'waitlisted'`, at, id)
	if err != nil {
		return s.normalize(err)
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return fmt.Errorf("promoting registration %s: it no longer waits", id)
	}
	ev.RegistrationCount++
	ev.WaitlistCount--
	if _, err := tx.ExecContext(ctx, `UPDATE events SET registration_count = registration_count + 1,
		waitlist_count = waitlist_count - 1 WHERE id = $1`, ev.ID); err != nil {
		return s.normalize(err)
	}
	r, err := scanRegistration(tx.QueryRowContext(ctx, `SELECT `+registrationColumns+` FROM registrations r WHERE r.id = $1`, id))
	if err != nil {
		return s.normalize(err)
	}
	if err := s.QueueHook(ctx, tx, HookFact{Type: onair.HookRegistrationPromoted, HostID: ev.HostID, At: now, Registration: &r}); err != nil {
		return err
	}
	return s.sendPersonal(ctx, tx, *ev, r, onair.KindPromoted, onair.PromotedChannels(*ev, r), now)
}

// sendPersonal queues a message of a personal kind to r on chs, in tx:
// one delivery each on the event's notification of that kind and channel,
// made on first use, whose counters grow with each.
func (s *Store) sendPersonal(ctx context.Context, tx *sql.Tx, ev onair.Event, r onair.Registration, kind onair.NotificationKind, chs []onair.Channel, now time.Time) error {
	at := dbTime(now)
	for _, ch := range chs {
		var nid string
		err := tx.QueryRowContext(ctx, `SELECT id FROM notifications WHERE event_id = $1 AND kind = $2 AND channel = $3
			ORDER BY id LIMIT 1`, ev.ID, kind, ch).Scan(&nid)
		switch {
		case err == sql.ErrNoRows:
			nid = onair.NewID()
			if _, err := tx.ExecContext(ctx, insertNoteSQL, nid, ev.ID, ch, at, ev.Version, kind); err != nil {
				return s.normalize(err)
			}
		case err != nil:
			return s.normalize(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notifications SET recipients = recipients + 1, status = 'sending',
			updated_at = $1 WHERE id = $2`, at, nid); err != nil {
			return s.normalize(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO deliveries (notification_id, registration_id, channel, seq, status,
			lane, due_at, created_at, updated_at) VALUES ($1, $2, $3, 0, 'pending', `+itoa(laneTransactional)+`, $4, $4, $4)`,
			nid, r.ID, ch, at); err != nil {
			return s.normalize(err)
		}
	}
	if len(chs) > 0 {
		s.readyAfterCommit(tx)
	}
	return nil
}

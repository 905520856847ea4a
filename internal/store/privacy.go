package store

import (
	"context"
	"database/sql"
	"errors"
	"maps"
	"regexp"
	"slices"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/redact"
)

// A viewer's personal data is erased, not deleted: the registration rows
// stay, with every column that counts (status, source, attendance, watch
// time, deliveries, opens, clicks, purchases, engagement), so that the
// host's figures keep their numbers; every column that names the person
// (names, email, phone, company, the search text, the hash of an old watch
// token) is emptied, the outbox copies of their messages are deleted, and
// the addresses in error texts are scrubbed. email_norm takes a placeholder
// unique to the row ("erased:" and the id, which no address can be), so
// that the (event, email) key holds for any number of erased rows. An
// erased registration is never listed, searched, exported or shown, its
// watch link finds nothing, and nothing is sent to it again.

// erasedPrefix starts the email_norm of an erased registration or profile.
const erasedPrefix = "erased:"

// eraseBatch is how many registrations one transaction erases.
const eraseBatch = 500

// ViewerProfile is a viewer's profile with one host, as their latest
// registration left it.
type ViewerProfile struct {
	Email, FirstName, LastName, Phone, Company, Timezone string
	CreatedAt, UpdatedAt                                 time.Time
}

// ViewerRecord is everything stored about one registration of a viewer:
// the event it is for, its timeline (messages with their opens and clicks,
// viewing sessions, purchases) and every engagement action.
type ViewerRecord struct {
	EventID, EventTitle string
	Timeline            onair.Timeline
	Actions             []onair.EngagementAction
}

// ViewerData reads everything stored about the viewer with email in the
// host's events, in one snapshot: their profile (nil when there is none)
// and each registration not erased, oldest first.
func (s *Store) ViewerData(ctx context.Context, hostID, email string) (*ViewerProfile, []ViewerRecord, error) {
	norm := onair.NormalizeEmail(email)
	tx, err := s.snapshot(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback()
	var p ViewerProfile
	var created, updated int64
	err = tx.QueryRowContext(ctx, `SELECT email, first_name, last_name, phone, company, timezone, created_at, updated_at
		FROM viewers WHERE host_id = $1 AND email_norm = $2`, hostID, norm).
		Scan(&p.Email, &p.FirstName, &p.LastName, &p.Phone, &p.Company, &p.Timezone, &created, &updated)
	profile := &p
	switch {
	case errors.Is(err, sql.ErrNoRows):
		profile = nil
	case err != nil:
		return nil, nil, s.normalize(err)
	default:
		p.CreatedAt, p.UpdatedAt = fromDB(created), fromDB(updated)
	}
	records := []ViewerRecord{}
	err = s.eachRow(ctx, tx, func(rows *sql.Rows) error {
		var r ViewerRecord
		var regID string
		if err := rows.Scan(&regID, &r.EventID, &r.EventTitle); err != nil {
			return err
		}
		r.Timeline.Registration.ID = regID
		records = append(records, r)
		return nil
	}, `SELECT r.id, r.event_id, e.title FROM registrations r JOIN events e ON e.id = r.event_id
		WHERE r.host_id = $1 AND r.email_norm = $2 AND r.erased_at IS NULL
		ORDER BY r.created_at, r.id`, hostID, norm)
	if err != nil {
		return nil, nil, err
	}
	for i := range records {
		r := &records[i]
		if r.Timeline, err = s.timeline(ctx, tx, r.EventID, r.Timeline.Registration.ID); err != nil {
			return nil, nil, s.normalize(err)
		}
		r.Actions = []onair.EngagementAction{}
		err = s.eachRow(ctx, tx, func(rows *sql.Rows) error {
			var a onair.EngagementAction
			var at int64
			if err := rows.Scan(&a.Action, &at); err != nil {
				return err
			}
			a.At = fromDB(at)
			r.Actions = append(r.Actions, a)
			return nil
		}, `SELECT action, created_at FROM engagement_actions WHERE registration_id = $1 AND event_id = $2
			ORDER BY created_at, id`, r.Timeline.Registration.ID, r.EventID)
		if err != nil {
			return nil, nil, err
		}
	}
	return profile, records, nil
}

// EraseViewer erases the personal data of the viewer with email from the
// host's events at now: every registration of that address, the viewer's
// profile, the outbox copies of their messages, their address in error
// texts, and the host's suppressions of their address (a list that would
// name them; nothing can be sent to an erased registration anyway). It
// returns how many registrations it erased; erasing again erases nothing.
func (s *Store) EraseViewer(ctx context.Context, hostID, email string, now time.Time) (int, error) {
	norm := onair.NormalizeEmail(email)
	erased := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		erased = 0
		ids, err := s.ids(ctx, tx, `SELECT id FROM registrations WHERE host_id = $1 AND email_norm = $2
			AND erased_at IS NULL ORDER BY id`, hostID, norm)
		if err != nil {
			return err
		}
		viewers, err := s.ids(ctx, tx, `SELECT id FROM viewers WHERE host_id = $1 AND email_norm = $2`, hostID, norm)
		if err != nil {
			return err
		}
		addresses := []string{email, norm}
		phones := map[string]bool{}
		err = s.eachRow(ctx, tx, func(rows *sql.Rows) error {
			var e, p string
			if err := rows.Scan(&e, &p); err != nil {
				return err
			}
			addresses = append(addresses, e)
			if p != "" {
				phones[p] = true
			}
			return nil
		}, `SELECT email, phone FROM registrations WHERE host_id = $1 AND email_norm = $2 AND erased_at IS NULL
			UNION SELECT email, phone FROM viewers WHERE host_id = $1 AND email_norm = $2`, hostID, norm)
		if err != nil {
			return err
		}
		addresses = append(addresses, slices.Collect(maps.Keys(phones))...)
		if erased, err = s.eraseRegistrations(ctx, tx, ids, scrubber(addresses), now); err != nil {
			return err
		}
		if err := s.eraseProfiles(ctx, tx, viewers, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM suppressions WHERE host_id = $1 AND channel = 'email' AND address = $2`,
			hostID, norm); err != nil {
			return s.normalize(err)
		}
		// A phone another registrant of the host still gives keeps its
		// suppression: a STOP from a shared phone is theirs too.
		for _, p := range slices.Sorted(maps.Keys(phones)) {
			if _, err := tx.ExecContext(ctx, `DELETE FROM suppressions WHERE host_id = $1 AND channel = 'sms' AND address = $2
				AND NOT EXISTS (SELECT 1 FROM registrations r WHERE r.host_id = $1 AND r.phone = $2)`, hostID, p); err != nil {
				return s.normalize(err)
			}
		}
		return nil
	})
	return erased, err
}

// scrubber replaces each of addresses in a text, in any case.
func scrubber(addresses []string) func(string) string {
	var res []*regexp.Regexp
	seen := map[string]bool{}
	for _, a := range addresses {
		if a == "" || seen[a] {
			continue
		}
		seen[a] = true
		res = append(res, regexp.MustCompile(`(?i)`+regexp.QuoteMeta(a)))
	}
	return func(text string) string {
		for _, re := range res {
			text = re.ReplaceAllLiteralString(text, "[erased]")
		}
		return text
	}
}

// EraseExpired erases, at now, the personal data of the registrants of
// every event that has been over for longer than its host's retention_days
// (for hosts that set it): ended, cancelled, or never started and past its
// planned end. It works in batches, each a transaction of its own, marks
// each event done, and returns how many registrations it erased.
func (s *Store) EraseExpired(ctx context.Context, now time.Time) (int, error) {
	events, err := s.ids(ctx, s.read, `SELECT e.id FROM events e JOIN hosts h ON h.id = e.host_id
		WHERE h.retention_days > 0 AND e.retention_erased_at IS NULL AND CASE e.status
			WHEN 'ended' THEN e.ended_at
			WHEN 'cancelled' THEN e.cancelled_at
			WHEN 'scheduled' THEN e.scheduled_start + e.duration_minutes * CAST(60000000 AS BIGINT)
		END < CAST($1 AS BIGINT) - h.retention_days * CAST(86400000000 AS BIGINT)
		ORDER BY e.id`, dbTime(now))
	if err != nil {
		return 0, err
	}
	total := 0
	for _, eventID := range events {
		for {
			n := 0
			err := s.inTx(ctx, func(tx *sql.Tx) error {
				n = 0
				ids, err := s.ids(ctx, tx, `SELECT id FROM registrations WHERE event_id = $1 AND erased_at IS NULL
					ORDER BY id LIMIT $2`, eventID, eraseBatch)
				if err != nil {
					return err
				}
				if len(ids) == 0 {
					return s.finishRetention(ctx, tx, eventID, now)
				}
				viewers, err := s.ids(ctx, tx, `SELECT DISTINCT viewer_id FROM registrations
					WHERE id IN (`+placeholders(1, len(ids))+`) ORDER BY viewer_id`, anys(ids)...)
				if err != nil {
					return err
				}
				if n, err = s.eraseRegistrations(ctx, tx, ids, redact.String, now); err != nil {
					return err
				}
				return s.eraseProfiles(ctx, tx, viewers, now)
			})
			if err != nil {
				return total, err
			}
			total += n
			if n == 0 {
				break
			}
		}
	}
	return total, nil
}

// finishRetention marks an event's registrants as erased by retention, and
// scrubs the addresses from its notifications' first errors.
func (s *Store) finishRetention(ctx context.Context, tx *sql.Tx, eventID string, now time.Time) error {
	if err := s.scrubNotificationErrors(ctx, tx, `event_id = $1`, redact.String, eventID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE events SET retention_erased_at = $1 WHERE id = $2`, dbTime(now), eventID)
	return s.normalize(err)
}

// eraseRegistrations erases the registrations ids (those not erased yet)
// in tx at now, as the comment at the top of this file says. The first
// errors of their events' notifications, which the host reads, go through
// scrub; the error texts of their own deliveries lose every address too. Their
// pending deliveries are skipped, with the notifications' counters kept
// exact. It returns how many it erased.
func (s *Store) eraseRegistrations(ctx context.Context, tx *sql.Tx, ids []string, scrub func(string) string, now time.Time) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	// in names the ids as $2…; in1 as $1… for the statements that need
	// no time.
	in, in1 := `(`+placeholders(2, len(ids))+`)`, `(`+placeholders(1, len(ids))+`)`
	args := append([]any{dbTime(now)}, anys(ids)...)

	if err := s.skipErasedDeliveries(ctx, tx, ids, now); err != nil {
		return 0, err
	}
	if err := s.scrubDeliveryErrors(ctx, tx, ids, scrub); err != nil {
		return 0, err
	}
	if err := s.scrubNotificationErrors(ctx, tx, `event_id IN (SELECT event_id FROM registrations WHERE id IN `+in1+`)`,
		scrub, anys(ids)...); err != nil {
		return 0, err
	}

	if _, err := tx.ExecContext(ctx, `DELETE FROM outbox_messages WHERE delivery_id IN
		(SELECT id FROM deliveries WHERE registration_id IN `+in1+`)`, anys(ids)...); err != nil {
		return 0, s.normalize(err)
	}
	// Webhook bodies that speak of them go too, sent or not.
	if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE registration_id IN `+in1, anys(ids)...); err != nil {
		return 0, s.normalize(err)
	}
	if err := s.leaveWaitlists(ctx, tx, ids); err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, `UPDATE registrations SET first_name = '', last_name = '', email = '',
		email_norm = '`+erasedPrefix+`' || id, phone = '', company = '', answers = '', search_text = '', legacy_token_hash = NULL,
		status = CASE WHEN status IN ('cancelled', 'waitlisted') THEN 'cancelled' ELSE 'unsubscribed' END,
		erased_at = $1, updated_at = $1
		WHERE id IN `+in+` AND erased_at IS NULL`, args...)
	if err != nil {
		return 0, s.normalize(err)
	}
	n, err := res.RowsAffected()
	return int(n), s.normalize(err)
}

// skipErasedDeliveries skips, at now, the pending deliveries of the
// registrations ids, which are being erased, keeping their notifications'
// counters and statuses exact.
func (s *Store) skipErasedDeliveries(ctx context.Context, tx *sql.Tx, ids []string, now time.Time) error {
	skipped := map[string]int{}
	err := s.eachRow(ctx, tx, func(rows *sql.Rows) error {
		var nid string
		if err := rows.Scan(&nid); err != nil {
			return err
		}
		skipped[nid]++
		return nil
	}, `UPDATE deliveries SET status = 'skipped', error = $2, claimed_by = '', updated_at = $1
		WHERE registration_id IN (`+placeholders(3, len(ids))+`) AND status = 'pending' RETURNING notification_id`,
		append([]any{dbTime(now), onair.ReasonErased}, anys(ids)...)...)
	if err != nil {
		return err
	}
	return s.countSkipped(ctx, tx, skipped, now)
}

// scrubDeliveryErrors runs scrub, then redact.String, over the error texts
// of the deliveries of the registrations ids.
func (s *Store) scrubDeliveryErrors(ctx context.Context, tx *sql.Tx, ids []string, scrub func(string) string) error {
	return rewriteTexts[int64](ctx, s, tx, func(t string) string { return redact.String(scrub(t)) },
		`SELECT id, error FROM deliveries WHERE registration_id IN (`+placeholders(1, len(ids))+`) AND error <> '' ORDER BY id`,
		`UPDATE deliveries SET error = $1 WHERE id = $2`, anys(ids)...)
}

// leaveWaitlists takes the waitlisted of the registrations ids, which are
// being erased, off their events' waitlists: the line behind them moves up.
func (s *Store) leaveWaitlists(ctx context.Context, tx *sql.Tx, ids []string) error {
	in := `(` + placeholders(1, len(ids)) + `)`
	_, err := tx.ExecContext(ctx, `UPDATE events SET waitlist_count = waitlist_count - (SELECT COUNT(*)
		FROM registrations r WHERE r.event_id = events.id AND r.status = 'waitlisted' AND r.id IN `+in+`)
		WHERE id IN (SELECT event_id FROM registrations WHERE status = 'waitlisted' AND id IN `+in+`)`, anys(ids)...)
	return s.normalize(err)
}

// scrubNotificationErrors runs scrub over the first error of the
// notifications matching cond (with args).
func (s *Store) scrubNotificationErrors(ctx context.Context, tx *sql.Tx, cond string, scrub func(string) string, args ...any) error {
	return rewriteTexts[string](ctx, s, tx, scrub,
		`SELECT id, error_details FROM notifications WHERE `+cond+` AND error_details <> '' ORDER BY id`,
		`UPDATE notifications SET error_details = $1 WHERE id = $2`, args...)
}

// rewriteTexts runs query (with args), which selects rows' ids and a text,
// and puts each text that f changes back with update ($1 the new text, $2
// the id).
func rewriteTexts[ID any](ctx context.Context, s *Store, tx *sql.Tx, f func(string) string, query, update string, args ...any) error {
	type row struct {
		id   ID
		text string
	}
	var rs []row
	err := s.eachRow(ctx, tx, func(rows *sql.Rows) error {
		var r row
		if err := rows.Scan(&r.id, &r.text); err != nil {
			return err
		}
		rs = append(rs, r)
		return nil
	}, query, args...)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if clean := f(r.text); clean != r.text {
			if _, err := tx.ExecContext(ctx, update, clean, r.id); err != nil {
				return s.normalize(err)
			}
		}
	}
	return nil
}

// eraseProfiles erases, at now, the viewer profiles among ids that no
// registration still needs: every registration of that address with the
// host is erased.
func (s *Store) eraseProfiles(ctx context.Context, tx *sql.Tx, ids []string, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE viewers SET email = '', email_norm = '`+erasedPrefix+`' || id,
		first_name = '', last_name = '', phone = '', company = '', timezone = '', updated_at = $1
		WHERE id IN (`+placeholders(2, len(ids))+`) AND email_norm NOT LIKE '`+erasedPrefix+`%'
		AND NOT EXISTS (SELECT 1 FROM registrations r WHERE r.host_id = viewers.host_id
			AND r.email_norm = viewers.email_norm AND r.erased_at IS NULL)`,
		append([]any{dbTime(now)}, anys(ids)...)...)
	return s.normalize(err)
}

// ids runs a query of one text column and returns its values.
func (s *Store) ids(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	var out []string
	err := s.eachRow(ctx, q, func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		out = append(out, id)
		return nil
	}, query, args...)
	return out, err
}

func anys(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

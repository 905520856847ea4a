package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// Recording: a sending node writes what became of the deliveries it
// claimed (RecordOutcomes), and the counters of their notifications move
// in the same transaction.

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

// outcomeRow is an Outcome as the recording statement reads it.
type outcomeRow struct {
	ID         int64  `json:"i"`
	Status     string `json:"s"`
	Provider   string `json:"p"`
	ProviderID string `json:"m"`
	Error      string `json:"e"`
	RetryAt    *int64 `json:"r"`
}

// recordSQL writes the outcomes of the JSON parameter $1 at $2 for the
// owner $3, and returns each recorded delivery's id, notification and new
// status: on PostgreSQL, in one statement. SQLite, which does not join a
// JSON table to an update well, runs recordOneSQL for each outcome, parsed
// once per transaction (an embedded engine has no round trips to save). A
// bounce the provider reported before the record keeps its reason.
const recordSQL = `UPDATE deliveries d SET status = o.s, claimed_by = '', updated_at = $2,
	sent_at = CASE WHEN o.s = 'sent' THEN CAST($2 AS BIGINT) END, provider = o.p, provider_message_id = o.m,
	error = CASE WHEN d.bounced_at IS NULL THEN o.e ELSE d.error END, next_attempt_at = o.r, due_at = COALESCE(o.r, d.due_at)
	FROM jsonb_to_recordset(CAST($1 AS JSONB)) AS o(i BIGINT, s TEXT, p TEXT, m TEXT, e TEXT, r BIGINT)
	WHERE d.id = o.i AND d.status = 'sending' AND d.claimed_by = $3
	RETURNING d.id, d.notification_id, d.status`

const recordOneSQL = `UPDATE deliveries SET status = $1, claimed_by = '', updated_at = $2,
	sent_at = CASE WHEN $1 = 'sent' THEN $2 END, provider = $3, provider_message_id = $4,
	error = CASE WHEN bounced_at IS NULL THEN $5 ELSE error END, next_attempt_at = $6, due_at = COALESCE($6, due_at)
	WHERE id = $7 AND status = 'sending' AND claimed_by = $8
	RETURNING id, notification_id, status`

// recordRows runs the recording statement(s) of payload and calls each for
// every delivery recorded.
func (s *Store) recordRows(ctx context.Context, tx *sql.Tx, payload []outcomeRow, owner string, now time.Time,
	each func(id int64, nid string, status onair.DeliveryStatus)) error {
	scan := func(rows *sql.Rows) error {
		defer rows.Close()
		for rows.Next() {
			var id int64
			var nid string
			var status onair.DeliveryStatus
			if err := rows.Scan(&id, &nid, &status); err != nil {
				return err
			}
			each(id, nid, status)
		}
		return s.normalize(rows.Err())
	}
	if s.dialect == Postgres {
		data, err := json.Marshal(payload)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, recordSQL, string(data), dbTime(now), owner)
		if err != nil {
			return s.normalize(err)
		}
		return scan(rows)
	}
	stmt, err := tx.PrepareContext(ctx, recordOneSQL)
	if err != nil {
		return s.normalize(err)
	}
	defer stmt.Close()
	for _, o := range payload {
		rows, err := stmt.QueryContext(ctx, o.Status, dbTime(now), o.Provider, o.ProviderID, o.Error, o.RetryAt, o.ID, owner)
		if err != nil {
			return s.normalize(err)
		}
		if err := scan(rows); err != nil {
			return err
		}
	}
	return nil
}

// RecordOutcomes writes what became of deliveries claimed by owner, and
// keeps their notifications' counters and statuses exact, in one
// transaction of a fixed number of statements, however many outcomes. An
// outcome for a delivery that owner no longer holds is ignored, so a late
// or repeated record cannot count twice.
func (s *Store) RecordOutcomes(ctx context.Context, owner string, outcomes []Outcome, now time.Time) error {
	if len(outcomes) == 0 {
		return nil
	}
	payload := outcomePayload(outcomes, now)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		counts, recorded, err := s.recordAndTally(ctx, tx, payload, owner, now)
		if err != nil {
			return err
		}
		noteFirstErrors(outcomes, recorded, counts)
		if err := s.suppressRecorded(ctx, tx, outcomes, recorded, now); err != nil {
			return err
		}
		if err := s.queueFailures(ctx, tx, outcomes, recorded, now); err != nil {
			return err
		}
		return s.countOutcomes(ctx, tx, counts, now)
	})
}

// queueFailures queues the delivery.failed webhooks of the recorded
// outcomes that failed for good.
func (s *Store) queueFailures(ctx context.Context, tx *sql.Tx, outcomes []Outcome, recorded map[int64]string,
	now time.Time) error {
	var failed []int64
	for _, o := range outcomes {
		if _, ok := recorded[o.DeliveryID]; ok && o.Status == onair.DeliveryFailed {
			failed = append(failed, o.DeliveryID)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	var facts []HookFact
	err := s.eachRow(ctx, tx, func(rows *sql.Rows) error {
		f := HookFact{Type: onair.HookDeliveryFailed, At: now, Delivery: &FailedDelivery{}}
		if err := rows.Scan(&f.Delivery.NotificationID, &f.Delivery.RegistrationID, &f.Delivery.Channel,
			&f.Delivery.Error, &f.HostID); err != nil {
			return err
		}
		facts = append(facts, f)
		return nil
	}, `SELECT d.notification_id, d.registration_id, d.channel, d.error, r.host_id
		FROM deliveries d JOIN registrations r ON r.id = d.registration_id
		WHERE d.id IN `+s.jsonIDs("$1")+` ORDER BY d.id`, idsJSON(failed))
	if err != nil {
		return err
	}
	return s.queueHooks(ctx, tx, facts)
}

// outcomeTally is what a record adds to one notification's counters.
type outcomeTally struct {
	sent, failed int
	firstError   string
}

// outcomePayload is outcomes as the recording statement reads them, made
// fit for their columns; a retry without a time is due at now.
func outcomePayload(outcomes []Outcome, now time.Time) []outcomeRow {
	payload := make([]outcomeRow, len(outcomes))
	for i, o := range outcomes {
		payload[i] = outcomeRow{ID: o.DeliveryID, Status: string(o.Status), Provider: dbText(o.Provider, 200),
			ProviderID: dbText(o.ProviderID, 500), Error: dbText(o.Error, 1000)}
		if o.Status == onair.DeliveryPending {
			at := dbTime(o.RetryAt)
			if o.RetryAt.IsZero() {
				at = dbTime(now)
			}
			payload[i].RetryAt = &at
		}
	}
	return payload
}

// recordAndTally records payload for owner and returns, per notification,
// what the recorded deliveries add to its counters, and the notification
// of each delivery recorded.
func (s *Store) recordAndTally(ctx context.Context, tx *sql.Tx, payload []outcomeRow, owner string,
	now time.Time) (map[string]*outcomeTally, map[int64]string, error) {
	counts := map[string]*outcomeTally{}
	recorded := map[int64]string{} // delivery → its notification
	err := s.recordRows(ctx, tx, payload, owner, now, func(id int64, nid string, status onair.DeliveryStatus) {
		recorded[id] = nid
		t := counts[nid]
		if t == nil {
			t = &outcomeTally{}
			counts[nid] = t
		}
		switch status {
		case onair.DeliverySent:
			t.sent++
		case onair.DeliveryFailed:
			t.failed++
		}
	})
	return counts, recorded, err
}

// noteFirstErrors gives each notification's tally the error of its first
// recorded failure among outcomes.
func noteFirstErrors(outcomes []Outcome, recorded map[int64]string, counts map[string]*outcomeTally) {
	for _, o := range outcomes {
		nid, ok := recorded[o.DeliveryID]
		if ok && o.Status == onair.DeliveryFailed && counts[nid].firstError == "" {
			counts[nid].firstError = o.Error
		}
	}
}

// suppressRecorded suppresses the address of every recorded outcome that
// asks for it.
func (s *Store) suppressRecorded(ctx context.Context, tx *sql.Tx, outcomes []Outcome, recorded map[int64]string,
	now time.Time) error {
	for _, o := range outcomes {
		if _, ok := recorded[o.DeliveryID]; !ok || !o.Suppress {
			continue
		}
		if err := s.suppressOutcome(ctx, tx, o, now); err != nil {
			return err
		}
	}
	return nil
}

// suppressOutcome marks the address of o's delivery as not to be sent to
// again by its host.
func (s *Store) suppressOutcome(ctx context.Context, tx *sql.Tx, o Outcome, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO suppressions (id, host_id, channel, address, kind, reason, created_at)
		SELECT `+s.newID+`, r.host_id, d.channel, `+deliveryAddressSQL+`,
			-- a number that refuses SMS (Twilio's 21610) is a STOP
			CASE WHEN d.channel = 'sms' THEN 'stop' ELSE 'bounced' END, CAST($2 AS TEXT), CAST($3 AS BIGINT)
		FROM deliveries d JOIN registrations r ON r.id = d.registration_id
		WHERE d.id = $1 AND r.erased_at IS NULL
		ON CONFLICT (host_id, channel, address) DO NOTHING`,
		o.DeliveryID, dbText(o.Error, 500), dbTime(now))
	return s.normalize(err)
}

// countOutcomes adds the tallies to their notifications' counters and
// statuses. Notification rows are locked in id order everywhere, so that
// two transactions never wait on each other in a cycle.
func (s *Store) countOutcomes(ctx context.Context, tx *sql.Tx, counts map[string]*outcomeTally, now time.Time) error {
	for _, nid := range slices.Sorted(maps.Keys(counts)) {
		t := counts[nid]
		if t.sent == 0 && t.failed == 0 {
			continue // retries only: nothing to count
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notifications SET sent_count = sent_count + $1,
			failed_count = failed_count + $2,
			error_details = CASE WHEN error_details = '' THEN $3 ELSE error_details END,
			updated_at = $4 WHERE id = $5`,
			t.sent, t.failed, dbText(t.firstError, 1000), dbTime(now), nid); err != nil {
			return s.normalize(err)
		}
		if err := s.refreshStatus(ctx, tx, nid, now); err != nil {
			return err
		}
	}
	return nil
}

// dbText is s made fit for a text column: valid UTF-8 without NUL (which
// PostgreSQL refuses), at most n bytes.
func dbText(s string, n int) string {
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return truncate(strings.ToValidUTF8(s, "\uFFFD"), n)
}

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// The deliveries table is the send queue. A delivery is created pending,
// with the time it may go (due_at) and its lane (0 for the messages a viewer
// waits for, the confirmations; 1 for the rest); a sending node's pump
// claims the due ones a page at a time (ClaimDue), sends them and records
// their outcomes in batches (RecordOutcomes). A claim names its node; a
// node beats its heart in the nodes table (NodeAlive), and the claims of a
// node whose heart stopped go back to pending (ReleaseDeadNodes). Every
// statement here has one shape whatever the number of rows: lists travel
// as one JSON parameter, which both engines parse once.

// Lanes of the queue.
const (
	laneTransactional = 0
	laneBulk          = 1
)

// jsonIDs is the SQL of the set of ids in the JSON array parameter param.
func (s *Store) jsonIDs(param string) string {
	if s.dialect == SQLite {
		return `(SELECT value FROM json_each(` + param + `))`
	}
	return `(SELECT CAST(value AS BIGINT) FROM jsonb_array_elements_text(CAST(` + param + ` AS JSONB)))`
}

// idsJSON writes ids as a JSON array.
func idsJSON(ids []int64) string {
	b := make([]byte, 0, len(ids)*8+2)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}

// skipLocked makes a claim on PostgreSQL pass over the rows another node's
// claim is taking at that moment; SQLite runs one claim at a time.
func (s *Store) skipLocked() string {
	if s.dialect == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// SendItem is one delivery claimed for sending, with what its message needs.
type SendItem struct {
	Delivery     onair.Delivery
	Notification onair.Notification
	Event        onair.Event
	Registration onair.Registration
	// Host is the event's host, whose settings present the message.
	Host onair.Host
}

// ClaimDue claims, as owner, up to limit deliveries on channel ch that are
// pending and due by dueBy: the confirmations first, then the oldest due. It
// re-checks each one's eligibility at now as ClaimDeliveries does.
func (s *Store) ClaimDue(ctx context.Context, owner string, ch onair.Channel, now, dueBy time.Time, limit int) ([]SendItem, error) {
	q := &s.claimSQL
	s.prepareWrites(ctx, q.due, q.rows, q.notification, q.event, q.host, q.take)
	var items []SendItem
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := s.txQuery(ctx, tx, q.due, ch, dbTime(dueBy), limit)
		if err != nil {
			return s.normalize(err)
		}
		ids, err := scanIDs(rows)
		if err != nil || len(ids) == 0 {
			return s.normalize(err)
		}
		items, err = s.claim(ctx, tx, ids, owner, now)
		return err
	})
	return items, err
}

// claimStatements are the SQL of a claim. A claim runs for every page the
// pump takes, during a registration flood for every few registrations: on
// SQLite they are prepared once (prepareWrites) rather than compiled in
// each claim's transaction.
type claimStatements struct {
	due, rows, notification, event, host, take string
}

func (s *Store) claimStatements() claimStatements {
	return claimStatements{
		// A bare LIMIT $3 would have SQLite compile the statement again
		// whenever the limit changes (it plans with the bound value), and
		// the room a claim has changes every time.
		due: `SELECT id FROM deliveries WHERE status = 'pending' AND channel = $1
			AND due_at <= $2 ORDER BY lane, due_at, id LIMIT CAST($3 AS INTEGER)` + s.skipLocked(),
		rows: `SELECT ` + registrationColumns + `, d.id, d.notification_id, d.channel,
			d.seq, d.status, d.claimed_by, d.attempts,
			EXISTS (SELECT 1 FROM suppressions sp WHERE sp.host_id = r.host_id AND sp.channel = d.channel
				AND sp.address = CASE WHEN d.channel = 'sms' THEN r.phone ELSE r.email_norm END)
			FROM deliveries d JOIN registrations r ON r.id = d.registration_id
			WHERE d.id IN ` + s.jsonIDs("$1") + ` ORDER BY d.id`,
		notification: `SELECT ` + notificationColumns + ` FROM notifications n WHERE n.id = $1`,
		event:        `SELECT ` + eventColumns + ` FROM events WHERE id = $1`,
		host:         `SELECT ` + hostColumns + ` FROM hosts h WHERE h.id = $1`,
		take: `UPDATE deliveries SET status = 'sending', claimed_by = $2,
			claimed_at = $1, attempts = attempts + 1, updated_at = $1
			WHERE id IN ` + s.jsonIDs("$3") + ` AND ` + claimable("$2") + ` RETURNING id`,
	}
}

// HasDue tells whether any delivery is pending and due at now.
func (s *Store) HasDue(ctx context.Context, now time.Time) (bool, error) {
	var one int
	err := s.read.QueryRowContext(ctx, `SELECT 1 FROM deliveries WHERE status = 'pending' AND due_at <= $1 LIMIT 1`,
		dbTime(now)).Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return err == nil, s.normalize(err)
}

// ClaimDeliveries takes the deliveries among ids that are still to be sent
// and marks them as being sent by owner. It re-checks each one's
// eligibility at now (onair.SendBlockedReason) and marks those that may not
// leave as skipped, with the reason. A delivery already claimed by another
// owner is left alone; one claimed earlier by the same owner (a sender that
// died and came back under its name) is taken again: that is the only way a
// message can leave twice, and only if it was in flight at the crash.
func (s *Store) ClaimDeliveries(ctx context.Context, ids []int64, owner string, now time.Time) ([]SendItem, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	q := &s.claimSQL
	s.prepareWrites(ctx, q.rows, q.notification, q.event, q.host, q.take)
	var items []SendItem
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		items, err = s.claim(ctx, tx, ids, owner, now)
		return err
	})
	return items, err
}

// claim is ClaimDeliveries inside tx: read the deliveries, decide which
// may leave, skip the blocked ones, take the rest that are still
// claimable, and count what was skipped.
func (s *Store) claim(ctx context.Context, tx *sql.Tx, ids []int64, owner string, now time.Time) ([]SendItem, error) {
	found, err := s.claimRows(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	items, blocked, err := s.sortClaims(ctx, tx, found, owner, now)
	if err != nil {
		return nil, err
	}
	skipped, err := s.skipBlocked(ctx, tx, blocked, owner, now)
	if err != nil {
		return nil, err
	}
	if items, err = s.takeClaims(ctx, tx, items, owner, now); err != nil {
		return nil, err
	}
	if err := s.countSkipped(ctx, tx, skipped, now); err != nil {
		return nil, err
	}
	return items, nil
}

// claimRow is a delivery a claim read, with its registration.
type claimRow struct {
	d          onair.Delivery
	claimedBy  string
	reg        onair.Registration
	suppressed bool
}

// claimableBy tells whether owner may take the delivery: it is pending,
// or owner itself holds it from an attempt that died.
func (x claimRow) claimableBy(owner string) bool {
	return x.d.Status == onair.DeliveryPending || (x.d.Status == onair.DeliverySending && x.claimedBy == owner)
}

// claimRows reads the deliveries among ids with their registrations.
func (s *Store) claimRows(ctx context.Context, tx *sql.Tx, ids []int64) ([]claimRow, error) {
	rows, err := s.txQuery(ctx, tx, s.claimSQL.rows, idsJSON(ids))
	if err != nil {
		return nil, s.normalize(err)
	}
	defer rows.Close()
	var found []claimRow
	for rows.Next() {
		var x claimRow
		x.reg, err = scanRegistration(withExtra{rows, []any{&x.d.ID, &x.d.NotificationID, &x.d.Channel,
			&x.d.Seq, &x.d.Status, &x.claimedBy, &x.d.Attempts, &x.suppressed}})
		if err != nil {
			return nil, err
		}
		x.d.RegistrationID = x.reg.ID
		found = append(found, x)
	}
	rows.Close()
	return found, s.normalize(rows.Err())
}

// claimLookup reads, once per claim, the notifications, events and hosts
// the claimed deliveries belong to.
type claimLookup struct {
	s      *Store
	ctx    context.Context
	tx     *sql.Tx
	notifs map[string]onair.Notification
	events map[string]onair.Event
	hosts  map[string]onair.Host
}

func (l *claimLookup) notification(id string) (onair.Notification, error) {
	if n, ok := l.notifs[id]; ok {
		return n, nil
	}
	n, err := scanNotification(l.s.txQueryRow(l.ctx, l.tx, l.s.claimSQL.notification, id))
	if err != nil {
		return n, l.s.normalize(err)
	}
	l.notifs[n.ID] = n
	return n, nil
}

func (l *claimLookup) event(id string) (onair.Event, error) {
	if ev, ok := l.events[id]; ok {
		return ev, nil
	}
	ev, err := scanEvent(l.s.txQueryRow(l.ctx, l.tx, l.s.claimSQL.event, id))
	if err != nil {
		return ev, l.s.normalize(err)
	}
	l.events[ev.ID] = ev
	return ev, nil
}

func (l *claimLookup) host(id string) (onair.Host, error) {
	if h, ok := l.hosts[id]; ok {
		return h, nil
	}
	h, err := scanHost(l.s.txQueryRow(l.ctx, l.tx, l.s.claimSQL.host, id))
	if err != nil {
		return h, l.s.normalize(err)
	}
	h.PasswordHash = "" // a message has no business with it
	l.hosts[h.ID] = h
	return h, nil
}

// sortClaims decides, for each delivery found that owner may take, whether
// it may leave at now: it returns those that may, as items to send, and
// those that may not, by reason.
func (s *Store) sortClaims(ctx context.Context, tx *sql.Tx, found []claimRow, owner string,
	now time.Time) (items []SendItem, blocked map[string][]int64, err error) {
	look := &claimLookup{s: s, ctx: ctx, tx: tx, notifs: map[string]onair.Notification{},
		events: map[string]onair.Event{}, hosts: map[string]onair.Host{}}
	blocked = map[string][]int64{}
	for _, x := range found {
		if !x.claimableBy(owner) {
			continue // done, or someone else's
		}
		n, err := look.notification(x.d.NotificationID)
		if err != nil {
			return nil, nil, err
		}
		ev, err := look.event(n.EventID)
		if err != nil {
			return nil, nil, err
		}
		if reason := onair.SendBlockedReason(n, ev, x.reg, x.d.Channel, x.suppressed, now); reason != "" {
			blocked[reason] = append(blocked[reason], x.d.ID)
			continue
		}
		host, err := look.host(ev.HostID)
		if err != nil {
			return nil, nil, err
		}
		x.d.Status, x.d.Attempts = onair.DeliverySending, x.d.Attempts+1
		items = append(items, SendItem{Delivery: x.d, Notification: n, Event: ev, Registration: x.reg, Host: host})
	}
	return items, blocked, nil
}

// skipBlocked marks the blocked deliveries that owner may still take as
// skipped with their reasons, and returns how many each notification had
// skipped.
func (s *Store) skipBlocked(ctx context.Context, tx *sql.Tx, blocked map[string][]int64, owner string,
	now time.Time) (map[string]int, error) {
	skipped := map[string]int{}
	for _, reason := range slices.Sorted(maps.Keys(blocked)) {
		if err := s.skipFor(ctx, tx, reason, blocked[reason], owner, now, skipped); err != nil {
			return nil, err
		}
	}
	return skipped, nil
}

// skipFor marks the deliveries ids skipped for reason, and adds them to
// their notifications' counts in skipped.
func (s *Store) skipFor(ctx context.Context, tx *sql.Tx, reason string, ids []int64, owner string, now time.Time,
	skipped map[string]int) error {
	rows, err := tx.QueryContext(ctx, `UPDATE deliveries SET status = 'skipped', error = $1, claimed_by = '',
		updated_at = $2 WHERE id IN `+s.jsonIDs("$3")+` AND `+claimable("$4")+` RETURNING notification_id`,
		reason, dbTime(now), idsJSON(ids), owner)
	if err != nil {
		return s.normalize(err)
	}
	defer rows.Close()
	for rows.Next() {
		var nid string
		if err := rows.Scan(&nid); err != nil {
			return err
		}
		skipped[nid]++
	}
	rows.Close()
	return s.normalize(rows.Err())
}

// takeClaims marks items as being sent by owner and returns those it took.
// The rows were read without a lock on SQLite's side and, on PostgreSQL,
// another claim of the same ids may have run since: the claim holds only
// where the row is still claimable, and only the rows it took are sent.
func (s *Store) takeClaims(ctx context.Context, tx *sql.Tx, items []SendItem, owner string,
	now time.Time) ([]SendItem, error) {
	if len(items) == 0 {
		return items, nil
	}
	want := make([]int64, len(items))
	for i, it := range items {
		want[i] = it.Delivery.ID
	}
	rows, err := s.txQuery(ctx, tx, s.claimSQL.take, dbTime(now), owner, idsJSON(want))
	if err != nil {
		return nil, s.normalize(err)
	}
	got, err := scanIDs(rows)
	if err != nil {
		return nil, s.normalize(err)
	}
	return keepTaken(items, got), nil
}

// keepTaken keeps, in place, the items whose deliveries are among taken.
func keepTaken(items []SendItem, taken []int64) []SendItem {
	in := make(map[int64]bool, len(taken))
	for _, id := range taken {
		in[id] = true
	}
	claimed := items[:0]
	for _, it := range items {
		if in[it.Delivery.ID] {
			claimed = append(claimed, it)
		}
	}
	return claimed
}

// countSkipped adds the skipped deliveries to their notifications' counts
// and statuses, in notification id order.
func (s *Store) countSkipped(ctx context.Context, tx *sql.Tx, skipped map[string]int, now time.Time) error {
	for _, nid := range slices.Sorted(maps.Keys(skipped)) {
		if _, err := tx.ExecContext(ctx, `UPDATE notifications SET skipped_count = skipped_count + $1,
			updated_at = $2 WHERE id = $3`, skipped[nid], dbTime(now), nid); err != nil {
			return s.normalize(err)
		}
		if err := s.refreshStatus(ctx, tx, nid, now); err != nil {
			return err
		}
	}
	return nil
}

// scanIDs reads a column of ids and closes rows.
func scanIDs(rows *sql.Rows) ([]int64, error) {
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// claimable is the condition under which the owner named by the parameter
// may take a delivery: nobody holds it, or that owner itself did in an
// attempt that died.
func claimable(ownerParam string) string {
	return `(status = 'pending' OR (status = 'sending' AND claimed_by = ` + ownerParam + `))`
}

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
		return s.countOutcomes(ctx, tx, counts, now)
	})
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
		SELECT `+s.newID+`, r.host_id, d.channel, CASE WHEN d.channel = 'sms' THEN r.phone ELSE r.email_norm END,
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

// NodeAlive says that the sending node owner is alive at now.
func (s *Store) NodeAlive(ctx context.Context, owner string, now time.Time) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO nodes (id, seen_at) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`, owner, dbTime(now))
	return s.normalize(err)
}

// LeaveNode forgets a node that stopped cleanly, with nothing claimed.
func (s *Store) LeaveNode(ctx context.Context, owner string) error {
	_, err := s.write.ExecContext(ctx, `DELETE FROM nodes WHERE id = $1`, owner)
	return s.normalize(err)
}

// ReleaseDeadNodes hands back to pending what the nodes whose last
// heartbeat is older than cutoff had claimed and not recorded, and forgets
// those nodes. Whether such a message left is unknown; sending it again is
// the lesser harm than losing it. It returns how many it released.
func (s *Store) ReleaseDeadNodes(ctx context.Context, cutoff time.Time) (int, error) {
	var released int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'pending', claimed_by = ''
			WHERE status = 'sending' AND claimed_by IN (SELECT id FROM nodes WHERE seen_at < $1)`, dbTime(cutoff))
		if err != nil {
			return s.normalize(err)
		}
		released, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx, `DELETE FROM nodes WHERE seen_at < $1`, dbTime(cutoff))
		return s.normalize(err)
	})
	return int(released), err
}

// ReleaseClaimsOf hands back to pending whatever the owners whose name
// begins with prefix had claimed and not recorded: on SQLite, where one
// process runs the workers, the claims of an earlier worker process, which
// died.
func (s *Store) ReleaseClaimsOf(ctx context.Context, prefix string) (int, error) {
	res, err := s.write.ExecContext(ctx, `UPDATE deliveries SET status = 'pending', claimed_by = ''
		WHERE status = 'sending' AND substr(claimed_by, 1, $1) = $2`, len(prefix), prefix)
	if err != nil {
		return 0, s.normalize(err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

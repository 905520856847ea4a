package store

import (
	"context"
	"database/sql"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// The deliveries table is the send queue. A delivery is created pending,
// with the time it may go (due_at) and its lane (0 for the messages a viewer
// waits for, the confirmations; 1 for the rest); a sending node's pump
// claims the due ones a page at a time (ClaimDue), sends them and records
// their outcomes in batches (RecordOutcomes). A claim names its node; a
// node beats its heart in the nodes table (NodeAlive), and the claims of a
// node whose heart stopped go back to pending (ReleaseNodes). Every
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
				AND sp.address = ` + deliveryAddressSQL + `)
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
	items, blocked, held, err := s.sortClaims(ctx, tx, found, owner, now)
	if err != nil {
		return nil, err
	}
	skipped, err := s.skipBlocked(ctx, tx, blocked, owner, now)
	if err != nil {
		return nil, err
	}
	if err := s.hold(ctx, tx, held, owner, now); err != nil {
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
// it may leave at now: it returns those that may, as items to send, those
// that may not, by reason, and those that wait for the end of the viewer's
// quiet hours (onair.SMSQuietHold), by that time.
func (s *Store) sortClaims(ctx context.Context, tx *sql.Tx, found []claimRow, owner string,
	now time.Time) (items []SendItem, blocked map[string][]int64, held map[int64][]int64, err error) {
	look := &claimLookup{s: s, ctx: ctx, tx: tx, notifs: map[string]onair.Notification{},
		events: map[string]onair.Event{}, hosts: map[string]onair.Host{}}
	blocked, held = map[string][]int64{}, map[int64][]int64{}
	for _, x := range found {
		if !x.claimableBy(owner) {
			continue // done, or someone else's
		}
		n, err := look.notification(x.d.NotificationID)
		if err != nil {
			return nil, nil, nil, err
		}
		ev, err := look.event(n.EventID)
		if err != nil {
			return nil, nil, nil, err
		}
		if reason := onair.SendBlockedReason(n, ev, x.reg, x.d.Channel, x.suppressed, now); reason != "" {
			blocked[reason] = append(blocked[reason], x.d.ID)
			continue
		}
		if until, reason := onair.SMSQuietHold(n, ev, x.reg, now); reason != "" {
			blocked[reason] = append(blocked[reason], x.d.ID)
			continue
		} else if !until.IsZero() {
			held[dbTime(until)] = append(held[dbTime(until)], x.d.ID)
			continue
		}
		host, err := look.host(ev.HostID)
		if err != nil {
			return nil, nil, nil, err
		}
		x.d.Status, x.d.Attempts = onair.DeliverySending, x.d.Attempts+1
		items = append(items, SendItem{Delivery: x.d, Notification: n, Event: ev, Registration: x.reg, Host: host})
	}
	return items, blocked, held, nil
}

// hold puts the held deliveries that owner may still take back in the
// queue, due at the end of their quiet hours, with a note of when: the same
// row leaves then (or is skipped, if it is no longer wanted by that time),
// so it is sent once whatever happens in between.
func (s *Store) hold(ctx context.Context, tx *sql.Tx, held map[int64][]int64, owner string, now time.Time) error {
	for _, until := range slices.Sorted(maps.Keys(held)) {
		_, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'pending', due_at = $1, error = $2,
			claimed_by = '', updated_at = $3 WHERE id IN `+s.jsonIDs("$4")+` AND `+claimable("$5"),
			until, onair.HeldReason(fromDB(until)), dbTime(now), idsJSON(held[until]), owner)
		if err != nil {
			return s.normalize(err)
		}
	}
	return nil
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

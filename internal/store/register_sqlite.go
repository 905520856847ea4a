package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/onair-live/onair/internal/onair"
)

// On SQLite a batch runs one statement per row: in-process, a statement
// costs microseconds once it is compiled. Compiling is what costs, so the
// statements are prepared once on the one write connection and reused by
// every batch (tx.StmtContext finds them prepared on that connection).

// The statements of a batch on SQLite, in the order of sqliteStatements.
const (
	sqEvent = iota
	sqRegistration
	sqLimit
	sqConfirmations
	sqNotes
	sqSaveLimit
	sqViewer
	sqInsertRegistration
	sqAddCount
	sqInsertNote
	sqBumpNote
	sqInsertDelivery
	sqCount
)

var sqliteStatements = [sqCount]string{
	sqEvent:         `SELECT ` + eventColumns + ` FROM events WHERE id = $1`,
	sqRegistration:  `SELECT id, status FROM registrations WHERE event_id = $1 AND email_norm = $2`,
	sqLimit:         `SELECT hits FROM rate_limits WHERE key = $1`,
	sqConfirmations: confirmationsQuery + ` WHERE d.registration_id = $1 AND n.kind = 'confirmation' AND d.channel = 'email'`,
	sqNotes:         `SELECT id, kind, channel FROM notifications WHERE event_id = $1 AND kind IN ('confirmation', 'waitlisted') ORDER BY id`,
	sqSaveLimit: `INSERT INTO rate_limits (key, hits, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET hits = excluded.hits, expires_at = excluded.expires_at`,
	sqViewer:             upsertViewerSQL + ` VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)` + upsertViewerConflict + ` RETURNING id`,
	sqInsertRegistration: insertRegistrationSQL + ` VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16, $17, $18, $19)`,
	sqAddCount: `UPDATE events SET registration_count = registration_count + $1, waitlist_count = waitlist_count + $2,
		waitlist_seq = CASE WHEN $3 > 0 THEN $3 ELSE waitlist_seq END,
		ab_seq = CASE WHEN $5 > 0 THEN $5 ELSE ab_seq END WHERE id = $4`,
	sqInsertNote: insertNoteSQL,
	sqBumpNote:   `UPDATE notifications SET recipients = recipients + $1, status = 'sending', updated_at = $2 WHERE id = $3`,
	// Without RETURNING, which costs SQLite a temporary table a row: the id
	// is the rowid just inserted.
	sqInsertDelivery: `INSERT INTO deliveries (notification_id, registration_id, channel, seq, status, lane, due_at,
		created_at, updated_at) VALUES ($1, $2, $3, $4, 'pending', ` + itoa(laneTransactional) + `, $5, $5, $5)`,
}

// The SQL both dialects share.
const (
	confirmationsQuery = `SELECT d.registration_id, d.seq, d.created_at
		FROM deliveries d JOIN notifications n ON n.id = d.notification_id`
	upsertViewerSQL = `INSERT INTO viewers (id, host_id, email, email_norm, first_name, last_name, phone,
		company, timezone, created_at, updated_at)`
	// An empty field keeps the known value.
	upsertViewerConflict = `
		ON CONFLICT (host_id, email_norm) DO UPDATE SET
			email = excluded.email,
			first_name = CASE WHEN excluded.first_name <> '' THEN excluded.first_name ELSE viewers.first_name END,
			last_name = CASE WHEN excluded.last_name <> '' THEN excluded.last_name ELSE viewers.last_name END,
			phone = CASE WHEN excluded.phone <> '' THEN excluded.phone ELSE viewers.phone END,
			company = CASE WHEN excluded.company <> '' THEN excluded.company ELSE viewers.company END,
			timezone = excluded.timezone,
			updated_at = excluded.updated_at`
	insertRegistrationSQL = `INSERT INTO registrations (id, event_id, host_id, viewer_id, first_name, last_name,
		email, email_norm, phone, company, source, timezone, status, search_text, created_at, updated_at, waitlist_seq,
		arm, answers, language)`
	insertNoteSQL = `INSERT INTO notifications (id, event_id, kind, channel, scheduled_time, status,
		event_version, fanout_done, created_at, updated_at)
		VALUES ($1, $2, $6, $3, $4, 'sending', $5, TRUE, $4, $4)`
)

// nullSeq is a place in line as stored: NULL for none.
func nullSeq(seq int) sql.NullInt64 { return sql.NullInt64{Int64: int64(seq), Valid: seq > 0} }

// prepareSQLite prepares the batch statements on the write connection, once,
// outside any transaction. Only the committing goroutine calls it.
func (s *Store) prepareSQLite(ctx context.Context) error {
	if s.sqliteStmts[0] != nil {
		return nil
	}
	var stmts [sqCount]*sql.Stmt
	for i, query := range sqliteStatements {
		stmt, err := s.write.PrepareContext(ctx, query)
		if err != nil {
			for _, st := range stmts[:i] {
				st.Close()
			}
			return s.normalize(err)
		}
		stmts[i] = stmt
	}
	s.sqliteStmts = stmts
	return nil
}

// closeStatements closes the prepared statements, at the committer's end.
func (s *Store) closeStatements() {
	for i, st := range s.sqliteStmts {
		if st != nil {
			st.Close()
			s.sqliteStmts[i] = nil
		}
	}
}

// batchQueries gives the dialect's statements for a batch in tx. On SQLite
// prepareSQLite has run.
func (s *Store) batchQueries(tx *sql.Tx) batchQueries {
	if s.dialect == Postgres {
		return &pgBatch{s: s, tx: tx}
	}
	return &sqliteBatch{s: s, tx: tx}
}

// sqliteBatch runs a batch's steps on SQLite.
type sqliteBatch struct {
	s     *Store
	tx    *sql.Tx
	bound [sqCount]*sql.Stmt
}

// stmt is the prepared statement i, bound to the transaction.
func (q *sqliteBatch) stmt(ctx context.Context, i int) *sql.Stmt {
	if q.bound[i] == nil {
		q.bound[i] = q.tx.StmtContext(ctx, q.s.sqliteStmts[i])
	}
	return q.bound[i]
}

func (q *sqliteBatch) exec(ctx context.Context, i int, args ...any) error {
	_, err := q.stmt(ctx, i).ExecContext(ctx, args...)
	return q.s.normalize(err)
}

// eachRow runs the prepared query i with args and hands scan each row.
func (q *sqliteBatch) eachRow(ctx context.Context, i int, scan func(*sql.Rows) error, args ...any) error {
	rows, err := q.stmt(ctx, i).QueryContext(ctx, args...)
	if err != nil {
		return q.s.normalize(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return q.s.normalize(rows.Err())
}

func (q *sqliteBatch) events(ctx context.Context, ids []string) ([]onair.Event, error) {
	var evs []onair.Event
	for _, id := range ids {
		ev, err := scanEvent(q.stmt(ctx, sqEvent).QueryRowContext(ctx, id))
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, q.s.normalize(err)
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

func (q *sqliteBatch) lookup(ctx context.Context, eventIDs []string, keys []emailKey, limitKeys []string) (*lookup, error) {
	l := &lookup{known: map[emailKey]knownRegistration{}, hits: make(map[string]string, len(limitKeys)),
		notes: map[noteKey]string{}}
	for _, k := range keys {
		var r knownRegistration
		err := q.stmt(ctx, sqRegistration).QueryRowContext(ctx, k.eventID, k.email).Scan(&r.id, &r.status)
		switch {
		case err == nil:
			l.known[k] = r
		case !errors.Is(err, sql.ErrNoRows):
			return nil, q.s.normalize(err)
		}
	}
	for _, k := range limitKeys {
		var raw string
		err := q.stmt(ctx, sqLimit).QueryRowContext(ctx, k).Scan(&raw)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, q.s.normalize(err)
		}
		l.hits[k] = raw
	}
	for _, id := range eventIDs {
		err := q.eachRow(ctx, sqNotes, func(rows *sql.Rows) error {
			var nid string
			var k noteKey
			if err := rows.Scan(&nid, &k.kind, &k.channel); err != nil {
				return err
			}
			k.eventID = id
			if _, ok := l.notes[k]; !ok {
				l.notes[k] = nid
			}
			return nil
		}, id)
		if err != nil {
			return nil, err
		}
	}
	return l, nil
}

func (q *sqliteBatch) confirmations(ctx context.Context, regIDs []string) (map[string][]sentConfirmation, error) {
	sent := map[string][]sentConfirmation{}
	for _, id := range regIDs {
		err := q.eachRow(ctx, sqConfirmations, func(rows *sql.Rows) error {
			var regID string
			var c sentConfirmation
			if err := rows.Scan(&regID, &c.seq, &c.at); err != nil {
				return err
			}
			sent[regID] = append(sent[regID], c)
			return nil
		}, id)
		if err != nil {
			return nil, err
		}
	}
	return sent, nil
}

func (q *sqliteBatch) insertNotes(ctx context.Context, rows []noteRow) error {
	for _, n := range rows {
		if err := q.exec(ctx, sqInsertNote, n.id, n.key.eventID, n.key.channel, n.at, n.version, n.key.kind); err != nil {
			return err
		}
	}
	return nil
}

func (q *sqliteBatch) write(ctx context.Context, w *batchWrites) ([]int64, error) {
	for _, l := range w.limits {
		if err := q.exec(ctx, sqSaveLimit, l.key, l.hits, l.expires); err != nil {
			return nil, err
		}
	}
	for _, v := range w.viewers {
		err := q.stmt(ctx, sqViewer).QueryRowContext(ctx, v.id, v.key.hostID, v.email, v.key.email, v.firstName,
			v.lastName, v.phone, v.company, v.timezone, v.createdAt, v.updatedAt).Scan(&v.viewerID)
		if err != nil {
			return nil, q.s.normalize(err)
		}
		for _, i := range v.registrations {
			w.registrations[i].r.ViewerID = v.viewerID
		}
	}
	for _, row := range w.registrations {
		r := row.r
		err := q.exec(ctx, sqInsertRegistration, r.ID, r.EventID, r.HostID, r.ViewerID, r.FirstName, r.LastName,
			r.Email, onair.NormalizeEmail(r.Email), r.Phone, r.Company, r.Source, r.Timezone, r.Status,
			searchText(r.FirstName, r.LastName, r.Email, r.Company), row.at, nullSeq(row.seq), r.Arm, answersJSON(r.Answers),
			r.Language)
		if errors.Is(err, onair.ErrConflict) {
			return nil, onair.ErrAlreadyRegistered
		}
		if err != nil {
			return nil, err
		}
	}
	for id, n := range w.counts {
		if err := q.exec(ctx, sqAddCount, n.registered, n.waitlisted, n.seq, id, n.abSeq); err != nil {
			return nil, err
		}
	}
	for id, b := range w.bumps {
		if err := q.exec(ctx, sqBumpNote, b.recipients, b.at, id); err != nil {
			return nil, err
		}
	}
	ids := make([]int64, len(w.deliveries))
	for i, d := range w.deliveries {
		res, err := q.stmt(ctx, sqInsertDelivery).ExecContext(ctx, d.notificationID, d.registrationID, d.channel, d.seq, d.at)
		if err == nil {
			ids[i], err = res.LastInsertId()
		}
		if err != nil {
			return nil, q.s.normalize(err)
		}
	}
	return ids, nil
}

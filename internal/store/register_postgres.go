package store

import (
	"context"
	"database/sql"
	"errors"
	"maps"
	"slices"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/onair-live/onair/internal/onair"
)

// On PostgreSQL a batch takes a few statements whatever its size (lock the
// events; look up registrations, limits and notifications; write), where a
// registration alone took a dozen round trips. The rows go as arrays
// (unnest), so every statement has one shape, which pgx prepares once per
// connection. Rows are locked in one order on every node (events by id, then
// rate limits by key, then viewers by host and email), so that the batches of
// two nodes wait for each other instead of deadlocking.

// pgBatch runs a batch's steps on PostgreSQL.
type pgBatch struct {
	s  *Store
	tx *sql.Tx
}

func (q *pgBatch) exec(ctx context.Context, query string, args ...any) error {
	_, err := q.tx.ExecContext(ctx, query, args...)
	return q.s.normalize(err)
}

func (q *pgBatch) each(ctx context.Context, scan func(*sql.Rows) error, query string, args ...any) error {
	return q.s.eachRow(ctx, q.tx, scan, query, args...)
}

func (q *pgBatch) events(ctx context.Context, ids []string) ([]onair.Event, error) {
	var evs []onair.Event
	err := q.each(ctx, func(rows *sql.Rows) error {
		ev, err := scanEvent(rows)
		evs = append(evs, ev)
		return err
	}, `SELECT `+eventColumns+` FROM events WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE`, ids)
	return evs, err
}

// lookup is one statement, after the events' lock: it reads what other
// nodes committed while this one waited for it.
func (q *pgBatch) lookup(ctx context.Context, eventIDs []string, keys []emailKey, limitKeys []string) (*lookup, error) {
	l := &lookup{known: map[emailKey]knownRegistration{}, hits: make(map[string]string, len(limitKeys)),
		notes: map[noteKey]string{}}
	events, emails := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		events[i], emails[i] = k.eventID, k.email
	}
	err := q.each(ctx, func(rows *sql.Rows) error {
		var kind, a, b, c, d string
		if err := rows.Scan(&kind, &a, &b, &c, &d); err != nil {
			return err
		}
		switch kind {
		case "limit":
			l.hits[a] = b
		case "registration":
			l.known[emailKey{a, b}] = knownRegistration{id: c, status: onair.RegistrationStatus(d)}
		case "notification":
			l.notes[noteKey{a, onair.NotificationKind(d), onair.Channel(b)}] = c
		}
		return nil
	}, `WITH limits AS (
			INSERT INTO rate_limits (key, hits, expires_at) SELECT k, '', 0 FROM unnest($1::text[]) AS k ORDER BY k
			ON CONFLICT (key) DO UPDATE SET hits = rate_limits.hits
			RETURNING key, hits)
		SELECT 'limit', key, hits, '', '' FROM limits
		UNION ALL
		SELECT 'registration', r.event_id, r.email_norm, r.id, r.status FROM registrations r
			JOIN unnest($2::text[], $3::text[]) AS k (event_id, email_norm)
				ON r.event_id = k.event_id AND r.email_norm = k.email_norm
		UNION ALL
		SELECT 'notification', event_id, channel, min(id), kind FROM notifications
			WHERE event_id = ANY($4) AND kind IN ('confirmation', 'waitlisted') GROUP BY event_id, kind, channel`,
		limitKeys, events, emails, eventIDs)
	return l, err
}

func (q *pgBatch) confirmations(ctx context.Context, regIDs []string) (map[string][]sentConfirmation, error) {
	sent := map[string][]sentConfirmation{}
	err := q.each(ctx, func(rows *sql.Rows) error {
		var regID string
		var c sentConfirmation
		if err := rows.Scan(&regID, &c.seq, &c.at); err != nil {
			return err
		}
		sent[regID] = append(sent[regID], c)
		return nil
	}, confirmationsQuery+` WHERE d.registration_id = ANY($1) AND n.kind = 'confirmation' AND d.channel = 'email'`, regIDs)
	return sent, err
}

func (q *pgBatch) insertNotes(ctx context.Context, rows []noteRow) error {
	for _, n := range rows {
		if err := q.exec(ctx, insertNoteSQL, n.id, n.key.eventID, n.key.channel, n.at, n.version, n.key.kind); err != nil {
			return err
		}
	}
	return nil
}

// pgWrite stores a batch in one statement: each table is written once, the
// registrations take their viewers' ids from the upsert, and the foreign
// keys are checked at the statement's end, when every row is there.
const pgWrite = `WITH limits AS (
		UPDATE rate_limits AS l SET hits = u.hits, expires_at = u.expires_at
		FROM unnest($1::text[], $2::text[], $3::bigint[]) AS u (key, hits, expires_at) WHERE l.key = u.key
	), viewers_upserted AS (
		` + upsertViewerSQL + `
		SELECT * FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
			$11::text[], $12::text[], $13::bigint[], $14::bigint[])
			AS v (id, host_id, email, email_norm, first_name, last_name, phone, company, timezone, created_at, updated_at)
		ORDER BY host_id, email_norm` + upsertViewerConflict + `
		RETURNING host_id, email_norm, id
	), registered AS (
		` + insertRegistrationSQL + `
		SELECT r.id, r.event_id, r.host_id, v.id, r.first_name, r.last_name, r.email, r.email_norm, r.phone,
			r.company, r.source, r.timezone, r.status, r.search_text, r.at, r.at, NULLIF(r.seq, 0), r.arm, r.answers, r.language
		FROM unnest($15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[],
			$22::text[], $23::text[], $24::text[], $25::text[], $26::text[], $27::text[], $28::bigint[], $39::bigint[],
			$42::text[], $44::text[], $45::text[])
			AS r (id, event_id, host_id, first_name, last_name, email, email_norm, phone, company, source,
				timezone, status, search_text, at, seq, arm, answers, language)
		JOIN viewers_upserted v ON v.host_id = r.host_id AND v.email_norm = r.email_norm
	), counted AS (
		UPDATE events AS e SET registration_count = e.registration_count + u.n,
			waitlist_count = e.waitlist_count + u.w, waitlist_seq = CASE WHEN u.seq > 0 THEN u.seq ELSE e.waitlist_seq END,
			ab_seq = CASE WHEN u.ab > 0 THEN u.ab ELSE e.ab_seq END
		FROM unnest($29::text[], $30::bigint[], $40::bigint[], $41::bigint[], $43::bigint[]) AS u (id, n, w, seq, ab)
		WHERE e.id = u.id
	), bumped AS (
		UPDATE notifications AS n SET recipients = n.recipients + u.n, status = 'sending', updated_at = u.at
		FROM unnest($31::text[], $32::bigint[], $33::bigint[]) AS u (id, n, at) WHERE n.id = u.id
	)
	INSERT INTO deliveries (notification_id, registration_id, channel, seq, status, lane, due_at, created_at, updated_at)
	SELECT n, r, c, s, 'pending', 0, at, at, at
	FROM unnest($34::text[], $35::text[], $36::text[], $37::bigint[], $38::bigint[]) AS d (n, r, c, s, at)
	RETURNING id`

// pgWriteArgs are pgWrite's arguments for w: one array per column, in
// the order of its unnest lists (the waitlist's columns, added later, are
// numbered after the others).
func pgWriteArgs(w *batchWrites) []any {
	args := make([]any, 0, 45)
	ls := w.limits
	args = append(args, pgColumn(len(ls), func(i int) string { return ls[i].key }))
	args = append(args, pgColumn(len(ls), func(i int) string { return ls[i].hits }))
	args = append(args, pgColumn(len(ls), func(i int) int64 { return ls[i].expires }))

	args = append(args, pgViewerArgs(w.viewers)...)
	rs := w.registrations
	args = append(args, pgRegistrationArgs(rs)...)

	events := slices.Sorted(maps.Keys(w.counts))
	args = append(args, pgColumn(len(events), func(i int) string { return events[i] }))
	args = append(args, pgColumn(len(events), func(i int) int64 { return int64(w.counts[events[i]].registered) }))

	notes := slices.Sorted(maps.Keys(w.bumps))
	args = append(args, pgColumn(len(notes), func(i int) string { return notes[i] }))
	args = append(args, pgColumn(len(notes), func(i int) int64 { return int64(w.bumps[notes[i]].recipients) }))
	args = append(args, pgColumn(len(notes), func(i int) int64 { return w.bumps[notes[i]].at }))

	ds := w.deliveries
	args = append(args, pgColumn(len(ds), func(i int) string { return ds[i].notificationID }))
	args = append(args, pgColumn(len(ds), func(i int) string { return ds[i].registrationID }))
	args = append(args, pgColumn(len(ds), func(i int) string { return string(ds[i].channel) }))
	args = append(args, pgColumn(len(ds), func(i int) int64 { return int64(ds[i].seq) }))
	args = append(args, pgColumn(len(ds), func(i int) int64 { return ds[i].at }))

	args = append(args, pgColumn(len(rs), func(i int) int64 { return int64(rs[i].seq) }))
	args = append(args, pgColumn(len(events), func(i int) int64 { return int64(w.counts[events[i]].waitlisted) }))
	args = append(args, pgColumn(len(events), func(i int) int64 { return int64(w.counts[events[i]].seq) }))
	args = append(args, pgColumn(len(rs), func(i int) string { return rs[i].r.Arm }))
	args = append(args, pgColumn(len(events), func(i int) int64 { return int64(w.counts[events[i]].abSeq) }))
	args = append(args, pgColumn(len(rs), func(i int) string { return answersJSON(rs[i].r.Answers) }))
	args = append(args, pgColumn(len(rs), func(i int) string { return string(rs[i].r.Language) }))
	return args
}

// pgViewerArgs are pgWriteArgs' columns of the viewers vs.
func pgViewerArgs(vs []*viewerRow) []any {
	var args []any
	for _, f := range []func(v *viewerRow) string{
		func(v *viewerRow) string { return v.id },
		func(v *viewerRow) string { return v.key.hostID },
		func(v *viewerRow) string { return v.email },
		func(v *viewerRow) string { return v.key.email },
		func(v *viewerRow) string { return v.firstName },
		func(v *viewerRow) string { return v.lastName },
		func(v *viewerRow) string { return v.phone },
		func(v *viewerRow) string { return v.company },
		func(v *viewerRow) string { return v.timezone },
	} {
		args = append(args, pgColumn(len(vs), func(i int) string { return f(vs[i]) }))
	}
	return append(args,
		pgColumn(len(vs), func(i int) int64 { return vs[i].createdAt }),
		pgColumn(len(vs), func(i int) int64 { return vs[i].updatedAt }))
}

// pgRegistrationArgs are pgWriteArgs' first columns of the registrations
// rs (those added later come after the deliveries').
func pgRegistrationArgs(rs []registrationRow) []any {
	var args []any
	for _, f := range []func(r *onair.Registration) string{
		func(r *onair.Registration) string { return r.ID },
		func(r *onair.Registration) string { return r.EventID },
		func(r *onair.Registration) string { return r.HostID },
		func(r *onair.Registration) string { return r.FirstName },
		func(r *onair.Registration) string { return r.LastName },
		func(r *onair.Registration) string { return r.Email },
		func(r *onair.Registration) string { return onair.NormalizeEmail(r.Email) },
		func(r *onair.Registration) string { return r.Phone },
		func(r *onair.Registration) string { return r.Company },
		func(r *onair.Registration) string { return r.Source },
		func(r *onair.Registration) string { return r.Timezone },
		func(r *onair.Registration) string { return string(r.Status) },
		func(r *onair.Registration) string { return searchText(r.FirstName, r.LastName, r.Email, r.Company) },
	} {
		args = append(args, pgColumn(len(rs), func(i int) string { return f(&rs[i].r) }))
	}
	return append(args, pgColumn(len(rs), func(i int) int64 { return rs[i].at }))
}

// pgColumn is one array argument of n values, f(0) to f(n-1).
func pgColumn[T any](n int, f func(i int) T) []T {
	col := make([]T, n)
	for i := range col {
		col[i] = f(i)
	}
	return col
}

// write runs pgWrite for w and returns the ids of the deliveries it made.
func (q *pgBatch) write(ctx context.Context, w *batchWrites) ([]int64, error) {
	ids := make([]int64, 0, len(w.deliveries))
	err := q.each(ctx, func(r *sql.Rows) error {
		var id int64
		err := r.Scan(&id)
		ids = append(ids, id)
		return err
	}, pgWrite, pgWriteArgs(w)...)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.TableName == "registrations" {
		return nil, onair.ErrAlreadyRegistered
	}
	return ids, err
}

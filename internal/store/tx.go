package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Transactions and statements: the write transactions and their retries,
// the read snapshots, and the statements kept prepared on each pool.

// inTx runs fn in a write transaction, committing when it returns nil. A
// transaction PostgreSQL aborted to break a deadlock or a serialization
// conflict is run again, a few times: fn must be safe to repeat, as every
// fn here is (it reads what it needs inside the transaction).
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.tryTx(ctx, fn)
		if attempt == 4 || !isRetryable(err) {
			return err
		}
		time.Sleep(time.Duration(attempt*attempt) * 5 * time.Millisecond)
	}
}

func (s *Store) tryTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return s.normalize(err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		s.ready.Delete(tx)
		s.hooksReady.Delete(tx)
		return err
	}
	err = s.normalize(tx.Commit())
	if _, ready := s.ready.LoadAndDelete(tx); ready && err == nil && s.enq != nil {
		s.enq.DeliveriesReady()
	}
	if _, ready := s.hooksReady.LoadAndDelete(tx); ready && err == nil {
		if w, ok := s.enq.(HooksWaker); ok {
			w.HooksReady()
		}
	}
	return err
}

// readyAfterCommit has the enqueuer told, once tx commits, that deliveries
// are ready to be sent.
func (s *Store) readyAfterCommit(tx *sql.Tx) { s.ready.Store(tx, struct{}{}) }

// snapshot begins a read-only transaction that sees one snapshot of the
// database for all its queries: repeatable read on PostgreSQL, whose default
// gives each statement its own; a read transaction on SQLite is one
// snapshot already (and takes no isolation level). The caller rolls it back.
func (s *Store) snapshot(ctx context.Context) (*sql.Tx, error) {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	return tx, s.normalize(err)
}

// eachRow runs query with args on q and hands scan each row.
func (s *Store) eachRow(ctx context.Context, q querier, scan func(*sql.Rows) error, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return s.normalize(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return s.normalize(rows.Err())
}

// readQueryRow runs a read that comes once per request on the hot paths (a
// registration's event, say) on the read pool. On SQLite compiling such a
// statement costs more than running it, and database/sql keeps nothing
// compiled between calls, so it is prepared once and kept (database/sql
// prepares it again on each pooled connection that needs it). PostgreSQL's
// driver keeps its own cache of prepared statements per connection.
func (s *Store) readQueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if s.dialect != SQLite {
		return s.read.QueryRowContext(ctx, query, args...)
	}
	st, ok := s.readStmts.Load(query)
	if !ok {
		// Not kept on failure: before the migrations the table may not exist.
		prepared, err := s.read.PrepareContext(ctx, query)
		if err != nil {
			return s.read.QueryRowContext(ctx, query, args...)
		}
		var loaded bool
		if st, loaded = s.readStmts.LoadOrStore(query, prepared); loaded {
			prepared.Close()
		}
	}
	return st.(*sql.Stmt).QueryRowContext(ctx, args...)
}

// prepareWrites prepares, on SQLite's one write connection, those of
// queries not prepared yet, for txQuery and txExec to find. It runs outside
// any transaction, which would hold that connection. A query that does not
// prepare (a table not migrated yet) is left to run unprepared.
func (s *Store) prepareWrites(ctx context.Context, queries ...string) {
	if s.dialect != SQLite {
		return
	}
	for _, q := range queries {
		if _, ok := s.writeStmts.Load(q); ok {
			continue
		}
		st, err := s.write.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		if _, loaded := s.writeStmts.LoadOrStore(q, st); loaded {
			st.Close()
		}
	}
}

// txStmt is query's statement prepared by prepareWrites, bound to tx; nil
// when there is none.
func (s *Store) txStmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	st, ok := s.writeStmts.Load(query)
	if !ok {
		return nil
	}
	return tx.StmtContext(ctx, st.(*sql.Stmt))
}

// txQuery is tx.QueryContext, through the statement prepareWrites
// prepared for query if there is one.
func (s *Store) txQuery(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	if st := s.txStmt(ctx, tx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, query, args...)
}

// txQueryRow is tx.QueryRowContext, as txQuery.
func (s *Store) txQueryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if st := s.txStmt(ctx, tx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}

// isRetryable reports a deadlock (40P01) or serialization failure (40001).
func isRetryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

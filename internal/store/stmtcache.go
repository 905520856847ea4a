package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
)

// SQLite compiles a statement each time database/sql runs a query that was
// not prepared, and compiling is most of the cost of a short one. The job
// queue polls with the same few queries many times a second (River's
// SQLite driver prepares none of them), and the store's own occasional
// statements repeat too: a profile of an idle node showed the parser first.
// Each connection therefore keeps the statements of the queries it has run,
// by their text, and runs them again without compiling. Statements whose
// text changes with their arguments (IN lists of different lengths) fill
// the cache up to maxCachedStmts; beyond that, the least recently used
// statement is closed.

// maxCachedStmts is how many statements one connection keeps.
const maxCachedStmts = 128

// cachingConnector opens connections of drv that keep their statements.
type cachingConnector struct {
	drv driver.Driver
	dsn string
}

func (c cachingConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return newCachingConn(conn)
}

func (c cachingConnector) Driver() driver.Driver { return c.drv }

// openCachingSQLite is sql.Open("sqlite", dsn) with connections that keep
// their statements.
func openCachingSQLite(dsn string) (*sql.DB, error) {
	probe, err := sql.Open("sqlite", "")
	if err != nil {
		return nil, err
	}
	drv := probe.Driver()
	probe.Close()
	return sql.OpenDB(cachingConnector{drv: drv, dsn: dsn}), nil
}

// sqliteConn is what the modernc.org/sqlite connection offers and
// database/sql uses.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachingConn is a connection with its statements by query text. Like
// every driver connection it is used by one goroutine at a time.
type cachingConn struct {
	sqliteConn
	stmts map[string]*cachedStmt
	tick  uint64 // a use counter, for least-recently-used eviction
}

// cachedStmt is a kept statement; busy while its rows are open (a second
// use of the same text meanwhile gets a statement of its own).
type cachedStmt struct {
	stmt interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	}
	used uint64
	busy bool
}

func newCachingConn(conn driver.Conn) (driver.Conn, error) {
	sc, ok := conn.(sqliteConn)
	if !ok {
		conn.Close()
		return nil, errors.New("the SQLite driver's connection lacks a method the store needs")
	}
	return &cachingConn{sqliteConn: sc, stmts: map[string]*cachedStmt{}}, nil
}

// stmt is the kept statement of query, compiled and kept on first use. A
// statement that cannot be kept (its text is in use) is returned with
// keep false: the caller closes it when done.
func (c *cachingConn) stmt(ctx context.Context, query string) (st *cachedStmt, keep bool, err error) {
	c.tick++
	if st := c.stmts[query]; st != nil && !st.busy {
		st.used = c.tick
		return st, true, nil
	}
	ds, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil, false, err
	}
	st = &cachedStmt{used: c.tick}
	var ok bool
	if st.stmt, ok = ds.(interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	}); !ok {
		ds.Close()
		return nil, false, errors.New("the SQLite driver's statement lacks a method the store needs")
	}
	if c.stmts[query] != nil {
		return st, false, nil // the kept one is busy
	}
	if len(c.stmts) >= maxCachedStmts {
		c.evict()
	}
	c.stmts[query] = st
	return st, true, nil
}

// evict closes the least recently used statement that is not busy.
func (c *cachingConn) evict() {
	var oldest string
	var found *cachedStmt
	for q, st := range c.stmts {
		if !st.busy && (found == nil || st.used < found.used) {
			oldest, found = q, st
		}
	}
	if found != nil {
		found.stmt.Close()
		delete(c.stmts, oldest)
	}
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	st, keep, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if !keep {
		defer st.stmt.Close()
	}
	return st.stmt.ExecContext(ctx, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	st, keep, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.stmt.QueryContext(ctx, args)
	if err != nil {
		if !keep {
			st.stmt.Close()
		}
		return nil, err
	}
	sr, ok := rows.(sqliteRows)
	if !ok {
		rows.Close()
		if !keep {
			st.stmt.Close()
		}
		return nil, errors.New("the SQLite driver's rows lack a method the store needs")
	}
	st.busy = keep
	return &cachedRows{sqliteRows: sr, st: st, keep: keep}, nil
}

// Close closes the kept statements, then the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for q, st := range c.stmts {
		errs = append(errs, st.stmt.Close())
		delete(c.stmts, q)
	}
	return errors.Join(append(errs, c.sqliteConn.Close())...)
}

// sqliteRows is what the modernc.org/sqlite rows offer: cachedRows passes
// all of it on.
type sqliteRows interface {
	driver.Rows
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

// cachedRows gives its statement back (or closes it) when closed.
type cachedRows struct {
	sqliteRows
	st     *cachedStmt
	keep   bool
	closed bool
}

func (r *cachedRows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	err := r.sqliteRows.Close()
	if r.keep {
		r.st.busy = false
	} else {
		err = errors.Join(err, r.st.stmt.Close())
	}
	return err
}

// Package store keeps onair's data on SQLite (the embedded default) or
// PostgreSQL, through database/sql. Both backends run the same SQL where the
// dialects agree; where they differ, the difference is in this file.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/onair-live/onair/internal/onair"
)

// Dialect names a database engine.
type Dialect string

// The supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

//go:embed migrations
var migrations embed.FS

// SQLite has no hash function; migration 00006 hashes the watch tokens it
// stops keeping in clear with this one, the same hash onair.HashToken is.
func init() {
	err := sqlite.RegisterDeterministicScalarFunction("onair_sha256_hex", 1,
		func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			switch v := args[0].(type) {
			case string:
				return onair.HashToken(v), nil
			case []byte:
				return onair.HashToken(string(v)), nil
			case nil:
				return nil, nil
			}
			return nil, fmt.Errorf("onair_sha256_hex: %T is not text", args[0])
		})
	if err != nil {
		panic(err)
	}
}

// Store is onair's persistence.
type Store struct {
	dialect Dialect
	// write takes every write. On SQLite it holds a single connection: SQLite
	// has one writer at a time, and queueing writers in Go is cheaper and
	// fairer than letting them collide on the file lock. On PostgreSQL it is
	// the same pool as read.
	write *sql.DB
	// read serves queries outside transactions; on SQLite, WAL lets these
	// run beside the writer.
	read *sql.DB
	// forUpdate locks the rows a read-modify-write transaction reads. SQLite
	// needs nothing: its write transactions begin IMMEDIATE and run one at a
	// time. PostgreSQL takes FOR NO KEY UPDATE, not FOR UPDATE: the latter
	// also blocks the KEY SHARE lock of foreign-key checks, so a registration
	// holding its event would deadlock with a sender updating a notification
	// row twice (PostgreSQL re-checks the key of a row its own transaction
	// wrote).
	forUpdate string
	// newID is an SQL expression of a fresh random id in the form of
	// onair.NewID, for rows made by INSERT … SELECT.
	newID string
	// enq queues work in the same transaction as the rows that need it.
	enq Enqueuer
	// ready holds the transactions that created deliveries, to tell enq
	// once they commit; hooksReady, those that queued webhook deliveries.
	ready, hooksReady sync.Map
	// hookViews shape the bodies of webhooks (hookqueue.go).
	hookViews HookViews
	// path is the SQLite file.
	path string
	// url is the PostgreSQL connection URL.
	url string
	// committer takes registrations to the goroutine that commits them in
	// batches (groupcommit.go).
	committer *groupCommitter
	// checkpoints copies SQLite's WAL into the database file, beside the
	// writer (checkpoint.go); nil on PostgreSQL.
	checkpoints *checkpointer
	// sqliteStmts are the batch statements prepared on SQLite's write
	// connection; only the committing goroutine uses them.
	sqliteStmts [sqCount]*sql.Stmt
	// readStmts are the hot reads prepared on SQLite's read pool, by query
	// (readQueryRow).
	readStmts sync.Map
	// writeStmts are the statements of the hot write transactions other
	// than a registration batch's (a claim's), prepared on SQLite's write
	// connection, by query (prepareWrites).
	writeStmts sync.Map
	// claimSQL are the statements of a claim in this dialect.
	claimSQL claimStatements
	// recent are the events Event read last (RecentEvent).
	recent recentEvents
}

// ParseURL splits a DATABASE_URL into its engine and the driver's data
// source, or says clearly what is wrong with it.
func ParseURL(databaseURL string) (Dialect, string, error) {
	u := strings.TrimSpace(databaseURL)
	switch {
	case strings.HasPrefix(u, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(u, "sqlite:"), "//")
		if path == "" {
			return "", "", errors.New("DATABASE_URL: sqlite: needs a file path, e.g. sqlite:onair.db")
		}
		if path == ":memory:" || strings.Contains(path, "mode=memory") {
			return "", "", errors.New("DATABASE_URL: an in-memory SQLite database would lose every registration at exit; give a file path")
		}
		if strings.ContainsAny(path, "?#") {
			return "", "", errors.New("DATABASE_URL: the SQLite path must not contain '?' or '#'")
		}
		return SQLite, path, nil
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		if _, err := pgconn.ParseConfig(u); err != nil {
			return "", "", fmt.Errorf("DATABASE_URL: not a valid PostgreSQL URL: %v", hidePassword(err))
		}
		return Postgres, u, nil
	}
	return "", "", errors.New("DATABASE_URL must be sqlite:PATH or postgres://USER@HOST/DB")
}

// hidePassword keeps a password in a connection string out of an error message.
func hidePassword(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "://"); i >= 0 {
		if j := strings.Index(msg[i:], "@"); j >= 0 {
			return msg[:i+3] + "…" + msg[i+j:]
		}
	}
	return msg
}

// sqlitePragmas: WAL lets readers run beside the writer; synchronous=FULL
// makes an acknowledged registration survive power loss; the busy timeout
// covers a second process (onair migrate) touching the file; _txlock makes
// every transaction take the write lock at BEGIN, so two never deadlock
// upgrading from read to write.
const sqlitePragmas = "_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"

// Open connects to the database named by databaseURL. It does not migrate:
// call Migrate.
func Open(ctx context.Context, databaseURL string) (*Store, error) {
	dialect, dsn, err := ParseURL(databaseURL)
	if err != nil {
		return nil, err
	}
	s := &Store{dialect: dialect, newID: sqliteNewID}
	switch dialect {
	case SQLite:
		s.path = dsn
		if dir := filepath.Dir(dsn); dir != "" {
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				return nil, fmt.Errorf("DATABASE_URL: the folder %q of the SQLite file does not exist", dir)
			}
		}
		s.write, err = openCachingSQLite("file:" + dsn + "?" + sqlitePragmas + "&_txlock=immediate&_pragma=wal_autocheckpoint(0)")
		if err != nil {
			return nil, err
		}
		s.write.SetMaxOpenConns(1)
		s.write.SetConnMaxIdleTime(0)
		// Eight readers with SQLite's default 2 MiB page cache each held
		// 16 MiB of pages the operating system caches anyway; their reads
		// are point lookups (an event, a token, a registration) and the
		// listings of a page. 1 MiB each: peak RSS during a 100,000
		// reminder 65.6 → 63.5 MiB, the same rates (onair bench).
		s.read, err = openCachingSQLite("file:" + dsn + "?" + sqlitePragmas + "&_pragma=query_only(1)&_pragma=cache_size(-1024)")
		if err != nil {
			s.write.Close()
			return nil, err
		}
		s.read.SetMaxOpenConns(8)
		s.read.SetMaxIdleConns(8) // reopening a connection re-runs every pragma
		if err := s.startCheckpointer(dsn); err != nil {
			s.write.Close()
			s.read.Close()
			return nil, err
		}
	case Postgres:
		s.write, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, err
		}
		s.write.SetMaxOpenConns(32)
		s.write.SetMaxIdleConns(32)
		s.write.SetConnMaxIdleTime(5 * time.Minute)
		s.read = s.write
		s.url = dsn
		s.forUpdate = " FOR NO KEY UPDATE"
		s.newID = "gen_random_uuid()::text"
	}
	s.claimSQL = s.claimStatements()
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.write.PingContext(pingCtx); err != nil {
		s.Close()
		return nil, fmt.Errorf("cannot reach the database: %v", hidePassword(err))
	}
	s.startCommitter()
	return s, nil
}

// SQLitePath is the database file on SQLite, "" on PostgreSQL.
func (s *Store) SQLitePath() string { return s.path }

// PostgresURL is the connection URL on PostgreSQL, "" on SQLite: the job
// queue's native driver opens connections of its own with it.
func (s *Store) PostgresURL() string { return s.url }

// Dialect tells which engine the store runs on.
func (s *Store) Dialect() Dialect { return s.dialect }

// DB is the pool that takes writes; the job queue shares it so that a job
// and the row that needs it commit together.
func (s *Store) DB() *sql.DB { return s.write }

// Close commits the registrations already submitted, refuses any further
// one, and closes every connection.
func (s *Store) Close() error {
	if s.committer != nil {
		s.committer.stop()
	}
	for _, stmts := range []*sync.Map{&s.readStmts, &s.writeStmts} {
		stmts.Range(func(_, st any) bool {
			st.(*sql.Stmt).Close()
			return true
		})
	}
	err := s.write.Close()
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	if s.checkpoints != nil {
		err = errors.Join(err, s.checkpoints.close())
	}
	return err
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Migrate applies every embedded migration not yet applied. On PostgreSQL an
// advisory lock keeps nodes that start together from racing.
func (s *Store) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(s.dialect))
	if err != nil {
		return err
	}
	var opts []goose.ProviderOption
	dialect := goose.DialectSQLite3
	if s.dialect == Postgres {
		dialect = goose.DialectPostgres
		opts = append(opts, goose.WithSessionLocker(migrationLock{}))
	}
	p, err := goose.NewProvider(dialect, s.write, sub, opts...)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrating the database: %w", err)
	}
	return nil
}

// normalize turns each backend's errors into the domain's: no rows is
// ErrNotFound, a unique violation ErrConflict. Everything else passes through.
func (s *Store) normalize(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %w", onair.ErrNotFound, err)
	}
	if isUniqueViolation(err) {
		return fmt.Errorf("%w: %w", onair.ErrConflict, err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "22021" || pgErr.Code == "22P05") {
		// Text PostgreSQL cannot store (a NUL, bytes that are not UTF-8):
		// input that should have been refused before; never a 500.
		return fmt.Errorf("%w: %w", onair.ErrInvalid, err)
	}
	return err
}

func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// Times are stored as unix microseconds on both engines.
func dbTime(t time.Time) int64 { return t.UnixMicro() }

func fromDB(us int64) time.Time { return time.UnixMicro(us).UTC() }

func dbTimePtr(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

func fromDBPtr(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromDB(n.Int64)
	return &t
}

// searchText is what a search matches: the fields, lower-cased by Go (not
// by SQL, whose LOWER folds only ASCII on SQLite and depends on the locale on
// PostgreSQL), one per line so that a match cannot span two fields.
func searchText(fields ...string) string { return strings.ToLower(strings.Join(fields, "\n")) }

// likePattern escapes s for a LIKE … ESCAPE '\' match anywhere in a column.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}

func itoa(n int) string { return strconv.Itoa(n) }

// scanner is what *sql.Row and *sql.Rows share.
type scanner interface{ Scan(dest ...any) error }

// RequeueOrphanedJobs makes every job left "running" in the queue available
// again. Only for SQLite, which one process owns: at its start, a running
// job can only be one that a dead process was working on.
func (s *Store) RequeueOrphanedJobs(ctx context.Context) error {
	if s.dialect != SQLite {
		return errors.New("orphaned jobs can only be told apart on SQLite")
	}
	_, err := s.write.ExecContext(ctx, `UPDATE river_job SET state = 'available' WHERE state = 'running'`)
	return s.normalize(err)
}

// sqliteNewID makes a version-4 UUID in SQLite, which has no function for it.
const sqliteNewID = `lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) ||
	'-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))`

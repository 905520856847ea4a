package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/pressly/goose/v3/lock"
)

// migrationLockWait bounds the wait for the migration lock, as goose's own
// locker does (5 minutes).
const migrationLockWait = 5 * time.Minute

// migrationLock keeps two migrations of one PostgreSQL schema apart, and
// lets those of different schemas run side by side. It takes two advisory
// locks, each waited for in PostgreSQL's queue (not tried every 5 s, as
// goose's own locker does):
//
//   - the schema's own lock, exclusive: nodes that start together on one
//     schema migrate it one after the other;
//   - goose's lock (lock.DefaultLockID), shared: nodes of earlier versions
//     of onair, which take that lock exclusively, keep out of a migration as
//     before, while nodes of this version, on other schemas of the same
//     database (the tests make one each), do not wait for one another.
//
// Advisory locks belong to one database, so the schema is all that a key
// needs to name.
type migrationLock struct{}

var _ lock.SessionLocker = migrationLock{}

// schemaLockKey is the key of the advisory lock of the schema migrations go
// into (the first of the connection's search_path).
const schemaLockKey = `hashtextextended('onair migrations of ' || current_schema(), 0)`

// SessionLock implements lock.SessionLocker.
func (migrationLock) SessionLock(ctx context.Context, conn *sql.Conn) error {
	ctx, cancel := context.WithTimeout(ctx, migrationLockWait)
	defer cancel()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+schemaLockKey+`)`); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock_shared($1)`, lock.DefaultLockID); err != nil {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+schemaLockKey+`)`)
		return err
	}
	return nil
}

// SessionUnlock implements lock.SessionLocker.
func (migrationLock) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	var shared, own bool
	err := conn.QueryRowContext(ctx, `SELECT pg_advisory_unlock_shared($1), pg_advisory_unlock(`+schemaLockKey+`)`,
		lock.DefaultLockID).Scan(&shared, &own)
	if err != nil {
		return err
	}
	if !shared || !own {
		return errors.New("the migration lock was not held")
	}
	return nil
}

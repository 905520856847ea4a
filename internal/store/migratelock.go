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

// migrationLock is goose's PostgreSQL session lock, the same advisory lock
// (so that nodes of earlier versions keep out of a migration as before),
// waited for in PostgreSQL's queue instead of tried every 5 s as goose's
// locker does: nodes that start together, and the tests (a schema each on
// one database), then wait for the migrations before them, a fraction of
// a second each, not 5 s, and none is starved by luck.
type migrationLock struct{}

var _ lock.SessionLocker = migrationLock{}

// SessionLock implements lock.SessionLocker.
func (migrationLock) SessionLock(ctx context.Context, conn *sql.Conn) error {
	ctx, cancel := context.WithTimeout(ctx, migrationLockWait)
	defer cancel()
	_, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, lock.DefaultLockID)
	return err
}

// SessionUnlock implements lock.SessionLocker.
func (migrationLock) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	var unlocked bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_advisory_unlock($1)`, lock.DefaultLockID).Scan(&unlocked); err != nil {
		return err
	}
	if !unlocked {
		return errors.New("the migration lock was not held")
	}
	return nil
}

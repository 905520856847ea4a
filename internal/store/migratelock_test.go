package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pressly/goose/v3/lock"

	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/store/storetest"
)

// Nodes that start together on one PostgreSQL schema migrate it once, one
// after the other, and each waits for the lock that goose's own locker
// (earlier versions of onair) takes.
func TestMigrateTogetherOnPostgres(t *testing.T) {
	t.Parallel()
	dbURL := storetest.URL(t, "postgres") // skips without ONAIR_TEST_DATABASE_URL
	ctx := context.Background()
	open := func() *store.Store {
		s, err := store.Open(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}

	t.Run("a node of an earlier version holds the lock", func(t *testing.T) {
		holder := open()
		conn, err := holder.DB().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, lock.DefaultLockID); err != nil {
			t.Fatal(err)
		}
		short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		if err := open().Migrate(short); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Migrate while the lock is held elsewhere: %v; want it to wait until its context ends", err)
		}
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, lock.DefaultLockID); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("four nodes at once", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			s := open()
			wg.Go(func() { errs[i] = s.Migrate(ctx) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("node %d: %v", i, err)
			}
		}
		if _, err := open().DB().ExecContext(ctx, `SELECT id FROM hosts LIMIT 1`); err != nil {
			t.Errorf("the schema after the migrations: %v", err)
		}
	})
}

// Migrations of different schemas of one database do not wait for one
// another (the tests make a schema each); two of one schema do.
func TestMigrateSchemasSideBySide(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	urlA, urlB := storetest.URL(t, "postgres"), storetest.URL(t, "postgres") // skips without ONAIR_TEST_DATABASE_URL
	open := func(dbURL string) *store.Store {
		s, err := store.Open(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	// A migration of schema A under way: its lock held.
	conn, err := open(urlA).DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const key = `hashtextextended('onair migrations of ' || current_schema(), 0)`
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+key+`)`); err != nil {
		t.Fatal(err)
	}
	if err := open(urlB).Migrate(ctx); err != nil {
		t.Errorf("Migrate of schema B while schema A migrates: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := open(urlA).Migrate(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Migrate of schema A while another migration of it holds the lock: %v; want it to wait", err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock(`+key+`)`); err != nil {
		t.Fatal(err)
	}
	if err := open(urlA).Migrate(ctx); err != nil {
		t.Errorf("Migrate of schema A once the lock is free: %v", err)
	}
}

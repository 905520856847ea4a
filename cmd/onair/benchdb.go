package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/onair-live/onair/internal/store"
)

// database prepares an empty database and returns its URL for onair.
func (b *bench) database(ctx context.Context) (string, error) {
	if b.o.databaseURL == "" {
		dir, err := os.MkdirTemp(b.tmp, "onair-bench-")
		if err != nil {
			return "", fmt.Errorf("creating the temporary database: %w", err)
		}
		b.cleanups = append(b.cleanups, func() { os.RemoveAll(dir) })
		b.res.Database = string(store.SQLite)
		return "sqlite:" + filepath.Join(dir, "onair.db"), nil
	}
	dialect, path, err := store.ParseURL(b.o.databaseURL)
	if err != nil {
		return "", err
	}
	b.res.Database = string(dialect)
	if dialect == store.SQLite {
		b.cleanups = append(b.cleanups, func() {
			for _, suffix := range []string{"", "-wal", "-shm", "-journal", ".workers.lock"} {
				os.Remove(path + suffix)
			}
		})
		return b.o.databaseURL, nil
	}
	return b.postgresSchema(ctx)
}

// postgresSchema creates a schema of the benchmark's own and returns a URL
// whose connections use it (search_path), so that nothing outside it is
// touched; it is dropped at the end.
func (b *bench) postgresSchema(ctx context.Context) (string, error) {
	db, err := sql.Open("pgx", b.o.databaseURL)
	if err != nil {
		return "", err
	}
	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	schema := "onair_bench_" + hex.EncodeToString(suffix[:])
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(cctx, "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		return "", fmt.Errorf("creating the schema %s: %w", schema, err)
	}
	b.res.DatabaseSchema = schema
	b.cleanups = append(b.cleanups, func() {
		defer db.Close()
		dctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := db.ExecContext(dctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			fmt.Fprintf(b.stderr, "onair bench: dropping the schema %s: %v (drop it by hand)\n", schema, err)
		}
	})
	u, err := url.Parse(b.o.databaseURL)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

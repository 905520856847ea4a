// Package storetest gives tests a fresh database on every backend: a new
// SQLite file, and a new schema on the PostgreSQL named by
// ONAIR_TEST_DATABASE_URL (skipped with a message when it is unset, and a
// failure when CI is set, so that CI never silently tests half).
package storetest

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
)

// EnvPostgres names the PostgreSQL server the tests may use.
const EnvPostgres = "ONAIR_TEST_DATABASE_URL"

// Backends are the names of the engines every storage test runs on.
var Backends = []string{"sqlite", "postgres"}

// Run runs fn once per backend as a named subtest, each with a fresh,
// empty database URL.
func Run(t *testing.T, fn func(t *testing.T, databaseURL string)) {
	t.Helper()
	for _, b := range Backends {
		t.Run(b, func(t *testing.T) { fn(t, URL(t, b)) })
	}
}

// RunStore is Run with an opened, migrated store.
func RunStore(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	Run(t, func(t *testing.T, databaseURL string) { fn(t, Open(t, databaseURL)) })
}

// URL returns the URL of a fresh, empty database on backend.
func URL(t testing.TB, backend string) string {
	t.Helper()
	switch backend {
	case "sqlite":
		return "sqlite:" + filepath.Join(t.TempDir(), "onair.db")
	case "postgres":
		return postgresSchema(t)
	}
	t.Fatalf("unknown backend %q", backend)
	return ""
}

// Open opens and migrates the database at databaseURL, closing it when the
// test ends.
func Open(t testing.TB, databaseURL string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// postgresSchema creates a schema of its own for this test and returns a
// URL whose connections use it.
func postgresSchema(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: CI must run the PostgreSQL tests", EnvPostgres)
		}
		t.Skipf("%s is not set: skipping the PostgreSQL half (e.g. %s=postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", EnvPostgres, EnvPostgres)
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	schema := "onair_test_" + onair.RandomString(9)
	schema = sanitize(schema)
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("creating a test schema on %s: %v", EnvPostgres, err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// sanitize keeps a schema name to lower-case letters, digits and underscores.
func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_':
		case c >= 'A' && c <= 'Z':
			b[i] = c + 'a' - 'A'
		default:
			b[i] = '_'
		}
	}
	return string(b)
}

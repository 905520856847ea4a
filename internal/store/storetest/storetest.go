// Package storetest gives tests a fresh database on every backend: a new
// SQLite file, and a new schema on the PostgreSQL named by
// ONAIR_TEST_DATABASE_URL (skipped with a message when it is unset, and a
// failure when CI is set, so that CI never silently tests half).
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
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
	storeTemplate.Seed(t, databaseURL)
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

// A Template is a SQLite database migrated once per test binary and copied
// into place for each test that asks for a fresh one. Migrating costs
// thousands of parsed statements (far more under the race detector); a copy
// costs a file's bytes. PostgreSQL databases are migrated where they are:
// that work is the server's.
type Template struct {
	// Migrate brings a store up to date beyond the store's own migrations
	// (for example the job queue's tables); nil for none.
	Migrate func(ctx context.Context, s *store.Store) error

	once sync.Once
	dir  string
	err  error
}

// storeTemplate is the template of Open: the store's migrations alone.
var storeTemplate Template

// Seed copies the template into the SQLite file of databaseURL, unless the
// file is there already; other URLs are left alone. What the test opens
// afterwards finds every migration applied and applies none.
func (tp *Template) Seed(t testing.TB, databaseURL string) {
	t.Helper()
	dialect, path, err := store.ParseURL(databaseURL)
	if err != nil || dialect != store.SQLite {
		return
	}
	if _, err := os.Stat(path); err == nil {
		return
	}
	tp.once.Do(func() { tp.dir, tp.err = tp.build() })
	if tp.err != nil {
		t.Fatalf("the migrated template database: %v", tp.err)
	}
	for _, suffix := range []string{"", "-wal"} {
		if err := copyFile(filepath.Join(tp.dir, "onair.db"+suffix), path+suffix); err != nil {
			t.Fatalf("copying the template database: %v", err)
		}
	}
}

// templateDirs are the directories of the templates this test binary made,
// for RemoveTemplates.
var templateDirs struct {
	sync.Mutex
	list []string
}

// RemoveTemplates removes the templates this test binary made: a TestMain
// calls it after the tests (Main does).
func RemoveTemplates() {
	templateDirs.Lock()
	defer templateDirs.Unlock()
	for _, dir := range templateDirs.list {
		os.RemoveAll(dir)
	}
	templateDirs.list = nil
}

// Main is a TestMain for the packages whose tests open databases: it runs
// the tests, then removes the templates.
func Main(m *testing.M) {
	code := m.Run()
	RemoveTemplates()
	os.Exit(code)
}

// build migrates the template in a directory of its own, kept for the
// test binary's life.
func (tp *Template) build() (string, error) {
	dir, err := os.MkdirTemp("", "onair-template-")
	if err != nil {
		return "", err
	}
	templateDirs.Lock()
	templateDirs.list = append(templateDirs.list, dir)
	templateDirs.Unlock()
	ctx := context.Background()
	s, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "onair.db"))
	if err != nil {
		return "", err
	}
	err = s.Migrate(ctx)
	if err == nil && tp.Migrate != nil {
		err = tp.Migrate(ctx, s)
	}
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	return dir, err
}

// copyFile copies src to dst, creating dst; a src that does not exist (a
// WAL already checkpointed away) copies nothing.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if os.IsNotExist(err) && strings.HasSuffix(src, "-wal") {
		return nil
	}
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("creating %s: %w", dst, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

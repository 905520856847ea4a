package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

func TestStatementCache(t *testing.T) {
	ctx := context.Background()
	db, err := openCachingSQLite("file:" + filepath.Join(t.TempDir(), "cache.db") + "?" + sqlitePragmas)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one connection: every statement below shares its cache
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)`); err != nil {
		t.Fatal(err)
	}
	insert := `INSERT INTO t (id, v) VALUES ($1, $2)`
	for i := 1; i <= 3; i++ {
		if _, err := db.ExecContext(ctx, insert, i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	one := func(q string, args ...any) string {
		t.Helper()
		var v string
		if err := db.QueryRowContext(ctx, q, args...).Scan(&v); err != nil {
			t.Fatalf("%s %v: %v", q, args, err)
		}
		return v
	}

	// kept is how many statements the connection keeps, and whether q is one.
	kept := func(q string) (int, bool) {
		t.Helper()
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var n int
		var has bool
		if err := conn.Raw(func(dc any) error {
			c := dc.(*cachingConn)
			n, has = len(c.stmts), c.stmts[q] != nil
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return n, has
	}

	t.Run("a kept statement binds new arguments each time", func(t *testing.T) {
		q := `SELECT v FROM t WHERE id = $1`
		for i := 1; i <= 3; i++ {
			if v := one(q, i); v != fmt.Sprint("v", i) {
				t.Fatalf("id %d: %q", i, v)
			}
		}
		if _, ok := kept(q); !ok {
			t.Fatal("the query's statement was not kept")
		}
	})

	t.Run("the same text while its rows are open gets a statement of its own", func(t *testing.T) {
		q := `SELECT id FROM t WHERE id >= $1 ORDER BY id`
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		outer, err := tx.QueryContext(ctx, q, 1)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for outer.Next() {
			var id int
			if err := outer.Scan(&id); err != nil {
				t.Fatal(err)
			}
			inner, err := tx.QueryContext(ctx, q, id)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for inner.Next() {
				n++
			}
			if err := inner.Close(); err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%d:%d", id, n))
		}
		if err := outer.Err(); err != nil {
			t.Fatal(err)
		}
		outer.Close()
		if fmt.Sprint(got) != "[1:3 2:2 3:1]" {
			t.Fatalf("nested reads: %v", got)
		}
	})

	t.Run("more texts than the cache holds are all answered", func(t *testing.T) {
		for i := 0; i < 3*maxCachedStmts; i++ {
			q := fmt.Sprintf(`SELECT v FROM t WHERE id = $1 AND %d = %d`, i, i)
			if v := one(q, 2); v != "v2" {
				t.Fatalf("%s: %q", q, v)
			}
		}
		last := fmt.Sprintf(`SELECT v FROM t WHERE id = $1 AND %d = %d`, 3*maxCachedStmts-1, 3*maxCachedStmts-1)
		if n, ok := kept(last); n > maxCachedStmts || !ok {
			t.Fatalf("%d statements kept (at most %d), the last one among them: %v", n, maxCachedStmts, ok)
		}
	})

	t.Run("a kept statement sees a changed schema", func(t *testing.T) {
		q := `SELECT * FROM t WHERE id = $1`
		cols := func() int {
			rows, err := db.QueryContext(ctx, q, 1)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			c, _ := rows.Columns()
			return len(c)
		}
		if n := cols(); n != 2 {
			t.Fatalf("%d columns", n)
		}
		if _, err := db.ExecContext(ctx, `ALTER TABLE t ADD COLUMN w TEXT`); err != nil {
			t.Fatal(err)
		}
		if n := cols(); n != 3 {
			t.Fatalf("%d columns after ALTER TABLE", n)
		}
	})

	t.Run("a failed statement is no statement", func(t *testing.T) {
		if _, err := db.ExecContext(ctx, insert, 1, "again"); err == nil {
			t.Fatal("a duplicate id was inserted")
		}
		if _, err := db.ExecContext(ctx, insert, 4, "v4"); err != nil {
			t.Fatalf("the same statement after its failure: %v", err)
		}
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM t`).Scan(&n); err != nil || n != 4 {
			t.Fatalf("%d rows, %v", n, err)
		}
	})
}

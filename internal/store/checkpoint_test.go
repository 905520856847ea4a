package store_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/store/storetest"
)

// The writer does not checkpoint on SQLite: only the checkpointing
// connection copies the WAL into the database file, while the store runs.
func TestSQLiteCheckpointsBesideTheWriter(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t, storetest.URL(t, "sqlite"))
	host := newHost(t, s, "wal@example.com")
	ev := newEvent(t, s, host.ID, nil)
	size := func() int64 {
		fi, err := os.Stat(s.SQLitePath())
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	waitUntil(t, "the schema is in the database file", func() bool { return size() > 0 })
	before := size()
	var calls []store.RegisterCall
	for i := range 300 {
		calls = append(calls, store.RegisterCall{Now: now,
			Reg: newRegistration(t, ev, onair.RegistrationInput{Email: fmt.Sprintf("w%d@example.com", i)}, now)})
	}
	for _, res := range s.RegisterTogether(t.Context(), calls) {
		if res.Err != nil {
			t.Fatal(res.Err)
		}
	}
	waitUntil(t, "the registrations reach the database file", func() bool { return size() > before })
}

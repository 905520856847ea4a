package store

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// On SQLite the write connection does not checkpoint (wal_autocheckpoint=0):
// a checkpoint copies the WAL into the database file and fsyncs that, work
// that made the commit of whichever batch crossed the threshold wait, and
// every registration queued behind it. A connection of its own checkpoints
// beside the writer instead (a passive checkpoint never blocks a writer), on
// the other core: after registrations commit, at most every
// checkpointPause, and every checkpointEvery whatever wrote.
const (
	checkpointPause = 50 * time.Millisecond
	checkpointEvery = time.Second
)

type checkpointer struct {
	once sync.Once
	db   *sql.DB
	wake chan struct{}
	stop chan struct{}
	done chan struct{}
}

// startCheckpointer opens the checkpointing connection to the SQLite file
// at dsn and starts its goroutine; Close stops it.
func (s *Store) startCheckpointer(dsn string) error {
	db, err := sql.Open("sqlite", "file:"+dsn+"?"+sqlitePragmas)
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1)
	c := &checkpointer{db: db, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	s.checkpoints = c
	go c.run()
	return nil
}

// nudge says that the WAL grew.
func (c *checkpointer) nudge() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *checkpointer) run() {
	defer close(c.done)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-c.wake:
		case <-tick.C:
		}
		// A failed checkpoint (the file busy with another process, say)
		// is tried again at the next turn; the WAL only grows meanwhile.
		c.db.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`)
		select {
		case <-c.stop:
			return
		case <-time.After(checkpointPause):
		}
	}
}

// close stops the goroutine and closes the connection, which checkpoints
// what is left. Closing again does nothing.
func (c *checkpointer) close() error {
	var err error
	c.once.Do(func() {
		close(c.stop)
		<-c.done
		err = c.db.Close()
	})
	return err
}

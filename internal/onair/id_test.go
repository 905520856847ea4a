package onair

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// msOf is the time an id of NewID carries, in ms since 1970.
func msOf(t *testing.T, id string) int64 {
	t.Helper()
	ms, err := strconv.ParseInt(id[0:8]+id[9:13], 16, 64)
	if err != nil {
		t.Fatalf("%q: %v", id, err)
	}
	return ms
}

func TestNewID(t *testing.T) {
	t.Run("a version 7 UUID of the time it was made", func(t *testing.T) {
		before := time.Now().UnixMilli()
		id := NewID()
		after := time.Now().UnixMilli()
		if !ValidID(id) {
			t.Fatalf("NewID() = %q is not valid", id)
		}
		if id[14] != '7' || !strings.Contains("89ab", id[19:20]) {
			t.Errorf("NewID() = %q: want version 7 and the RFC 9562 variant", id)
		}
		if ms := msOf(t, id); ms < before || ms > after {
			t.Errorf("NewID() = %q carries %d ms, want between %d and %d", id, ms, before, after)
		}
	})
	t.Run("an id of a later millisecond sorts after", func(t *testing.T) {
		first := NewID()
		deadline := time.Now().Add(time.Second)
		for time.Now().UnixMilli() <= msOf(t, first) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Microsecond)
		}
		if second := NewID(); second <= first {
			t.Errorf("NewID() = %q after %q: want it to sort after", second, first)
		}
	})
	t.Run("distinct within a millisecond", func(t *testing.T) {
		seen := map[string]bool{}
		for range 10000 {
			id := NewID()
			if seen[id] {
				t.Fatalf("NewID() repeated %q", id)
			}
			seen[id] = true
		}
	})
}

package jobs

import (
	"maps"
	"slices"
	"testing"
	"time"
)

// A node is silent after nodeDeadAfter of the watcher's own time without a
// new heartbeat, whatever times its heartbeats name: an hour's jump of the
// clock makes nobody silent, a heartbeat from a clock far behind is alive
// as long as it changes, and a node first seen is given the full wait.
func TestNodeWatch(t *testing.T) {
	wall := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := wall.Add(-time.Hour) // the time the beats name, behind and jumping
	var w nodeWatch
	look := func(after time.Duration, beats map[string]time.Time, want ...string) {
		t.Helper()
		got := slices.Sorted(maps.Keys(w.silent(beats, wall.Add(after))))
		if !slices.Equal(got, want) {
			t.Errorf("at +%v: silent %v, want %v", after, got, want)
		}
	}
	look(0, map[string]time.Time{"a": clock, "b": clock})
	clock = clock.Add(time.Hour) // a jump: a's next beat names it
	look(3*time.Second, map[string]time.Time{"a": clock, "b": clock.Add(-time.Hour)})
	look(nodeDeadAfter-time.Second, map[string]time.Time{"a": clock.Add(time.Second), "b": clock.Add(-time.Hour),
		"c": clock.Add(-24 * time.Hour)})
	look(nodeDeadAfter, map[string]time.Time{"a": clock.Add(2 * time.Second), "b": clock.Add(-time.Hour),
		"c": clock.Add(-24 * time.Hour)}, "b")
	// b is forgotten once released; c, first seen a second before the
	// last look, is silent only after its own nodeDeadAfter.
	look(2*nodeDeadAfter-time.Second, map[string]time.Time{"a": clock.Add(3 * time.Second), "c": clock.Add(-24 * time.Hour)}, "c")
}

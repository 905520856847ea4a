package web

import (
	"errors"
	"time"
)

// errSkippedTime says a wall-clock time does not exist in its zone: the
// clocks jump over it when they go forward.
var errSkippedTime = errors.New("the clocks skip this time in its zone")

// parseWallTime reads value, written as layout, as the wall-clock time it
// names in loc. A time the clocks skip there (the hour a zone springs
// forward) is errSkippedTime: time.ParseInLocation would quietly move it by
// the size of the jump, and the event would start at a time nobody typed.
func parseWallTime(layout, value string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation(layout, value, loc)
	if err != nil {
		return time.Time{}, err
	}
	const wall = "2006-01-02 15:04:05.999999999"
	if typed, err := time.Parse(layout, value); err != nil || typed.Format(wall) != t.Format(wall) {
		return time.Time{}, errSkippedTime
	}
	return t, nil
}

// skippedTimeProblem is the field problem of a time the clocks skip in loc.
func skippedTimeProblem(loc *time.Location) string {
	return "is not a time in " + loc.String() + ": the clocks skip it when they go forward; choose another time"
}

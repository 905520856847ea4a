package dashboard

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

// localLayout is the value format of <input type=datetime-local>.
const localLayout = "2006-01-02T15:04"

// parseLocal reads a datetime-local value (or what a browser without
// that input lets someone type, or the wizard's date and time joined by a
// space) as a time in loc. A time the clocks skip in
// loc is errSkippedTime.
func parseLocal(s string, loc *time.Location) (time.Time, error) {
	var err error
	for _, layout := range []string{localLayout, "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05"} {
		var t time.Time
		if t, err = parseWallTime(layout, s, loc); err == nil || errors.Is(err, errSkippedTime) {
			return t, err
		}
	}
	return time.Time{}, err
}

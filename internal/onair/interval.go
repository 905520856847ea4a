package onair

import (
	"strings"
	"time"
)

// Interval is one reminder time, an offset before an event's start. Named
// intervals keep their name; custom ones are any Go duration of at least a
// second, shown in Go's canonical form ("45m0s").
type Interval struct {
	Name   string
	Offset time.Duration
}

// NamedIntervals are the reminder times a host can pick by name, earliest first.
var NamedIntervals = []Interval{
	{"2weeks", 14 * 24 * time.Hour},
	{"1week", 7 * 24 * time.Hour},
	{"3days", 3 * 24 * time.Hour},
	{"1day", 24 * time.Hour},
	{"12hours", 12 * time.Hour},
	{"1hour", time.Hour},
	{"15minutes", 15 * time.Minute},
	{"now", 0},
}

// DefaultIntervals are used when an event is created without a choice.
var DefaultIntervals = []string{"1day", "1hour", "15minutes", "now"}

// MaxCustomOffset bounds custom intervals; a reminder more than a year ahead
// of its event is almost certainly a typo.
const MaxCustomOffset = 366 * 24 * time.Hour

// MaxIntervals bounds how many reminders one event may have.
const MaxIntervals = 20

// String is the interval as the API shows it.
func (i Interval) String() string {
	if i.Name != "" {
		return i.Name
	}
	return i.Offset.String()
}

// MarshalText makes intervals appear as their names in JSON.
func (i Interval) MarshalText() ([]byte, error) { return []byte(i.String()), nil }

// ParseInterval reads a named interval or a custom Go duration.
func ParseInterval(s string) (Interval, error) {
	s = strings.TrimSpace(s)
	for _, n := range NamedIntervals {
		if strings.EqualFold(s, n.Name) {
			return n, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return Interval{}, Errorf(ErrUnprocessable, "invalid_interval",
			"%q is neither a named interval (2weeks 1week 3days 1day 12hours 1hour 15minutes now) nor a duration like \"45m\"", s)
	}
	if d < time.Second {
		return Interval{}, Errorf(ErrUnprocessable, "invalid_interval", "%q: a custom interval must be at least 1s before the start", s)
	}
	if d > MaxCustomOffset {
		return Interval{}, Errorf(ErrUnprocessable, "invalid_interval", "%q: a custom interval must be at most 366 days before the start", s)
	}
	return Interval{Offset: d}, nil
}

// ParseIntervals reads a host's choice of reminder times. Two entries with
// the same offset ("1hour" and "60m") are refused: they would send the same
// reminder twice.
func ParseIntervals(names []string) ([]Interval, error) {
	if len(names) > MaxIntervals {
		return nil, Errorf(ErrUnprocessable, "invalid_interval", "at most %d intervals", MaxIntervals)
	}
	out := make([]Interval, 0, len(names))
	seen := map[time.Duration]string{}
	for _, s := range names {
		iv, err := ParseInterval(s)
		if err != nil {
			return nil, err
		}
		if prev, ok := seen[iv.Offset]; ok {
			return nil, Errorf(ErrUnprocessable, "invalid_interval", "%q and %q are the same time before the start", prev, s)
		}
		seen[iv.Offset] = s
		out = append(out, iv)
	}
	return out, nil
}

package onair

import (
	"strings"
	"sync"
	"time"
)

// ValidTimezone reports whether name is an IANA time zone this binary knows.
// The name's form is checked first: time.LoadLocation opens any file under
// the system's zoneinfo directory, such as "localtime" (the machine's own
// zone, like "Local") or "posix/UTC", and any spelling of a path to one,
// such as "Europe//Berlin" or "Europe/./Berlin".
func ValidTimezone(name string) bool {
	if name == "" || name == "Local" || len(name) > 64 {
		return false
	}
	for _, part := range strings.Split(name, "/") {
		if !zoneNamePart(part) {
			return false
		}
	}
	_, err := LoadZone(name)
	return err == nil
}

// zones caches loaded zones: time.LoadLocation reads and parses a tzdata
// file on every call, and every registration and every batch of reminders
// asks for the same few zones. Only successful loads are kept, so the cache
// is bounded by the number of real IANA names.
var zones sync.Map // string → *time.Location

// LoadZone is time.LoadLocation, remembered. Callers that take a name from
// outside check it with ValidTimezone first.
func LoadZone(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}

// zoneNamePart reports whether s can be one part of an IANA zone name:
// every part of every name in the tz database starts with an upper-case
// ASCII letter and holds only letters, digits, '_', '-' and '+'
// ("America/Port-au-Prince", "Etc/GMT+12", "EST5EDT").
func zoneNamePart(s string) bool {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-', c == '+':
		default:
			return false
		}
	}
	return true
}

// ViewerZoneName names the zone a registrant of ev sees times in (rule 9):
// their own, or the event's when they gave none.
func ViewerZoneName(ev Event, r Registration) string {
	if r.Timezone != "" {
		return r.Timezone
	}
	return ev.Timezone
}

// ViewerZone is ViewerZoneName's zone, loaded; the event's when the
// viewer's is one this binary does not know any more, UTC at worst.
func ViewerZone(ev Event, r Registration) *time.Location {
	for _, name := range []string{ViewerZoneName(ev, r), ev.Timezone} {
		if name == "" {
			continue
		}
		if loc, err := LoadZone(name); err == nil {
			return loc
		}
	}
	return time.UTC
}

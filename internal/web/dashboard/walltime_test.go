package dashboard

import (
	"errors"
	"testing"
	"time"
)

func TestParseWallTime(t *testing.T) {
	const layout = "2006-01-02 15:04"
	for _, c := range []struct {
		name, zone, value string
		want              string // RFC 3339, or "" when refused
		skipped           bool
	}{
		{"an ordinary time", "America/New_York", "2026-12-15 14:00", "2026-12-15T14:00:00-05:00", false},
		{"the hour New York springs forward is refused, not read an hour early", "America/New_York", "2026-03-08 02:30", "", true},
		{"the minute after the jump is fine", "America/New_York", "2026-03-08 03:00", "2026-03-08T03:00:00-04:00", false},
		{"Berlin's skipped hour is refused, not read an hour late", "Europe/Berlin", "2026-03-29 02:30", "", true},
		{"Lord Howe skips half an hour", "Australia/Lord_Howe", "2026-10-04 02:15", "", true},
		{"Lord Howe's half hour after the jump is fine", "Australia/Lord_Howe", "2026-10-04 02:30", "2026-10-04T02:30:00+11:00", false},
		{"a time that happens twice is read, once", "America/New_York", "2026-11-01 01:30", "2026-11-01T01:30:00-04:00", false},
		{"Kathmandu has no DST", "Asia/Kathmandu", "2026-03-08 02:30", "2026-03-08T02:30:00+05:45", false},
		{"not a date", "UTC", "2026-02-30 10:00", "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			loc, err := time.LoadLocation(c.zone)
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseWallTime(layout, c.value, loc)
			if errors.Is(err, errSkippedTime) != c.skipped {
				t.Fatalf("parseWallTime(%q) in %s: err = %v; want skipped = %v", c.value, c.zone, err, c.skipped)
			}
			switch {
			case c.want == "" && err == nil:
				t.Fatalf("parseWallTime(%q) in %s = %s; want it refused", c.value, c.zone, got.Format(time.RFC3339))
			case c.want != "" && (err != nil || got.Format(time.RFC3339) != c.want):
				t.Fatalf("parseWallTime(%q) in %s = %s, %v; want %s", c.value, c.zone, got.Format(time.RFC3339), err, c.want)
			}
		})
	}
}

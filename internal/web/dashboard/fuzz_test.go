package dashboard

import (
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// The fuzz targets of the forms' dates and times. Plain `go test` runs
// their seeds; `go test -fuzz '^FuzzName$' ./internal/web/dashboard/`
// explores.

// fuzzZones are the zones the date fuzzers read times in: UTC, and zones
// with DST, half- and quarter-hour offsets, and unusual transitions.
var fuzzZones = []string{
	"UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu",
	"America/St_Johns", "America/Santiago", "Pacific/Chatham", "Africa/Casablanca", "Pacific/Apia",
	"Europe/Dublin", "America/Sao_Paulo", "Asia/Tehran", "Pacific/Kiritimati",
}

// fuzzZone is zone when the domain accepts it, and else one of fuzzZones.
func fuzzZone(t *testing.T, i uint8, zone string) *time.Location {
	t.Helper()
	if !onair.ValidTimezone(zone) {
		zone = fuzzZones[int(i)%len(fuzzZones)]
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatalf("%q passes ValidTimezone but does not load: %v", zone, err)
	}
	return loc
}

// sameWallTime fails t unless at, read in loc, shows the wall-clock time
// that value says in layout: what the host typed is what the event gets.
func sameWallTime(t *testing.T, at time.Time, loc *time.Location, layout, value string) {
	t.Helper()
	typed, err := time.Parse(layout, value) // the wall time alone, as UTC
	if err != nil {
		t.Fatalf("%q was accepted, but does not parse with %q: %v", value, layout, err)
	}
	const wall = "2006-01-02 15:04:05"
	if got, want := at.In(loc).Format(wall), typed.Format(wall); got != want {
		t.Fatalf("%q in %s was read as %s, which is %s there", value, loc, at.Format(time.RFC3339), got)
	}
}

// FuzzParseLocal: the reschedule form's time is refused, or read as
// exactly the wall-clock time typed, in the zone chosen.
func FuzzParseLocal(f *testing.F) {
	for _, s := range []string{
		"2026-12-15T14:00", "2026-12-15T14:00:30", "2026-12-15 14:00", "2026-12-15 14:00:30",
		"2026-12-15T14:00:30.5", "2026-02-30T10:00", "2026-12-15T24:00", "2026-12-15T9:05", "0000-01-01T00:00",
		"2026-03-08T02:30", "2026-11-01T01:30", "2026-10-04T02:15", "2026-04-05T01:45", "2026-12-15", "", "garbage",
	} {
		for i := range fuzzZones {
			f.Add(s, uint8(i), "")
		}
	}
	f.Add("2026-03-29T01:30", uint8(0), "Europe/Berlin")
	f.Fuzz(func(t *testing.T, value string, zi uint8, zone string) {
		loc := fuzzZone(t, zi, zone)
		at, err := parseLocal(value, loc)
		if err != nil {
			return
		}
		for _, layout := range []string{localLayout, "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05"} {
			if _, err := time.Parse(layout, value); err == nil {
				sameWallTime(t, at, loc, layout, value)
				return
			}
		}
		t.Fatalf("parseLocal accepted %q, which no layout of the form reads", value)
	})
}

// FuzzWizardStart: the wizard's date and time are refused (a problem on
// scheduled_start, or absent when one is empty), or read as exactly the
// wall-clock time typed, in the zone chosen.
func FuzzWizardStart(f *testing.F) {
	for _, c := range [][2]string{
		{"2026-12-15", "14:00"}, {"2026-12-15", "14:00:30"}, {" 2026-12-15 ", " 14:00 "}, {"2026-12-15", ""},
		{"", "14:00"}, {"2026-02-29", "10:00"}, {"2026-12-15", "25:00"}, {"2026-12-15", "9:5"},
		{"2026-03-08", "02:30"}, {"2026-11-01", "01:30"}, {"2026-10-04", "02:15"}, {"15/12/2026", "2pm"},
		{"2026-12-15", "14:00:30.25"}, {"2026-12-15T14:00", "14:00"},
	} {
		for i := range fuzzZones {
			f.Add(c[0], c[1], uint8(i), "")
		}
	}
	f.Add("2026-03-29", "02:30", uint8(0), "Europe/Berlin")
	f.Fuzz(func(t *testing.T, date, clock string, zi uint8, zone string) {
		if !onair.ValidTimezone(zone) {
			zone = fuzzZones[int(zi)%len(fuzzZones)]
		}
		loc := fuzzZone(t, zi, zone)
		form := wizardForm{Date: date, Time: clock, Timezone: zone}
		v := &onair.ValidationError{}
		got := form.start(v)
		d, c := strings.TrimSpace(date), strings.TrimSpace(clock)
		switch {
		case got == nil && (d == "" || c == ""):
			if v.Err() != nil {
				t.Fatalf("an empty date or time is absent, not a problem: %v", v)
			}
			return
		case got == nil:
			if !v.Has("scheduled_start") {
				t.Fatalf("date %q and time %q were refused without a problem on scheduled_start", date, clock)
			}
			return
		case v.Err() != nil:
			t.Fatalf("date %q and time %q were read as %q, yet with a problem: %v", date, clock, *got, v)
		}
		at, err := time.Parse(time.RFC3339, *got)
		if err != nil {
			t.Fatalf("date %q and time %q became %q, which is not RFC 3339: %v", date, clock, *got, err)
		}
		if _, offset := at.In(loc).Zone(); offset%60 != 0 {
			// RFC 3339 writes offsets in whole minutes. Zones had offsets
			// with seconds only in their distant past (local mean time),
			// which the domain refuses as past anyway.
			return
		}
		layout := "2006-01-02 15:04"
		if strings.Count(c, ":") == 2 {
			layout += ":05"
		}
		sameWallTime(t, at, loc, layout, d+" "+c)
	})
}

package notify

import (
	"testing"
	"time"
	// The zone tables below must not depend on the machine having tzdata
	// installed (a slim CI image may not).
	_ "time/tzdata"

	"github.com/onair-live/onair/internal/locale"
	"github.com/onair-live/onair/internal/onair"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestFormatTime(t *testing.T) {
	tests := []struct {
		name string
		at   string
		zone string
		want string
	}{
		{"New York in winter", "2026-12-15T14:00:00Z", "America/New_York", "Tue 15 Dec, 9:00 AM EST"},
		{"New York in summer, noon", "2026-07-01T16:00:00Z", "America/New_York", "Wed 1 Jul, 12:00 PM EDT"},
		{"New York at midnight", "2026-12-15T05:00:00Z", "America/New_York", "Tue 15 Dec, 12:00 AM EST"},
		{"New York, last minute before spring forward", "2026-03-08T06:59:00Z", "America/New_York", "Sun 8 Mar, 1:59 AM EST"},
		{"New York, first minute after spring forward", "2026-03-08T07:00:00Z", "America/New_York", "Sun 8 Mar, 3:00 AM EDT"},
		{"New York, the repeated hour the first time", "2026-11-01T05:30:00Z", "America/New_York", "Sun 1 Nov, 1:30 AM EDT"},
		{"New York, the repeated hour the second time", "2026-11-01T06:30:00Z", "America/New_York", "Sun 1 Nov, 1:30 AM EST"},
		{"Berlin in winter", "2026-12-15T14:00:00Z", "Europe/Berlin", "Tue 15 Dec, 3:00 PM CET"},
		{"Berlin in summer", "2026-07-01T14:00:00Z", "Europe/Berlin", "Wed 1 Jul, 4:00 PM CEST"},
		{"Kolkata keeps its letters", "2026-12-15T14:00:00Z", "Asia/Kolkata", "Tue 15 Dec, 7:30 PM IST"},
		{"Kathmandu's +0545 becomes GMT+5:45", "2026-12-15T14:00:00Z", "Asia/Kathmandu", "Tue 15 Dec, 7:45 PM GMT+5:45"},
		{"Tehran's +0330", "2026-12-15T14:00:00Z", "Asia/Tehran", "Tue 15 Dec, 5:30 PM GMT+3:30"},
		{"Lord Howe in winter, half-hour offset", "2026-06-15T14:00:00Z", "Australia/Lord_Howe", "Tue 16 Jun, 12:30 AM GMT+10:30"},
		{"Lord Howe in summer, half-hour DST", "2026-12-15T14:00:00Z", "Australia/Lord_Howe", "Wed 16 Dec, 1:00 AM GMT+11"},
		{"Lord Howe, last minute before its DST", "2026-10-03T15:29:00Z", "Australia/Lord_Howe", "Sun 4 Oct, 1:59 AM GMT+10:30"},
		{"Lord Howe, first minute of its DST (+30 min)", "2026-10-03T15:30:00Z", "Australia/Lord_Howe", "Sun 4 Oct, 2:30 AM GMT+11"},
		{"Chatham in summer", "2026-12-15T14:00:00Z", "Pacific/Chatham", "Wed 16 Dec, 3:45 AM GMT+13:45"},
		{"São Paulo's -03 becomes GMT-3", "2026-12-15T14:00:00Z", "America/Sao_Paulo", "Tue 15 Dec, 11:00 AM GMT-3"},
		{"St John's, half-hour with letters", "2026-12-15T14:00:00Z", "America/St_Johns", "Tue 15 Dec, 10:30 AM NST"},
		{"Etc/GMT+5 (POSIX sign) is GMT-5", "2026-12-15T14:00:00Z", "Etc/GMT+5", "Tue 15 Dec, 9:00 AM GMT-5"},
		{"Abidjan", "2026-12-15T14:00:00Z", "Africa/Abidjan", "Tue 15 Dec, 2:00 PM GMT"},
		{"UTC", "2026-12-15T14:00:00Z", "UTC", "Tue 15 Dec, 2:00 PM UTC"},
		{"empty zone is UTC", "2026-12-15T14:00:00Z", "", "Tue 15 Dec, 2:00 PM UTC"},
		{"unknown zone is UTC", "2026-12-15T14:00:00Z", "Mars/Olympus_Mons", "Tue 15 Dec, 2:00 PM UTC"},
		{"Local is UTC, not the server's zone", "2026-12-15T14:00:00Z", "Local", "Tue 15 Dec, 2:00 PM UTC"},
		{"an input with an offset is converted", "2026-12-15T09:00:00-05:00", "Europe/Berlin", "Tue 15 Dec, 3:00 PM CET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatTime(utc(tt.at), tt.zone); got != tt.want {
				t.Errorf("FormatTime(%s, %q) = %q, want %q", tt.at, tt.zone, got, tt.want)
			}
		})
	}
}

func TestReminderWording(t *testing.T) {
	named := func(name string) time.Duration {
		iv, err := onair.ParseInterval(name)
		if err != nil {
			t.Fatal(err)
		}
		return iv.Offset
	}
	tests := []struct {
		name   string
		offset time.Duration
		want   string
	}{
		{"2weeks", named("2weeks"), "in 2 weeks"},
		{"1week", named("1week"), "in 1 week"},
		{"3days", named("3days"), "in 3 days"},
		{"1day", named("1day"), "tomorrow"},
		{"12hours", named("12hours"), "in 12 hours"},
		{"1hour", named("1hour"), "in 1 hour"},
		{"15minutes", named("15minutes"), "in 15 minutes"},
		{"now", named("now"), "now"},
		{"45m", named("45m"), "in 45 minutes"},
		{"2h30m", named("2h30m"), "in 2 hours 30 minutes"},
		{"2h", named("2h"), "in 2 hours"},
		{"1h1m", named("1h1m"), "in 1 hour 1 minute"},
		{"90s rounds to the nearest minute", named("90s"), "in 2 minutes"},
		{"89s", named("89s"), "in 1 minute"},
		{"1s is never in 0 minutes", named("1s"), "in 1 minute"},
		{"59m40s carries into an hour", named("59m40s"), "in 1 hour"},
		{"23h59m50s carries into a day", named("23h59m50s"), "in 1 day"},
		{"25h", named("25h"), "in 1 day 1 hour"},
		{"36h", named("36h"), "in 1 day 12 hours"},
		{"1 day 2 hours 40 minutes rounds to hours", 26*time.Hour + 40*time.Minute, "in 1 day 3 hours"},
		{"47h45m carries into 2 days", named("47h45m"), "in 2 days"},
		{"10 days are not 1 week 3 days", 10 * day, "in 10 days"},
		{"3 weeks", 21 * day, "in 3 weeks"},
		{"366 days", 366 * day, "in 366 days"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := untilWords(tt.offset, testStart, "Europe/Berlin", locale.For(onair.English)); got != tt.want {
				t.Errorf("untilWords(%v) = %q, want %q", tt.offset, got, tt.want)
			}
		})
	}
}

func TestOneDayAheadIsTomorrowOnlyOnTheCalendar(t *testing.T) {
	// Monday 9 March 2026, 00:30 in New York, the night after spring
	// forward. 24 real hours earlier it is 23:30 on Saturday there: two
	// calendar days before, so "tomorrow" would be wrong. In Berlin the
	// same two instants are Sunday and Monday morning.
	start := utc("2026-03-09T04:30:00Z")
	if got := untilWords(day, start, "America/New_York", locale.For(onair.English)); got != "in 1 day" {
		t.Errorf("New York: %q, want \"in 1 day\"", got)
	}
	if got := untilWords(day, start, "Europe/Berlin", locale.For(onair.English)); got != "tomorrow" {
		t.Errorf("Berlin: %q, want \"tomorrow\"", got)
	}
}

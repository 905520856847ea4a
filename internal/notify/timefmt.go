package notify

import (
	"strconv"
	"time"

	"github.com/onair-live/onair/internal/locale"
	"github.com/onair-live/onair/internal/onair"
)

// location returns the named zone, or UTC when the name is empty or unknown:
// a message with a time in UTC (and saying so) is better than no message.
func location(zone string) *time.Location {
	if zone == "" || zone == "Local" {
		// "Local" would make the output depend on the machine that renders.
		return time.UTC
	}
	loc, err := onair.LoadZone(zone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// FormatTime shows t in zone with the zone named, in English, e.g. "Tue 15
// Dec, 9:00 AM EST". An empty or unknown zone shows the time in UTC.
func FormatTime(t time.Time, zone string) string { return FormatTimeIn(t, zone, onair.English) }

// FormatTimeIn shows t in zone as lang writes a day and a time (without the
// year, because reminders are about the weeks ahead), with the zone named
// by zoneName in every language: "Tue 15 Dec, 9:00 AM EST", "martes, 15 de
// diciembre, 09:00 EST". Every message and public page writes times with
// it, so that the zone is named alike everywhere.
func FormatTimeIn(t time.Time, zone string, lang onair.Language) string {
	t = t.In(location(zone))
	return locale.For(lang).Time(t) + " " + zoneName(t)
}

// FormatShortTimeIn is FormatTimeIn with the abbreviated names of a text
// message, which has two segments for everything: "mar 15 dic, 09:00 EST".
func FormatShortTimeIn(t time.Time, zone string, lang onair.Language) string {
	t = t.In(location(zone))
	return locale.For(lang).ShortTime(t) + " " + zoneName(t)
}

// zoneName names the zone in effect at t. It is Go's (tzdata's) abbreviation
// where one exists ("EST", "CEST", "IST"). Where tzdata has no letters and
// uses a numeric placeholder ("+0545" in Asia/Kathmandu, "+1030" in
// Australia/Lord_Howe, "-03" in America/Sao_Paulo), a bare number would read
// like part of the clock time, so it becomes "GMT+5:45", "GMT+10:30",
// "GMT-3": the form calendar apps use, computed from the real offset at t.
func zoneName(t time.Time) string {
	abbr, offset := t.Zone()
	if abbr != "" && abbr[0] != '+' && abbr[0] != '-' {
		return abbr
	}
	if offset == 0 {
		return "GMT"
	}
	sign := "+"
	if offset < 0 {
		sign, offset = "-", -offset
	}
	name := "GMT" + sign + strconv.Itoa(offset/3600)
	if m := offset % 3600 / 60; m != 0 {
		name += ":" + twoDigits(m)
	}
	return name
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// Units of the reminder wording.
const (
	day  = 24 * time.Hour
	week = 7 * day
)

// untilWords says how long before start a reminder of offset arrives, as
// its message words it in l: "in 2 weeks", "tomorrow", "in 2 hours 30
// minutes".
// It is computed from the planned send time (start − offset), not from a
// clock, so the same reminder always reads the same. zone decides whether a
// one-day reminder may say "tomorrow": 24 real hours before a start just
// after a spring-forward night is two calendar days earlier, so it says
// "in 1 day" instead.
func untilWords(offset time.Duration, start time.Time, zone string, l *locale.Locale) string {
	if offset <= 0 {
		return l.T("until_now")
	}
	if offset == day {
		loc := location(zone)
		sy, sm, sd := start.In(loc).Date()
		ny, nm, nd := start.Add(-offset).In(loc).AddDate(0, 0, 1).Date()
		if sy == ny && sm == nm && sd == nd {
			return l.T("until_tomorrow")
		}
	}
	return l.T("until_in", "Duration", durationWords(offset, l, "until_"))
}

// durationWords spells d with at most two units, rounded to the smaller
// one: "1 day 12 hours", "2 hours 30 minutes", "45 minutes", and weeks only
// when whole ("in 10 days" reads better than "in 1 week 3 days"). Under a
// minute rounds to the nearest minute but never to zero: a 90s reminder
// says "2 minutes", a 20s one "1 minute". The units are chosen after
// rounding, so 59m40s says "1 hour", not "60 minutes".
//
// The units are l's messages named unit prefixed by kind: "until_" for how
// long before a start, "length_" for how long an event runs (German
// declines the two differently).
func durationWords(d time.Duration, l *locale.Locale, kind string) string {
	if d >= day {
		d = d.Round(time.Hour)
	} else {
		d = max(d.Round(time.Minute), time.Minute)
	}
	unit := func(n int, name string) string { return l.N(kind+name, n) }
	rest := func(n int, name string) string {
		if n == 0 {
			return ""
		}
		return " " + unit(n, name)
	}
	switch {
	case d%week == 0:
		return unit(int(d/week), "week")
	case d >= day:
		return unit(int(d/day), "day") + rest(int(d%day/time.Hour), "hour")
	case d >= time.Hour:
		return unit(int(d/time.Hour), "hour") + rest(int(d%time.Hour/time.Minute), "minute")
	}
	return unit(int(d/time.Minute), "minute")
}

// icsTime is the UTC form that calendar files and Google Calendar links
// share, e.g. 20261215T140000Z.
func icsTime(t time.Time) string {
	return t.UTC().Format("20060102T150405Z")
}

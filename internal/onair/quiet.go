package onair

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ClockTime is a time of day on a wall clock, in minutes after midnight.
type ClockTime int

// ParseClock reads a time of day written "HH:MM" (24-hour, two digits each).
func ParseClock(s string) (ClockTime, error) {
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("must be a time of day written HH:MM, e.g. 21:00")
	}
	digit := func(c byte) (int, bool) { return int(c - '0'), c >= '0' && c <= '9' }
	h1, ok1 := digit(s[0])
	h2, ok2 := digit(s[1])
	m1, ok3 := digit(s[3])
	m2, ok4 := digit(s[4])
	h, m := h1*10+h2, m1*10+m2
	if !ok1 || !ok2 || !ok3 || !ok4 || h > 23 || m > 59 {
		return 0, fmt.Errorf("must be a time of day written HH:MM between 00:00 and 23:59")
	}
	return ClockTime(h*60 + m), nil
}

// String writes c as "HH:MM".
func (c ClockTime) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// QuietHours are the hours of a viewer's night, on their own wall clock,
// in which no long-range SMS reminder arrives. Start is inside them, End
// is not; when Start is later than End they cross midnight.
type QuietHours struct {
	Start, End ClockTime
}

// DefaultQuietHours are an event's SMS quiet hours unless its host says
// otherwise: 21:00 to 08:00.
var DefaultQuietHours = QuietHours{Start: 21 * 60, End: 8 * 60}

// QuietHoursMinOffset is the shortest reminder quiet hours hold: a
// reminder sooner before the start than this is about tonight's or
// tomorrow morning's show, and goes at its time.
const QuietHoursMinOffset = 12 * time.Hour

// ReasonQuietHours is why an SMS reminder that quiet hours would hold past
// the next reminder (or the start) is skipped.
const ReasonQuietHours = "quiet hours"

type quietHoursJSON struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// MarshalJSON writes q as {"start": "21:00", "end": "08:00"}.
func (q QuietHours) MarshalJSON() ([]byte, error) {
	return json.Marshal(quietHoursJSON{Start: q.Start.String(), End: q.End.String()})
}

// String writes q as "21:00–08:00".
func (q QuietHours) String() string { return q.Start.String() + "–" + q.End.String() }

// JSONValue is a JSON value kept as it was sent, for a setting where null
// (switch it off) and absent (leave it) differ: "" when absent, "null" for
// null. The domain decodes it strictly, naming every field it does not
// know.
type JSONValue string

// UnmarshalJSON keeps b as it is.
func (j *JSONValue) UnmarshalJSON(b []byte) error {
	*j = JSONValue(b)
	return nil
}

// IsNull reports whether the value is JSON null.
func (j JSONValue) IsNull() bool { return strings.TrimSpace(string(j)) == "null" }

// decodeObject decodes a JSON object of j into dst, recording in v every
// problem under field: not an object, a field dst does not know, a value
// of the wrong type.
func (j JSONValue) decodeObject(v *ValidationError, field string, dst any) bool {
	raw := bytes.TrimSpace([]byte(j))
	if len(raw) == 0 || raw[0] != '{' {
		v.Add(field, "must be an object or null")
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var typ *json.UnmarshalTypeError
		msg := err.Error()
		switch {
		case strings.HasPrefix(msg, "json: unknown field "):
			name := strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
			v.Add(field+"."+name, "unknown field")
		case errors.As(err, &typ) && typ.Field != "":
			v.Add(field+"."+typ.Field, "has the wrong type")
		default:
			v.Add(field, "must be an object or null")
		}
		return false
	}
	return true
}

// parseQuietHours reads the sms_quiet_hours setting: null switches quiet
// hours off (nil), an object sets them.
func parseQuietHours(v *ValidationError, field string, raw JSONValue) (*QuietHours, bool) {
	if raw.IsNull() {
		return nil, true
	}
	var in struct {
		Start *string `json:"start"`
		End   *string `json:"end"`
	}
	if !raw.decodeObject(v, field, &in) {
		return nil, false
	}
	var q QuietHours
	ok := true
	for _, p := range []struct {
		name string
		s    *string
		dst  *ClockTime
	}{{"start", in.Start, &q.Start}, {"end", in.End, &q.End}} {
		if p.s == nil {
			v.Add(field+"."+p.name, "is required (HH:MM), or set "+field+" to null to switch quiet hours off")
			ok = false
			continue
		}
		c, err := ParseClock(strings.TrimSpace(*p.s))
		if err != nil {
			v.Add(field+"."+p.name, err.Error())
			ok = false
			continue
		}
		*p.dst = c
	}
	if ok && q.Start == q.End {
		v.Add(field, "start and end must differ")
		ok = false
	}
	return &q, ok
}

// QuietHoursInput is the sms_quiet_hours setting as a host sends it, for
// callers that build an EventInput in Go: nil switches quiet hours off.
func QuietHoursInput(q *QuietHours) JSONValue {
	if q == nil {
		return "null"
	}
	b, _ := q.MarshalJSON()
	return JSONValue(b)
}

// sameQuietHours reports whether a and b are the same setting.
func sameQuietHours(a, b *QuietHours) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// QuietHoursEnd says whether t falls inside quiet hours q on the wall
// clock of loc and, if so, when they end: the first instant after t at
// which that clock reads q.End. On a night whose clocks change the end is
// still read off the clock: quiet hours ending at 02:30 on a night that
// jumps from 02:00 to 03:00 end at the jump, and on a night that repeats
// an hour they end the first time the clock reads q.End after t.
func QuietHoursEnd(t time.Time, loc *time.Location, q QuietHours) (time.Time, bool) {
	local := t.In(loc)
	tod := local.Hour()*3600 + local.Minute()*60 + local.Second()
	start, end := int(q.Start)*60, int(q.End)*60
	var inside, nextDay bool
	if start < end {
		inside = tod >= start && tod < end
	} else {
		inside = tod >= start || tod < end
		nextDay = tod >= start
	}
	if !inside {
		return time.Time{}, false
	}
	y, m, d := local.Date()
	if nextDay {
		d++
	}
	until := time.Date(y, m, d, int(q.End)/60, int(q.End)%60, 0, 0, loc)
	if l := until.In(loc); l.Hour()*60+l.Minute() != int(q.End) {
		// The clock skips the end (it springs forward over it): the
		// quiet hours end when it jumps.
		until = transitionNear(until, loc)
	}
	if !until.After(t) {
		// A clock that went back: the end read first was before t, and the
		// clock reaches it again (end − tod on the wall) later.
		wall := end - tod
		if wall <= 0 {
			wall += 24 * 3600
		}
		until = t.Add(time.Duration(wall) * time.Second)
	}
	return until, true
}

// transitionNear is the instant within three hours of t at which loc's
// offset from UTC changes (there is one: t's wall time does not exist).
func transitionNear(t time.Time, loc *time.Location) time.Time {
	lo, hi := t.Add(-3*time.Hour), t.Add(3*time.Hour)
	_, before := lo.In(loc).Zone()
	for hi.Sub(lo) > time.Second {
		mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Second)
		if _, off := mid.In(loc).Zone(); off == before {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// QuietHoursHold decides an SMS reminder sent offset before the start and
// due at due, to a viewer whose clock is loc: held is false when it goes at
// its time (no quiet hours, a reminder under QuietHoursMinOffset, or a time
// outside them); otherwise until is the end of the quiet hours, and skip
// is true when that is not before deadline (the next reminder of the
// viewer's ladder, or the start): it would arrive with, or after, what
// follows it.
func QuietHoursHold(offset time.Duration, due, deadline time.Time, loc *time.Location, q *QuietHours) (until time.Time, held, skip bool) {
	if q == nil || offset < QuietHoursMinOffset {
		return time.Time{}, false, false
	}
	until, held = QuietHoursEnd(due, loc, *q)
	if !held {
		return time.Time{}, false, false
	}
	return until, true, !until.Before(deadline)
}

// ReminderDeadline is when a reminder of arm's ladder due at due stops
// making sense: the next reminder's time of that ladder, or the start.
func (e Event) ReminderDeadline(arm string, due time.Time) time.Time {
	deadline := e.ScheduledStart
	for _, iv := range e.ArmIntervals(arm) {
		if t := e.ReminderAt(iv); t.After(due) && t.Before(deadline) {
			deadline = t
		}
	}
	return deadline
}

// SMSQuietHold applies the event's SMS quiet hours to one message of n to
// r at now: held until a time still ahead (the message waits for it), or
// skipped with ReasonQuietHours, or neither (it goes now). Only SMS
// reminders of QuietHoursMinOffset or more are ever held. The time judged
// is the reminder's own, or now when the message leaves later than that
// (its claim waited, onair was down): a late message does not wake the
// viewer either. A held message asked again at the end of its quiet hours
// is outside them, and goes.
func SMSQuietHold(n Notification, ev Event, r Registration, now time.Time) (until time.Time, reason string) {
	if n.Channel != ChannelSMS || n.Kind != KindReminder {
		return time.Time{}, ""
	}
	iv, err := ParseInterval(n.Interval)
	if err != nil {
		return time.Time{}, ""
	}
	at := n.ScheduledTime
	if now.After(at) {
		at = now
	}
	until, held, skip := QuietHoursHold(iv.Offset, at, ev.ReminderDeadline(n.Arm, n.ScheduledTime),
		ViewerZone(ev, r), ev.Notifications.SMSQuietHours)
	switch {
	case !held:
		return time.Time{}, ""
	case skip:
		return time.Time{}, ReasonQuietHours
	case until.After(now):
		return until, ""
	}
	return time.Time{}, ""
}

// HeldReason is the note a held delivery carries until it leaves.
func HeldReason(until time.Time) string {
	return "held until " + until.UTC().Format(time.RFC3339) + " (quiet hours)"
}

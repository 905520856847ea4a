package onair

import (
	"slices"
	"time"
)

// Duplicate is a new event of the same host with every setting of e, at
// the start scheduledStart (required, in the future), with no registrants:
// scheduled, as if just created.
func (e Event) Duplicate(scheduledStart *string, now time.Time) (Event, error) {
	d := e
	d.ID = NewID()
	d.Status = StatusScheduled
	d.ScheduledStart = time.Time{} // the new start is always checked
	d.Intervals = slices.Clone(e.Intervals)
	if e.ABTest != nil {
		d.ABTest = &ABTest{IntervalsB: slices.Clone(e.ABTest.IntervalsB)}
	}
	if q := e.Notifications.SMSQuietHours; q != nil {
		qh := *q
		d.Notifications.SMSQuietHours = &qh
	}
	d.ABSeq = 0
	d.RegistrationFields = CloneQuestions(e.RegistrationFields)
	d.RegistrationCount = 0
	d.Version, d.Sequence = 1, 0
	d.StartedAt, d.EndedAt, d.CancelledAt = nil, nil, nil
	d.CreatedAt, d.UpdatedAt = now, now
	v := &ValidationError{}
	if scheduledStart == nil {
		v.Add("scheduled_start", "is required: the duplicate's start")
	}
	d, _ = d.apply(v, EventInput{ScheduledStart: scheduledStart}, now)
	if err := v.Err(); err != nil {
		return Event{}, err
	}
	return d, nil
}

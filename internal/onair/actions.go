package onair

import "time"

// Actions are the changes a host may make to an event as it stands: the
// buttons a page offers. Each is found by trying the change itself (Update,
// Start, End, Cancel) on a copy, so a page can never offer what the rules
// refuse; End is offered for a live event only. Delete is offered once the
// event is over (Deletable).
type Actions struct {
	Edit, Reschedule, Start, End, Cancel, Delete bool
}

// Deletable reports whether e may be deleted: only once it is over (ended
// or cancelled), so that nothing still planned goes with it unnoticed.
func (e Event) Deletable() bool { return e.Status == StatusEnded || e.Status == StatusCancelled }

// Actions says which changes e allows at now.
func (e Event) Actions(now time.Time) Actions {
	_, _, edit := e.Update(EventInput{}, now)
	// A reschedule is an Update of the start to another time ahead.
	probe := now.Add(time.Hour).Truncate(time.Second)
	if probe.Equal(e.ScheduledStart) {
		probe = probe.Add(time.Hour)
	}
	start := probe.Format(time.RFC3339)
	_, _, reschedule := e.Update(EventInput{ScheduledStart: &start}, now)
	_, startErr := e.Start(now)
	_, endErr := e.End(now)
	_, cancelErr := e.Cancel(now)
	// Ending an event that never went live is allowed (the API keeps it),
	// but not offered: before the start, the host's choice is to cancel.
	return Actions{Edit: edit == nil, Reschedule: reschedule == nil, Start: startErr == nil,
		End: endErr == nil && e.Status == StatusLive, Cancel: cancelErr == nil, Delete: e.Deletable()}
}

// ReminderAt is when e's reminder of interval iv is due.
func (e Event) ReminderAt(iv Interval) time.Time { return e.ScheduledStart.Add(-iv.Offset) }

// ReminderPassed reports whether e's reminder of interval iv is already
// past at now: the reminder PlanReminders plans as skipped.
func (e Event) ReminderPassed(iv Interval, now time.Time) bool { return !e.ReminderAt(iv).After(now) }

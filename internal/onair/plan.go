package onair

import (
	"time"
)

// StartingNowGrace is how long after the start the "now" message may still
// go out after downtime; later it would announce a show half over.
const StartingNowGrace = 15 * time.Minute

// Channels are the channels an event's messages use, email first.
func (e Event) Channels() []Channel {
	var chs []Channel
	if e.Notifications.EmailEnabled {
		chs = append(chs, ChannelEmail)
	}
	if e.Notifications.SMSEnabled {
		chs = append(chs, ChannelSMS)
	}
	return chs
}

// PlanReminders is an event's reminder plan: one notification for each
// chosen interval on each enabled channel, due at the start minus the
// interval; in an A/B test, that for each arm's ladder, each notification
// marked with its arm. Offsets are real durations, so "1 day before" a start just after
// a DST change is 24 real hours before it. A reminder whose time has already
// passed at now is planned as skipped, with the reason, never sent late.
func PlanReminders(ev Event, now time.Time) []Notification {
	var plan []Notification
	for _, arm := range ev.PlanArms() {
		plan = append(plan, planLadder(ev, arm, now)...)
	}
	return plan
}

// planLadder is the reminder plan of one arm's ladder ("" for every
// registrant).
func planLadder(ev Event, arm string, now time.Time) []Notification {
	var plan []Notification
	for _, ch := range ev.Channels() {
		for _, iv := range ev.ArmIntervals(arm) {
			n := Notification{
				ID:            NewID(),
				EventID:       ev.ID,
				Kind:          KindReminder,
				Interval:      iv.String(),
				Channel:       ch,
				Arm:           arm,
				ScheduledTime: ev.ReminderAt(iv),
				Status:        NotifScheduled,
				EventVersion:  ev.Version,
				CreatedAt:     now,
				UpdatedAt:     now,
			}
			if iv.Offset == 0 {
				n.Kind = KindStartingNow
			}
			if ev.ReminderPassed(iv, now) {
				n.Status = NotifSkipped
				n.ErrorDetails = "its time had already passed when the event was scheduled for " + ev.ScheduledStart.UTC().Format(time.RFC3339)
			}
			plan = append(plan, n)
		}
	}
	return plan
}

// PlanKey identifies a reminder within a plan: the same interval on the same
// channel for the same arm is the same reminder, whatever its time.
func (n Notification) PlanKey() string {
	if n.Arm != "" {
		return string(n.Channel) + "/" + n.Interval + "/" + n.Arm
	}
	return string(n.Channel) + "/" + n.Interval
}

// IsReminder reports whether n belongs to the reminder plan (as opposed to a
// confirmation or a notice).
func (n Notification) IsReminder() bool { return n.Kind == KindReminder || n.Kind == KindStartingNow }

// The reasons a notification is stale whatever its time; a late one says
// when it was due and when it could go (StaleReason).
const (
	ReasonEventEnded     = "the event had ended"
	ReasonEventCancelled = "the event was cancelled"
	ReasonEventChanged   = "the event was changed after this was planned"
	ReasonEventStarted   = "the event had already started"
)

// StaleReason says why a notification whose time has come must not be sent
// at now, or "" when it still makes sense. It is checked when a notification
// is dispatched and again before each message leaves:
//   - nothing but the cancel notice goes out for a cancelled event, and
//     nothing at all once the event has ended;
//   - a reminder found late (onair was down) still goes out while it is
//     before both the next reminder's time (of its own arm's ladder, in
//     an A/B test) and the start;
//   - the "now" message goes out up to StartingNowGrace after the start;
//   - a reschedule notice is pointless once the event has started;
//   - a follow-up goes only after the end, up to FollowUpGrace late.
func StaleReason(n Notification, ev Event, now time.Time) string {
	if n.IsFollowUp() {
		return followUpStaleReason(n, ev, now)
	}
	switch {
	case ev.Status == StatusEnded:
		return ReasonEventEnded
	case ev.Status == StatusCancelled && n.Kind != KindCancelled:
		return ReasonEventCancelled
	case n.EventVersion != ev.Version && !n.Kind.Personal() && n.Kind != KindCancelled:
		return ReasonEventChanged
	}
	switch n.Kind {
	case KindReminder:
		deadline := ev.ReminderDeadline(n.Arm, n.ScheduledTime)
		if !now.Before(deadline) {
			what := "the start"
			if deadline.Before(ev.ScheduledStart) {
				what = "the next reminder's time"
			}
			return "it was due at " + stamp(n.ScheduledTime) + " but could only be sent at " + stamp(now) + ", after " + what
		}
	case KindStartingNow:
		if now.After(ev.ScheduledStart.Add(StartingNowGrace)) {
			return "it was due at " + stamp(n.ScheduledTime) + " but could only be sent at " + stamp(now) + ", more than 15 minutes after the start"
		}
	case KindRescheduled:
		if !now.Before(ev.ScheduledStart) {
			return ReasonEventStarted
		}
	}
	return ""
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// OutcomeStatus is a notification's status once its fan-out is done, from
// its counts: sending while any message is still on its way, then sent,
// failed or partially failed. Recipients skipped at send time (they
// unsubscribed meanwhile) count for neither side.
func OutcomeStatus(recipients, sent, failed, skipped int) NotificationStatus {
	switch {
	case sent+failed+skipped < recipients:
		return NotifSending
	case sent == 0 && failed == 0 && skipped > 0:
		return NotifSkipped // nobody was left to send to
	case failed == 0:
		return NotifSent
	case sent == 0:
		return NotifFailed
	}
	return NotifPartiallyFailed
}

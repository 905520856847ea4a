package onair

import "time"

// PlanChange is what a change of an event does to its notifications.
type PlanChange struct {
	// Insert are new notifications: reminders added to the plan, and the
	// notices that tell registrants of a reschedule or a cancel.
	Insert []Notification
	// Update are existing notifications with a new time, version or status
	// (moved, skipped, or cancelled).
	Update []Notification
}

// Replan decides what happens to an event's notifications when it changes
// from before to after at now, given the notifications it has:
//   - cancel: every pending notification is cancelled, and one cancel
//     notice per channel tells registrants;
//   - end: every pending notification is skipped, and the follow-ups are
//     planned;
//   - a change of an ended event's follow-ups plans again those not sent;
//   - reschedule: pending reminders move to the new time (skipped if that
//     is past), reminders already sent or skipped are planned again when the
//     new time is ahead, and one notice per channel gives the new time;
//   - other changes to the plan (intervals, channels) add and cancel
//     reminders without touching those that stay.
func Replan(before, after Event, existing []Notification, now time.Time) PlanChange {
	var pc PlanChange
	pending := func(n Notification) bool { return n.Status == NotifScheduled }
	settle := func(n Notification, status NotificationStatus, why string) {
		n.Status, n.ErrorDetails, n.UpdatedAt = status, why, now
		pc.Update = append(pc.Update, n)
	}

	switch {
	case after.Status == StatusCancelled && before.Status != StatusCancelled:
		for _, n := range existing {
			if pending(n) {
				settle(n, NotifCancelled, ReasonEventCancelled)
			}
		}
		pc.Insert = append(pc.Insert, notices(after, KindCancelled, nil, now)...)
		return pc
	case after.Status == StatusEnded && before.Status != StatusEnded:
		for _, n := range existing {
			if pending(n) {
				settle(n, NotifSkipped, ReasonEventEnded)
			}
		}
		pc.Insert = append(pc.Insert, PlanFollowUps(after, now)...)
		return pc
	case after.Status == StatusEnded:
		if before.FollowUps != after.FollowUps {
			replanFollowUps(after, existing, now, &pc)
		}
		return pc
	}

	rescheduled := !after.ScheduledStart.Equal(before.ScheduledStart)
	if !rescheduled && sameIntervals(before.Intervals, after.Intervals) && sameABTest(before.ABTest, after.ABTest) &&
		before.Notifications.EmailEnabled == after.Notifications.EmailEnabled &&
		before.Notifications.SMSEnabled == after.Notifications.SMSEnabled {
		return pc
	}
	// Reminders are handled by key (interval and channel), not by row: a
	// key may have several rows over its life (sent, then planned again
	// after a reschedule; cancelled, then added back).
	plan := PlanReminders(after, now)
	wanted := map[string]bool{}
	byKey := map[string][]Notification{}
	for _, n := range existing {
		if n.IsReminder() {
			byKey[n.PlanKey()] = append(byKey[n.PlanKey()], n)
		}
	}
	for _, want := range plan {
		key := want.PlanKey()
		wanted[key] = true
		kept := false
		for _, n := range byKey[key] {
			switch {
			case pending(n) && !kept:
				// The pending row moves to the wanted time (or stays).
				kept = true
				if n.ScheduledTime.Equal(want.ScheduledTime) && n.EventVersion == want.EventVersion && want.Status == n.Status {
					continue
				}
				n.ScheduledTime, n.EventVersion, n.Status, n.ErrorDetails, n.UpdatedAt =
					want.ScheduledTime, want.EventVersion, want.Status, want.ErrorDetails, now
				pc.Update = append(pc.Update, n)
			case pending(n):
				settle(n, NotifCancelled, "replaced by another reminder for the same time")
			}
		}
		if kept {
			continue
		}
		// Nothing new to say when a row for this very time went out, or was
		// skipped and still would be; a cancelled row says nothing.
		for _, n := range byKey[key] {
			if n.ScheduledTime.Equal(want.ScheduledTime) && n.Status != NotifCancelled &&
				(n.Status != NotifSkipped || want.Status == NotifSkipped) {
				kept = true
			}
		}
		if !kept {
			pc.Insert = append(pc.Insert, want)
		}
	}
	for key, rows := range byKey {
		if wanted[key] {
			continue
		}
		for _, n := range rows {
			if pending(n) {
				settle(n, NotifCancelled, "removed from the reminder plan")
			}
		}
	}
	if rescheduled {
		// Registrants who were not yet told of an earlier move still know
		// the start before it: that notice gives way to this one.
		previous := before.ScheduledStart
		for _, n := range existing {
			if n.Kind == KindRescheduled && pending(n) {
				if n.PreviousStart != nil {
					previous = *n.PreviousStart
				}
				settle(n, NotifCancelled, "superseded by a later reschedule")
			}
		}
		if previous.Equal(after.ScheduledStart) {
			// Moved back to the start the untold registrants know: those
			// who registered in between know the start before this move.
			previous = before.ScheduledStart
		}
		pc.Insert = append(pc.Insert, notices(after, KindRescheduled, &previous, now)...)
	}
	return pc
}

// notices are the notifications that tell every registrant of a change at
// once, one per channel.
func notices(ev Event, kind NotificationKind, previous *time.Time, now time.Time) []Notification {
	var out []Notification
	for _, ch := range ev.Channels() {
		out = append(out, Notification{
			ID: NewID(), EventID: ev.ID, Kind: kind, Channel: ch, ScheduledTime: now,
			Status: NotifScheduled, EventVersion: ev.Version, PreviousStart: previous,
			CreatedAt: now, UpdatedAt: now,
		})
	}
	return out
}

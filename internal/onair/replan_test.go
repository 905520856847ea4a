package onair

import (
	"testing"
	"time"
)

func kinds(ns []Notification) map[string]int {
	out := map[string]int{}
	for _, n := range ns {
		out[string(n.Kind)+"/"+string(n.Status)]++
	}
	return out
}

func TestReplan(t *testing.T) {
	before := eventAt(t, "2026-12-15T14:00:00Z", "UTC", []string{"1week", "1day", "1hour"}, true, true)
	plan := PlanReminders(before, now)

	t.Run("cancel cancels what is pending and sends one notice per channel", func(t *testing.T) {
		sent := plan[0]
		sent.Status = NotifSent
		existing := append([]Notification{sent}, plan[1:]...)
		after, _ := before.Cancel(now)
		pc := Replan(before, after, existing, now)
		if got := kinds(pc.Update); got["reminder/cancelled"] != 5 || len(pc.Update) != 5 {
			t.Errorf("updates %v", got)
		}
		if got := kinds(pc.Insert); got["cancelled/scheduled"] != 2 || len(pc.Insert) != 2 {
			t.Errorf("inserts %v", got)
		}
		for _, n := range pc.Insert {
			if n.EventVersion != after.Version {
				t.Errorf("notice planned for version %d, want %d", n.EventVersion, after.Version)
			}
		}
	})
	t.Run("end skips what is pending and tells nobody", func(t *testing.T) {
		after, _ := before.End(now)
		pc := Replan(before, after, plan, now)
		if got := kinds(pc.Update); got["reminder/skipped"] != 6 || len(pc.Insert) != 0 {
			t.Errorf("updates %v, inserts %d", got, len(pc.Insert))
		}
	})
	t.Run("reschedule moves pending reminders and sends the new time", func(t *testing.T) {
		later := time.Date(2026, 12, 20, 14, 0, 0, 0, time.UTC)
		after, _, err := before.Update(EventInput{ScheduledStart: ptr(later.Format(time.RFC3339))}, now)
		if err != nil {
			t.Fatal(err)
		}
		pc := Replan(before, after, plan, now)
		if len(pc.Update) != 6 {
			t.Fatalf("%d updates", len(pc.Update))
		}
		for _, n := range pc.Update {
			iv, _ := ParseInterval(n.Interval)
			if !n.ScheduledTime.Equal(later.Add(-iv.Offset)) || n.EventVersion != after.Version || n.Status != NotifScheduled {
				t.Errorf("%s moved to %v v%d %s", n.PlanKey(), n.ScheduledTime, n.EventVersion, n.Status)
			}
		}
		if got := kinds(pc.Insert); got["rescheduled/scheduled"] != 2 || len(pc.Insert) != 2 {
			t.Errorf("inserts %v", got)
		}
		if p := pc.Insert[0].PreviousStart; p == nil || !p.Equal(before.ScheduledStart) {
			t.Errorf("previous start %v", p)
		}
	})
	t.Run("reschedule closer skips reminders now past", func(t *testing.T) {
		sooner := now.Add(2 * time.Hour)
		after, _, _ := before.Update(EventInput{ScheduledStart: ptr(sooner.Format(time.RFC3339))}, now)
		pc := Replan(before, after, plan, now)
		if got := kinds(pc.Update); got["reminder/skipped"] != 4 || got["reminder/scheduled"] != 2 {
			t.Errorf("updates %v", got)
		}
	})
	t.Run("reschedule plans again a reminder already sent when its new time is ahead", func(t *testing.T) {
		existing := append([]Notification(nil), plan...)
		for i := range existing {
			if existing[i].Interval == "1week" {
				existing[i].Status = NotifSent
			}
		}
		after, _, _ := before.Update(EventInput{ScheduledStart: ptr("2027-01-15T14:00:00Z")}, now)
		pc := Replan(before, after, existing, now)
		if got := kinds(pc.Insert); got["reminder/scheduled"] != 2 || got["rescheduled/scheduled"] != 2 {
			t.Errorf("inserts %v", got)
		}
		if len(pc.Update) != 4 {
			t.Errorf("%d updates, want the 4 pending ones", len(pc.Update))
		}
	})
	t.Run("a second reschedule before the first notice left replaces it", func(t *testing.T) {
		mid, _, _ := before.Update(EventInput{ScheduledStart: ptr("2026-12-16T14:00:00Z")}, now)
		first := Replan(before, mid, plan, now)
		existing := append(append([]Notification(nil), first.Update...), first.Insert...)
		last, _, _ := mid.Update(EventInput{ScheduledStart: ptr("2026-12-17T14:00:00Z")}, now)
		pc := Replan(mid, last, existing, now)
		if got := kinds(pc.Update); got["rescheduled/cancelled"] != 2 {
			t.Errorf("updates %v", got)
		}
		var notices int
		for _, n := range pc.Insert {
			if n.Kind == KindRescheduled {
				notices++
				if n.PreviousStart == nil || !n.PreviousStart.Equal(before.ScheduledStart) {
					t.Errorf("the notice says the old start was %v, want %v", n.PreviousStart, before.ScheduledStart)
				}
			}
		}
		if notices != 2 {
			t.Errorf("%d notices", notices)
		}
	})
	t.Run("moved back before the first notice left, the notice gives the start in between", func(t *testing.T) {
		mid, _, _ := before.Update(EventInput{ScheduledStart: ptr("2026-12-16T14:00:00Z")}, now)
		first := Replan(before, mid, plan, now)
		existing := append(append([]Notification(nil), first.Update...), first.Insert...)
		back, _, _ := mid.Update(EventInput{ScheduledStart: ptr("2026-12-15T14:00:00Z")}, now)
		pc := Replan(mid, back, existing, now)
		var notices int
		for _, n := range pc.Insert {
			if n.Kind == KindRescheduled {
				notices++
				// Not "moved from 14:00 to 14:00": whoever registered in
				// between knows the 16th.
				if n.PreviousStart == nil || !n.PreviousStart.Equal(mid.ScheduledStart) {
					t.Errorf("the notice says the old start was %v, want %v", n.PreviousStart, mid.ScheduledStart)
				}
			}
		}
		if notices != 2 {
			t.Errorf("%d notices", notices)
		}
	})
	t.Run("adding and removing intervals", func(t *testing.T) {
		after, _, _ := before.Update(EventInput{SelectedIntervals: &[]string{"1day", "1hour", "now"}}, now)
		pc := Replan(before, after, plan, now)
		if got := kinds(pc.Update); got["reminder/cancelled"] != 2 || len(pc.Update) != 2 {
			t.Errorf("updates %v", got)
		}
		if got := kinds(pc.Insert); got["starting_now/scheduled"] != 2 || len(pc.Insert) != 2 {
			t.Errorf("inserts %v", got)
		}
	})
	t.Run("turning SMS off cancels its reminders", func(t *testing.T) {
		after, _, _ := before.Update(EventInput{NotificationSettings: &NotificationSettingsInput{SMSEnabled: ptr(false)}}, now)
		pc := Replan(before, after, plan, now)
		for _, n := range pc.Update {
			if n.Channel != ChannelSMS || n.Status != NotifCancelled {
				t.Errorf("%s %s", n.PlanKey(), n.Status)
			}
		}
		if len(pc.Update) != 3 || len(pc.Insert) != 0 {
			t.Errorf("%d updates, %d inserts", len(pc.Update), len(pc.Insert))
		}
	})
	t.Run("an interval removed and added back is planned again", func(t *testing.T) {
		without, _, _ := before.Update(EventInput{SelectedIntervals: &[]string{"1week", "1day"}}, now)
		first := Replan(before, without, plan, now)
		existing := apply(plan, first)
		again, _, _ := without.Update(EventInput{SelectedIntervals: &[]string{"1week", "1day", "1hour"}}, now)
		pc := Replan(without, again, existing, now)
		if got := kinds(pc.Insert); got["reminder/scheduled"] != 2 || len(pc.Insert) != 2 {
			t.Errorf("inserts %v", got)
		}
	})
	t.Run("a channel turned off and on again is planned again", func(t *testing.T) {
		off, _, _ := before.Update(EventInput{NotificationSettings: &NotificationSettingsInput{EmailEnabled: ptr(false)}}, now)
		existing := apply(plan, Replan(before, off, plan, now))
		on, _, _ := off.Update(EventInput{NotificationSettings: &NotificationSettingsInput{EmailEnabled: ptr(true)}}, now)
		pc := Replan(off, on, existing, now)
		if got := kinds(pc.Insert); got["reminder/scheduled"] != 3 || len(pc.Insert) != 3 {
			t.Errorf("inserts %v", got)
		}
	})
	t.Run("a reminder planned again after a reschedule survives a later plan change", func(t *testing.T) {
		existing := append([]Notification(nil), plan...)
		for i := range existing {
			if existing[i].Interval == "1day" {
				existing[i].Status = NotifSent
			}
		}
		later, _, _ := before.Update(EventInput{ScheduledStart: ptr("2026-12-20T14:00:00Z")}, now)
		existing = apply(existing, Replan(before, later, existing, now))
		more, _, _ := later.Update(EventInput{SelectedIntervals: &[]string{"1week", "1day", "1hour", "15minutes"}}, now)
		pc := Replan(later, more, existing, now)
		for _, n := range pc.Update {
			if n.Status == NotifCancelled {
				t.Errorf("%s cancelled: %s", n.PlanKey(), n.ErrorDetails)
			}
		}
		if got := kinds(pc.Insert); got["reminder/scheduled"] != 2 {
			t.Errorf("inserts %v", got)
		}
	})
	t.Run("a title change touches nothing", func(t *testing.T) {
		after, _, _ := before.Update(EventInput{Title: ptr("Renamed")}, now)
		if pc := Replan(before, after, plan, now); len(pc.Update)+len(pc.Insert) != 0 {
			t.Errorf("got %+v", pc)
		}
	})
}

func TestSendBlockedReason(t *testing.T) {
	ev := eventAt(t, "2026-12-15T14:00:00Z", "UTC", []string{"1day"}, true, true)
	n := PlanReminders(ev, now)[0]
	at := n.ScheduledTime
	erased := at.Add(-time.Hour)
	reg := Registration{Status: RegRegistered, Email: "ada@example.com", Phone: "+14155550100"}
	with := func(f func(*Registration)) Registration { r := reg; f(&r); return r }
	notif := func(status NotificationStatus) Notification { m := n; m.Status = status; return m }
	cancelledEvent := ev
	cancelledEvent.Status, cancelledEvent.Version = StatusCancelled, ev.Version+1
	tests := []struct {
		name   string
		n      Notification
		ev     Event
		r      Registration
		ch     Channel
		supp   bool
		at     time.Time
		reason string // "" when it may leave
	}{
		{"eligible by email", n, ev, reg, ChannelEmail, false, at, ""},
		{"eligible by sms", n, ev, reg, ChannelSMS, false, at, ""},
		{"unsubscribed", n, ev, Registration{Status: RegUnsubscribed, Email: "a@example.com"}, ChannelEmail, false, at, ReasonUnsubscribed},
		{"registration cancelled", n, ev, with(func(r *Registration) { r.Status = RegCancelled }), ChannelEmail, false, at, ReasonRegistrationCancelled},
		{"erased, whatever its status says", n, ev, Registration{Status: RegUnsubscribed, ErasedAt: &erased}, ChannelEmail, false, at, ReasonErased},
		{"suppressed", n, ev, reg, ChannelEmail, true, at, ReasonSuppressed},
		{"sms without phone", n, ev, with(func(r *Registration) { r.Phone = "" }), ChannelSMS, false, at, ReasonNoPhone},
		{"email without phone", n, ev, with(func(r *Registration) { r.Phone = "" }), ChannelEmail, false, at, ""},
		{"email without an address", n, ev, with(func(r *Registration) { r.Email = "" }), ChannelEmail, false, at, ReasonNoEmail},
		{"notification cancelled", notif(NotifCancelled), ev, reg, ChannelEmail, false, at, ReasonNotificationCancelled},
		{"notification skipped", notif(NotifSkipped), ev, reg, ChannelEmail, false, at, ReasonNotificationSkipped},
		{"the registrant before the notification", notif(NotifCancelled), ev, Registration{Status: RegUnsubscribed}, ChannelEmail, false, at, ReasonUnsubscribed},
		{"event cancelled", n, cancelledEvent, reg, ChannelEmail, false, at, ReasonEventCancelled},
		{"registered before the reminder's time, sent late", n, ev, with(func(r *Registration) { r.CreatedAt = at.Add(-time.Second) }), ChannelEmail, false, at.Add(time.Hour), ""},
		{"registered after the reminder's time, before it went out", n, ev, with(func(r *Registration) { r.CreatedAt = at.Add(time.Second) }), ChannelEmail, false, at.Add(time.Hour), ReasonRegisteredLate},
		{"registered at the reminder's time", n, ev, with(func(r *Registration) { r.CreatedAt = at }), ChannelSMS, false, at, ReasonRegisteredLate},
		{"a notice goes to a registrant of after its time", Notification{Kind: KindRescheduled, Status: NotifSending, ScheduledTime: at, EventVersion: ev.Version}, ev, with(func(r *Registration) { r.CreatedAt = at.Add(time.Second) }), ChannelEmail, false, at.Add(time.Minute), ""},
		{"stale", n, ev, reg, ChannelEmail, false, ev.ScheduledStart,
			"it was due at " + stamp(n.ScheduledTime) + " but could only be sent at " + stamp(ev.ScheduledStart) + ", after the start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SendBlockedReason(tt.n, tt.ev, tt.r, tt.ch, tt.supp, tt.at); got != tt.reason {
				t.Errorf("SendBlockedReason = %q, want %q", got, tt.reason)
			}
		})
	}
}

// apply is what the store does with a plan change.
func apply(existing []Notification, pc PlanChange) []Notification {
	out := append([]Notification(nil), existing...)
	for _, u := range pc.Update {
		for i := range out {
			if out[i].ID == u.ID {
				out[i] = u
			}
		}
	}
	return append(out, pc.Insert...)
}

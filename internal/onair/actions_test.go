package onair

import (
	"testing"
	"time"
)

func TestActions(t *testing.T) {
	scheduled, _ := NewEvent("h1", validInput(), now)
	live, _ := scheduled.Start(now)
	ended, _ := live.End(now)
	cancelled, _ := scheduled.Cancel(now)
	late := scheduled
	late.ScheduledStart = now.Add(-time.Minute) // the time has come; the host has not gone live
	atProbe := scheduled
	atProbe.ScheduledStart = now.Add(time.Hour) // a reschedule to its own start would change nothing
	for _, c := range []struct {
		name string
		ev   Event
		want Actions
	}{
		{"a scheduled event offers everything but End", scheduled, Actions{Edit: true, Reschedule: true, Start: true, Cancel: true}},
		{"a scheduled event past its start may still be moved and started", late, Actions{Edit: true, Reschedule: true, Start: true, Cancel: true}},
		{"a scheduled event an hour ahead may be rescheduled", atProbe, Actions{Edit: true, Reschedule: true, Start: true, Cancel: true}},
		{"a live event is edited, ended or cancelled, not moved or started", live, Actions{Edit: true, End: true, Cancel: true}},
		{"an ended event allows only its deletion", ended, Actions{Delete: true}},
		{"a cancelled event allows only its deletion", cancelled, Actions{Delete: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.ev.Actions(now); got != c.want {
				t.Errorf("Actions = %+v; want %+v", got, c.want)
			}
		})
	}
}

func TestReminderPassedIsWhatThePlannerSkips(t *testing.T) {
	in := validInput()
	in.SelectedIntervals = &[]string{"2weeks", "1week", "3days", "1day", "1hour", "now", "45m"}
	ev, err := NewEvent("h1", in, now)
	if err != nil {
		t.Fatal(err)
	}
	// Nine days before the start: two weeks is past, one week ahead.
	at := ev.ScheduledStart.Add(-9 * 24 * time.Hour)
	byInterval := map[string]Interval{}
	for _, iv := range ev.Intervals {
		byInterval[iv.String()] = iv
	}
	for _, n := range PlanReminders(ev, at) {
		iv := byInterval[n.Interval]
		if passed := ev.ReminderPassed(iv, at); passed != (n.Status == NotifSkipped) {
			t.Errorf("%s: ReminderPassed = %v, but the planner planned it %s", n.Interval, passed, n.Status)
		}
		if !ev.ReminderAt(iv).Equal(n.ScheduledTime) {
			t.Errorf("%s: ReminderAt = %v, the planner's time %v", n.Interval, ev.ReminderAt(iv), n.ScheduledTime)
		}
	}
	if !ev.ReminderPassed(byInterval["2weeks"], at) || ev.ReminderPassed(byInterval["1week"], at) {
		t.Error("nine days ahead, two weeks must be past and one week ahead")
	}
	if !ev.ReminderPassed(byInterval["now"], ev.ScheduledStart) {
		t.Error("the start's own reminder is past at the start: it is sent then, not later")
	}
}

package onair

import (
	"testing"
	"time"
)

func eventAt(t *testing.T, start string, zone string, intervals []string, email, sms bool) Event {
	t.Helper()
	ev, err := NewEvent("h1", EventInput{
		Title: ptr("T"), ScheduledStart: ptr(start), Timezone: ptr(zone), SelectedIntervals: &intervals,
		NotificationSettings: &NotificationSettingsInput{EmailEnabled: ptr(email), SMSEnabled: ptr(sms)},
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestPlanReminders(t *testing.T) {
	t.Run("one per interval and channel at start minus offset", func(t *testing.T) {
		ev := eventAt(t, "2026-12-15T14:00:00Z", "America/New_York", []string{"1week", "1day", "45m", "now"}, true, true)
		plan := PlanReminders(ev, now)
		if len(plan) != 8 {
			t.Fatalf("%d notifications, want 8", len(plan))
		}
		want := map[string]time.Time{
			"email/1week": time.Date(2026, 12, 8, 14, 0, 0, 0, time.UTC),
			"email/1day":  time.Date(2026, 12, 14, 14, 0, 0, 0, time.UTC),
			"email/45m0s": time.Date(2026, 12, 15, 13, 15, 0, 0, time.UTC),
			"email/now":   time.Date(2026, 12, 15, 14, 0, 0, 0, time.UTC),
			"sms/1week":   time.Date(2026, 12, 8, 14, 0, 0, 0, time.UTC),
			"sms/1day":    time.Date(2026, 12, 14, 14, 0, 0, 0, time.UTC),
			"sms/45m0s":   time.Date(2026, 12, 15, 13, 15, 0, 0, time.UTC),
			"sms/now":     time.Date(2026, 12, 15, 14, 0, 0, 0, time.UTC),
		}
		for _, n := range plan {
			if w, ok := want[n.PlanKey()]; !ok || !n.ScheduledTime.Equal(w) || n.Status != NotifScheduled || n.EventVersion != ev.Version {
				t.Errorf("%s at %v (%s), want %v", n.PlanKey(), n.ScheduledTime, n.Status, w)
			}
			if (n.Interval == "now") != (n.Kind == KindStartingNow) {
				t.Errorf("%s has kind %s", n.PlanKey(), n.Kind)
			}
		}
	})
	t.Run("reminders already past are skipped with the reason", func(t *testing.T) {
		ev := eventAt(t, "2026-11-28T10:00:00Z", "UTC", []string{"2weeks", "1day", "1hour"}, true, false)
		plan := PlanReminders(ev, now) // now is 22 hours before the start
		status := map[string]NotificationStatus{}
		for _, n := range plan {
			status[n.Interval] = n.Status
			if n.Status == NotifSkipped && n.ErrorDetails == "" {
				t.Errorf("%s skipped without a reason", n.Interval)
			}
		}
		if status["2weeks"] != NotifSkipped || status["1day"] != NotifSkipped || status["1hour"] != NotifScheduled {
			t.Errorf("statuses %v", status)
		}
	})
	t.Run("no channel, no plan", func(t *testing.T) {
		if plan := PlanReminders(eventAt(t, "2026-12-15T14:00:00Z", "UTC", []string{"1day"}, false, false), now); len(plan) != 0 {
			t.Errorf("got %d", len(plan))
		}
	})
	// Offsets are real durations: across a DST change the wall-clock
	// difference is not the offset, the elapsed time is.
	dst := []struct {
		name, start, zone, interval string
		want                        time.Time
	}{
		{"New York spring forward", "2027-03-14T12:00:00-04:00", "America/New_York", "1day", time.Date(2027, 3, 13, 16, 0, 0, 0, time.UTC)},
		{"New York fall back", "2027-11-07T09:00:00-05:00", "America/New_York", "1day", time.Date(2027, 11, 6, 14, 0, 0, 0, time.UTC)},
		{"Lord Howe half-hour DST", "2027-04-04T12:00:00+10:30", "Australia/Lord_Howe", "12hours", time.Date(2027, 4, 3, 13, 30, 0, 0, time.UTC)},
		{"Kathmandu quarter-hour zone", "2026-12-15T20:15:00+05:45", "Asia/Kathmandu", "15minutes", time.Date(2026, 12, 15, 14, 15, 0, 0, time.UTC)},
	}
	for _, tt := range dst {
		t.Run(tt.name, func(t *testing.T) {
			start, _ := time.Parse(time.RFC3339, tt.start)
			ev := eventAt(t, tt.start, tt.zone, []string{tt.interval}, true, false)
			ev.ScheduledStart = start.UTC()
			plan := PlanReminders(ev, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			if len(plan) != 1 || !plan[0].ScheduledTime.Equal(tt.want) {
				t.Fatalf("got %v, want %v", plan, tt.want)
			}
			if got := ev.ScheduledStart.Sub(plan[0].ScheduledTime); got.String() != mustInterval(t, tt.interval).Offset.String() {
				t.Errorf("elapsed %v", got)
			}
		})
	}
}

func mustInterval(t *testing.T, s string) Interval {
	t.Helper()
	iv, err := ParseInterval(s)
	if err != nil {
		t.Fatal(err)
	}
	return iv
}

func TestStaleReason(t *testing.T) {
	ev := eventAt(t, "2026-12-15T14:00:00Z", "UTC", []string{"1week", "1day", "1hour", "now"}, true, false)
	start := ev.ScheduledStart
	byInterval := map[string]Notification{}
	for _, n := range PlanReminders(ev, now) {
		byInterval[n.Interval] = n
	}
	with := func(f func(*Event)) Event { e := ev; f(&e); return e }
	late := func(n Notification, at time.Time, after string) string {
		return "it was due at " + n.ScheduledTime.UTC().Format(time.RFC3339) + " but could only be sent at " +
			at.UTC().Format(time.RFC3339) + ", " + after
	}
	tests := []struct {
		name   string
		n      Notification
		ev     Event
		at     time.Time
		reason string // "" when it still makes sense
	}{
		{"on time", byInterval["1day"], ev, start.Add(-24 * time.Hour), ""},
		{"late but before the next reminder", byInterval["1day"], ev, start.Add(-2 * time.Hour), ""},
		{"at the next reminder's time", byInterval["1day"], ev, start.Add(-time.Hour),
			late(byInterval["1day"], start.Add(-time.Hour), "after the next reminder's time")},
		{"1 week late after the 1 day mark", byInterval["1week"], ev, start.Add(-23 * time.Hour),
			late(byInterval["1week"], start.Add(-23*time.Hour), "after the next reminder's time")},
		{"last reminder before the start", byInterval["1hour"], ev, start.Add(-time.Second), ""},
		{"last reminder at the start", byInterval["1hour"], ev, start, late(byInterval["1hour"], start, "after the start")},
		{"now message at the start", byInterval["now"], ev, start, ""},
		{"now message 15 minutes late", byInterval["now"], ev, start.Add(StartingNowGrace), ""},
		{"now message 16 minutes late", byInterval["now"], ev, start.Add(16 * time.Minute),
			late(byInterval["now"], start.Add(16*time.Minute), "more than 15 minutes after the start")},
		{"now message after go live", byInterval["now"], with(func(e *Event) { e.Status = StatusLive }), start, ""},
		{"anything after the end", byInterval["now"], with(func(e *Event) { e.Status = StatusEnded }), start, ReasonEventEnded},
		{"a reminder of a cancelled event", byInterval["1day"], with(func(e *Event) { e.Status = StatusCancelled; e.Version++ }), start.Add(-24 * time.Hour), ReasonEventCancelled},
		{"the cancel notice of a cancelled event", Notification{Kind: KindCancelled, EventVersion: 2}, with(func(e *Event) { e.Status = StatusCancelled; e.Version = 2 }), start, ""},
		{"the cancel notice after the end", Notification{Kind: KindCancelled, EventVersion: 2}, with(func(e *Event) { e.Status = StatusEnded; e.Version = 2 }), start, ReasonEventEnded},
		{"a reminder planned before a reschedule", byInterval["1day"], with(func(e *Event) { e.Version++ }), start.Add(-24 * time.Hour), ReasonEventChanged},
		{"a confirmation is never stale", Notification{Kind: KindConfirmation, EventVersion: 1}, with(func(e *Event) { e.Version = 3 }), start.Add(-time.Minute), ""},
		{"a reschedule notice before the start", Notification{Kind: KindRescheduled, EventVersion: 1}, ev, start.Add(-time.Second), ""},
		{"a reschedule notice after the start", Notification{Kind: KindRescheduled, EventVersion: 1}, ev, start, ReasonEventStarted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := StaleReason(tt.n, tt.ev, tt.at); got != tt.reason {
				t.Errorf("StaleReason = %q, want %q", got, tt.reason)
			}
		})
	}
}

func TestOutcomeStatus(t *testing.T) {
	tests := []struct {
		recipients, sent, failed, skipped int
		want                              NotificationStatus
	}{
		{0, 0, 0, 0, NotifSent},
		{3, 1, 0, 0, NotifSending},
		{3, 3, 0, 0, NotifSent},
		{3, 2, 0, 1, NotifSent},
		{3, 0, 3, 0, NotifFailed},
		{3, 2, 1, 0, NotifPartiallyFailed},
		{2, 0, 0, 2, NotifSkipped},
	}
	for _, tt := range tests {
		if got := OutcomeStatus(tt.recipients, tt.sent, tt.failed, tt.skipped); got != tt.want {
			t.Errorf("OutcomeStatus(%d, %d, %d, %d) = %s, want %s", tt.recipients, tt.sent, tt.failed, tt.skipped, got, tt.want)
		}
	}
}

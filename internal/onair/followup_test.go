package onair

import (
	"testing"
	"time"
)

func endedEvent(fs FollowUps) Event {
	start := time.Date(2026, 12, 15, 14, 0, 0, 0, time.UTC)
	ended := start.Add(time.Hour)
	return Event{ID: NewID(), Status: StatusEnded, ScheduledStart: start, DurationMinutes: 60, EndedAt: &ended,
		Notifications: NotificationSettings{EmailEnabled: true, SMSEnabled: true}, FollowUps: fs, Version: 1}
}

func TestFollowUpInput(t *testing.T) {
	str := func(s string) *string { return &s }
	on := true
	for _, tc := range []struct {
		name, after, field string
		want               time.Duration
	}{
		{"an hour", "1h", "", time.Hour},
		{"right at the end", "0s", "", 0},
		{"thirty days", "720h", "", MaxFollowUpAfter},
		{"more than thirty days", "721h", "follow_ups.attended.after", 0},
		{"before the end", "-1h", "follow_ups.attended.after", 0},
		{"not a duration", "tomorrow", "follow_ups.attended.after", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := &ValidationError{}
			fs := FollowUps{}.apply(v, FollowUpsInput{Attended: &FollowUpInput{Enabled: &on, After: str(tc.after)}})
			switch {
			case tc.field != "" && !v.Has(tc.field):
				t.Errorf("no problem named %s: %v", tc.field, v.Fields)
			case tc.field == "" && (v.Err() != nil || fs.Attended.After != tc.want || !fs.Attended.Enabled):
				t.Errorf("got %+v, %v; want after %v", fs.Attended, v.Err(), tc.want)
			}
		})
	}
}

func TestAudienceReason(t *testing.T) {
	came, missed := Registration{Attended: true}, Registration{}
	for _, tc := range []struct {
		kind NotificationKind
		r    Registration
		want string
	}{
		{KindFollowUpAttended, came, ""},
		{KindFollowUpAttended, missed, ReasonNotAttended},
		{KindFollowUpMissed, missed, ""},
		{KindFollowUpMissed, came, ReasonAttended},
		{KindReminder, came, ""},
		{KindReminder, missed, ""},
	} {
		if got := AudienceReason(tc.kind, tc.r); got != tc.want {
			t.Errorf("%s, attended %v: %q; want %q", tc.kind, tc.r.Attended, got, tc.want)
		}
	}
}

func TestFollowUpsPlannedAtTheEnd(t *testing.T) {
	fs := FollowUps{Attended: FollowUp{Enabled: true, After: time.Hour}, Missed: FollowUp{Enabled: false}}
	live := endedEvent(fs)
	live.Status, live.EndedAt = StatusLive, nil
	end := live.ScheduledStart.Add(90 * time.Minute)
	ended, err := live.End(end)
	if err != nil {
		t.Fatal(err)
	}
	pc := Replan(live, ended, nil, end)
	if len(pc.Insert) != 2 {
		t.Fatalf("%d follow-ups planned; want the attended one on email and SMS", len(pc.Insert))
	}
	for _, n := range pc.Insert {
		if n.Kind != KindFollowUpAttended || !n.ScheduledTime.Equal(end.Add(time.Hour)) || n.Status != NotifScheduled {
			t.Errorf("planned %+v", n)
		}
	}
	// Cancelling plans none: a cancelled event never ends.
	if pc := Replan(live, mustCancel(t, live, end), nil, end); len(pc.Insert) != len(live.Channels()) || pc.Insert[0].Kind != KindCancelled {
		t.Errorf("a cancel plans %+v; want the cancel notices only", pc.Insert)
	}
}

func mustCancel(t *testing.T, e Event, now time.Time) Event {
	t.Helper()
	c, err := e.Cancel(now)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFollowUpsReplannedAfterTheEnd(t *testing.T) {
	on := FollowUp{Enabled: true, After: time.Hour}
	before := endedEvent(FollowUps{Attended: on, Missed: on})
	now := before.EndedAt.Add(30 * time.Minute)
	existing := PlanFollowUps(before, before.EndedAt.Add(time.Minute))
	existing[0].Status = NotifSent // the attended email went out
	after := before
	after.FollowUps.Attended.After = 3 * time.Hour
	after.FollowUps.Missed = FollowUp{}
	pc := Replan(before, after, existing, now)
	if len(pc.Insert) != 0 {
		t.Errorf("inserted %+v; want nothing new (the sent one is never planned again)", pc.Insert)
	}
	got := map[string]Notification{}
	for _, n := range pc.Update {
		got[followUpKey(n)] = n
	}
	if n := got["follow_up_attended/sms"]; n.Status != NotifScheduled || !n.ScheduledTime.Equal(before.EndedAt.Add(3*time.Hour)) {
		t.Errorf("the pending attended SMS: %+v; want moved to 3 h after the end", n)
	}
	for _, k := range []string{"follow_up_missed/email", "follow_up_missed/sms"} {
		if got[k].Status != NotifCancelled {
			t.Errorf("%s: %+v; want cancelled (turned off)", k, got[k])
		}
	}
	if _, moved := got["follow_up_attended/email"]; moved {
		t.Errorf("the sent attended email was changed")
	}
}

func TestFollowUpStaleness(t *testing.T) {
	ev := endedEvent(FollowUps{Attended: FollowUp{Enabled: true, After: time.Hour}})
	n := PlanFollowUps(ev, *ev.EndedAt)[0]
	for _, tc := range []struct {
		name  string
		ev    func(Event) Event
		at    time.Duration // after the follow-up's time
		stale bool
	}{
		{"on time", func(e Event) Event { return e }, 0, false},
		{"late within a day", func(e Event) Event { return e }, 23 * time.Hour, false},
		{"more than a day late", func(e Event) Event { return e }, 25 * time.Hour, true},
		{"turned off", func(e Event) Event { e.FollowUps.Attended.Enabled = false; return e }, 0, true},
		{"event not ended", func(e Event) Event { e.Status = StatusLive; return e }, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := StaleReason(n, tc.ev(ev), n.ScheduledTime.Add(tc.at)); (got != "") != tc.stale {
				t.Errorf("StaleReason = %q; want stale %v", got, tc.stale)
			}
		})
	}
}

func TestAutoEnd(t *testing.T) {
	ev := endedEvent(FollowUps{})
	ev.Status, ev.EndedAt = StatusLive, nil
	due := ev.ScheduledStart.Add(time.Hour + 12*time.Hour)
	if _, ok := ev.AutoEnd(due.Add(-time.Second)); ok {
		t.Error("ended before 12 h after its scheduled end")
	}
	ended, ok := ev.AutoEnd(due)
	if !ok || ended.Status != StatusEnded || !ended.EndedAt.Equal(due) {
		t.Errorf("at 12 h: %v, %+v", ok, ended)
	}
	scheduled := ev
	scheduled.Status = StatusScheduled
	if _, ok := scheduled.AutoEnd(due.Add(time.Hour)); ok {
		t.Error("a scheduled event (never started) was ended")
	}
}

func TestEndedEventTakesOnlyReplayAndFollowUps(t *testing.T) {
	ev := endedEvent(FollowUps{})
	now := ev.EndedAt.Add(time.Hour)
	replay, title := "https://video.example.com/r/1", "New"
	if next, _, err := ev.Update(EventInput{ReplayURL: &replay}, now); err != nil || next.ReplayURL != replay {
		t.Errorf("replay_url after the end: %v", err)
	}
	if _, _, err := ev.Update(EventInput{Title: &title, ReplayURL: &replay}, now); err == nil {
		t.Error("a title changed after the end")
	}
	bad := "ftp://video.example.com/r/1"
	if _, _, err := ev.Update(EventInput{ReplayURL: &bad}, now); err == nil {
		t.Error("an ftp replay_url accepted")
	}
}

func TestParseMessageSample(t *testing.T) {
	ev := endedEvent(FollowUps{})
	ev.Intervals, _ = ParseIntervals([]string{"1hour", "now"})
	for _, tc := range []struct {
		kind, interval, channel string
		want                    NotificationKind
		field                   string
	}{
		{"reminder", "", "", KindReminder, ""},
		{"reminder", "now", "sms", KindStartingNow, ""},
		{"follow_up_missed", "", "sms", KindFollowUpMissed, ""},
		{"bogus", "", "", "", "kind"},
		{"confirmation", "1hour", "", "", "interval"},
		{"reminder", "soon", "", "", "interval"},
		{"cancelled", "", "fax", "", "channel"},
	} {
		ms, err := ParseMessageSample(ev, tc.kind, tc.interval, tc.channel)
		if tc.field != "" {
			v, ok := err.(*ValidationError)
			if !ok || !v.Has(tc.field) {
				t.Errorf("%s/%s/%s: %v; want a problem with %s", tc.kind, tc.interval, tc.channel, err, tc.field)
			}
			continue
		}
		if err != nil || ms.Kind != tc.want {
			t.Errorf("%s/%s/%s: %+v, %v; want %s", tc.kind, tc.interval, tc.channel, ms, err, tc.want)
		}
	}
}

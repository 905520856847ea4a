package onair

import (
	"testing"
	"time"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := LoadZone(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestQuietHoursEnd(t *testing.T) {
	night := DefaultQuietHours                    // 21:00–08:00
	early := QuietHours{Start: 60, End: 6 * 60}   // 01:00–06:00, not crossing midnight
	gap := QuietHours{Start: 22 * 60, End: 150}   // 22:00–02:30
	short := QuietHours{Start: 0, End: 90}        // 00:00–01:30
	lateDay := QuietHours{Start: 13 * 60, End: 0} // 13:00–00:00
	for _, tc := range []struct {
		name  string
		zone  string
		q     QuietHours
		due   string
		until string // "" when not inside
	}{
		{"inside the evening: until the next morning", "America/New_York", night, "2026-12-10T02:00:00Z", "2026-12-10T13:00:00Z"},
		{"a minute before the start is outside", "America/New_York", night, "2026-12-10T01:59:00Z", ""},
		{"inside after midnight: until the same morning", "America/New_York", night, "2026-12-10T08:30:00Z", "2026-12-10T13:00:00Z"},
		{"the end itself is outside", "America/New_York", night, "2026-12-10T13:00:00Z", ""},
		{"a second before the end is inside", "America/New_York", night, "2026-12-10T12:59:59Z", "2026-12-10T13:00:00Z"},
		{"the same instant in Tokyo is daytime", "Asia/Tokyo", night, "2026-12-10T02:00:00Z", ""},
		{"half-hour offset: Kolkata 21:30", "Asia/Kolkata", night, "2026-12-10T16:00:00Z", "2026-12-11T02:30:00Z"},
		{"three-quarter offset: Kathmandu 21:00", "Asia/Kathmandu", night, "2026-12-10T15:15:00Z", "2026-12-11T02:15:00Z"},
		{"Lord Howe in its half-hour summer time", "Australia/Lord_Howe", night, "2026-12-10T11:00:00Z", "2026-12-10T21:00:00Z"},
		{"not crossing midnight: inside", "Europe/Berlin", early, "2026-12-10T00:30:00Z", "2026-12-10T05:00:00Z"},
		{"not crossing midnight: before them", "Europe/Berlin", early, "2026-12-09T23:59:00Z", ""},
		{"not crossing midnight: late evening is outside", "Europe/Berlin", early, "2026-12-09T22:00:00Z", ""},
		{"ending at midnight", "UTC", lateDay, "2026-12-10T15:00:00Z", "2026-12-11T00:00:00Z"},
		// New York springs forward at 02:00 EST on 14 March 2027 (to 03:00 EDT).
		{"spring forward night: 08:00 comes an hour sooner", "America/New_York", night, "2027-03-14T06:30:00Z", "2027-03-14T12:00:00Z"},
		{"spring forward night: an end in the skipped hour", "America/New_York", gap, "2027-03-14T06:00:00Z", "2027-03-14T07:00:00Z"},
		// New York falls back at 02:00 EDT on 1 November 2026 (to 01:00 EST).
		{"fall back night: 08:00 comes an hour later", "America/New_York", night, "2026-11-01T03:00:00Z", "2026-11-01T13:00:00Z"},
		{"fall back night: inside the repeated hour, its first time", "America/New_York", short, "2026-11-01T05:10:00Z", "2026-11-01T05:30:00Z"},
		{"fall back night: inside the repeated hour, its second time", "America/New_York", short, "2026-11-01T06:10:00Z", "2026-11-01T06:30:00Z"},
		// Lord Howe moves half an hour: 02:00 → 02:30 on 4 October 2026.
		{"Lord Howe's half-hour spring forward", "Australia/Lord_Howe", early, "2026-10-03T15:00:00Z", "2026-10-03T19:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			until, inside := QuietHoursEnd(utc(tc.due), zone(t, tc.zone), tc.q)
			if tc.until == "" {
				if inside {
					t.Fatalf("%s in %s: held until %v, want not inside %v", tc.due, tc.zone, until.UTC(), tc.q)
				}
				return
			}
			if !inside || !until.Equal(utc(tc.until)) {
				t.Fatalf("%s in %s: until %v (inside %v), want %s", tc.due, tc.zone, until.UTC(), inside, tc.until)
			}
			if local := until.In(zone(t, tc.zone)); local.Hour()*60+local.Minute() != int(tc.q.End) && tc.q != gap {
				t.Errorf("the end reads %v on the viewer's clock, want %v", local, tc.q.End)
			}
		})
	}
}

func TestQuietHoursHold(t *testing.T) {
	ny := zone(t, "America/New_York")
	q := DefaultQuietHours
	due := utc("2026-12-10T03:00:00Z") // 22:00 EST
	for _, tc := range []struct {
		name                string
		offset              time.Duration
		deadline            string
		q                   *QuietHours
		held, skip          bool
		wantUntilIfNotSkipd string
	}{
		{"a long reminder at night is held to the morning", 14 * 24 * time.Hour, "2026-12-17T03:00:00Z", &q, true, false, "2026-12-10T13:00:00Z"},
		{"12 hours exactly is held", 12 * time.Hour, "2026-12-10T15:00:00Z", &q, true, false, "2026-12-10T13:00:00Z"},
		{"under 12 hours is never held", 12*time.Hour - time.Second, "2026-12-10T15:00:00Z", &q, false, false, ""},
		{"quiet hours off", 24 * time.Hour, "2026-12-11T03:00:00Z", nil, false, false, ""},
		{"the next reminder comes before the morning: skipped", 24 * time.Hour, "2026-12-10T12:00:00Z", &q, true, true, ""},
		{"the next reminder comes with the morning: skipped", 24 * time.Hour, "2026-12-10T13:00:00Z", &q, true, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			until, held, skip := QuietHoursHold(tc.offset, due, utc(tc.deadline), ny, tc.q)
			if held != tc.held || skip != tc.skip {
				t.Fatalf("held %v skip %v, want %v %v", held, skip, tc.held, tc.skip)
			}
			if tc.wantUntilIfNotSkipd != "" && !until.Equal(utc(tc.wantUntilIfNotSkipd)) {
				t.Errorf("until %v, want %s", until.UTC(), tc.wantUntilIfNotSkipd)
			}
		})
	}
}

func TestSMSQuietHold(t *testing.T) {
	// Starts 15 Dec 14:00 UTC = 09:00 in New York; 1week and 1day are at
	// 09:00 there, 3days lands at night in Tokyo (23:00).
	ev := eventAt(t, "2026-12-15T14:00:00Z", "America/New_York", []string{"1week", "3days", "12hours", "1hour"}, true, true)
	remind := func(ch Channel, iv string, arm string) Notification {
		for _, n := range PlanReminders(ev, now) {
			if n.Channel == ch && n.Interval == iv && n.Arm == arm {
				return n
			}
		}
		t.Fatalf("no %s %s reminder", ch, iv)
		return Notification{}
	}
	tokyo := Registration{Timezone: "Asia/Tokyo"}
	ny := Registration{Timezone: ""} // the event's zone
	t.Run("an SMS at night in the viewer's zone is held to the morning", func(t *testing.T) {
		n := remind(ChannelSMS, "3days", "")
		until, reason := SMSQuietHold(n, ev, tokyo, n.ScheduledTime)
		if reason != "" || !until.Equal(utc("2026-12-12T23:00:00Z")) { // 08:00 JST on the 13th
			t.Fatalf("until %v reason %q", until.UTC(), reason)
		}
		if until, reason := SMSQuietHold(n, ev, tokyo, until); !until.IsZero() || reason != "" {
			t.Errorf("at the end of the quiet hours still held: %v %q", until, reason)
		}
	})
	t.Run("the same reminder by email is not held", func(t *testing.T) {
		n := remind(ChannelEmail, "3days", "")
		if until, reason := SMSQuietHold(n, ev, tokyo, n.ScheduledTime); !until.IsZero() || reason != "" {
			t.Errorf("email held: %v %q", until, reason)
		}
	})
	t.Run("a viewer without a zone reads the event's: daytime there", func(t *testing.T) {
		n := remind(ChannelSMS, "3days", "")
		if until, reason := SMSQuietHold(n, ev, ny, n.ScheduledTime); !until.IsZero() || reason != "" {
			t.Errorf("held: %v %q", until, reason)
		}
	})
	t.Run("held while the morning comes before the next reminder", func(t *testing.T) {
		// 12hours is at 02:00 UTC, night in London; 08:00 there comes
		// before the 1hour reminder at 13:00.
		n := remind(ChannelSMS, "12hours", "")
		london := Registration{Timezone: "Europe/London"}
		if until, reason := SMSQuietHold(n, ev, london, n.ScheduledTime); reason != "" || !until.Equal(utc("2026-12-15T08:00:00Z")) {
			t.Fatalf("until %v reason %q", until.UTC(), reason)
		}
	})
	t.Run("held past the next reminder: skipped with the reason", func(t *testing.T) {
		// 13h is at 01:00 UTC, quiet in London until 08:00: after the
		// 12hours reminder at 02:00.
		ev2 := eventAt(t, "2026-12-15T14:00:00Z", "UTC", []string{"13h", "12hours"}, false, true)
		var n13 Notification
		for _, m := range PlanReminders(ev2, now) {
			if m.Interval == "13h0m0s" {
				n13 = m
			}
		}
		london := Registration{Timezone: "Europe/London"}
		if _, reason := SMSQuietHold(n13, ev2, london, n13.ScheduledTime); reason != ReasonQuietHours {
			t.Errorf("reason %q, want %q", reason, ReasonQuietHours)
		}
	})
	t.Run("confirmations and short reminders are never held", func(t *testing.T) {
		n := remind(ChannelSMS, "1hour", "")
		n.ScheduledTime = utc("2026-12-15T13:00:00Z") // 22:00 in Tokyo
		if until, reason := SMSQuietHold(n, ev, tokyo, n.ScheduledTime); !until.IsZero() || reason != "" {
			t.Errorf("1hour held: %v %q", until, reason)
		}
		c := Notification{Kind: KindConfirmation, Channel: ChannelSMS, ScheduledTime: utc("2026-12-10T13:00:00Z")}
		if until, reason := SMSQuietHold(c, ev, tokyo, c.ScheduledTime); !until.IsZero() || reason != "" {
			t.Errorf("confirmation held: %v %q", until, reason)
		}
	})
	t.Run("switched off", func(t *testing.T) {
		off := ev
		off.Notifications.SMSQuietHours = nil
		n := remind(ChannelSMS, "3days", "")
		if until, reason := SMSQuietHold(n, off, tokyo, n.ScheduledTime); !until.IsZero() || reason != "" {
			t.Errorf("held with quiet hours off: %v %q", until, reason)
		}
	})
}

func TestQuietHoursSetting(t *testing.T) {
	create := func(raw JSONValue) (Event, error) {
		in := validInput()
		in.NotificationSettings = &NotificationSettingsInput{SMSEnabled: ptr(true), SMSQuietHours: raw}
		return NewEvent("h1", in, now)
	}
	t.Run("default when omitted", func(t *testing.T) {
		ev, err := create("")
		if err != nil || ev.Notifications.SMSQuietHours == nil || *ev.Notifications.SMSQuietHours != DefaultQuietHours {
			t.Fatalf("%v %v", ev.Notifications.SMSQuietHours, err)
		}
	})
	t.Run("null switches them off", func(t *testing.T) {
		ev, err := create("null")
		if err != nil || ev.Notifications.SMSQuietHours != nil {
			t.Fatalf("%v %v", ev.Notifications.SMSQuietHours, err)
		}
	})
	t.Run("set", func(t *testing.T) {
		ev, err := create(`{"start": "22:30", "end": "07:15"}`)
		if err != nil || *ev.Notifications.SMSQuietHours != (QuietHours{22*60 + 30, 7*60 + 15}) {
			t.Fatalf("%v %v", ev.Notifications.SMSQuietHours, err)
		}
		b, _ := ev.Notifications.SMSQuietHours.MarshalJSON()
		if string(b) != `{"start":"22:30","end":"07:15"}` {
			t.Errorf("JSON %s", b)
		}
	})
	for _, tc := range []struct{ raw, field string }{
		{`{"start": "25:00", "end": "08:00"}`, "notification_settings.sms_quiet_hours.start"},
		{`{"start": "21:00", "end": "8:00"}`, "notification_settings.sms_quiet_hours.end"},
		{`{"start": "21:00", "end": "08:60"}`, "notification_settings.sms_quiet_hours.end"},
		{`{"start": "21:00"}`, "notification_settings.sms_quiet_hours.end"},
		{`{"start": "21:00", "end": "21:00"}`, "notification_settings.sms_quiet_hours"},
		{`{"start": 21, "end": "08:00"}`, "notification_settings.sms_quiet_hours.start"},
		{`{"start": "21:00", "end": "08:00", "tz": "UTC"}`, "notification_settings.sms_quiet_hours.tz"},
		{`"21:00-08:00"`, "notification_settings.sms_quiet_hours"},
		{`[]`, "notification_settings.sms_quiet_hours"},
	} {
		t.Run("refused: "+tc.raw, func(t *testing.T) {
			if _, err := create(JSONValue(tc.raw)); !hasProblem(err, tc.field) {
				t.Errorf("error %v, want one on %s", err, tc.field)
			}
		})
	}
	t.Run("parse clock", func(t *testing.T) {
		for s, want := range map[string]ClockTime{"00:00": 0, "23:59": 23*60 + 59, "08:05": 485} {
			if c, err := ParseClock(s); err != nil || c != want || c.String() != s {
				t.Errorf("%s: %v %v", s, c, err)
			}
		}
		for _, s := range []string{"", "24:00", "1:00", "12:0", "12-00", "ab:cd", "12:00:00", "-1:00"} {
			if _, err := ParseClock(s); err == nil {
				t.Errorf("%q accepted", s)
			}
		}
	})
}

package onair

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestDuplicate(t *testing.T) {
	created := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	title, zone, start, capacity := "Launch", "Asia/Kathmandu", "2026-11-20T14:00:00Z", 40
	intervals := []string{"1day", "45m", "now"}
	sms := true
	orig, err := NewEvent("host", EventInput{Title: &title, Timezone: &zone, ScheduledStart: &start,
		MaxRegistrations: &capacity, SelectedIntervals: &intervals,
		NotificationSettings: &NotificationSettingsInput{SMSEnabled: &sms}}, created)
	if err != nil {
		t.Fatal(err)
	}
	ran := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	orig, _ = orig.Start(ran)
	orig, _ = orig.End(ran.Add(time.Hour))
	orig.RegistrationCount, orig.Version, orig.Sequence = 38, 3, 2

	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	next := "2026-12-15T14:00:00Z"
	d, err := orig.Duplicate(&next, now)
	if err != nil {
		t.Fatal(err)
	}
	if d.ID == orig.ID || d.ID == "" {
		t.Errorf("the duplicate's id %q (the original's %q)", d.ID, orig.ID)
	}
	want := orig
	want.ID, want.Status, want.ScheduledStart = d.ID, StatusScheduled, time.Date(2026, 12, 15, 14, 0, 0, 0, time.UTC)
	want.RegistrationCount, want.Version, want.Sequence = 0, 1, 0
	want.StartedAt, want.EndedAt, want.CancelledAt = nil, nil, nil
	want.CreatedAt, want.UpdatedAt = now, now
	if !reflect.DeepEqual(d, want) {
		t.Errorf("duplicate:\n got %+v\nwant %+v", d, want)
	}
	d.Intervals[0] = Interval{}
	if orig.Intervals[0] == (Interval{}) {
		t.Error("the duplicate shares its intervals with the original")
	}

	for name, start := range map[string]*string{
		"no start":                    nil,
		"a start in the past":         ptr("2026-11-30T14:00:00Z"),
		"the original's (past) start": ptr(start),
		"not a time":                  ptr("next week"),
	} {
		_, err := orig.Duplicate(start, now)
		var v *ValidationError
		if !errors.As(err, &v) || v.Fields["scheduled_start"] == "" {
			t.Errorf("%s: %v, want a validation error on scheduled_start", name, err)
		}
	}
}

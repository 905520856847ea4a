package dashboard

import (
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

func TestABReading(t *testing.T) {
	for _, tc := range []struct {
		name          string
		a, b          onair.ArmFigures
		reading, note string
	}{
		{"arm a ahead, enough to read", onair.ArmFigures{Registrations: 100, Attended: 45}, onair.ArmFigures{Registrations: 100, Attended: 30},
			"arm a attended 15 points more; p = 0.03", "less than once in 20"},
		{"arm b ahead, could be chance", onair.ArmFigures{Registrations: 100, Attended: 30}, onair.ArmFigures{Registrations: 100, Attended: 42},
			"arm b attended 12 points more; p = 0.08", "could well come by chance"},
		{"alike", onair.ArmFigures{Registrations: 50, Attended: 25}, onair.ArmFigures{Registrations: 50, Attended: 25},
			"the arms attended alike; p = 1.00", "could well come by chance"},
		{"a small sample", onair.ArmFigures{Registrations: 10, Attended: 6}, onair.ArmFigures{Registrations: 9, Attended: 1},
			"arm a attended 49 points more; p = 0.03", "Too small a sample to say anything yet: the test needs at least 30 registrants in each arm"},
		{"nothing to compare", onair.ArmFigures{Registrations: 3}, onair.ArmFigures{},
			"No comparison yet", "once both arms have registrants"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var an onair.Analytics
			an.ABFigures(&onair.ABTest{}, map[string]onair.ArmFigures{onair.ArmA: tc.a, onair.ArmB: tc.b})
			reading, note := abReading(an.Arms, an.PValue)
			if !strings.HasPrefix(reading, tc.reading) || !strings.Contains(note, tc.note) {
				t.Errorf("reading %q, note %q; want %q, %q", reading, note, tc.reading, tc.note)
			}
		})
	}
	if got := pValueText(0.0004); got != "p < 0.001" {
		t.Errorf("%s", got)
	}
}

func TestTimelineOfAQuietHoursSMS(t *testing.T) {
	until := time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)
	reg := onair.Registration{Timezone: "Asia/Tokyo", Source: "direct"}
	held := onair.TimelineMessage{Kind: onair.KindReminder, Interval: "3days", Channel: onair.ChannelSMS,
		Status: onair.DeliveryPending, Error: onair.HeldReason(until), DueAt: &until}
	e := viewTimelineEntry(onair.TimelineEntry{Kind: onair.EntryMessage, Message: &held}, reg, onair.Event{Timezone: "UTC"})
	if len(e.Details) != 1 || !strings.HasPrefix(e.Details[0], "Held until ") || !strings.Contains(e.Details[0], "JST") {
		t.Errorf("held: %q", e.Details)
	}
	skipped := onair.TimelineMessage{Kind: onair.KindReminder, Interval: "1day", Channel: onair.ChannelSMS,
		Status: onair.DeliverySkipped, Error: onair.ReasonQuietHours}
	e = viewTimelineEntry(onair.TimelineEntry{Kind: onair.EntryMessage, Message: &skipped}, reg, onair.Event{Timezone: "UTC"})
	if e.Status != onair.DeliverySkipped || len(e.Details) != 1 || !strings.HasPrefix(e.Details[0], "Reason: quiet hours") {
		t.Errorf("skipped: %s %q", e.Status, e.Details)
	}
	retry := held
	retry.Error = "421 try later"
	e = viewTimelineEntry(onair.TimelineEntry{Kind: onair.EntryMessage, Message: &retry}, reg, onair.Event{Timezone: "UTC"})
	if strings.HasPrefix(e.Details[0], "Held") {
		t.Errorf("a retry read as held: %q", e.Details)
	}
}

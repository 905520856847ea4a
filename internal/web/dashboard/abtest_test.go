package dashboard

import (
	"strings"
	"testing"

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

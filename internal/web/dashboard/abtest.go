package dashboard

import (
	"fmt"
	"math"
	"strings"

	"github.com/onair-live/onair/internal/onair"
)

// abView is an A/B test on the event page: each arm's ladder and figures,
// the difference in plain words, and what it is worth.
type abView struct {
	Arms    []abArm
	Reading string // "arm b attended 12 points more; p = 0.03"
	Note    string // how far to trust it
}

type abArm struct {
	Name          string
	Ladder        string
	Registrations int
	Attended      int
	Rate          float64
}

// newABView words the A/B test of ev from its analytics a; nil without a
// test.
func newABView(ev onair.Event, a onair.Analytics) *abView {
	if ev.ABTest == nil || a.Arms == nil {
		return nil
	}
	v := &abView{}
	for _, arm := range onair.Arms {
		f := a.Arms[arm]
		var ladder []string
		for _, iv := range ev.ArmIntervals(arm) {
			ladder = append(ladder, intervalLabel(iv.String()))
		}
		if len(ladder) == 0 {
			ladder = []string{"no reminders"}
		}
		v.Arms = append(v.Arms, abArm{Name: arm, Ladder: strings.Join(ladder, ", "),
			Registrations: f.Registrations, Attended: f.Attended, Rate: f.AttendanceRate})
	}
	v.Reading, v.Note = abReading(a.Arms, a.PValue)
	return v
}

// abReading says in plain words how the arms' attendance differs, and how
// far that is worth reading.
func abReading(arms map[string]onair.ArmFigures, p *float64) (reading, note string) {
	if p == nil {
		return "No comparison yet: both arms need registrants, and someone must attend.",
			"The p-value appears once both arms have registrants and someone has attended."
	}
	diff := arms[onair.ArmB].AttendanceRate - arms[onair.ArmA].AttendanceRate
	points := math.Round(math.Abs(diff) * 100)
	switch {
	case points == 0:
		reading = "the arms attended alike"
	case diff > 0:
		reading = fmt.Sprintf("arm b attended %s more", plural(int(points), "point"))
	default:
		reading = fmt.Sprintf("arm a attended %s more", plural(int(points), "point"))
	}
	reading += "; " + pValueText(*p)
	switch {
	case onair.ABSampleTooSmall(arms):
		note = fmt.Sprintf("Too small a sample to say anything yet: the test needs at least %d registrants in each arm, "+
			"and at least %d expected attendees and %d expected absentees in each, before its p-value means much.",
			onair.ABMinPerArm, onair.ABMinExpected, onair.ABMinExpected)
	case *p < 0.05:
		note = "A difference this large would come by chance less than once in 20 tests if the two ladders worked alike."
	default:
		note = "A difference like this could well come by chance: no evidence yet that one ladder works better."
	}
	return reading, note
}

// pValueText writes p as a reader expects it: "p = 0.03", "p < 0.001".
func pValueText(p float64) string {
	switch {
	case p < 0.001:
		return "p < 0.001"
	case p < 0.01:
		return fmt.Sprintf("p = %.3f", p)
	}
	return fmt.Sprintf("p = %.2f", p)
}

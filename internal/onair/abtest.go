package onair

import (
	"encoding/json"
	"math"
	"slices"
)

// ABTest splits an event's registrants into two arms with two reminder
// ladders: arm a gets the event's own intervals, arm b IntervalsB.
type ABTest struct {
	IntervalsB []Interval
}

// The arms of an A/B test.
const (
	ArmA = "a"
	ArmB = "b"
)

// Arms are the arms of an A/B test, in order.
var Arms = []string{ArmA, ArmB}

// ReasonOtherArm is why a reminder of one arm's ladder is not sent to a
// registrant of the other.
const ReasonOtherArm = "the registrant is in the other arm of the A/B test"

type abTestJSON struct {
	IntervalsB []Interval `json:"intervals_b"`
}

// MarshalJSON writes t as {"intervals_b": [...]}.
func (t ABTest) MarshalJSON() ([]byte, error) {
	ivs := t.IntervalsB
	if ivs == nil {
		ivs = []Interval{}
	}
	return json.Marshal(abTestJSON{IntervalsB: ivs})
}

// ABTestInput is the ab_test setting as a host sends it, for callers that
// build an EventInput in Go: nil ends the test.
func ABTestInput(t *ABTest) JSONValue {
	if t == nil {
		return "null"
	}
	b, _ := t.MarshalJSON()
	return JSONValue(b)
}

// parseABTest reads the ab_test setting: null (no test) or an object with
// intervals_b, checked as selected_intervals are.
func parseABTest(v *ValidationError, field string, raw JSONValue) (*ABTest, bool) {
	if raw.IsNull() {
		return nil, true
	}
	var in struct {
		IntervalsB *[]string `json:"intervals_b"`
	}
	if !raw.decodeObject(v, field, &in) {
		return nil, false
	}
	if in.IntervalsB == nil {
		v.Add(field+".intervals_b", "is required: the reminder intervals of arm b")
		return nil, false
	}
	ivs, err := ParseIntervals(*in.IntervalsB)
	if err != nil {
		v.Add(field+".intervals_b", err.Error())
		return nil, false
	}
	return &ABTest{IntervalsB: ivs}, true
}

func sameABTest(a, b *ABTest) bool {
	if a == nil || b == nil {
		return a == b
	}
	return sameIntervals(a.IntervalsB, b.IntervalsB)
}

// ArmIntervals is the reminder ladder of arm: arm b's own in an A/B test,
// the event's intervals otherwise.
func (e Event) ArmIntervals(arm string) []Interval {
	if arm == ArmB && e.ABTest != nil {
		return e.ABTest.IntervalsB
	}
	return e.Intervals
}

// PlanArms are the arms an event's reminders are planned for: both arms
// in an A/B test, and the one arm "" (every registrant) otherwise.
func (e Event) PlanArms() []string {
	if e.ABTest == nil {
		return []string{""}
	}
	return Arms
}

// ArmFor is the arm of the seq-th registrant (from 1) of an A/B test:
// they alternate, a first.
func ArmFor(seq int) string {
	if seq%2 == 1 {
		return ArmA
	}
	return ArmB
}

// ArmReason says why a reminder of n's arm is not for r, or "" when it is:
// a reminder planned for one arm goes only to that arm's registrants.
func ArmReason(n Notification, r Registration) string {
	if n.Arm != "" && n.Arm != r.Arm {
		return ReasonOtherArm
	}
	return ""
}

// ArmFigures are one arm's attendance.
type ArmFigures struct {
	Registrations  int     `json:"registrations"`
	Attended       int     `json:"attended"`
	AttendanceRate float64 `json:"attendance_rate"`
}

// ABFigures fills in the analytics of an A/B test from each arm's counts:
// the rates, and the p-value of the difference between them.
func (a *Analytics) ABFigures(t *ABTest, arms map[string]ArmFigures) {
	if t == nil {
		return
	}
	a.ABTest = t
	a.Arms = map[string]ArmFigures{}
	for _, arm := range Arms {
		f := arms[arm]
		f.AttendanceRate = ratio(f.Attended, f.Registrations)
		a.Arms[arm] = f
	}
	x, y := a.Arms[ArmA], a.Arms[ArmB]
	a.PValue = TwoProportionPValue(x.Attended, x.Registrations, y.Attended, y.Registrations)
}

// TwoProportionPValue is the two-sided p-value of a two-proportion z-test
// of x1 successes in n1 against x2 in n2, with the pooled proportion
// under the null hypothesis; nil while either sample is empty or there is
// no success at all (nothing to compare). When every trial succeeded the
// proportions are the same and the p-value is 1.
func TwoProportionPValue(x1, n1, x2, n2 int) *float64 {
	if n1 <= 0 || n2 <= 0 || x1+x2 == 0 || x1 > n1 || x2 > n2 || x1 < 0 || x2 < 0 {
		return nil
	}
	p1, p2 := float64(x1)/float64(n1), float64(x2)/float64(n2)
	pooled := float64(x1+x2) / float64(n1+n2)
	se := math.Sqrt(pooled * (1 - pooled) * (1/float64(n1) + 1/float64(n2)))
	p := 1.0
	if se > 0 {
		z := (p1 - p2) / se
		p = math.Erfc(math.Abs(z) / math.Sqrt2)
	}
	return &p
}

// The sample an A/B test needs before its p-value says anything: at least
// ABMinPerArm registrants in each arm, and at least ABMinExpected expected
// attendees and expected absentees in each (the normal approximation of
// the z-test is poor below them).
const (
	ABMinPerArm   = 30
	ABMinExpected = 5
)

// ABSampleTooSmall reports whether the arms are too small for the z-test
// to say anything.
func ABSampleTooSmall(arms map[string]ArmFigures) bool {
	total, attended := 0, 0
	for _, arm := range Arms {
		total += arms[arm].Registrations
		attended += arms[arm].Attended
	}
	if total == 0 {
		return true
	}
	pooled := float64(attended) / float64(total)
	return slices.ContainsFunc(Arms, func(arm string) bool {
		n := float64(arms[arm].Registrations)
		return arms[arm].Registrations < ABMinPerArm || n*pooled < ABMinExpected || n*(1-pooled) < ABMinExpected
	})
}

package onair

import (
	"math"
	"testing"
	"time"
)

func abEvent(t *testing.T, a, b []string) Event {
	t.Helper()
	in := validInput()
	in.ScheduledStart = ptr("2026-12-15T14:00:00Z")
	in.SelectedIntervals = &a
	in.NotificationSettings = &NotificationSettingsInput{EmailEnabled: ptr(true), SMSEnabled: ptr(true)}
	in.ABTest = ABTestInput(&ABTest{IntervalsB: mustIntervals(t, b)})
	ev, err := NewEvent("h1", in, now)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func mustIntervals(t *testing.T, names []string) []Interval {
	t.Helper()
	ivs, err := ParseIntervals(names)
	if err != nil {
		t.Fatal(err)
	}
	return ivs
}

func TestTwoProportionPValue(t *testing.T) {
	// Expected values from the textbook formula (pooled standard error,
	// two-sided normal tail): 45/100 against 30/100 is z = 2.1909.
	for _, tc := range []struct {
		name           string
		x1, n1, x2, n2 int
		want           float64 // -1: nil
	}{
		{"45 of 100 against 30 of 100", 45, 100, 30, 100, 0.028459737},
		{"the same order reversed", 30, 100, 45, 100, 0.028459737},
		{"120 of 200 against 90 of 200", 120, 200, 90, 200, 0.002666682},
		{"no difference", 50, 100, 50, 100, 1},
		{"one each", 1, 1, 0, 1, 0.157299207},
		{"everybody attended", 10, 10, 20, 20, 1},
		{"an empty arm", 3, 10, 0, 0, -1},
		{"nobody attended", 0, 10, 0, 12, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := TwoProportionPValue(tc.x1, tc.n1, tc.x2, tc.n2)
			switch {
			case tc.want < 0 && p != nil:
				t.Fatalf("p = %v, want nil", *p)
			case tc.want < 0:
			case p == nil:
				t.Fatalf("p = nil, want %v", tc.want)
			case math.Abs(*p-tc.want) > 1e-8:
				t.Fatalf("p = %.9f, want %.9f", *p, tc.want)
			}
		})
	}
}

func TestABFigures(t *testing.T) {
	var a Analytics
	a.ABFigures(&ABTest{}, map[string]ArmFigures{ArmA: {Registrations: 100, Attended: 45}, ArmB: {Registrations: 100, Attended: 30}})
	if a.Arms[ArmA].AttendanceRate != 0.45 || a.Arms[ArmB].AttendanceRate != 0.3 || a.PValue == nil {
		t.Fatalf("%+v %v", a.Arms, a.PValue)
	}
	var none Analytics
	none.ABFigures(nil, nil)
	if none.Arms != nil || none.PValue != nil || none.ABTest != nil {
		t.Errorf("figures without a test: %+v", none)
	}
	var empty Analytics
	empty.ABFigures(&ABTest{}, map[string]ArmFigures{ArmA: {Registrations: 1}})
	if empty.PValue != nil || len(empty.Arms) != 2 {
		t.Errorf("an empty arm: %+v", empty)
	}
}

func TestABSampleTooSmall(t *testing.T) {
	for _, tc := range []struct {
		name  string
		a, b  ArmFigures
		small bool
	}{
		{"nothing yet", ArmFigures{}, ArmFigures{}, true},
		{"29 in one arm", ArmFigures{Registrations: 29, Attended: 10}, ArmFigures{Registrations: 100, Attended: 50}, true},
		{"30 each, half attended", ArmFigures{Registrations: 30, Attended: 15}, ArmFigures{Registrations: 30, Attended: 15}, false},
		{"few attendees: expected under 5", ArmFigures{Registrations: 40, Attended: 2}, ArmFigures{Registrations: 40, Attended: 4}, true},
		{"nearly all attended: expected absentees under 5", ArmFigures{Registrations: 40, Attended: 38}, ArmFigures{Registrations: 40, Attended: 37}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ABSampleTooSmall(map[string]ArmFigures{ArmA: tc.a, ArmB: tc.b}); got != tc.small {
				t.Errorf("too small %v, want %v", got, tc.small)
			}
		})
	}
}

func TestABPlan(t *testing.T) {
	ev := abEvent(t, []string{"1week", "1day", "now"}, []string{"3days", "1hour", "now"})
	t.Run("each arm its own ladder, on every channel", func(t *testing.T) {
		got := map[string]time.Time{}
		for _, n := range PlanReminders(ev, now) {
			got[n.PlanKey()] = n.ScheduledTime
		}
		want := []string{"email/1week/a", "email/1day/a", "email/now/a", "email/3days/b", "email/1hour/b", "email/now/b",
			"sms/1week/a", "sms/1day/a", "sms/now/a", "sms/3days/b", "sms/1hour/b", "sms/now/b"}
		if len(got) != len(want) {
			t.Fatalf("plan %v", got)
		}
		for _, k := range want {
			if _, ok := got[k]; !ok {
				t.Errorf("no %s in %v", k, got)
			}
		}
	})
	t.Run("a late reminder is stale at its own arm's next reminder", func(t *testing.T) {
		var a1week, b3days Notification
		for _, n := range PlanReminders(ev, now) {
			switch n.PlanKey() {
			case "email/1week/a":
				a1week = n
			case "email/3days/b":
				b3days = n
			}
		}
		// Four days before the start arm a's next reminder, 1day, is ahead.
		at := ev.ScheduledStart.Add(-4 * 24 * time.Hour)
		if r := StaleReason(a1week, ev, at); r != "" {
			t.Errorf("arm a's 1week at -4 days: %q", r)
		}
		// Half an hour before the start arm b's 3days is past its next
		// reminder (1hour); two days before, it is not.
		at = ev.ScheduledStart.Add(-30 * time.Minute)
		if r := StaleReason(b3days, ev, at); r == "" {
			t.Errorf("arm b's 3days half an hour before the start is not stale")
		}
		at = ev.ScheduledStart.Add(-2 * 24 * time.Hour)
		if r := StaleReason(b3days, ev, at); r != "" {
			t.Errorf("arm b's 3days two days before the start (its next is 1hour): %q", r)
		}
		if r := StaleReason(a1week, ev, at); r != "" {
			t.Errorf("arm a's 1week two days before the start (its next is 1day): %q", r)
		}
		at = ev.ScheduledStart.Add(-12 * time.Hour)
		if r := StaleReason(a1week, ev, at); r == "" {
			t.Errorf("arm a's 1week after its 1day is not stale")
		}
	})
	t.Run("a reminder goes only to its arm", func(t *testing.T) {
		var b1hour Notification
		for _, n := range PlanReminders(ev, now) {
			if n.PlanKey() == "email/1hour/b" {
				b1hour = n
			}
		}
		r := Registration{Status: RegRegistered, Email: "v@example.com", CreatedAt: now, Arm: ArmA}
		at := b1hour.ScheduledTime
		if got := SendBlockedReason(b1hour, ev, r, ChannelEmail, false, at); got != ReasonOtherArm {
			t.Errorf("arm a sent arm b's reminder: %q", got)
		}
		r.Arm = ArmB
		if got := SendBlockedReason(b1hour, ev, r, ChannelEmail, false, at); got != "" {
			t.Errorf("arm b not sent its reminder: %q", got)
		}
		r.CreatedAt = at // a late registrant of arm b
		if got := SendBlockedReason(b1hour, ev, r, ChannelEmail, false, at); got != ReasonRegisteredLate {
			t.Errorf("late registrant: %q", got)
		}
	})
	t.Run("arms alternate, a first", func(t *testing.T) {
		got := ""
		for seq := 1; seq <= 5; seq++ {
			got += ArmFor(seq)
		}
		if got != "ababa" {
			t.Errorf("arms %s", got)
		}
	})
}

func TestABReplan(t *testing.T) {
	ev := abEvent(t, []string{"1week", "1day"}, []string{"3days", "1hour"})
	existing := PlanReminders(ev, now)
	t.Run("reschedule moves both ladders", func(t *testing.T) {
		later := now.Add(time.Hour)
		after, _, err := ev.Update(EventInput{ScheduledStart: ptr("2026-12-20T14:00:00Z")}, later)
		if err != nil {
			t.Fatal(err)
		}
		pc := Replan(ev, after, existing, later)
		moved := map[string]time.Time{}
		for _, n := range pc.Update {
			moved[n.PlanKey()] = n.ScheduledTime
		}
		for _, n := range existing {
			want := n.ScheduledTime.Add(5 * 24 * time.Hour)
			if got, ok := moved[n.PlanKey()]; !ok || !got.Equal(want) {
				t.Errorf("%s moved to %v, want %v", n.PlanKey(), got, want)
			}
		}
	})
	t.Run("cancel cancels both", func(t *testing.T) {
		later := now.Add(time.Hour)
		after, err := ev.Cancel(later)
		if err != nil {
			t.Fatal(err)
		}
		pc := Replan(ev, after, existing, later)
		if len(pc.Update) != len(existing) {
			t.Fatalf("%d cancelled of %d", len(pc.Update), len(existing))
		}
		for _, n := range pc.Update {
			if n.Status != NotifCancelled {
				t.Errorf("%s %s", n.PlanKey(), n.Status)
			}
		}
	})
	t.Run("changing arm b's ladder leaves arm a alone", func(t *testing.T) {
		after, ch, err := ev.Update(EventInput{ABTest: `{"intervals_b": ["3days", "15minutes"]}`}, now)
		if err != nil || !ch.Replan {
			t.Fatal(err, ch)
		}
		pc := Replan(ev, after, existing, now)
		var ins, cancelled []string
		for _, n := range pc.Insert {
			ins = append(ins, n.PlanKey())
		}
		for _, n := range pc.Update {
			if n.Status == NotifCancelled {
				cancelled = append(cancelled, n.PlanKey())
			}
		}
		if len(ins) != 2 || len(cancelled) != 2 {
			t.Errorf("inserted %v, cancelled %v", ins, cancelled)
		}
		for _, k := range append(ins, cancelled...) {
			if k[len(k)-1] != 'b' {
				t.Errorf("%s touched", k)
			}
		}
	})
	t.Run("ending the test gives every registrant arm a's ladder", func(t *testing.T) {
		after, _, err := ev.Update(EventInput{ABTest: "null"}, now)
		if err != nil || after.ABTest != nil {
			t.Fatal(err, after.ABTest)
		}
		for _, n := range Replan(ev, after, existing, now).Insert {
			if n.Arm != "" {
				t.Errorf("%s planned for an arm", n.PlanKey())
			}
		}
	})
	t.Run("duplicate copies the test", func(t *testing.T) {
		d, err := ev.Duplicate(ptr("2027-01-15T14:00:00Z"), now)
		if err != nil || d.ABTest == nil || !sameABTest(d.ABTest, ev.ABTest) || d.ABTest == ev.ABTest || d.ABSeq != 0 {
			t.Fatalf("%v %+v", err, d.ABTest)
		}
	})
}

func TestABTestSetting(t *testing.T) {
	for _, tc := range []struct{ raw, field string }{
		{`{"intervals_b": ["sometime"]}`, "ab_test.intervals_b"},
		{`{"intervals_b": ["1hour", "60m"]}`, "ab_test.intervals_b"},
		{`{}`, "ab_test.intervals_b"},
		{`{"intervals_b": ["1hour"], "arms": 3}`, "ab_test.arms"},
		{`{"intervals_b": "1hour"}`, "ab_test.intervals_b"},
		{`true`, "ab_test"},
	} {
		t.Run("refused: "+tc.raw, func(t *testing.T) {
			in := validInput()
			in.ABTest = JSONValue(tc.raw)
			if _, err := NewEvent("h1", in, now); !hasProblem(err, tc.field) {
				t.Errorf("error %v, want one on %s", err, tc.field)
			}
		})
	}
	t.Run("an empty ladder for arm b is a test of no reminders", func(t *testing.T) {
		in := validInput()
		in.ABTest = `{"intervals_b": []}`
		ev, err := NewEvent("h1", in, now)
		if err != nil || ev.ABTest == nil || len(ev.ABTest.IntervalsB) != 0 {
			t.Fatal(err, ev.ABTest)
		}
	})
}

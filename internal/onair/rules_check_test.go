package onair

import (
	"fmt"
	"strings"
	"time"
)

// The invariants TestRulesProperty holds every history to, each one of
// DESIGN.md's rules of notifications.

// checkPlan is rule 1 (and 6 for a reschedule): every reminder of the
// plan whose time is ahead waits once, for the event's version, at exactly
// the start minus its offset in real time, whatever DST does in between;
// one whose time has passed waits no more; nothing outside the plan waits.
func (w *world) checkPlan() {
	if w.ev.Status != StatusScheduled {
		return
	}
	inPlan := map[string]bool{}
	arms := []string{""}
	if w.ev.ABTest != nil {
		arms = []string{ArmA, ArmB}
	}
	for _, arm := range arms {
		for _, ch := range w.ev.Channels() {
			ladder := w.ev.Intervals
			if arm == ArmB {
				ladder = w.ev.ABTest.IntervalsB
			}
			for _, iv := range ladder {
				at := w.ev.ScheduledStart.Add(-iv.Offset)
				key := string(ch) + "/" + iv.String()
				if arm != "" {
					key += "/" + arm
				}
				inPlan[key] = true
				var pending []*Notification
				for _, n := range w.notifs {
					if n.IsReminder() && n.PlanKey() == key && n.Status == NotifScheduled {
						pending = append(pending, n)
					}
				}
				switch {
				case at.After(w.now) && (len(pending) != 1 || !pending[0].ScheduledTime.Equal(at) ||
					pending[0].EventVersion != w.ev.Version):
					w.violate("rule 1: %s is due at %s; %d rows wait for it (%v)", key, stamp(at), len(pending), rows(pending))
				case !at.After(w.now) && len(pending) > 0:
					w.violate("rule 1: %s's time %s has passed, yet %d rows wait for it", key, stamp(at), len(pending))
				}
			}
		}
	}
	for _, n := range w.notifs {
		if n.IsReminder() && n.Status == NotifScheduled && !inPlan[n.PlanKey()] {
			w.violate("rule 1: %s waits for %s, outside the plan", n.PlanKey(), stamp(n.ScheduledTime))
		}
	}
}

func rows(ns []*Notification) []string {
	var out []string
	for _, n := range ns {
		out = append(out, fmt.Sprintf("%s v%d", stamp(n.ScheduledTime), n.EventVersion))
	}
	return out
}

// checkStale is rule 5, decided without StaleReason: a notification found
// at now goes while it still makes sense (a reminder before the next
// reminder's time and the start, the "now" message up to 15 minutes after
// the start, a reschedule notice before the start), never for an event that
// ended, was cancelled (but its notice) or changed since; otherwise it is
// skipped, with a reason that says why.
func (w *world) checkStale(n Notification, reason string) {
	ev := w.ev
	var stale bool
	why := ""
	switch {
	case ev.Status == StatusEnded:
		stale, why = true, "ended"
	case ev.Status == StatusCancelled && n.Kind != KindCancelled:
		stale, why = true, "cancelled"
	case n.EventVersion != ev.Version && n.Kind != KindConfirmation && n.Kind != KindCancelled:
		stale, why = true, "changed"
	case n.Kind == KindReminder:
		next := ev.ScheduledStart
		what := "after the start"
		for _, iv := range ladderOf(ev, n.Arm) {
			if t := ev.ScheduledStart.Add(-iv.Offset); t.After(n.ScheduledTime) && t.Before(next) {
				next, what = t, "after the next reminder's time"
			}
		}
		stale, why = !w.now.Before(next), what
	case n.Kind == KindStartingNow:
		stale, why = w.now.Sub(ev.ScheduledStart) > StartingNowGrace, "more than 15 minutes after the start"
	case n.Kind == KindRescheduled:
		stale, why = !w.now.Before(ev.ScheduledStart), "started"
	}
	switch {
	case stale && reason == "":
		w.violate("rule 5: %s %s due %s is sent although it is stale (%s)", n.Kind, n.PlanKey(), stamp(n.ScheduledTime), why)
	case !stale && reason != "":
		w.violate("rule 5: %s %s due %s is skipped (%q) although it still makes sense", n.Kind, n.PlanKey(), stamp(n.ScheduledTime), reason)
	case stale && !strings.Contains(reason, why):
		w.violate("rule 5: %s %s is skipped with the reason %q; want one saying %q", n.Kind, n.PlanKey(), reason, why)
	}
}

// checkReplan holds a change to rules 6, 7 and 8.
func (w *world) checkReplan(kind actionKind, before Event, pc PlanChange) {
	notices := func(k NotificationKind) map[Channel]int {
		out := map[Channel]int{}
		for _, n := range pc.Insert {
			if n.Kind == k {
				out[n.Channel]++
			}
		}
		return out
	}
	oncePerChannel := func(k NotificationKind) bool {
		got := notices(k)
		for _, ch := range w.ev.Channels() {
			if got[ch] != 1 {
				return false
			}
		}
		return len(got) == len(w.ev.Channels())
	}
	waiting := func() (n int) {
		for _, x := range w.notifs {
			if x.Status == NotifScheduled && !(x.Kind == KindCancelled && x.EventVersion == w.ev.Version) {
				n++
			}
		}
		return n
	}
	switch kind {
	case actGoLive:
		if len(pc.Insert)+len(pc.Update) > 0 {
			w.violate("rule 8: going live changed the plan: %+v", pc)
		}
	case actEnd:
		if len(pc.Insert) > 0 || waiting() > 0 {
			w.violate("rule 8: ending planned %d messages and left %d waiting", len(pc.Insert), waiting())
		}
	case actCancel:
		if !oncePerChannel(KindCancelled) || waiting() > 0 {
			w.violate("rule 7: the cancel planned notices %v and left %d other messages waiting", notices(KindCancelled), waiting())
		}
	case actReschedule:
		if before.ScheduledStart.Equal(w.ev.ScheduledStart) {
			return // the same start: no reschedule
		}
		if !oncePerChannel(KindRescheduled) {
			w.violate("rule 6: the reschedule planned notices %v", notices(KindRescheduled))
		}
		for _, n := range pc.Insert {
			if n.Kind == KindRescheduled && (n.PreviousStart == nil || n.PreviousStart.Equal(w.ev.ScheduledStart)) {
				w.violate("rule 6: the reschedule notice gives no old time")
			}
		}
		w.checkPlan()
	}
}

// once is one notification to one registrant on one channel.
type once struct {
	id  string
	reg *simReg
	ch  Channel
}

// checkSent holds every message that left to rules 2, 3, 4, 5, 6 and 7.
func (w *world) checkSent() {
	type reminderAt struct {
		key string
		at  time.Time
		reg *simReg
	}
	seen, told := map[once]int{}, map[reminderAt]int{}
	for i, m := range w.sent {
		n, reg, at := m.n, m.reg, m.at
		what := string(n.Kind) + " " + n.PlanKey() + " to " + reg.r.Email + " at " + stamp(at)
		if seen[once{n.ID, reg, m.ch}]++; seen[once{n.ID, reg, m.ch}] == 2 {
			w.violate("rule 2: %s twice", what)
		}
		if at.Before(n.ScheduledTime) {
			w.violate("%s before its time %s", what, stamp(n.ScheduledTime))
		}
		if w.cancelled != nil && i >= *w.cancelled && n.Kind != KindCancelled {
			w.violate("rule 7: %s after the cancel", what)
		}
		if w.ended != nil && i >= *w.ended {
			w.violate("rule 8: %s after the end", what)
		}
		if reg.unsubscribedAt != nil && i >= *reg.unsubscribedAt {
			w.violate("rule 3: %s after the unsubscribe", what)
		}
		if m.ch == ChannelSMS && reg.r.Phone == "" {
			w.violate("rule 3: %s by SMS without a phone", what)
		}
		switch n.Kind {
		case KindReminder, KindStartingNow:
			w.checkReminder(m, what)
			k := reminderAt{n.PlanKey(), n.ScheduledTime, reg}
			if told[k]++; told[k] == 2 {
				w.violate("rule 2: %s again, for the same time", what)
			}
		case KindRescheduled:
			if !at.Before(m.ev.ScheduledStart) {
				w.violate("rule 6: %s after the start", what)
			}
		}
	}
	w.checkOnce(seen)
}

// checkReminder: never a reminder after the start but the "now" message
// (and that one at most 15 minutes late), never one planned for another
// version of the event or telling another time, and a late registrant never
// gets a reminder whose time had passed when they registered.
func (w *world) checkReminder(m sentMessage, what string) {
	n, ev := m.n, m.ev
	if n.Kind == KindReminder && !m.at.Before(ev.ScheduledStart) {
		w.violate("rule 5: %s, after the start %s", what, stamp(ev.ScheduledStart))
	}
	if n.Kind == KindStartingNow && m.at.Sub(ev.ScheduledStart) > StartingNowGrace {
		w.violate("rule 5: %s, more than 15 minutes after the start %s", what, stamp(ev.ScheduledStart))
	}
	if n.EventVersion != ev.Version {
		w.violate("rule 6: %s was planned for version %d of the event, which is at %d", what, n.EventVersion, ev.Version)
	}
	if n.Arm != m.reg.r.Arm && n.Arm != "" {
		w.violate("rule 14: %s, a reminder of arm %s, to a registrant of arm %q", what, n.Arm, m.reg.r.Arm)
	}
	if ev.ABTest != nil && n.Arm == "" {
		w.violate("rule 14: %s belongs to no arm of the A/B test", what)
	}
	next := ev.ScheduledStart
	for _, iv := range ladderOf(ev, n.Arm) {
		if t := ev.ScheduledStart.Add(-iv.Offset); t.After(n.ScheduledTime) && t.Before(next) {
			next = t
		}
	}
	if n.Kind == KindReminder && !m.at.Before(next) {
		w.violate("rule 5: %s, at or after its ladder's next reminder (or the start) %s", what, stamp(next))
	}
	if q := ev.Notifications.SMSQuietHours; q != nil && m.ch == ChannelSMS && n.Kind == KindReminder &&
		ev.ScheduledStart.Sub(n.ScheduledTime) >= 12*time.Hour {
		loc, _ := time.LoadLocation(m.reg.r.Timezone)
		if h := m.at.In(loc).Hour(); h >= 21 || h < 8 {
			w.violate("rule 13: %s arrives at %s on the viewer's clock, inside the quiet hours", what, m.at.In(loc).Format("15:04"))
		}
	}
	for _, iv := range ladderOf(ev, n.Arm) {
		if iv.String() == n.Interval && !ev.ScheduledStart.Add(-iv.Offset).Equal(n.ScheduledTime) {
			w.violate("rule 1: %s was due at %s, not %v before the start %s", what, stamp(n.ScheduledTime), iv.Offset, stamp(ev.ScheduledStart))
		}
	}
	if !m.reg.r.CreatedAt.Before(n.ScheduledTime) {
		w.violate("rule 4: %s, to a registrant of %s, after its time %s", what, stamp(m.reg.r.CreatedAt), stamp(n.ScheduledTime))
	}
}

// checkOnce: a registrant who stayed gets the confirmation on each of its
// channels, and the cancel notice, exactly once.
func (w *world) checkOnce(seen map[once]int) {
	count := func(kind NotificationKind, sr *simReg, ch Channel) int {
		c := 0
		for k, v := range seen {
			for _, n := range w.notifs {
				if n.ID == k.id && n.Kind == kind && k.reg == sr && k.ch == ch {
					c += v
				}
			}
		}
		return c
	}
	for _, sr := range w.regs {
		if sr.unsubscribedAt != nil {
			continue
		}
		for _, ch := range ConfirmationChannels(w.ev, sr.r) {
			if got := count(KindConfirmation, sr, ch); w.cancelled == nil && w.ended == nil && got != 1 {
				w.violate("%s got %d confirmations by %s", sr.r.Email, got, ch)
			}
			if w.cancelled != nil {
				if got := count(KindCancelled, sr, ch); got != 1 {
					w.violate("rule 7: %s was told of the cancel %d times by %s", sr.r.Email, got, ch)
				}
			}
		}
	}
}

// ladderOf is the ladder of arm as the histories set it up: arm b's own in
// an A/B test, the event's intervals otherwise.
func ladderOf(ev Event, arm string) []Interval {
	if arm == ArmB && ev.ABTest != nil {
		return ev.ABTest.IntervalsB
	}
	return ev.Intervals
}

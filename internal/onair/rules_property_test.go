package onair

import (
	"flag"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// rulesCases is how many random histories TestRulesProperty runs. The
// normal suite runs a short sample; the full run is
//
//	go test ./internal/onair -run TestRulesProperty -rules.cases=100000
var rulesCases = flag.Int("rules.cases", 2000, "how many random event histories TestRulesProperty checks")

// TestRulesProperty runs random event histories through the real rules
// (PlanReminders, Replan, StaleReason, RecipientReason, SendBlockedReason,
// ConfirmationChannels) with a fixed clock, the way the store applies them:
// a fan-out to the registrants RecipientReason accepts when a notification
// is dispatched, a check of SendBlockedReason when each message is claimed.
// An event in a zone with a DST change near its start, or with an odd
// offset (Lord Howe's half-hour DST, Kathmandu, Chatham), a random ladder,
// registrations at random times (late ones, and ones while delivery is
// down), reschedules, cancels, go-live, end, unsubscribes, downtime gaps
// (nothing is dispatched or claimed; what fell due is judged on recovery)
// and claims that wait. Every message sent is held to DESIGN.md's rules of
// notifications; rulesCheck lists them. Each case is drawn from its own
// seed, so a violation names the seed that reproduces it.
func TestRulesProperty(t *testing.T) {
	began := time.Now()
	gen := rapid.Custom(drawHistory)
	violations, failing := 0, 0
	var first []string
	var all tally
	for seed := range *rulesCases {
		h := gen.Example(seed)
		found, did := h.run()
		all.add(did)
		if len(found) > 0 {
			failing++
			violations += len(found)
			if len(first) < 5 {
				first = append(first, fmt.Sprintf("seed %d (%s):\n\t%s", seed, h, strings.Join(found, "\n\t")))
			}
		}
	}
	t.Logf("%d cases, %d violations in %d cases, %v; %d messages sent, %d skipped at send time (%d to late registrants, %d for quiet hours), "+
		"%d held by quiet hours, %d registrants passed over as the other arm's, %d notifications skipped as stale",
		*rulesCases, violations, failing, time.Since(began).Round(time.Millisecond), all.sent, all.skipped, all.late, all.quiet,
		all.held, all.otherArm, all.stale)
	if all.sent == 0 || all.skipped == 0 || all.late == 0 || all.stale == 0 || all.held == 0 || all.quiet == 0 || all.otherArm == 0 {
		t.Errorf("the histories never reached some of the cases the rules are about: %+v", all)
	}
	if violations > 0 {
		t.Errorf("%d violations of the rules in %d of %d cases; the first:\n%s", violations, failing, *rulesCases, strings.Join(first, "\n"))
	}
}

// The zones of the histories: DST in either hemisphere, Lord Howe's
// 30-minute DST, Kathmandu's +5:45 without DST, Chatham's +12:45/+13:45.
var propertyZones = []string{"America/New_York", "Europe/London", "Australia/Lord_Howe",
	"Asia/Kathmandu", "Pacific/Chatham", "America/Sao_Paulo", "UTC"}

var (
	transitionsOnce sync.Once
	transitions     map[string][]time.Time // each zone's offset changes in 2026-2028
)

// zoneTransitions finds, by the hour, when each zone's UTC offset changes.
func zoneTransitions() map[string][]time.Time {
	transitionsOnce.Do(func() {
		transitions = map[string][]time.Time{}
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for _, name := range propertyZones {
			loc, err := time.LoadLocation(name)
			if err != nil {
				panic(err)
			}
			_, last := from.In(loc).Zone()
			for t := from; t.Year() < 2029; t = t.Add(time.Hour) {
				if _, off := t.In(loc).Zone(); off != last {
					transitions[name] = append(transitions[name], t)
					last = off
				}
			}
		}
	})
	return transitions
}

// actionKind is what happens at a moment of a history.
type actionKind int

const (
	actRegister actionKind = iota
	actUnsubscribe
	actReschedule
	actCancel
	actGoLive
	actEnd
	actGap
)

var actionNames = []string{"register", "unsubscribe", "reschedule", "cancel", "go live", "end", "gap"}

type action struct {
	at    time.Duration // after the event's creation
	kind  actionKind
	phone bool          // register: with a phone
	index int           // unsubscribe: which registration
	delta time.Duration // reschedule: how far the start moves; gap: how long delivery is down
}

// history is one random case: an event and what happens to it.
type history struct {
	zone       string
	start      time.Time
	lead       time.Duration // from creation to the start
	intervals  []string
	ab         bool // an A/B test, arm b's ladder intervalsB
	intervalsB []string
	quiet      bool // the default SMS quiet hours (else off)
	email, sms bool
	actions    []action
	delays     []time.Duration // how long claims wait, used in turn
}

func (h history) String() string {
	var acts []string
	for _, a := range h.actions {
		acts = append(acts, fmt.Sprintf("%s@+%v", actionNames[a.kind], a.at))
	}
	ab := ""
	if h.ab {
		ab = fmt.Sprintf(" intervals_b %v", h.intervalsB)
	}
	return fmt.Sprintf("%s start %s lead %v intervals %v%s email %v sms %v quiet %v: %s", h.zone,
		h.start.Format(time.RFC3339), h.lead, h.intervals, ab, h.email, h.sms, h.quiet, strings.Join(acts, ", "))
}

func drawHistory(t *rapid.T) history {
	var h history
	h.zone = rapid.SampledFrom(propertyZones).Draw(t, "zone")
	base := time.Date(2026, 12, 15, 14, 0, 0, 0, time.UTC)
	if ts := zoneTransitions()[h.zone]; len(ts) > 0 {
		base = rapid.SampledFrom(ts).Draw(t, "transition")
	}
	h.start = base.Add(time.Duration(rapid.IntRange(-72*60, 72*60).Draw(t, "start")) * time.Minute)
	leads := []time.Duration{2 * time.Minute, 20 * time.Minute, 3 * time.Hour, 30 * time.Hour, 4 * 24 * time.Hour, 20 * 24 * time.Hour}
	h.lead = rapid.SampledFrom(leads).Draw(t, "lead") + time.Duration(rapid.IntRange(0, 3600).Draw(t, "lead jitter"))*time.Second
	names := []string{"2weeks", "1week", "3days", "1day", "12hours", "1hour", "15minutes", "now", "45m", "2h30m", "90s", "25h"}
	for _, n := range names {
		if rapid.IntRange(0, 2).Draw(t, "pick "+n) == 0 {
			h.intervals = append(h.intervals, n)
		}
	}
	h.email = rapid.Bool().Draw(t, "email")
	h.sms = !h.email || rapid.Bool().Draw(t, "sms")
	span := h.lead + 2*time.Hour
	for i := range rapid.IntRange(0, 24).Draw(t, "actions") {
		a := action{at: time.Duration(rapid.Int64Range(0, int64(span/time.Second)).Draw(t, fmt.Sprint("at ", i))) * time.Second}
		a.kind = actionKind(rapid.SampledFrom([]int{0, 0, 0, 0, 0, 1, 1, 2, 2, 3, 4, 5, 6, 6, 6}).Draw(t, fmt.Sprint("kind ", i)))
		switch a.kind {
		case actRegister:
			a.phone = rapid.Bool().Draw(t, fmt.Sprint("phone ", i))
		case actUnsubscribe:
			a.index = rapid.IntRange(0, 12).Draw(t, fmt.Sprint("index ", i))
		case actReschedule:
			a.delta = time.Duration(rapid.IntRange(-3*24*60, 3*24*60).Draw(t, fmt.Sprint("delta ", i))) * time.Minute
		case actGap:
			a.delta = time.Duration(rapid.IntRange(1, 2*24*60).Draw(t, fmt.Sprint("gap ", i))) * time.Minute
		}
		h.actions = append(h.actions, a)
	}
	sort.SliceStable(h.actions, func(i, j int) bool { return h.actions[i].at < h.actions[j].at })
	h.ab = rapid.IntRange(0, 2).Draw(t, "ab") == 0
	if h.ab {
		for _, n := range names {
			if rapid.IntRange(0, 2).Draw(t, "pick b "+n) == 0 {
				h.intervalsB = append(h.intervalsB, n)
			}
		}
	}
	h.quiet = rapid.IntRange(0, 3).Draw(t, "quiet") > 0
	for i := range 8 {
		d := time.Duration(0)
		if rapid.IntRange(0, 3).Draw(t, fmt.Sprint("waits ", i)) == 0 {
			d = time.Duration(rapid.IntRange(1, 36*60).Draw(t, fmt.Sprint("delay ", i))) * time.Minute
		}
		h.delays = append(h.delays, d)
	}
	return h
}

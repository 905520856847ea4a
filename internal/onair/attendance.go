package onair

import (
	"fmt"
	"slices"
	"time"
)

// Attendance rules.
const (
	// JoinWindow is how long before its start a visit of the watch page
	// already counts the viewer as attended.
	JoinWindow = 15 * time.Minute
	// PresenceTimeout: a viewer is present while its last heartbeat is
	// younger than this. A heartbeat this long or longer after the one
	// before starts a new viewing session and adds no watch time, so that a
	// tab left asleep for hours adds nothing when it wakes.
	PresenceTimeout = 60 * time.Second
)

// Watchable reports whether a viewer on the watch page of an event with
// this status and schedule at now is attending: the event is live, or it is
// still scheduled and now is from JoinWindow before its start to the end of
// its planned duration.
func Watchable(status EventStatus, start time.Time, durationMinutes int, now time.Time) bool {
	switch status {
	case StatusLive:
		return true
	case StatusScheduled:
		end := start.Add(time.Duration(durationMinutes) * time.Minute)
		return !now.Before(start.Add(-JoinWindow)) && now.Before(end)
	}
	return false
}

// PresentSince is the earliest last heartbeat, exclusive, of a viewer still
// present at now: those seen after it are younger than PresenceTimeout.
func PresentSince(now time.Time) time.Time { return now.Add(-PresenceTimeout) }

// Beat is what one heartbeat at a watchable event does to the viewer's
// current viewing session.
type Beat struct {
	// Continues is whether the beat continues the session (its last beat
	// is younger than PresenceTimeout) rather than starting a new one.
	Continues bool
	// Seconds is the watch time it adds: the time since the session's last
	// beat, to the nearest second; nothing for a new session, and nothing
	// for a beat that arrives out of order.
	Seconds int64
	// Seen is the session's last beat after it: a beat out of order never
	// moves time back.
	Seen time.Time
}

// Heartbeat decides a beat at now of a viewer whose current session was
// last seen at lastSeen (nil: no session yet).
func Heartbeat(lastSeen *time.Time, now time.Time) Beat {
	if lastSeen == nil || now.Sub(*lastSeen) >= PresenceTimeout {
		return Beat{Seen: now}
	}
	prev := *lastSeen
	credit := max(now.Sub(prev), 0)
	b := Beat{Continues: true, Seconds: int64((credit + time.Second/2) / time.Second), Seen: now}
	if prev.After(now) {
		b.Seen = prev
	}
	return b
}

// EngagementActions are the kinds of engagement a viewer can record.
var EngagementActions = []string{"chat", "reaction", "poll", "question", "other"}

// MaxEngagements is how many engagement actions one viewer may record at
// one event: beyond it a script could only inflate the host's figures.
const MaxEngagements = 1000

// ErrEngagementCap is the error of an engagement beyond MaxEngagements.
var ErrEngagementCap = Errorf(ErrTooManyRequests, "rate_limited",
	"this viewer has recorded %d engagement actions at this event, the most one viewer may", MaxEngagements)

// ValidEngagementAction checks that action is one of EngagementActions.
func ValidEngagementAction(action string) error {
	if slices.Contains(EngagementActions, action) {
		return nil
	}
	return Invalid("action", "must be one of chat, reaction, poll, question, other")
}

// EngagementAllowed says whether a viewer who has recorded this many
// engagement actions at an event may record one more: ErrEngagementCap
// once MaxEngagements are recorded.
func EngagementAllowed(recorded int) error {
	if recorded >= MaxEngagements {
		return ErrEngagementCap
	}
	return nil
}

// MaxPurchaseCents bounds one purchase, in the currency's minor unit (ten
// billion dollars). The revenue figures are int64 sums, which an absurd
// amount would overflow, breaking the host's analytics for good.
const MaxPurchaseCents = 1_000_000_000_000

// ValidatePurchase checks a purchase: amountCents more than 0 and at most
// MaxPurchaseCents, currency an ISO 4217 code (three upper-case letters).
func ValidatePurchase(amountCents int64, currency string) error {
	v := &ValidationError{}
	switch {
	case amountCents <= 0:
		v.Add("amount_cents", "must be a whole number of cents greater than 0")
	case amountCents > MaxPurchaseCents:
		v.Add("amount_cents", fmt.Sprintf("must be at most %d", int64(MaxPurchaseCents)))
	}
	if !isCurrency(currency) {
		v.Add("currency", "must be a three-letter ISO 4217 code in upper case, e.g. USD")
	}
	return v.Err()
}

func isCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for i := range len(c) {
		if c[i] < 'A' || c[i] > 'Z' {
			return false
		}
	}
	return true
}

package onair

import (
	"strings"
	"time"
)

// FollowUp is one message sent after an event has ended: a thank-you to
// those who came, or a "sorry we missed you" to those who did not.
type FollowUp struct {
	Enabled bool
	// After is how long after the end it goes out.
	After time.Duration
	// Message is the host's own words, shown in the message.
	Message string
}

// FollowUps are an event's two follow-ups. Each registrant gets at most
// one of them, chosen when it is sent from whether they attended.
type FollowUps struct {
	Attended FollowUp
	Missed   FollowUp
}

// Limits of the follow-ups.
const (
	MaxFollowUpAfter      = 30 * 24 * time.Hour
	MaxFollowUpMessageLen = 2000
	// FollowUpGrace is how late a follow-up may still go out after
	// downtime (or when it is planned after its time has passed, the host
	// having turned it on late): a thank-you days after the show reads as
	// a mistake.
	FollowUpGrace = 24 * time.Hour
	// AutoEndAfter is how long after its scheduled end (start + duration)
	// an event still live is ended by onair: a host who forgot to press
	// End would otherwise never send the follow-ups.
	AutoEndAfter = 12 * time.Hour
)

// FollowUpsInput is the writable form of FollowUps. A nil field is left as
// it is.
type FollowUpsInput struct {
	Attended *FollowUpInput `json:"attended"`
	Missed   *FollowUpInput `json:"missed"`
}

// FollowUpInput is the writable form of one FollowUp; after is a Go
// duration ("1h", "90m", "0s").
type FollowUpInput struct {
	Enabled *bool   `json:"enabled"`
	After   *string `json:"after"`
	Message *string `json:"message"`
}

// FollowUpJSON is a FollowUp as the API shows it: after in Go's canonical
// form ("1h0m0s").
type FollowUpJSON struct {
	Enabled bool   `json:"enabled"`
	After   string `json:"after"`
	Message string `json:"message"`
}

// JSON is f as the API shows it.
func (f FollowUp) JSON() FollowUpJSON {
	return FollowUpJSON{Enabled: f.Enabled, After: f.After.String(), Message: f.Message}
}

// FollowUpsJSON is FollowUps as the API shows them.
type FollowUpsJSON struct {
	Attended FollowUpJSON `json:"attended"`
	Missed   FollowUpJSON `json:"missed"`
}

// JSON is fs as the API shows them.
func (fs FollowUps) JSON() FollowUpsJSON {
	return FollowUpsJSON{Attended: fs.Attended.JSON(), Missed: fs.Missed.JSON()}
}

// apply returns fs with in's fields, recording every problem in v under
// follow_ups.attended.after and the like.
func (fs FollowUps) apply(v *ValidationError, in FollowUpsInput) FollowUps {
	fs.Attended = fs.Attended.apply(v, "follow_ups.attended", in.Attended)
	fs.Missed = fs.Missed.apply(v, "follow_ups.missed", in.Missed)
	return fs
}

func (f FollowUp) apply(v *ValidationError, field string, in *FollowUpInput) FollowUp {
	if in == nil {
		return f
	}
	if in.Enabled != nil {
		f.Enabled = *in.Enabled
	}
	if in.After != nil {
		d, err := time.ParseDuration(strings.TrimSpace(*in.After))
		switch {
		case err != nil:
			v.Add(field+".after", `must be a duration such as "1h", "30m" or "0s"`)
		case d < 0 || d > MaxFollowUpAfter:
			v.Add(field+".after", "must be from 0s to 720h (30 days) after the end")
		default:
			f.After = d
		}
	}
	if in.Message != nil {
		f.Message = cleanText(v, field+".message", *in.Message, MaxFollowUpMessageLen)
	}
	return f
}

// FollowUp is ev's follow-up of kind k (the zero FollowUp for another
// kind).
func (e Event) FollowUp(k NotificationKind) FollowUp {
	switch k {
	case KindFollowUpAttended:
		return e.FollowUps.Attended
	case KindFollowUpMissed:
		return e.FollowUps.Missed
	}
	return FollowUp{}
}

// IsFollowUp reports whether n is one of the follow-ups sent after the end.
func (n Notification) IsFollowUp() bool {
	return n.Kind == KindFollowUpAttended || n.Kind == KindFollowUpMissed
}

// PlanFollowUps is the follow-up plan of an ended event: one notification
// for each enabled follow-up on each channel, due After its end.
func PlanFollowUps(ev Event, now time.Time) []Notification {
	if ev.Status != StatusEnded || ev.EndedAt == nil {
		return nil
	}
	var plan []Notification
	for _, ch := range ev.Channels() {
		for _, k := range []NotificationKind{KindFollowUpAttended, KindFollowUpMissed} {
			f := ev.FollowUp(k)
			if !f.Enabled {
				continue
			}
			plan = append(plan, Notification{
				ID: NewID(), EventID: ev.ID, Kind: k, Channel: ch, ScheduledTime: ev.EndedAt.Add(f.After),
				Status: NotifScheduled, EventVersion: ev.Version, CreatedAt: now, UpdatedAt: now,
			})
		}
	}
	return plan
}

// The reasons a registrant is not addressed by a follow-up.
const (
	ReasonAttended    = "the registrant attended (they get the attended follow-up)"
	ReasonNotAttended = "the registrant did not attend (they get the missed follow-up)"
)

// AudienceReason says why r is not one of those a notification of kind k
// speaks to, or "" when it is: the attended follow-up is for those who
// attended, the missed one for the others; every other kind is for every
// registrant. Like RecipientReason it depends on the registration alone,
// so the fan-out asks it in SQL (audienceSQL) and gives a delivery only to
// those it speaks to: a registrant who attended is no recipient of the
// missed follow-up at all, as an unsubscribed one is no recipient of a
// reminder. SendBlockedReason asks it again when the message leaves.
func AudienceReason(k NotificationKind, r Registration) string {
	switch {
	case k == KindFollowUpAttended && !r.Attended:
		return ReasonNotAttended
	case k == KindFollowUpMissed && r.Attended:
		return ReasonAttended
	}
	return ""
}

// followUpStaleReason is StaleReason for a follow-up: it goes only for an
// event that ended, and up to FollowUpGrace after its time.
func followUpStaleReason(n Notification, ev Event, now time.Time) string {
	switch {
	case ev.Status == StatusCancelled:
		return ReasonEventCancelled
	case ev.Status != StatusEnded:
		return ReasonEventNotEnded
	case !ev.FollowUp(n.Kind).Enabled:
		return ReasonFollowUpOff
	case now.After(n.ScheduledTime.Add(FollowUpGrace)):
		return "it was due at " + stamp(n.ScheduledTime) + " but could only be sent at " + stamp(now) + ", more than a day late"
	}
	return ""
}

// The reasons a follow-up is stale.
const (
	ReasonEventNotEnded = "the event has not ended"
	ReasonFollowUpOff   = "the host turned this follow-up off"
)

// replanFollowUps is what a change of an ended event's follow-ups does to
// the follow-ups it has: per kind and channel, a pending one moves to its
// new time, or is cancelled when the follow-up was turned off; a wanted one
// with no row yet is planned. One that was sent (or is being sent) stays as
// it is and is not planned again: nobody gets a follow-up twice. A
// cancelled or skipped row sent nothing, so it gives way to a new one.
func replanFollowUps(after Event, existing []Notification, now time.Time, pc *PlanChange) {
	plan := PlanFollowUps(after, now)
	wanted := map[string]Notification{}
	for _, n := range plan {
		wanted[followUpKey(n)] = n
	}
	covered := map[string]bool{}
	for _, n := range existing {
		if !n.IsFollowUp() {
			continue
		}
		key := followUpKey(n)
		want, ok := wanted[key]
		switch {
		case n.Status == NotifScheduled && !ok:
			n.Status, n.ErrorDetails, n.UpdatedAt = NotifCancelled, ReasonFollowUpOff, now
			pc.Update = append(pc.Update, n)
		case n.Status == NotifScheduled && covered[key]:
			n.Status, n.ErrorDetails, n.UpdatedAt = NotifCancelled, "replaced by another follow-up of the same kind", now
			pc.Update = append(pc.Update, n)
		case n.Status == NotifScheduled:
			covered[key] = true
			if !n.ScheduledTime.Equal(want.ScheduledTime) {
				n.ScheduledTime, n.UpdatedAt = want.ScheduledTime, now
				pc.Update = append(pc.Update, n)
			}
		case n.Status != NotifCancelled && n.Status != NotifSkipped:
			covered[key] = true // sent or on its way: never a second one
		}
	}
	for _, n := range plan {
		if !covered[followUpKey(n)] {
			pc.Insert = append(pc.Insert, n)
		}
	}
}

func followUpKey(n Notification) string { return string(n.Kind) + "/" + string(n.Channel) }

// AutoEndAt is when e, if still live, is ended by onair: AutoEndAfter
// after its scheduled end.
func (e Event) AutoEndAt() time.Time {
	return e.ScheduledStart.Add(time.Duration(e.DurationMinutes)*time.Minute + AutoEndAfter)
}

// AutoEnd ends e when it is still live at its AutoEndAt; ok is false, and
// e unchanged, when it is not time to.
func (e Event) AutoEnd(now time.Time) (Event, bool) {
	if e.Status != StatusLive || now.Before(e.AutoEndAt()) {
		return e, false
	}
	ended, err := e.End(now)
	return ended, err == nil
}

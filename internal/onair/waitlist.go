package onair

import "time"

// The rules of the waitlist and of a registrant's own cancellation. The
// store applies them inside the transaction that holds the event's row, so
// that a seat is given once: a waitlisted viewer is promoted in the
// transaction that frees the seat, oldest first, never two for one seat.

// Admit says how a new registration enters ev at now: with a seat
// (RegRegistered), or onto the waitlist (RegWaitlisted) when the event is
// full and has one; any other closed state is the error a registration
// attempt gets.
func (e Event) Admit(now time.Time) (RegistrationStatus, error) {
	reason, err := e.RegistrationClosed(now)
	switch {
	case err == nil:
		return RegRegistered, nil
	case reason == ClosedFull && e.WaitlistEnabled:
		return RegWaitlisted, nil
	}
	return "", err
}

// SeatsToPromote is how many of ev's waitlisted registrants get a seat now:
// as many as there are free seats (all of them when the event has no
// limit), never more than wait. Nobody is promoted into an event that is
// over or cancelled: there is nothing left to hold a seat for.
func (e Event) SeatsToPromote() int {
	if e.WaitlistCount <= 0 || e.Status == StatusEnded || e.Status == StatusCancelled {
		return 0
	}
	if e.MaxRegistrations == 0 {
		return e.WaitlistCount
	}
	return min(max(e.MaxRegistrations-e.RegistrationCount, 0), e.WaitlistCount)
}

// HoldsSeat reports whether a registration of this status counts against
// the event's capacity: one registered, or unsubscribed (who stopped the
// messages, not the seat). A waitlisted or cancelled one does not.
func (s RegistrationStatus) HoldsSeat() bool { return s == RegRegistered || s == RegUnsubscribed }

// ErrCancelOver refuses a registrant's cancellation once the event is over.
var ErrCancelOver = Errorf(ErrGone, "event_over", "this event is over: there is no registration left to cancel")

// CancelOutcome is what a registrant's cancellation of r does.
type CancelOutcome struct {
	// Cancel is set when r is to become cancelled; unset for one already
	// cancelled, which a second cancellation leaves as it is.
	Cancel bool
	// FreesSeat is set when r held a seat, which goes to the waitlist;
	// LeavesWaitlist when r was waiting, so the places behind it move up.
	FreesSeat, LeavesWaitlist bool
}

// CancelRegistration decides a registrant's own cancellation of r, of ev:
// registered, unsubscribed and waitlisted registrations may cancel while
// the event is not over; cancelling twice changes nothing and frees
// nothing twice. An erased registration has no registrant left to ask.
func CancelRegistration(ev Event, r Registration) (CancelOutcome, error) {
	switch {
	case r.Erased():
		return CancelOutcome{}, Errorf(ErrNotFound, "not_found", "no such registration")
	case r.Status == RegCancelled:
		return CancelOutcome{}, nil
	case ev.Status == StatusEnded || ev.Status == StatusCancelled:
		return CancelOutcome{}, ErrCancelOver
	}
	return CancelOutcome{Cancel: true, FreesSeat: r.Status.HoldsSeat(), LeavesWaitlist: r.Status == RegWaitlisted}, nil
}

// PromotedChannels are the channels on which r, promoted from ev's
// waitlist, is told: those that reach it as a registrant. The reminders
// that follow are the plan's, from the promotion on (Registration.SeatedAt).
func PromotedChannels(ev Event, r Registration) []Channel {
	r.Status = RegRegistered
	return ConfirmationChannels(ev, r)
}

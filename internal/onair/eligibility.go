package onair

import "time"

// The reasons a message may not go to a registrant, as the host reads them
// on a skipped delivery. They are decided here and only here: by the claim
// just before a message leaves, by the fan-out (whose SQL mirrors
// RecipientReason), by an erasure skipping what was pending, and by the
// pages that say which channels a registrant is reached on.
const (
	ReasonErased                = "the viewer's data was erased"
	ReasonUnsubscribed          = "the registrant unsubscribed"
	ReasonRegistrationCancelled = "the registration was cancelled"
	ReasonNoPhone               = "the registrant gave no phone number"
	ReasonNoEmail               = "the registrant has no email address"
	ReasonSuppressed            = "the address is suppressed (bounce, complaint or STOP)"
	ReasonNotificationCancelled = "the notification was cancelled"
	ReasonNotificationSkipped   = "the notification was skipped"
	ReasonRegisteredLate        = "the registrant registered after this reminder's time"
	ReasonWaitlisted            = "the registrant is on the waitlist"
	ReasonNotWaitlisted         = "the registrant is no longer on the waitlist"
)

// Address is where a message on ch reaches r: the phone for SMS, the
// normalised email otherwise; "" when r has none on that channel. The store
// compares it with the suppression list, and its SQL (addressSQL) says the
// same.
func Address(ch Channel, r Registration) string {
	if ch == ChannelSMS {
		return r.Phone
	}
	return NormalizeEmail(r.Email)
}

// RecipientReason says why r is not one of the people a message on ch is
// addressed to, or "" when it is: an erased, unsubscribed or cancelled
// registration receives nothing, and a channel needs an address (SMS needs
// a phone). It depends on the registration alone, so that the fan-out can
// ask it of a whole page of registrants at once (in SQL: recipientSQL).
func RecipientReason(r Registration, ch Channel) string {
	switch {
	case r.Erased():
		return ReasonErased
	case r.Status == RegUnsubscribed:
		return ReasonUnsubscribed
	case r.Status == RegWaitlisted:
		return ReasonWaitlisted
	case r.Status != RegRegistered:
		return ReasonRegistrationCancelled
	case Address(ch, r) == "" && ch == ChannelSMS:
		return ReasonNoPhone
	case Address(ch, r) == "":
		return ReasonNoEmail
	}
	return ""
}

// KindRecipientReason is RecipientReason for a message of kind: the
// waitlisted message goes to a registration only while it waits (once
// promoted, it is told so by the promoted message instead); every other
// message only to a registration with a seat.
func KindRecipientReason(kind NotificationKind, r Registration, ch Channel) string {
	if kind == KindWaitlisted {
		switch {
		case r.Status == RegWaitlisted:
			r.Status = RegRegistered // the same address rules, for one who waits
		case r.Status == RegRegistered && !r.Erased():
			return ReasonNotWaitlisted
		}
	}
	return RecipientReason(r, ch)
}

// SendBlockedReason says why one message must not leave at now, or "" when
// it may. Eligibility is checked at send time, not only when planning: a
// registrant who unsubscribed, an address that bounced or sent STOP, an
// event that was cancelled or changed all stop a pending send. A reminder
// goes only to those who registered before its time: a late registrant
// gets the reminders still ahead of them, never one whose time had passed
// when they registered, even when the reminder itself went out late (its
// dispatch waited for a node that was down). In an A/B test a reminder
// goes only to the registrants of its arm (ArmReason). A follow-up goes to
// those it speaks to (AudienceReason) as they are when it leaves. SMS quiet
// hours are asked after this (SMSQuietHold): they hold a message that may
// leave, or skip it.
func SendBlockedReason(n Notification, ev Event, r Registration, ch Channel, suppressed bool, now time.Time) string {
	if reason := KindRecipientReason(n.Kind, r, ch); reason != "" {
		return reason
	}
	if reason := AudienceReason(n.Kind, r); reason != "" {
		return reason
	}
	switch {
	case n.Status == NotifCancelled:
		return ReasonNotificationCancelled
	case n.Status == NotifSkipped:
		return ReasonNotificationSkipped
	case n.IsReminder() && !r.SeatedAt().Before(n.ScheduledTime):
		return ReasonRegisteredLate
	case ArmReason(n, r) != "":
		return ArmReason(n, r)
	case suppressed:
		return ReasonSuppressed
	}
	return StaleReason(n, ev, now)
}

// ConfirmationChannels are the channels on which r, registering for ev, is
// sent the confirmation (or, waitlisted, the waitlisted message; promoted,
// the promoted one): every channel of the event that reaches it (no SMS
// without a phone).
func ConfirmationChannels(ev Event, r Registration) []Channel {
	kind := KindConfirmation
	if r.Status == RegWaitlisted {
		kind = KindWaitlisted
	}
	var chs []Channel
	for _, ch := range ev.Channels() {
		if KindRecipientReason(kind, r, ch) == "" {
			chs = append(chs, ch)
		}
	}
	return chs
}

// The resend policy: a repeated registration attempt (the same email for
// the same event) sends the confirmation again, by email only, at most
// MaxResendsPerHour times within ResendWindow.
const (
	MaxResendsPerHour = 3
	ResendWindow      = time.Hour
)

// ResendChannels are the channels on which a repeated registration attempt
// sends the confirmation again to the registration first made with that
// email, whose status is first: email, while that registration still
// receives messages and the event sends email; none otherwise. A repeat
// never sends an SMS: anyone may type anyone's email.
func ResendChannels(ev Event, first RegistrationStatus) []Channel {
	if first != RegRegistered || !ev.Notifications.EmailEnabled {
		return nil
	}
	return []Channel{ChannelEmail}
}

// ResendAllowed reports whether the confirmation may be sent again at now,
// given when it was sent again before (the first confirmation not
// included): fewer than MaxResendsPerHour of those within ResendWindow.
func ResendAllowed(resentAt []time.Time, now time.Time) bool {
	since := now.Add(-ResendWindow)
	recent := 0
	for _, t := range resentAt {
		if t.After(since) {
			recent++
		}
	}
	return recent < MaxResendsPerHour
}

// ErrAlreadyRegistered is the conflict of a second registration for the same
// event and email. Its message says nothing of the first registration.
var ErrAlreadyRegistered = Errorf(ErrConflict, "already_registered",
	"this email is already registered for this event; the confirmation has been sent to it again")

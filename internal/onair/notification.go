package onair

import "time"

// NotificationKind is what a notification tells its recipients.
type NotificationKind string

// The kinds of notification.
const (
	KindConfirmation NotificationKind = "confirmation"
	KindReminder     NotificationKind = "reminder"
	KindStartingNow  NotificationKind = "starting_now"
	KindRescheduled  NotificationKind = "rescheduled"
	KindCancelled    NotificationKind = "cancelled"
	// KindWaitlisted tells a registrant of a full event that they are on
	// its waitlist, and where; KindPromoted that a spot freed and is theirs.
	KindWaitlisted NotificationKind = "waitlisted"
	KindPromoted   NotificationKind = "promoted"
	// The follow-ups after the end: one or the other, by attendance.
	KindFollowUpAttended NotificationKind = "follow_up_attended"
	KindFollowUpMissed   NotificationKind = "follow_up_missed"
)

// Personal reports whether a notification of kind k answers one
// registration's own change (it registered, joined the waitlist, got a
// seat): one notification per event and channel whose counters grow with
// each, sent at once, and never stale because the event changed since the
// notification row was made.
func (k NotificationKind) Personal() bool {
	return k == KindConfirmation || k == KindWaitlisted || k == KindPromoted
}

// MessageKinds are the kinds of message onair sends, in the order a
// registrant meets them: the list that previews and test sends offer. A
// new kind of message is added here.
var MessageKinds = []NotificationKind{
	KindConfirmation, KindWaitlisted, KindPromoted, KindReminder, KindStartingNow, KindRescheduled, KindCancelled,
	KindFollowUpAttended, KindFollowUpMissed,
}

// Channel is how a message travels.
type Channel string

// The channels.
const (
	ChannelEmail Channel = "email"
	ChannelSMS   Channel = "sms"
)

// NotificationStatus is where a notification is in its life.
type NotificationStatus string

// The statuses of a notification.
const (
	NotifScheduled       NotificationStatus = "scheduled"
	NotifSending         NotificationStatus = "sending"
	NotifSent            NotificationStatus = "sent"
	NotifPartiallyFailed NotificationStatus = "partially_failed"
	NotifFailed          NotificationStatus = "failed"
	NotifSkipped         NotificationStatus = "skipped"
	NotifCancelled       NotificationStatus = "cancelled"
)

// Notification is one message of an event on one channel, sent to many
// registrants: a reminder at one interval, a confirmation, a notice.
type Notification struct {
	ID       string
	EventID  string
	Kind     NotificationKind
	Interval string // the interval's name for reminders, "" otherwise
	Channel  Channel
	// Arm is, in an A/B test, the arm whose ladder a reminder belongs to
	// ("a" or "b"); "" for a notification to every registrant.
	Arm           string
	ScheduledTime time.Time
	Status        NotificationStatus
	EventVersion  int // the event's Version it was planned for
	// PreviousStart is, for a reschedule notice, the start registrants
	// knew before the change.
	PreviousStart *time.Time
	Recipients    int
	SentCount     int
	FailedCount   int
	SkippedCount  int // recipients not sent to after all: they unsubscribed, bounced before, …
	ErrorDetails  string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// DeliveryStatus is where one message to one recipient is.
type DeliveryStatus string

// The statuses of a delivery.
const (
	DeliveryPending DeliveryStatus = "pending"
	DeliverySending DeliveryStatus = "sending"
	DeliverySent    DeliveryStatus = "sent"
	DeliveryFailed  DeliveryStatus = "failed"
	DeliverySkipped DeliveryStatus = "skipped"
)

// Delivery is one notification to one registration on one channel; there is
// at most one per (notification, registration, channel), which is what makes
// a second send impossible.
type Delivery struct {
	ID                int64
	NotificationID    string
	RegistrationID    string
	Channel           Channel
	Seq               int // 0, or the number of a confirmation sent again on request
	Status            DeliveryStatus
	Provider          string
	ProviderMessageID string
	Attempts          int
	Error             string
	SentAt            *time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

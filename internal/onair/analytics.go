package onair

import "time"

// Analytics are an event's figures, counted from the raw rows each time, so
// that they cannot drift from what happened.
type Analytics struct {
	Registrations         int            `json:"registrations"`
	RegistrationsBySource map[string]int `json:"registrations_by_source"`
	// RegistrationsByDay counts registrations per UTC day (YYYY-MM-DD).
	RegistrationsByDay map[string]int `json:"registrations_by_day"`
	// NotificationsSent counts the messages a provider took;
	// NotificationsDelivered those of them not reported back as bounced.
	NotificationsSent      int `json:"notifications_sent"`
	NotificationsDelivered int `json:"notifications_delivered"`
	NotificationsFailed    int `json:"notifications_failed"`
	// Opens are approximate: mail clients fetch images ahead of the reader.
	NotificationsOpened  int `json:"notifications_opened"`
	NotificationsClicked int `json:"notifications_clicked"`
	// ByChannel and Notifications split the message figures by channel
	// and by notification.
	ByChannel             map[Channel]MessageFigures `json:"by_channel"`
	Notifications         []NotificationFigures      `json:"notifications"`
	Attended              int                        `json:"attended"`
	PeakConcurrentViewers int                        `json:"peak_concurrent_viewers"`
	EngagementActions     int                        `json:"engagement_actions"`
	EngagementByAction    map[string]int             `json:"engagement_by_action"`
	// RevenueCents adds up every purchase, whatever its currency;
	// RevenueByCurrency splits it.
	RevenueCents      int64            `json:"revenue_cents"`
	RevenueByCurrency map[string]int64 `json:"revenue_by_currency"`
	Purchasers        int              `json:"purchasers"`
	// ConversionRate is purchasers ÷ attendees.
	ConversionRate      float64 `json:"conversion_rate"`
	AverageWatchSeconds float64 `json:"average_watch_seconds"`
	// AttendanceRate is attendees ÷ registrations.
	AttendanceRate float64 `json:"attendance_rate"`
	// Waitlisted is how many wait on the event's waitlist; nil (left out)
	// for an event without one.
	Waitlisted *int `json:"waitlisted,omitempty"`
	// ABTest, Arms and PValue are an A/B test's: its setting, each arm's
	// attendance and the two-sided p-value of the difference in
	// attendance (TwoProportionPValue); left out, and PValue null,
	// without a test.
	ABTest *ABTest               `json:"ab_test,omitempty"`
	Arms   map[string]ArmFigures `json:"arms,omitempty"`
	PValue *float64              `json:"p_value"`
	// Funnel: registered → notified (at least one message sent) → opened →
	// clicked → attended, in registrants.
	Funnel Funnel `json:"funnel"`
}

// MessageFigures count messages: those a provider took (sent), those of
// them not reported back as bounced (delivered), those that could not be
// sent (failed), and those opened and clicked at least once (opens are
// approximate).
type MessageFigures struct {
	Sent      int `json:"sent"`
	Delivered int `json:"delivered"`
	Failed    int `json:"failed"`
	Opened    int `json:"opened"`
	Clicked   int `json:"clicked"`
}

// Add adds f to m.
func (m *MessageFigures) Add(f MessageFigures) {
	m.Sent += f.Sent
	m.Delivered += f.Delivered
	m.Failed += f.Failed
	m.Opened += f.Opened
	m.Clicked += f.Clicked
}

// NotificationFigures are the message figures of one notification.
type NotificationFigures struct {
	ID            string             `json:"id"`
	Kind          NotificationKind   `json:"kind"`
	Interval      string             `json:"interval,omitempty"`
	Channel       Channel            `json:"channel"`
	Arm           string             `json:"arm,omitempty"` // an A/B test's reminder: its arm
	ScheduledTime time.Time          `json:"scheduled_time"`
	Status        NotificationStatus `json:"status"`
	MessageFigures
}

// Funnel counts registrants at each step from registration to attendance.
type Funnel struct {
	Registered int `json:"registered"`
	Notified   int `json:"notified"`
	Opened     int `json:"opened"`
	Clicked    int `json:"clicked"`
	Attended   int `json:"attended"`
}

// Rates fills the rates from the counts: zero, never NaN, when there is
// nothing to divide by.
func (a *Analytics) Rates() {
	a.ConversionRate = ratio(a.Purchasers, a.Attended)
	a.AttendanceRate = ratio(a.Attended, a.Registrations)
}

func ratio(part, whole int) float64 {
	if whole <= 0 {
		return 0
	}
	return float64(part) / float64(whole)
}

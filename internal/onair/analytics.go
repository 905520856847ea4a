package onair

// Analytics are an event's figures, counted from the raw rows each time, so
// that they cannot drift from what happened.
type Analytics struct {
	Registrations         int            `json:"registrations"`
	RegistrationsBySource map[string]int `json:"registrations_by_source"`
	// RegistrationsByDay counts registrations per UTC day (YYYY-MM-DD).
	RegistrationsByDay  map[string]int `json:"registrations_by_day"`
	NotificationsSent   int            `json:"notifications_sent"`
	NotificationsFailed int            `json:"notifications_failed"`
	// Opens are approximate: mail clients fetch images ahead of the reader.
	NotificationsOpened   int            `json:"notifications_opened"`
	NotificationsClicked  int            `json:"notifications_clicked"`
	SentByChannel         map[string]int `json:"sent_by_channel"`
	Attended              int            `json:"attended"`
	PeakConcurrentViewers int            `json:"peak_concurrent_viewers"`
	EngagementActions     int            `json:"engagement_actions"`
	EngagementByAction    map[string]int `json:"engagement_by_action"`
	RevenueCents          int64          `json:"revenue_cents"`
	Purchasers            int            `json:"purchasers"`
	// ConversionRate is purchasers ÷ attendees.
	ConversionRate      float64 `json:"conversion_rate"`
	AverageWatchSeconds float64 `json:"average_watch_seconds"`
	// AttendanceRate is attendees ÷ registrations.
	AttendanceRate float64 `json:"attendance_rate"`
	// Funnel: registered → notified (at least one message sent) → opened →
	// clicked → attended, in registrants.
	Funnel Funnel `json:"funnel"`
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

package onair

// EventSummary is an event's key figures, as the dashboard's list shows
// them on each event's card: the headline numbers of Analytics, counted
// from the same rows in the same way, so that a card and its event's
// analytics always agree.
type EventSummary struct {
	Registrations     int
	NotificationsSent int
	// EmailsSent is the part of NotificationsSent that went by email: only
	// email carries the open pixel, so open rates are of it.
	EmailsSent int
	// Opens are approximate: mail clients fetch images ahead of the reader.
	NotificationsOpened   int
	NotificationsClicked  int
	Attended              int
	PeakConcurrentViewers int
	RevenueCents          int64
	// RevenueByCurrency splits RevenueCents by ISO 4217 code, in each
	// currency's minor units; empty when nothing was bought.
	RevenueByCurrency map[string]int64
}

// OpenRate is opens ÷ emails sent; ok is false when no email was sent, so
// there is no rate to speak of.
func (s EventSummary) OpenRate() (rate float64, ok bool) {
	return ratio(s.NotificationsOpened, s.EmailsSent), s.EmailsSent > 0
}

// AttendanceRate is attendees ÷ registrations, as Analytics.AttendanceRate;
// ok is false when nobody registered.
func (s EventSummary) AttendanceRate() (rate float64, ok bool) {
	return ratio(s.Attended, s.Registrations), s.Registrations > 0
}

// Currency is the one currency every purchase was made in, or "" when
// there was no purchase or there were several currencies.
func (s EventSummary) Currency() string {
	if len(s.RevenueByCurrency) != 1 {
		return ""
	}
	for c := range s.RevenueByCurrency {
		return c
	}
	return ""
}

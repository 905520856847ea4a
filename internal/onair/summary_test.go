package onair

import "testing"

func TestEventSummaryRates(t *testing.T) {
	for _, c := range []struct {
		name               string
		s                  EventSummary
		open, attendance   float64
		openOK, attendedOK bool
	}{
		{name: "nothing yet: no rate at all", s: EventSummary{}},
		{name: "opens are of emails, not of every message",
			s:    EventSummary{NotificationsSent: 6, EmailsSent: 4, NotificationsOpened: 1, Registrations: 3},
			open: 0.25, openOK: true, attendedOK: true},
		{name: "attendance of registrations",
			s:          EventSummary{Registrations: 4, Attended: 3},
			attendance: 0.75, attendedOK: true},
		{name: "SMS only: messages sent, but no email to open",
			s: EventSummary{NotificationsSent: 2, Registrations: 2}, attendedOK: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			open, ok := c.s.OpenRate()
			if open != c.open || ok != c.openOK {
				t.Errorf("OpenRate = %v, %v; want %v, %v", open, ok, c.open, c.openOK)
			}
			att, ok := c.s.AttendanceRate()
			if att != c.attendance || ok != c.attendedOK {
				t.Errorf("AttendanceRate = %v, %v; want %v, %v", att, ok, c.attendance, c.attendedOK)
			}
		})
	}
}

func TestEventSummaryCurrency(t *testing.T) {
	for _, c := range []struct {
		name string
		by   map[string]int64
		want string
	}{
		{"no purchase", nil, ""},
		{"one currency", map[string]int64{"EUR": 1250}, "EUR"},
		{"several currencies", map[string]int64{"EUR": 1250, "USD": 100}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := EventSummary{RevenueByCurrency: c.by}
			if got := s.Currency(); got != c.want {
				t.Errorf("Currency = %q; want %q", got, c.want)
			}
		})
	}
}

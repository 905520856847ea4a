package dashboard

import (
	"strings"

	"github.com/onair-live/onair/internal/onair"
)

// The words the pages use for the domain's names, each written once.

var kindLabels = map[onair.NotificationKind]string{
	onair.KindConfirmation: "Confirmation",
	onair.KindReminder:     "Reminder",
	onair.KindStartingNow:  "Starting now",
	onair.KindRescheduled:  "Reschedule notice",
	onair.KindCancelled:    "Cancellation notice",
	// the waitlist
	onair.KindWaitlisted: "Waitlist notice",
	onair.KindPromoted:   "Promotion: a spot opened up",
	// the follow-ups
	onair.KindFollowUpAttended: "Follow-up: thanks for joining",
	onair.KindFollowUpMissed:   "Follow-up: sorry we missed you",
}

// kindLabel names a kind of notification: "Reminder".
func kindLabel(k onair.NotificationKind) string {
	if l, ok := kindLabels[k]; ok {
		return l
	}
	return string(k)
}

var intervalLabels = map[string]string{
	"2weeks": "2 weeks before", "1week": "1 week before", "3days": "3 days before", "1day": "1 day before",
	"12hours": "12 hours before", "1hour": "1 hour before", "15minutes": "15 minutes before", "now": "at the start",
}

// intervalLabel names a reminder time, given as the API names it, for
// people: "1 day before", "2h30m before", "at the start"; "—" for none
// (a confirmation or a notice).
func intervalLabel(name string) string {
	if name == "" {
		return "—"
	}
	if l, ok := intervalLabels[name]; ok {
		return l
	}
	iv, err := onair.ParseInterval(name)
	if err != nil {
		return name + " before"
	}
	d := iv.Offset.String() // "45m0s", "2h30m0s", "1h0m0s", "1m30s"
	if strings.HasSuffix(d, "m0s") {
		d = strings.TrimSuffix(d, "0s")
	}
	if strings.HasSuffix(d, "h0m") {
		d = strings.TrimSuffix(d, "0m")
	}
	return d + " before"
}

// channelWords names the channels of an event's messages as a sentence
// goes on: "email and SMS", "email", "SMS", or "" for none.
func channelWords(ns onair.NotificationSettings) string {
	switch {
	case ns.EmailEnabled && ns.SMSEnabled:
		return "email and SMS"
	case ns.EmailEnabled:
		return "email"
	case ns.SMSEnabled:
		return "SMS"
	}
	return ""
}

// capitalized starts s with a capital letter, as a line of a page does.
func capitalized(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

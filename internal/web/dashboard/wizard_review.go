package dashboard

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/onair"
)

// The wizard's last two steps show the event as it will be: the messages
// a registrant gets (step 3) and every answer worded for the host (step 4).

// The sample registrant of the previews. The token has a real token's
// length, so that the SMS is measured as the real one will be.
const (
	previewToken = "sample-token-that-each-viewer-gets-their-own"
	previewPhone = "+15555550123"
)

// wizardPreview is the confirmation email and a reminder SMS as Alex, a
// registrant in the event's own zone, will see them, from host.
type wizardPreview struct {
	Zone                     string
	EmailOn, SMSOn           bool
	Subject, EmailText       string
	EmailHTML                string // for an <iframe sandbox srcdoc>: html/template escapes it into the attribute
	SMSLabel, SMSText        string
	EmailProblem, SMSProblem string
	SMSCharacters            int
}

func (d *Dashboard) wizardPreview(host onair.Host, ev onair.Event) *wizardPreview {
	reg := onair.Registration{EventID: ev.ID, FirstName: "Alex", Email: "alex@example.com",
		Phone: previewPhone, Timezone: ev.Timezone}
	v := d.links.Sample(ev.ID, previewToken)
	c := notify.Content{Kind: onair.KindConfirmation, Event: ev, Registration: reg,
		WatchURL: v.Watch, CalendarURL: v.Calendar, UnsubscribeURL: v.Unsubscribe, CancelURL: v.Cancel, From: d.sender(host)}
	pv := &wizardPreview{Zone: ev.Timezone, EmailOn: ev.Notifications.EmailEnabled, SMSOn: ev.Notifications.SMSEnabled}
	if m, err := notify.RenderEmail(c); err != nil {
		pv.EmailProblem = "The email cannot be previewed: " + err.Error()
	} else {
		pv.Subject, pv.EmailText, pv.EmailHTML = m.Subject, m.Text, m.HTML
	}
	pv.SMSLabel = "Confirmation SMS (no reminder chosen)"
	if len(ev.Intervals) > 0 {
		c.Kind, c.Interval = onair.KindReminder, ev.Intervals[0]
		pv.SMSLabel = "Reminder SMS, " + strings.ToLower(intervalLabel(ev.Intervals[0].String()))
	}
	if m, err := notify.RenderSMS(c); err != nil {
		pv.SMSProblem = "The SMS cannot be previewed: " + err.Error()
	} else {
		pv.SMSText, pv.SMSCharacters = m.Text, len([]rune(m.Text))
	}
	return pv
}

// wizardReview is everything chosen, worded for the host.
type wizardReview struct {
	Title, Description, Capacity  string
	When, WhenUTC, Zone, Duration string
	Reminders                     []wizardReminder
	Channels, CustomMessage       string
	Language                      string
}

type wizardReminder struct {
	Label, When string
	Past        bool
}

func reviewOf(ev onair.Event, now time.Time) *wizardReview {
	rv := &wizardReview{Title: ev.Title, Description: ev.Description, Capacity: "Unlimited",
		When: notify.FormatTime(ev.ScheduledStart, ev.Timezone), WhenUTC: notify.FormatTime(ev.ScheduledStart, "UTC"),
		Zone: ev.Timezone, Duration: strconv.Itoa(ev.DurationMinutes) + " minutes",
		CustomMessage: ev.Notifications.CustomMessage, Language: languageName(ev.Language)}
	if ev.MaxRegistrations > 0 {
		rv.Capacity = strconv.Itoa(ev.MaxRegistrations)
	}
	rv.Channels = capitalized(channelWords(ev.Notifications))
	if rv.Channels == "" {
		rv.Channels = "None: registrants get no messages"
	}
	// In the order they go out.
	ivs := slices.Clone(ev.Intervals)
	slices.SortStableFunc(ivs, func(a, b onair.Interval) int { return cmp.Compare(b.Offset, a.Offset) })
	for _, iv := range ivs {
		rv.Reminders = append(rv.Reminders, wizardReminder{Label: intervalLabel(iv.String()),
			When: notify.FormatTime(ev.ReminderAt(iv), ev.Timezone), Past: ev.ReminderPassed(iv, now)})
	}
	return rv
}

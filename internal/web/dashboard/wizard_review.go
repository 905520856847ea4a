package dashboard

import (
	"cmp"
	"slices"
	"strconv"
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

// wizardPreview is one message of the event, email and SMS, as Alex, a
// registrant in the event's own zone, will see it from host: the
// confirmation, or the reminder the host picked among those chosen.
type wizardPreview struct {
	Zone                     string
	Choices                  []previewChoice // the confirmation, then each reminder in the order they go out
	Label                    string          // the message shown: "Confirmation", "Reminder, 1 day before"
	EmailOn, SMSOn           bool
	Subject, EmailText       string
	EmailHTML                string // for an <iframe sandbox srcdoc>: html/template escapes it into the attribute
	SMSText                  string
	EmailProblem, SMSProblem string
	SMSCharacters            int
}

// previewChoice is one message the wizard's preview offers: Value is
// previewConfirmation or a reminder's interval as the API names it.
type previewChoice struct {
	Value, Label string
	Selected     bool
}

// previewConfirmation is the preview's choice of the confirmation.
const previewConfirmation = "confirmation"

// wizardPreview previews the message of ev that choice names, or the
// confirmation when it names none of ev's (a reminder unticked since).
func (d *Dashboard) wizardPreview(host onair.Host, ev onair.Event, choice string, now time.Time) *wizardPreview {
	pv := &wizardPreview{Zone: ev.Timezone, EmailOn: ev.Notifications.EmailEnabled, SMSOn: ev.Notifications.SMSEnabled}
	kind, interval := onair.KindConfirmation, onair.Interval{}
	pv.Choices = []previewChoice{{Value: previewConfirmation, Label: kindLabel(onair.KindConfirmation)}}
	for _, iv := range remindersInOrder(ev.Intervals) {
		c := previewChoice{Value: iv.String(), Label: reminderLabel(iv)}
		if ev.ReminderPassed(iv, now) {
			c.Label += " (already past: skipped)"
		}
		if c.Value == choice {
			c.Selected, kind, interval = true, onair.KindReminder, iv
			if iv.Offset == 0 {
				kind = onair.KindStartingNow
			}
		}
		pv.Choices = append(pv.Choices, c)
	}
	if kind == onair.KindConfirmation {
		pv.Choices[0].Selected = true
	}
	pv.Label = kindLabel(kind)
	if kind == onair.KindReminder {
		pv.Label = reminderLabel(interval)
	}

	reg := onair.Registration{EventID: ev.ID, FirstName: "Alex", Email: "alex@example.com",
		Phone: previewPhone, Timezone: ev.Timezone}
	v := d.links.Sample(ev.ID, previewToken)
	c := notify.Content{Kind: kind, Interval: interval, Event: ev, Registration: reg,
		WatchURL: v.Watch, CalendarURL: v.Calendar, UnsubscribeURL: v.Unsubscribe, CancelURL: v.Cancel, From: d.sender(host)}
	if m, err := notify.RenderEmail(c); err != nil {
		pv.EmailProblem = "The email cannot be previewed: " + err.Error()
	} else {
		pv.Subject, pv.EmailText, pv.EmailHTML = m.Subject, m.Text, m.HTML
	}
	if m, err := notify.RenderSMS(c); err != nil {
		pv.SMSProblem = "The SMS cannot be previewed: " + err.Error()
	} else {
		pv.SMSText, pv.SMSCharacters = m.Text, len([]rune(m.Text))
	}
	return pv
}

// remindersInOrder is ivs in the order their reminders go out: the
// earliest (the largest offset) first.
func remindersInOrder(ivs []onair.Interval) []onair.Interval {
	out := slices.Clone(ivs)
	slices.SortStableFunc(out, func(a, b onair.Interval) int { return cmp.Compare(b.Offset, a.Offset) })
	return out
}

// reminderLabel names the reminder at iv: "Reminder, 1 day before", or
// "Starting now" for the one at the start.
func reminderLabel(iv onair.Interval) string {
	if iv.Offset == 0 {
		return kindLabel(onair.KindStartingNow)
	}
	return kindLabel(onair.KindReminder) + ", " + intervalLabel(iv.String())
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
	for _, iv := range remindersInOrder(ev.Intervals) {
		rv.Reminders = append(rv.Reminders, wizardReminder{Label: intervalLabel(iv.String()),
			When: notify.FormatTime(ev.ReminderAt(iv), ev.Timezone), Past: ev.ReminderPassed(iv, now)})
	}
	return rv
}

package dashboard

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/web/site"
)

// registrantPage is the data of a registrant's timeline page.
type registrantPage struct {
	Event      onair.Event
	Registrant onair.Registration
	Name       string // the registrant's name, or the email when there is none
	Entries    []timelineEntry
	WatchTime  string // the watch time in all
	Spent      string // the purchases in all, per currency; "" when none
}

// timelineEntry is one step of the timeline as the page shows it.
type timelineEntry struct {
	Kind    onair.EntryKind
	At      time.Time
	Title   string
	Status  onair.DeliveryStatus // a message's, shown as a badge
	Details []string
}

// Registrant is the timeline of one registrant of an event: GET
// /dashboard/events/{id}/registrants/{rid}. Another host's event, or a
// registrant of another event, is a 404 page.
func (d *Dashboard) Registrant(w http.ResponseWriter, r *http.Request, p site.Page) error {
	ev, err := d.store.HostEvent(r.Context(), p.Host.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	tl, err := d.store.RegistrantTimeline(r.Context(), ev.ID, r.PathValue("rid"))
	if err != nil {
		return err
	}
	reg := tl.Registration
	v := registrantPage{Event: ev, Registrant: reg, WatchTime: watchTime(tl.WatchSeconds)}
	v.Name = strings.TrimSpace(reg.FirstName + " " + reg.LastName)
	if v.Name == "" {
		v.Name = reg.Email
	}
	var spent []string
	for _, sum := range tl.Spent() {
		spent = append(spent, money(sum.AmountCents, sum.Currency))
	}
	v.Spent = strings.Join(spent, ", ")
	for _, e := range tl.Entries() {
		v.Entries = append(v.Entries, viewTimelineEntry(e, reg, ev))
	}
	p.Title, p.Data = v.Name+" · "+ev.Title, v
	return d.pages.Render(w, http.StatusOK, "registrant", p)
}

// viewTimelineEntry words one step of reg's timeline; times in its
// text are shown in the event's zone.
func viewTimelineEntry(e onair.TimelineEntry, reg onair.Registration, ev onair.Event) timelineEntry {
	zone := ev.Timezone
	d := timelineEntry{Kind: e.Kind, At: e.At}
	switch e.Kind {
	case onair.EntryRegistered:
		d.Title = "Registered"
		d.Details = []string{"Source: " + reg.Source}
		// The answers given with the registration, as it was made.
		for _, q := range ev.RegistrationFields {
			if a := reg.Answers.Answer(q.Key); a != "" {
				d.Details = append(d.Details, q.Label+": "+a)
			}
		}
	case onair.EntryMessage:
		m := e.Message
		d.Title = messageTitle(*m)
		d.Status = m.Status
		switch m.Status {
		case onair.DeliverySent:
			switch {
			case m.BouncedAt != nil:
				d.Details = append(d.Details, "Bounced: the provider reported at "+
					notify.FormatTime(*m.BouncedAt, zone)+" that it could not deliver it ("+m.Error+").")
			case m.Error != "":
				d.Details = append(d.Details, "Reported later by the provider: "+m.Error)
			}
		case onair.DeliveryFailed, onair.DeliverySkipped:
			reason := m.Error
			switch reason {
			case "":
				reason = "none recorded"
			case onair.ReasonQuietHours:
				reason = "quiet hours (it would have been held past the next reminder or the start)"
			}
			d.Details = append(d.Details, "Reason: "+reason)
		case onair.DeliverySending:
			d.Details = append(d.Details, "Being handed to the provider.")
		default:
			if until, ok := m.HeldUntil(); ok {
				d.Details = append(d.Details, "Held until "+notify.FormatTime(until, reg.Timezone)+
					", the end of the quiet hours in the registrant's time zone.")
				break
			}
			d.Details = append(d.Details, "Queued, not sent yet.")
			if m.NextAttemptAt != nil {
				d.Details = append(d.Details, "Next attempt "+notify.FormatTime(*m.NextAttemptAt, zone)+".")
			}
			if m.Error != "" {
				d.Details = append(d.Details, "Last attempt: "+m.Error)
			}
		}
	case onair.EntryOpened:
		d.Title = "Opened: " + messageTitle(*e.Message)
		d.Details = []string{plural(e.Message.OpenCount, "open") + " in all (approximate: mail clients may fetch images ahead of the reader)"}
	case onair.EntryClicked:
		d.Title = "Clicked a link: " + messageTitle(*e.Message)
		d.Details = []string{plural(e.Message.ClickCount, "click") + " in all"}
	case onair.EntryJoined:
		d.Title = "Joined the event"
		d.Details = []string{"First visit of the watch page that counted as attending."}
	case onair.EntrySession:
		v := e.Session
		d.Title = "Watched " + watchTime(v.Seconds)
		d.Details = []string{"Viewing session until " + notify.FormatTime(v.LastSeenAt, zone) + "."}
	case onair.EntryEngagement:
		g := e.Engagement
		d.Title = "Engagement: " + g.Action
		d.Details = []string{plural(g.Count, "time")}
		if g.Count > 1 {
			d.Details[0] += ", the last " + notify.FormatTime(g.Last, zone)
		}
	case onair.EntryPurchase:
		d.Title = "Purchase: " + money(e.Purchase.AmountCents, e.Purchase.Currency)
	case onair.EntryUnsubscribed:
		d.Title = "Unsubscribed"
		d.Details = []string{"No further message of this event goes to this registrant."}
	}
	return d
}

// messageTitle names a message as the host would: "Reminder, 1 hour
// before, by email".
func messageTitle(m onair.TimelineMessage) string {
	label := kindLabel(m.Kind)
	if m.Kind == onair.KindReminder && m.Interval != "" {
		label += ", " + intervalLabel(m.Interval) + ","
	}
	if m.Seq > 0 {
		label += " (sent again on request)"
	}
	channel := "email"
	if m.Channel == onair.ChannelSMS {
		channel = "SMS"
	}
	return label + " by " + channel
}

// plural counts things: "1 open", "2 opens".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// watchTime shows a watch time: "45 s", "1 min 55 s", "2 h 5 min".
func watchTime(seconds int64) string {
	h, m, s := seconds/3600, seconds%3600/60, seconds%60
	switch {
	case h > 0:
		return fmt.Sprintf("%d h %d min", h, m)
	case m > 0 && s > 0:
		return fmt.Sprintf("%d min %d s", m, s)
	case m > 0:
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d s", s)
}

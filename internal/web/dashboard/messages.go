package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/web/site"
)

// Every message of an event, previewed as a sample registrant would get it
// or sent to the host as a test (GET /api/events/{id}/preview, POST
// /api/events/{id}/test-send, and the event page's schedule).

// sampleRegistration is the registrant of the previews: Alex, in the
// event's own zone.
func sampleRegistration(ev onair.Event) onair.Registration {
	return onair.Registration{EventID: ev.ID, FirstName: "Alex", Email: "alex@example.com",
		Phone: previewPhone, Timezone: ev.Timezone, Status: onair.RegRegistered}
}

// PreviewMessage is ms of ev from host as the sample registrant Alex gets
// it (SampleMessage).
func (d *Dashboard) PreviewMessage(host onair.Host, ev onair.Event, ms onair.MessageSample) (notify.Message, error) {
	return d.SampleMessage(host, ev, ms, sampleRegistration(ev))
}

// SampleMessage is ms of ev from host as reg would get it, with links
// shaped as the real ones that open nothing. A reschedule notice says the
// event moved from a day earlier.
func (d *Dashboard) SampleMessage(host onair.Host, ev onair.Event, ms onair.MessageSample, reg onair.Registration) (notify.Message, error) {
	v := d.links.Sample(ev.ID, previewToken)
	c := notify.Content{Kind: ms.Kind, Interval: ms.Interval, Event: ev, Registration: reg,
		WatchURL: v.Watch, CalendarURL: v.Calendar, UnsubscribeURL: v.Unsubscribe, From: d.sender(host)}
	if ms.Kind == onair.KindRescheduled {
		c.PreviousStart = ev.ScheduledStart.Add(-24 * time.Hour)
	}
	if ms.Channel == onair.ChannelSMS {
		return notify.RenderSMS(c)
	}
	return notify.RenderEmail(c)
}

// testSendLimit is the limit of a host's test sends.
func testSendLimit(hostID string) store.Limit {
	return store.Limit{Key: store.LimitKey("test_send", hostID),
		Rate:    onair.RateLimit{N: onair.MaxTestSendsPerHour, Window: onair.TestSendWindow},
		Refused: onair.ErrTestSendLimit}
}

// errNoTestSends answers a test send in a process that sends nothing.
var errNoTestSends = onair.Errorf(onair.ErrConflict, "test_send_unavailable", "this server sends no messages")

// TestSend sends ms of ev, its subject (or its text) starting "[Test]",
// now through the channel's real provider to to: an email address (the
// host's own when empty) or, for SMS, a phone number. It is no
// notification: nothing is counted, only the host's limit of test sends
// (onair.MaxTestSendsPerHour), taken before anything is sent. It returns
// the address it went to.
func (d *Dashboard) TestSend(ctx context.Context, host onair.Host, ev onair.Event, ms onair.MessageSample, to string) (string, error) {
	reg := sampleRegistration(ev)
	to = strings.TrimSpace(to)
	switch {
	case ms.Channel == onair.ChannelSMS && to == "":
		return "", onair.Invalid("to", "is required for an SMS: the phone number to text, e.g. +14155550100")
	case ms.Channel == onair.ChannelSMS:
		e164, err := d.phone(to)
		if err != nil {
			return "", onair.Invalid("to", err.Error())
		}
		reg.Phone, to = e164, e164
	default:
		if to == "" {
			to = host.Email
		}
		addr, err := onair.ParseEmail("to", to)
		if err != nil {
			return "", err
		}
		reg.Email, to = addr, addr
	}
	m, err := d.SampleMessage(host, ev, ms, reg)
	if err != nil {
		return "", onair.Errorf(onair.ErrUnprocessable, "cannot_render", "this message cannot be rendered: %v", err)
	}
	if d.sendNow == nil {
		return "", errNoTestSends
	}
	if err := d.store.TakeLimit(ctx, testSendLimit(host.ID), d.clock()); err != nil {
		return "", err
	}
	const mark = "[Test] "
	if m.Channel == onair.ChannelSMS {
		m.Text = mark + m.Text
	} else {
		m.Subject = mark + m.Subject
	}
	m.EventID = ev.ID
	if _, err := d.sendNow(ctx, m); err != nil {
		var se *notify.SendError
		if errors.As(err, &se) && se.Permanent {
			return "", onair.Errorf(onair.ErrUnprocessable, "send_failed", "the provider refused the test message: %v", se.Err)
		}
		return "", onair.Errorf(onair.ErrConflict, "send_failed", "the test message could not be sent now; try again later")
	}
	return to, nil
}

// previewPage is the data of the preview page.
type previewPage struct {
	Event              onair.Event
	Label, Channel     string
	Subject, Text      string
	HTML               string // for an <iframe sandbox srcdoc>
	SMSCharacters      int
	Kind, Interval, To string
}

// Preview is one message of the event as a sample registrant gets it:
// GET /dashboard/events/{id}/preview?kind=K&interval=I&channel=C.
func (d *Dashboard) Preview(w http.ResponseWriter, r *http.Request, p site.Page) error {
	ev, err := d.store.HostEvent(r.Context(), p.Host.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	ms, err := onair.ParseMessageSample(ev, q.Get("kind"), q.Get("interval"), q.Get("channel"))
	if err != nil {
		return err
	}
	m, err := d.PreviewMessage(*p.Host, ev, ms)
	if err != nil {
		return onair.Errorf(onair.ErrUnprocessable, "cannot_render", "this message cannot be previewed: %v", err)
	}
	v := previewPage{Event: ev, Label: sampleLabel(ms), Channel: "Email", Subject: m.Subject, Text: m.Text,
		HTML: m.HTML, Kind: string(ms.Kind), Interval: q.Get("interval")}
	if ms.Channel == onair.ChannelSMS {
		v.Channel, v.SMSCharacters = "SMS", len([]rune(m.Text))
	}
	site.AllowEmailStyles(w)
	p.Title, p.Data = "Preview: "+v.Label, v
	return d.pages.Render(w, http.StatusOK, "preview", p)
}

// sampleLabel names ms for the host: "Reminder, 1 day before".
func sampleLabel(ms onair.MessageSample) string {
	l := kindLabel(ms.Kind)
	if ms.Kind == onair.KindReminder {
		l += ", " + intervalLabel(ms.Interval.String())
	}
	return l
}

// testSend handles the schedule's "send me a test" form, then goes back to
// the event page with what became of it.
func (d *Dashboard) testSend(w http.ResponseWriter, r *http.Request, p site.Page) error {
	ev, err := d.store.HostEvent(r.Context(), p.Host.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	ms, err := onair.ParseMessageSample(ev, r.PostFormValue("kind"), r.PostFormValue("interval"), r.PostFormValue("channel"))
	if err == nil {
		_, err = d.TestSend(r.Context(), *p.Host, ev, ms, r.PostFormValue("to"))
	}
	return d.after(w, r, p, err, "test_sent", "", eventPage{})
}

// messageSettings saves the event page's message settings: the SMS line,
// the replay and the follow-ups (the only settings an ended event still
// takes, so the form of an ended event sends no SMS line).
func (d *Dashboard) messageSettings(w http.ResponseWriter, r *http.Request, p site.Page) error {
	in := onair.EventInput{}
	f := func(name string) *string {
		if _, ok := r.PostForm[name]; !ok {
			return nil
		}
		v := r.PostFormValue(name)
		return &v
	}
	if err := r.ParseForm(); err != nil {
		return onair.Errorf(onair.ErrInvalid, "bad_request", "the form could not be read")
	}
	if sms := f("sms_message"); sms != nil {
		in.NotificationSettings = &onair.NotificationSettingsInput{SMSMessage: sms}
	}
	if start, end := f("quiet_start"), f("quiet_end"); start != nil && end != nil && in.NotificationSettings != nil {
		var q onair.JSONValue = "null"
		if r.PostFormValue("quiet_enabled") != "" {
			q = quietHoursJSON(*start, *end)
		}
		in.NotificationSettings.SMSQuietHours = q
	}
	if ivs := f("intervals_b"); ivs != nil {
		in.ABTest = "null"
		if r.PostFormValue("ab_enabled") != "" {
			in.ABTest = abTestJSON(*ivs)
		}
	}
	in.ReplayURL = f("replay_url")
	fu := &onair.FollowUpsInput{}
	for _, k := range []struct {
		name string
		dst  **onair.FollowUpInput
	}{{"attended", &fu.Attended}, {"missed", &fu.Missed}} {
		on := r.PostFormValue(k.name+"_enabled") != ""
		*k.dst = &onair.FollowUpInput{Enabled: &on, After: f(k.name + "_after"), Message: f(k.name + "_message")}
	}
	in.FollowUps = fu
	now := d.clock()
	_, err := d.store.UpdateEvent(r.Context(), p.Host.ID, r.PathValue("id"), func(ev onair.Event) (onair.Event, error) {
		next, _, err := ev.Update(in, now)
		return next, err
	})
	return d.after(w, r, p, err, "updated", "", eventPage{})
}

// sampleQuery is the query of a preview of row n's message.
func sampleQuery(n onair.Notification) string {
	q := url.Values{"kind": {string(n.Kind)}, "channel": {string(n.Channel)}}
	if n.Kind == onair.KindReminder {
		q.Set("interval", n.Interval)
	}
	return q.Encode()
}

// messageSettingsForm is the event page's form of the message settings.
type messageSettingsForm struct {
	Ended              bool // only the replay and the follow-ups can change
	SMSMessage         string
	QuietOn            bool
	QuietStart         string
	QuietEnd           string
	ABOn               bool
	IntervalsB         string // arm b's, as the form writes them
	ArmA               string // arm a's, for the hint
	ReplayURL          string
	Attended, Missed   onair.FollowUpJSON
	MaxSMSMessage      int
	Kinds              []sampleKind
	SMS, Email, Closed bool
}

// sampleKind is one kind of message the page offers to preview.
type sampleKind struct {
	Kind, Label string
}

func messageSettingsOf(ev onair.Event) messageSettingsForm {
	f := messageSettingsForm{Ended: ev.Status == onair.StatusEnded, SMSMessage: ev.Notifications.SMSMessage,
		ReplayURL: ev.ReplayURL, Attended: ev.FollowUps.Attended.JSON(), Missed: ev.FollowUps.Missed.JSON(),
		MaxSMSMessage: onair.MaxSMSMessageLen, Closed: ev.Status == onair.StatusCancelled,
		SMS: ev.Notifications.SMSEnabled, Email: ev.Notifications.EmailEnabled}
	for _, k := range onair.MessageKinds {
		f.Kinds = append(f.Kinds, sampleKind{Kind: string(k), Label: kindLabel(k)})
	}
	q := onair.DefaultQuietHours
	if ev.Notifications.SMSQuietHours != nil {
		f.QuietOn, q = true, *ev.Notifications.SMSQuietHours
	}
	f.QuietStart, f.QuietEnd = q.Start.String(), q.End.String()
	f.ArmA = intervalNames(ev.Intervals)
	if ev.ABTest != nil {
		f.ABOn, f.IntervalsB = true, intervalNames(ev.ABTest.IntervalsB)
	}
	return f
}

// quietHoursJSON is the sms_quiet_hours setting of the form's two times,
// for the domain to check.
func quietHoursJSON(start, end string) onair.JSONValue {
	b, _ := json.Marshal(map[string]string{"start": strings.TrimSpace(start), "end": strings.TrimSpace(end)})
	return onair.JSONValue(b)
}

// abTestJSON is the ab_test setting of the form's list of arm b's
// intervals, separated by commas or spaces.
func abTestJSON(list string) onair.JSONValue {
	names := strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == ';' })
	if names == nil {
		names = []string{}
	}
	b, _ := json.Marshal(map[string][]string{"intervals_b": names})
	return onair.JSONValue(b)
}

// intervalNames writes intervals as the form takes them: "3days, 1hour".
func intervalNames(ivs []onair.Interval) string {
	names := make([]string, len(ivs))
	for i, iv := range ivs {
		names[i] = iv.String()
	}
	return strings.Join(names, ", ")
}

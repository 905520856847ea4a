package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
)

// dashRegistrantsPageSize is how many registrants the event page lists at once.
const dashRegistrantsPageSize = 50

// dashNotification is a notification as the schedule table shows it.
type dashNotification struct {
	onair.Notification
	KindLabel     string
	IntervalLabel string
	StatusLabel   string
}

var dashKindLabels = map[onair.NotificationKind]string{
	onair.KindConfirmation: "Confirmation",
	onair.KindReminder:     "Reminder",
	onair.KindStartingNow:  "Starting now",
	onair.KindRescheduled:  "Reschedule notice",
	onair.KindCancelled:    "Cancellation notice",
}

// dashIntervalLabel reads an interval name as a host would say it.
func dashIntervalLabel(name string) string {
	switch name {
	case "":
		return "—"
	case "now":
		return "at the start"
	}
	for _, n := range onair.NamedIntervals {
		if n.Name == name {
			num := strings.TrimRightFunc(name, func(r rune) bool { return r < '0' || r > '9' })
			return num + " " + strings.TrimPrefix(name, num) + " before"
		}
	}
	return name + " before"
}

func viewDashNotification(n onair.Notification) dashNotification {
	label := dashKindLabels[n.Kind]
	if label == "" {
		label = string(n.Kind)
	}
	return dashNotification{Notification: n, KindLabel: label, IntervalLabel: dashIntervalLabel(n.Interval),
		StatusLabel: strings.ReplaceAll(string(n.Status), "_", " ")}
}

// dashEditForm is the edit form's values and problems.
type dashEditForm struct {
	Title               string
	Description         string
	MaxRegistrations    string
	StreamURL           string
	RegistrationEnabled bool
	Fields              map[string]string
}

func dashEditFormOf(ev onair.Event) dashEditForm {
	f := dashEditForm{Title: ev.Title, Description: ev.Description, StreamURL: ev.StreamURL,
		RegistrationEnabled: ev.RegistrationEnabled}
	if ev.MaxRegistrations > 0 {
		f.MaxRegistrations = strconv.Itoa(ev.MaxRegistrations)
	}
	return f
}

// dashRescheduleForm is the reschedule form's values and problems. Start is
// a wall-clock time (an <input type=datetime-local>) in Zone, or in the
// event's zone when Zone is empty.
type dashRescheduleForm struct {
	Start  string
	Zone   string
	Fields map[string]string
}

// dashLocalLayout is the value format of <input type=datetime-local>.
const dashLocalLayout = "2006-01-02T15:04"

func dashRescheduleFormOf(ev onair.Event) dashRescheduleForm {
	loc, err := onair.LoadZone(ev.Timezone)
	if err != nil {
		loc = time.UTC
	}
	return dashRescheduleForm{Start: ev.ScheduledStart.In(loc).Format(dashLocalLayout)}
}

// dashParseLocal reads a datetime-local value (or what a browser without
// that input lets someone type) as a time in loc. A time the clocks skip in
// loc is errSkippedTime.
func dashParseLocal(s string, loc *time.Location) (time.Time, error) {
	var err error
	for _, layout := range []string{dashLocalLayout, "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05"} {
		var t time.Time
		if t, err = parseWallTime(layout, s, loc); err == nil || errors.Is(err, errSkippedTime) {
			return t, err
		}
	}
	return time.Time{}, err
}

// dashZones are the time zones the reschedule form offers besides the
// event's own: the common ones of every continent.
var dashZones = []string{
	"UTC", "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver", "America/Phoenix",
	"America/Chicago", "America/Mexico_City", "America/New_York", "America/Bogota", "America/Lima",
	"America/Halifax", "America/Santiago", "America/Sao_Paulo", "America/Argentina/Buenos_Aires",
	"America/St_Johns", "Atlantic/Reykjavik", "Europe/London", "Europe/Dublin", "Europe/Lisbon",
	"Africa/Lagos", "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Rome", "Europe/Amsterdam",
	"Europe/Stockholm", "Europe/Warsaw", "Africa/Cairo", "Africa/Johannesburg", "Europe/Athens",
	"Europe/Helsinki", "Europe/Kyiv", "Europe/Istanbul", "Europe/Moscow", "Africa/Nairobi", "Asia/Dubai",
	"Asia/Karachi", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Dhaka", "Asia/Bangkok", "Asia/Jakarta",
	"Asia/Singapore", "Asia/Shanghai", "Asia/Hong_Kong", "Asia/Manila", "Australia/Perth", "Asia/Seoul",
	"Asia/Tokyo", "Australia/Adelaide", "Australia/Brisbane", "Australia/Sydney", "Australia/Lord_Howe",
	"Pacific/Auckland",
}

// dashEventPage is the data of the event page.
type dashEventPage struct {
	Event         dashEventCard
	Registration  string // whether registration is open, in a sentence
	Notifications []dashNotification
	Registrants   []onair.Registration
	Query         string
	Pager         dashPager
	CSVURL        string
	Form          string // the form that was sent and refused: "edit" or "reschedule"
	Error         string // why the last action was refused
	Edit          dashEditForm
	Reschedule    dashRescheduleForm
	Zones         []string
	Analytics     dashAnalytics

	ConfirmStart, ConfirmEnd, ConfirmCancel, ConfirmReschedule string

	CanEdit, CanReschedule, CanStart, CanEnd, CanCancel bool
}

var dashClosedReasons = map[string]string{
	"":                    "Registration is open.",
	onair.ClosedFull:      "Registration is closed: the event is full.",
	onair.ClosedPast:      "Registration is closed: the start time has passed.",
	onair.ClosedDisabled:  "Registration is turned off.",
	onair.ClosedCancelled: "Registration is closed: the event was cancelled.",
	onair.ClosedLive:      "Registration is closed: the event is live.",
}

// dashChannels names the channels an event's messages use, or "".
func dashChannels(ns onair.NotificationSettings) string {
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

// dashEvent is the event page.
func (s *Server) dashEvent(w http.ResponseWriter, r *http.Request, p page) error {
	ev, err := s.store.HostEvent(r.Context(), p.Host.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	p.Flash = dashFlash(r.URL.Query().Get("done"))
	return s.dashRenderEvent(w, r, http.StatusOK, p, ev, dashEventPage{})
}

// dashRenderEvent renders ev's page with v's forms and error; forms that v
// leaves empty show the event as it is.
func (s *Server) dashRenderEvent(w http.ResponseWriter, r *http.Request, status int, p page, ev onair.Event, v dashEventPage) error {
	ctx := r.Context()
	card, err := s.dashCard(r, ev)
	if err != nil {
		return err
	}
	v.Event = card
	reason, _ := ev.RegistrationClosed(s.clock())
	v.Registration = dashClosedReasons[reason]
	ns, err := s.store.EventNotifications(ctx, ev.ID)
	if err != nil {
		return err
	}
	for _, n := range ns {
		v.Notifications = append(v.Notifications, viewDashNotification(n))
	}
	an, err := s.store.EventAnalytics(ctx, ev.ID)
	if err != nil {
		return err
	}
	v.Analytics = newDashAnalytics(an)

	if v.Query, err = searchQuery(r); err != nil {
		return err
	}
	n := dashPageNumber(r)
	regs, total, err := s.store.Registrations(ctx, store.RegistrationFilter{EventID: ev.ID, Query: v.Query,
		Limit: dashRegistrantsPageSize, Offset: (n - 1) * dashRegistrantsPageSize})
	if err != nil {
		return err
	}
	v.Registrants = regs
	q := url.Values{}
	if v.Query != "" {
		q.Set("q", v.Query)
	}
	v.Pager = newDashPager("Pages of registrants", "/dashboard/events/"+ev.ID, q, n, dashRegistrantsPageSize, len(regs), total)
	if v.Pager.Prev != "" {
		v.Pager.Prev += "#registrants"
	}
	if v.Pager.Next != "" {
		v.Pager.Next += "#registrants"
	}
	v.CSVURL = "/api/events/" + ev.ID + "/registrations?format=csv"

	if v.Form != "edit" {
		v.Edit = dashEditFormOf(ev)
	}
	if v.Form != "reschedule" {
		v.Reschedule = dashRescheduleFormOf(ev)
	}
	v.Zones = dashZones
	if z := v.Reschedule.Zone; z != "" && onair.ValidTimezone(z) && !slices.Contains(dashZones, z) {
		v.Zones = append([]string{z}, dashZones...)
	}

	v.ConfirmStart, v.ConfirmEnd = dashConfirmStart, dashConfirmEnd
	if ch := dashChannels(ev.Notifications); ch != "" {
		v.ConfirmReschedule = "Registrants are told the new time by " + ch + "; pending reminders move with it."
		v.ConfirmCancel = "Every registrant is told once that the event is cancelled; pending reminders are cancelled. The notice goes by " + ch + "."
	} else {
		v.ConfirmReschedule = "Email and SMS are off for this event: registrants are not told the new time; pending reminders move with it."
		v.ConfirmCancel = "Email and SMS are off for this event: nobody is told; pending reminders are cancelled."
	}
	open := ev.Status == onair.StatusScheduled || ev.Status == onair.StatusLive
	v.CanEdit, v.CanEnd, v.CanCancel = open, open, open
	v.CanReschedule = ev.Status == onair.StatusScheduled
	v.CanStart = ev.Status == onair.StatusScheduled

	p.Title, p.Data = ev.Title, v
	return s.render(w, r, status, "event", p)
}

// dashLifecycle are the status changes the pages offer, by the last segment
// of their form's URL, with the done message of each.
var dashLifecycle = map[string]struct {
	change func(onair.Event, time.Time) (onair.Event, error)
	done   string
}{
	"start":  {onair.Event.Start, "started"},
	"end":    {onair.Event.End, "ended"},
	"cancel": {onair.Event.Cancel, "cancelled"},
}

// dashEventAction handles the forms of the event page (and the list's
// start button): POST /dashboard/events/{id}/{action}.
func (s *Server) dashEventAction(w http.ResponseWriter, r *http.Request, p page) error {
	switch action := r.PathValue("action"); action {
	case "edit":
		return s.dashEdit(w, r, p)
	case "reschedule":
		return s.dashReschedule(w, r, p)
	default:
		l, ok := dashLifecycle[action]
		if !ok {
			return onair.Errorf(onair.ErrNotFound, "not_found", "no such action")
		}
		now := s.clock()
		_, err := s.store.UpdateEvent(r.Context(), p.Host.ID, r.PathValue("id"),
			func(ev onair.Event) (onair.Event, error) { return l.change(ev, now) })
		return s.dashAfter(w, r, p, err, l.done, r.PostFormValue("next"), dashEventPage{})
	}
}

// dashEdit saves the edit form through the same Update as PATCH.
func (s *Server) dashEdit(w http.ResponseWriter, r *http.Request, p page) error {
	f := dashEditForm{
		Title:               r.PostFormValue("title"),
		Description:         r.PostFormValue("description"),
		MaxRegistrations:    strings.TrimSpace(r.PostFormValue("max_registrations")),
		StreamURL:           r.PostFormValue("stream_url"),
		RegistrationEnabled: r.PostFormValue("registration_enabled") != "",
	}
	in := onair.EventInput{Title: &f.Title, Description: &f.Description, StreamURL: &f.StreamURL,
		RegistrationEnabled: &f.RegistrationEnabled}
	form := &onair.ValidationError{}
	capacity := 0
	if f.MaxRegistrations != "" {
		n, err := strconv.Atoi(f.MaxRegistrations)
		if err != nil {
			form.Add("max_registrations", "must be a whole number (leave it empty for no limit)")
		}
		capacity = n
	}
	if !form.Has("max_registrations") {
		in.MaxRegistrations = &capacity
	}
	now := s.clock()
	_, err := s.store.UpdateEvent(r.Context(), p.Host.ID, r.PathValue("id"), func(ev onair.Event) (onair.Event, error) {
		next, _, err := ev.Update(in, now)
		if form.Err() == nil {
			return next, err
		}
		// The form's own problems are shown with the domain's, and then
		// nothing is written.
		var ve *onair.ValidationError
		if err != nil && !errors.As(err, &ve) {
			return ev, err
		}
		if ve != nil {
			for k, m := range ve.Fields {
				form.Add(k, m)
			}
		}
		return ev, form
	})
	return s.dashAfter(w, r, p, err, "updated", "", dashEventPage{Form: "edit", Edit: f})
}

// dashReschedule moves the event to the time entered, read in the zone
// chosen (the event's own by default); the event keeps its zone.
func (s *Server) dashReschedule(w http.ResponseWriter, r *http.Request, p page) error {
	f := dashRescheduleForm{Start: strings.TrimSpace(r.PostFormValue("start")),
		Zone: strings.TrimSpace(r.PostFormValue("timezone"))}
	now := s.clock()
	moved := false
	_, err := s.store.UpdateEvent(r.Context(), p.Host.ID, r.PathValue("id"), func(ev onair.Event) (onair.Event, error) {
		zone := f.Zone
		if zone == "" {
			zone = ev.Timezone
		}
		if !onair.ValidTimezone(zone) {
			return ev, onair.Invalid("timezone", "is not a known time zone")
		}
		loc, err := onair.LoadZone(zone)
		if err != nil {
			return ev, onair.Invalid("timezone", "is not a known time zone")
		}
		t, err := dashParseLocal(f.Start, loc)
		if errors.Is(err, errSkippedTime) {
			return ev, onair.Invalid("scheduled_start", skippedTimeProblem(loc))
		}
		if err != nil {
			return ev, onair.Invalid("scheduled_start", "must be a date and time, e.g. 2026-12-15 14:00")
		}
		start := t.Format(time.RFC3339)
		next, ch, err := ev.Update(onair.EventInput{ScheduledStart: &start}, now)
		moved = ch.Rescheduled
		return next, err
	})
	done := "rescheduled"
	if err == nil && !moved {
		done = "unchanged"
	}
	return s.dashAfter(w, r, p, err, done, "", dashEventPage{Form: "reschedule", Reschedule: f})
}

// dashAfter answers an event action: on success, a 303 back with done's
// message; a form's problems show on the event page again (422), as does a
// refusal (409 already live, 410 cancelled…). Another host's event stays a
// 404 page.
func (s *Server) dashAfter(w http.ResponseWriter, r *http.Request, p page, err error, done, next string, v dashEventPage) error {
	id := r.PathValue("id")
	if err == nil {
		http.Redirect(w, r, dashBackTo(next, "/dashboard/events/"+id, done), http.StatusSeeOther)
		return nil
	}
	status, d := describe(err)
	if status == http.StatusNotFound || status >= 500 {
		return err
	}
	ev, herr := s.store.HostEvent(r.Context(), p.Host.ID, id)
	if herr != nil {
		return herr
	}
	var ve *onair.ValidationError
	switch {
	case errors.As(err, &ve) && v.Form == "edit":
		v.Edit.Fields = ve.Fields
		v.Error = "The changes were not saved: some fields need attention."
	case errors.As(err, &ve) && v.Form == "reschedule":
		v.Reschedule.Fields = ve.Fields
		v.Error = "The event was not rescheduled: the new time needs attention."
	default:
		v.Form = ""
		v.Error = dashSentence(d.Message)
	}
	return s.dashRenderEvent(w, r, status, p, ev, v)
}

// dashSentence makes a domain message ("the event is already live") a
// sentence.
func dashSentence(msg string) string {
	if msg == "" {
		return ""
	}
	msg = strings.ToUpper(msg[:1]) + msg[1:]
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

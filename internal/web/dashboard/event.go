package dashboard

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
	"github.com/onair-live/onair/internal/web/site"
)

// registrantsPageSize is how many registrants the event page lists at once.
const registrantsPageSize = 50

// notificationRow is a notification as the schedule table shows it.
type notificationRow struct {
	onair.Notification
	KindLabel     string
	IntervalLabel string
	StatusLabel   string
	SampleQuery   string // the query of its preview and test send (messages.go)
	CSRF          string // for the test send's form
}

func viewNotification(n onair.Notification) notificationRow {
	return notificationRow{Notification: n, KindLabel: kindLabel(n.Kind), IntervalLabel: intervalLabel(n.Interval),
		StatusLabel: strings.ReplaceAll(string(n.Status), "_", " "), SampleQuery: sampleQuery(n)}
}

// editForm is the edit form's values and problems.
type editForm struct {
	Title               string
	Description         string
	MaxRegistrations    string
	StreamURL           string
	CoverImageURL       string
	Questions           string // the questions as lines (questionsText)
	RegistrationEnabled bool
	WaitlistEnabled     bool
	Language            string
	Fields              map[string]string
}

// QuestionProblems are the problems of the questions, worded for the form.
func (f editForm) QuestionProblems() []string { return questionProblems(f.Fields) }

func editFormOf(ev onair.Event) editForm {
	f := editForm{Title: ev.Title, Description: ev.Description, StreamURL: ev.StreamURL,
		CoverImageURL: ev.CoverImageURL, Questions: questionsText(ev.RegistrationFields),
		RegistrationEnabled: ev.RegistrationEnabled, WaitlistEnabled: ev.WaitlistEnabled, Language: string(ev.Language)}
	if ev.MaxRegistrations > 0 {
		f.MaxRegistrations = strconv.Itoa(ev.MaxRegistrations)
	}
	return f
}

// rescheduleForm is the reschedule form's values and problems. Start is
// a wall-clock time (an <input type=datetime-local>) in Zone, or in the
// event's zone when Zone is empty.
type rescheduleForm struct {
	Start  string
	Zone   string
	Fields map[string]string
}

// start is the form's time, read in its zone (the event's own when none
// is chosen), in RFC 3339.
func (f rescheduleForm) start(ev onair.Event) (string, error) {
	zone := f.Zone
	if zone == "" {
		zone = ev.Timezone
	}
	if !onair.ValidTimezone(zone) {
		return "", onair.Invalid("timezone", "is not a known time zone")
	}
	loc, err := onair.LoadZone(zone)
	if err != nil {
		return "", onair.Invalid("timezone", "is not a known time zone")
	}
	t, err := parseLocal(f.Start, loc)
	if errors.Is(err, errSkippedTime) {
		return "", onair.Invalid("scheduled_start", skippedTimeProblem(loc))
	}
	if err != nil {
		return "", onair.Invalid("scheduled_start", "must be a date and time, e.g. 2026-12-15 14:00")
	}
	return t.Format(time.RFC3339), nil
}

func rescheduleFormOf(ev onair.Event) rescheduleForm {
	loc, err := onair.LoadZone(ev.Timezone)
	if err != nil {
		loc = time.UTC
	}
	return rescheduleForm{Start: ev.ScheduledStart.In(loc).Format(localLayout)}
}

// eventPage is the data of the event page.
type eventPage struct {
	Event         eventCard
	Registration  string // whether registration is open, in a sentence
	Notifications []notificationRow
	Registrants   []registrantRow
	// EmbedSnippet is the <iframe> of the registration page for the
	// host's own site.
	EmbedSnippet string
	Query        string
	Pager        pager
	CSVURL       string
	Form         string // the form that was sent and refused: "edit", "reschedule" or "duplicate"
	Error        string // why the last action was refused
	Edit         editForm
	Reschedule   rescheduleForm
	Duplicate    rescheduleForm // the start of a copy, read the same way
	Zones        []string
	Analytics    analytics
	Messages     messageSettingsForm

	ConfirmStart, ConfirmEnd, ConfirmCancel, ConfirmReschedule, ConfirmDelete string
	Channels                                                                  string // the channels of its messages, for its details
	Language                                                                  string // the language of its messages and pages, named
	Languages                                                                 []languageOption
}

var closedReasons = map[string]string{
	"":                    "Registration is open.",
	onair.ClosedFull:      "Registration is closed: the event is full.",
	onair.ClosedPast:      "Registration is closed: the event is over.",
	onair.ClosedDisabled:  "Registration is turned off.",
	onair.ClosedCancelled: "Registration is closed: the event was cancelled.",
}

// Event is the event page.
func (d *Dashboard) Event(w http.ResponseWriter, r *http.Request, p site.Page) error {
	ev, err := d.store.HostEvent(r.Context(), p.Host.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	p.Flash = flash(r.URL.Query().Get("done"))
	return d.renderEvent(w, r, http.StatusOK, p, ev, eventPage{})
}

// renderEvent renders ev's page with v's forms and error; forms that v
// leaves empty show the event as it is.
func (d *Dashboard) renderEvent(w http.ResponseWriter, r *http.Request, status int, p site.Page, ev onair.Event, v eventPage) error {
	ctx := r.Context()
	card, err := d.card(r, ev)
	if err != nil {
		return err
	}
	v.Event = card
	v.EmbedSnippet = embedSnippet(card.RegistrationURL, ev.Title)
	reason, _ := ev.RegistrationClosed(d.clock())
	v.Registration = registrationWords(ev, reason)
	ns, err := d.store.EventNotifications(ctx, ev.ID)
	if err != nil {
		return err
	}
	for _, n := range ns {
		row := viewNotification(n)
		row.CSRF = p.CSRF
		v.Notifications = append(v.Notifications, row)
	}
	v.Messages = messageSettingsOf(ev)
	an, err := d.store.EventAnalytics(ctx, ev.ID)
	if err != nil {
		return err
	}
	v.Analytics = newAnalytics(an)
	v.Analytics.AB = newABView(ev, an)

	if v.Query, err = site.SearchQuery(r); err != nil {
		return err
	}
	n := pageNumber(r)
	regs, total, err := d.store.Registrations(ctx, store.RegistrationFilter{EventID: ev.ID, Query: v.Query,
		Limit: registrantsPageSize, Offset: (n - 1) * registrantsPageSize})
	if err != nil {
		return err
	}
	for _, reg := range regs {
		v.Registrants = append(v.Registrants, registrantRow{Registration: reg,
			Language: languageName(onair.MessageLanguage(ev, reg))})
	}
	q := url.Values{}
	if v.Query != "" {
		q.Set("q", v.Query)
	}
	v.Pager = newPager("Pages of registrants", "/dashboard/events/"+ev.ID, q, n, registrantsPageSize, len(regs), total)
	if v.Pager.Prev != "" {
		v.Pager.Prev += "#registrants"
	}
	if v.Pager.Next != "" {
		v.Pager.Next += "#registrants"
	}
	v.CSVURL = "/api/events/" + ev.ID + "/registrations?format=csv"

	if v.Form != "edit" {
		v.Edit = editFormOf(ev)
	}
	if v.Form != "reschedule" {
		v.Reschedule = rescheduleFormOf(ev)
	}
	if v.Form != "duplicate" {
		v.Duplicate = duplicateFormOf(ev, d.clock())
	}
	v.Zones = offeredZoneNames()
	for _, z := range []string{v.Duplicate.Zone, v.Reschedule.Zone} {
		if z != "" && onair.ValidTimezone(z) && !slices.Contains(v.Zones, z) {
			v.Zones = append([]string{z}, v.Zones...)
		}
	}

	v.ConfirmStart, v.ConfirmEnd, v.ConfirmDelete = confirmStart, confirmEnd, confirmDelete
	if ch := channelWords(ev.Notifications); ch != "" {
		v.ConfirmReschedule = "Registrants are told the new time by " + ch + "; pending reminders move with it."
		v.ConfirmCancel = "Every registrant is told once that the event is cancelled; pending reminders are cancelled. The notice goes by " + ch + "."
	} else {
		v.ConfirmReschedule = "Email and SMS are off for this event: registrants are not told the new time; pending reminders move with it."
		v.ConfirmCancel = "Email and SMS are off for this event: nobody is told; pending reminders are cancelled."
	}
	v.Language, v.Languages = languageName(ev.Language), languageOptions
	if v.Channels = capitalized(channelWords(ev.Notifications)); v.Channels == "" {
		v.Channels = "None"
	}

	p.Title, p.Data = ev.Title, v
	return d.pages.Render(w, status, "event", p)
}

// lifecycle are the status changes the pages offer, by the last segment
// of their form's URL, with the done message of each.
var lifecycle = map[string]struct {
	change func(onair.Event, time.Time) (onair.Event, error)
	done   string
}{
	"start":  {onair.Event.Start, "started"},
	"end":    {onair.Event.End, "ended"},
	"cancel": {onair.Event.Cancel, "cancelled"},
}

// EventAction handles the forms of the event page (and the list's
// start button): POST /dashboard/events/{id}/{action}.
func (d *Dashboard) EventAction(w http.ResponseWriter, r *http.Request, p site.Page) error {
	switch action := r.PathValue("action"); action {
	case "edit":
		return d.edit(w, r, p)
	case "reschedule":
		return d.reschedule(w, r, p)
	case "duplicate":
		return d.duplicate(w, r, p)
	case "test-send":
		return d.testSend(w, r, p)
	case "messages":
		return d.messageSettings(w, r, p)
	case "delete":
		// Only an event that is over goes (the store refuses the others,
		// and the page says so); then back to the list, which no longer
		// has it.
		if err := d.store.DeleteEvent(r.Context(), p.Host.ID, r.PathValue("id"), d.clock()); err != nil {
			return d.after(w, r, p, err, "", "", eventPage{})
		}
		http.Redirect(w, r, backTo("", "/dashboard/events", "deleted"), http.StatusSeeOther)
		return nil
	default:
		l, ok := lifecycle[action]
		if !ok {
			return onair.Errorf(onair.ErrNotFound, "not_found", "no such action")
		}
		now := d.clock()
		_, err := d.store.UpdateEvent(r.Context(), p.Host.ID, r.PathValue("id"),
			func(ev onair.Event) (onair.Event, error) { return l.change(ev, now) })
		return d.after(w, r, p, err, l.done, r.PostFormValue("next"), eventPage{})
	}
}

// edit saves the edit form through the same Update as PATCH.
func (d *Dashboard) edit(w http.ResponseWriter, r *http.Request, p site.Page) error {
	f := editForm{
		Title:               r.PostFormValue("title"),
		Description:         r.PostFormValue("description"),
		MaxRegistrations:    strings.TrimSpace(r.PostFormValue("max_registrations")),
		StreamURL:           r.PostFormValue("stream_url"),
		CoverImageURL:       r.PostFormValue("cover_image_url"),
		Questions:           r.PostFormValue("registration_fields"),
		RegistrationEnabled: r.PostFormValue("registration_enabled") != "",
		WaitlistEnabled:     r.PostFormValue("waitlist_enabled") != "",
		Language:            r.PostFormValue("language"),
	}
	in := onair.EventInput{Title: &f.Title, Description: &f.Description, StreamURL: &f.StreamURL,
		CoverImageURL: &f.CoverImageURL, RegistrationEnabled: &f.RegistrationEnabled, WaitlistEnabled: &f.WaitlistEnabled}
	if r.PostForm.Has("language") {
		in.Language = &f.Language
	}
	form := &onair.ValidationError{}
	questions := parseQuestionsText(form, f.Questions)
	in.RegistrationFields = &questions
	// Empty is no limit, which the form says by sending nothing.
	capacity := formInt(form, "max_registrations", f.MaxRegistrations, "must be a whole number (leave it empty for no limit)")
	if capacity == nil && !form.Has("max_registrations") {
		capacity = new(int)
	}
	in.MaxRegistrations = capacity
	now := d.clock()
	_, err := d.store.UpdateEvent(r.Context(), p.Host.ID, r.PathValue("id"), func(ev onair.Event) (onair.Event, error) {
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
	return d.after(w, r, p, err, "updated", "", eventPage{Form: "edit", Edit: f})
}

// reschedule moves the event to the time entered, read in the zone
// chosen (the event's own by default); the event keeps its zone.
func (d *Dashboard) reschedule(w http.ResponseWriter, r *http.Request, p site.Page) error {
	f := rescheduleForm{Start: strings.TrimSpace(r.PostFormValue("start")),
		Zone: strings.TrimSpace(r.PostFormValue("timezone"))}
	now := d.clock()
	moved := false
	_, err := d.store.UpdateEvent(r.Context(), p.Host.ID, r.PathValue("id"), func(ev onair.Event) (onair.Event, error) {
		start, err := f.start(ev)
		if err != nil {
			return ev, err
		}
		next, ch, err := ev.Update(onair.EventInput{ScheduledStart: &start}, now)
		moved = ch.Rescheduled
		return next, err
	})
	done := "rescheduled"
	if err == nil && !moved {
		done = "unchanged"
	}
	return d.after(w, r, p, err, done, "", eventPage{Form: "reschedule", Reschedule: f})
}

// after answers an event action: on success, a 303 back with done's
// message; a form's problems show on the event page again (422), as does a
// refusal (409 already live, 410 cancelled…). Another host's event stays a
// 404 page.
func (d *Dashboard) after(w http.ResponseWriter, r *http.Request, p site.Page, err error, done, next string, v eventPage) error {
	id := r.PathValue("id")
	if err == nil {
		http.Redirect(w, r, backTo(next, "/dashboard/events/"+id, done), http.StatusSeeOther)
		return nil
	}
	status, detail := site.Describe(err)
	if status == http.StatusNotFound || status >= 500 {
		return err
	}
	ev, herr := d.store.HostEvent(r.Context(), p.Host.ID, id)
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
	case errors.As(err, &ve) && v.Form == "duplicate":
		v.Duplicate.Fields = ve.Fields
		v.Error = "The event was not duplicated: the new time needs attention."
	default:
		v.Form = ""
		v.Error = sentence(detail.Message)
	}
	return d.renderEvent(w, r, status, p, ev, v)
}

// sentence makes a domain message ("the event is already live") a
// sentence.
func sentence(msg string) string {
	if msg == "" {
		return ""
	}
	msg = capitalized(msg)
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

// registrantRow is one line of the registrants list: the registration and
// the language its messages are in (its own, or the event's).
type registrantRow struct {
	onair.Registration
	Language string
}

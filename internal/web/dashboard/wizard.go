package dashboard

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/web/site"
)

// The create wizard is four server-rendered steps posting to one URL. Every
// answer travels in the form (visible on its own step, hidden on the others),
// so the wizard needs no server-side draft, works without JavaScript, and
// Back never loses what was typed. Each step is checked with the domain's
// own rules (onair.NewEvent on everything typed so far), showing only the
// problems of that step; "Create" checks them all.

const wizardSteps = 4

var wizardStepNames = [wizardSteps]string{"Details", "Schedule", "Notifications", "Review"}

// wizardField ties a field of onair.EventInput to the step that asks for
// it: key names its error in the view, anchor is the input the error
// summary links to.
type wizardField struct {
	field, key, anchor, label string
	step                      int
}

var wizardFields = []wizardField{
	{"title", "title", "title", "Title", 1},
	{"description", "description", "description", "Description", 1},
	{"max_registrations", "max_registrations", "max_registrations", "Max registrations", 1},
	{"stream_url", "stream_url", "stream_url", "Stream link", 1},
	{"cover_image_url", "cover_image_url", "cover_image_url", "Cover image", 1},
	{"registration_fields", "registration_fields", "registration_fields", "Questions", 1},
	{"scheduled_start", "start", "date", "Date and time", 2},
	{"timezone", "timezone", "timezone", "Time zone", 2},
	{"duration_minutes", "duration_minutes", "duration_minutes", "Duration", 2},
	{"selected_intervals", "intervals", "custom_intervals", "Reminders", 3},
	{"notification_settings.custom_message", "custom_message", "custom_message", "Custom message", 3},
	{"language", "language", "language", "Language", 3},
}

// wizardForm is every answer, as typed.
type wizardForm struct {
	// Draft becomes the event's id, so that a Create sent twice (a double
	// click, a reload) makes one event, not two.
	Draft                                string
	Title, Description, MaxRegistrations string
	StreamURL, CoverImageURL             string
	Questions                            string // the registration page's questions, a line each (parseQuestionsText)
	Date, Time, Timezone, TimezoneOther  string
	Duration                             string
	Intervals                            []string // the named intervals ticked
	CustomIntervals                      string   // comma-separated Go durations
	EmailEnabled, SMSEnabled             bool
	CustomMessage                        string
	// Preview is the message the notifications step previews: the
	// confirmation ("" or "confirmation") or a chosen reminder's interval.
	Preview  string
	Language string // of the messages and public pages
}

// newWizardForm is a first visit: the API's defaults, with the recommended
// reminders ticked.
func newWizardForm() wizardForm {
	return wizardForm{Draft: onair.NewID(), Duration: "60",
		Intervals: slices.Clone(onair.DefaultIntervals), EmailEnabled: true, Language: string(onair.English)}
}

// readWizardForm reads the answers a step posted, or the query of the
// step's page that a post redirected to.
func readWizardForm(v url.Values) wizardForm {
	f := newWizardForm()
	if d := v.Get("draft"); onair.ValidID(d) {
		f.Draft = d
	}
	f.Title, f.Description, f.MaxRegistrations = v.Get("title"), v.Get("description"), v.Get("max_registrations")
	f.StreamURL = strings.TrimSpace(v.Get("stream_url"))
	f.CoverImageURL = strings.TrimSpace(v.Get("cover_image_url"))
	f.Questions = v.Get("registration_fields")
	f.Date, f.Time, f.Duration = v.Get("date"), v.Get("time"), v.Get("duration_minutes")
	f.Timezone, f.TimezoneOther = strings.TrimSpace(v.Get("timezone")), strings.TrimSpace(v.Get("timezone_other"))
	if onair.ValidTimezone(f.TimezoneOther) {
		// A typed zone that exists becomes the choice; an unknown one
		// stays in the text field, next to its error.
		f.Timezone, f.TimezoneOther = f.TimezoneOther, ""
	}
	// Unticked boxes send nothing: notify_set says the answers below were
	// posted, so that none ticked is told apart from a first visit.
	if v.Get("notify_set") != "" {
		f.Intervals = nil
		for _, n := range onair.NamedIntervals {
			if slices.Contains(v["intervals"], n.Name) {
				f.Intervals = append(f.Intervals, n.Name)
			}
		}
		f.EmailEnabled, f.SMSEnabled = v.Get("email_enabled") != "", v.Get("sms_enabled") != ""
	}
	f.CustomIntervals, f.CustomMessage = v.Get("custom_intervals"), v.Get("custom_message")
	f.Preview = v.Get("preview")
	if l := v.Get("language"); l != "" {
		f.Language = l
	}
	return f
}

// values are the answers as the form posts them: readWizardForm's
// inverse, for the address of a step's page.
func (f wizardForm) values() url.Values {
	v := url.Values{"draft": {f.Draft}, "notify_set": {"1"}}
	for k, s := range map[string]string{"title": f.Title, "description": f.Description,
		"max_registrations": f.MaxRegistrations, "stream_url": f.StreamURL, "cover_image_url": f.CoverImageURL,
		"registration_fields": f.Questions, "date": f.Date, "time": f.Time,
		"timezone": f.Timezone, "timezone_other": f.TimezoneOther, "duration_minutes": f.Duration,
		"custom_intervals": f.CustomIntervals, "custom_message": f.CustomMessage, "preview": f.Preview, "language": f.Language} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if len(f.Intervals) > 0 {
		v["intervals"] = slices.Clone(f.Intervals)
	}
	for k, on := range map[string]bool{"email_enabled": f.EmailEnabled, "sms_enabled": f.SMSEnabled} {
		if on {
			v.Set(k, "on")
		}
	}
	return v
}

// zone is the chosen time zone as typed ("" is the API's default, UTC).
func (f wizardForm) zone() string {
	if f.TimezoneOther != "" {
		return f.TimezoneOther
	}
	return f.Timezone
}

// customIntervals splits the custom offsets field.
func (f wizardForm) customIntervals() []string {
	var out []string
	for _, s := range strings.Split(f.CustomIntervals, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// input turns the answers into the API's input. Problems of the form itself
// (a number that is not one) go into v, ahead of the domain's.
func (f wizardForm) input(v *onair.ValidationError) onair.EventInput {
	in := onair.EventInput{Title: &f.Title, Description: &f.Description, StreamURL: &f.StreamURL, CoverImageURL: &f.CoverImageURL}
	in.MaxRegistrations = formInt(v, "max_registrations", f.MaxRegistrations, "must be a whole number (0 or empty for unlimited)")
	in.DurationMinutes = formInt(v, "duration_minutes", f.Duration, "must be a whole number of minutes")
	zone := f.zone()
	in.Timezone = &zone
	in.ScheduledStart = f.start(v)
	ivs := append(slices.Clone(f.Intervals), f.customIntervals()...)
	in.SelectedIntervals = &ivs
	in.NotificationSettings = &onair.NotificationSettingsInput{
		EmailEnabled: &f.EmailEnabled, SMSEnabled: &f.SMSEnabled, CustomMessage: &f.CustomMessage}
	if f.Language != "" {
		in.Language = &f.Language
	}
	questions := parseQuestionsText(v, f.Questions)
	in.RegistrationFields = &questions
	return in
}

// formInt reads an optional whole number; empty is absent (the default).
func formInt(v *onair.ValidationError, field, s, problem string) *int {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		v.Add(field, problem)
		return nil
	}
	return &n
}

// start is the date and time read in the chosen zone, in RFC 3339. Missing
// either part leaves it absent, which the domain calls required.
func (f wizardForm) start(v *onair.ValidationError) *string {
	d, t := strings.TrimSpace(f.Date), strings.TrimSpace(f.Time)
	if d == "" || t == "" {
		return nil
	}
	loc := time.UTC
	if z := f.zone(); onair.ValidTimezone(z) {
		loc, _ = onair.LoadZone(z)
	}
	at, err := parseLocal(d+" "+t, loc) // some browsers send seconds
	if errors.Is(err, errSkippedTime) {
		v.Add("scheduled_start", skippedTimeProblem(loc))
		return nil
	}
	if err != nil {
		v.Add("scheduled_start", "must be a date and a time, e.g. 2026-12-15 and 14:00")
		return nil
	}
	s := at.Format(time.RFC3339)
	return &s
}

// build makes the event the answers describe, or the *onair.ValidationError
// listing every problem.
func (f wizardForm) build(hostID string, now time.Time) (onair.Event, error) {
	v := &onair.ValidationError{}
	ev, err := onair.NewEvent(hostID, f.input(v), now)
	var ve *onair.ValidationError
	if errors.As(err, &ve) {
		// One field of the form holds every question: the problems of
		// each (registration_fields[2].key) are said at it.
		questions := map[string]string{}
		for field, problem := range ve.Fields {
			if strings.HasPrefix(field, "registration_fields[") {
				questions[field] = problem
				continue
			}
			v.Add(field, problem)
		}
		if len(questions) > 0 {
			v.Add("registration_fields", strings.Join(questionProblems(questions), " "))
		}
	} else if err != nil {
		return ev, err
	}
	if err := v.Err(); err != nil {
		return onair.Event{}, err
	}
	ev.ID = f.Draft
	return ev, nil
}

// sketch is the event as far as the answers make sense, with stand-ins for
// the answers that do not, for previews and the review of an invalid form.
func (f wizardForm) sketch(now time.Time) onair.Event {
	v := &onair.ValidationError{}
	in := f.input(v)
	ev, err := onair.NewEvent("", in, now)
	var ve *onair.ValidationError
	if errors.As(err, &ve) {
		stand := map[string]func(){
			"title":             func() { t := "Your event"; in.Title = &t },
			"description":       func() { in.Description = nil },
			"max_registrations": func() { in.MaxRegistrations = nil },
			"scheduled_start": func() {
				s := now.Add(7 * 24 * time.Hour).Truncate(time.Hour).Format(time.RFC3339)
				in.ScheduledStart = &s
			},
			"timezone":                             func() { in.Timezone = nil },
			"duration_minutes":                     func() { in.DurationMinutes = nil },
			"selected_intervals":                   func() { in.SelectedIntervals = &f.Intervals },
			"notification_settings.custom_message": func() { in.NotificationSettings.CustomMessage = nil },
			"language":                             func() { in.Language = nil },
			"registration_fields":                  func() { in.RegistrationFields = nil },
		}
		for field := range ve.Fields {
			if strings.HasPrefix(field, "registration_fields") {
				field = "registration_fields"
			}
			if fix := stand[field]; fix != nil {
				fix()
			}
		}
		ev, _ = onair.NewEvent("", in, now)
	}
	ev.ID = f.Draft
	return ev
}

// Wizard is the first step of a new event, or, with step in the query,
// the step a post moved to, with the answers so far.
func (d *Dashboard) Wizard(w http.ResponseWriter, r *http.Request, p site.Page) error {
	q := r.URL.Query()
	step, err := strconv.Atoi(q.Get("step"))
	if err != nil {
		return d.renderWizard(w, r, p, http.StatusOK, 1, newWizardForm(), nil)
	}
	return d.renderWizard(w, r, p, http.StatusOK, min(max(step, 1), wizardSteps), readWizardForm(q), nil)
}

// toStep answers a step's post that went through with a redirect to the
// page of step, so that a reload shows it again and posts nothing.
func toStep(w http.ResponseWriter, r *http.Request, step int, f wizardForm) error {
	v := f.values()
	v.Set("step", strconv.Itoa(step))
	http.Redirect(w, r, "/dashboard/events/create?"+v.Encode(), http.StatusSeeOther)
	return nil
}

// WizardStep moves between steps and, at the end, creates the event.
func (d *Dashboard) WizardStep(w http.ResponseWriter, r *http.Request, p site.Page) error {
	if err := r.ParseForm(); err != nil {
		return onair.Errorf(onair.ErrInvalid, "bad_request", "the form could not be read")
	}
	f := readWizardForm(r.PostForm)
	step, _ := strconv.Atoi(r.PostForm.Get("step"))
	step = min(max(step, 1), wizardSteps)
	now := d.clock()
	action := r.PostForm.Get("action")
	switch action {
	case "back":
		return toStep(w, r, max(step-1, 1), f)
	case "edit1", "edit2", "edit3":
		return toStep(w, r, int(action[4]-'0'), f)
	case "create":
		ev, err := f.build(p.Host.ID, now)
		var ve *onair.ValidationError
		if errors.As(err, &ve) {
			return d.renderWizard(w, r, p, http.StatusUnprocessableEntity, wizardSteps, f, ve.Fields)
		}
		if err != nil {
			return err
		}
		id, err := d.createDraft(r, ev)
		if err != nil {
			return err
		}
		http.Redirect(w, r, "/dashboard/events/"+url.PathEscape(id), http.StatusSeeOther)
		return nil
	}
	// "next", and "refresh" on the notifications step, check this step.
	_, err := f.build(p.Host.ID, now)
	var ve *onair.ValidationError
	if errors.As(err, &ve) && hasStepProblem(ve.Fields, step) {
		return d.renderWizard(w, r, p, http.StatusUnprocessableEntity, step, f, ve.Fields)
	}
	if action == "refresh" {
		return toStep(w, r, step, f)
	}
	return toStep(w, r, min(step+1, wizardSteps), f)
}

// createDraft stores ev under its draft id and returns the event's id. When
// that id is taken by one of this host's events, the form was sent again and
// the event exists already; when it is anyone else's (a forged draft), a
// fresh id is used, which answers exactly as a first creation does.
func (d *Dashboard) createDraft(r *http.Request, ev onair.Event) (string, error) {
	err := d.store.CreateEvent(r.Context(), ev)
	if !errors.Is(err, onair.ErrConflict) {
		return ev.ID, err
	}
	if _, err := d.store.HostEvent(r.Context(), ev.HostID, ev.ID); err == nil {
		return ev.ID, nil
	}
	ev.ID = onair.NewID()
	return ev.ID, d.store.CreateEvent(r.Context(), ev)
}

func hasStepProblem(fields map[string]string, step int) bool {
	for _, wf := range wizardFields {
		if _, ok := fields[wf.field]; ok && wf.step == step {
			return true
		}
	}
	return false
}

// wizardView is what wizard.html shows.
type wizardView struct {
	Step     int
	StepName string
	NextName string
	Steps    []wizardStep
	Form     wizardForm
	Errors   map[string]string // by wizardField.key: the text shown at the field
	Problems []wizardProblem   // the error summary at the top

	Zones     []zoneGroup // step 2
	ExtraZone string      // a valid chosen zone outside the list
	ZoneUnset bool        // no zone chosen yet: the browser's own may be offered

	Choices   []intervalChoice // step 3
	Languages []languageOption
	Preview   *wizardPreview

	Review *wizardReview // step 4
}

type wizardStep struct {
	N             int
	Name          string
	Current, Done bool
}

type wizardProblem struct{ Anchor, Text string }

// Describe returns the attributes tying an input to its hints and, when it
// has one, its error (aria-invalid, aria-describedby).
func (v wizardView) Describe(key string, hints ...string) template.HTMLAttr {
	ids := hints
	invalid := v.Errors[key] != ""
	if invalid {
		ids = append(ids, key+"-error")
	}
	var b strings.Builder
	if invalid {
		b.WriteString(`aria-invalid="true" `)
	}
	if len(ids) > 0 {
		b.WriteString(`aria-describedby="` + template.HTMLEscapeString(strings.Join(ids, " ")) + `"`)
	}
	return template.HTMLAttr(b.String())
}

// SelectedZone is the zone the select shows.
func (v wizardView) SelectedZone() string {
	if v.Form.Timezone == "" {
		return "UTC"
	}
	return v.Form.Timezone
}

// problemText words a domain problem after its field's label: "Title is
// required", "Reminders: at most 20 intervals".
func problemText(label, problem string) string {
	for _, verb := range []string{"is ", "must ", "cannot "} {
		if strings.HasPrefix(problem, verb) {
			return label + " " + problem
		}
	}
	return label + ": " + problem
}

func (d *Dashboard) renderWizard(w http.ResponseWriter, r *http.Request, p site.Page, status, step int, f wizardForm, fields map[string]string) error {
	now := d.clock()
	if step == wizardSteps && fields == nil {
		// The review shows every problem left, whichever step it is on.
		var ve *onair.ValidationError
		if _, err := f.build(p.Host.ID, now); errors.As(err, &ve) {
			fields, status = ve.Fields, http.StatusUnprocessableEntity
		}
	}
	v := wizardView{Step: step, StepName: wizardStepNames[step-1], Form: f, Errors: map[string]string{}}
	if step < wizardSteps {
		v.NextName = wizardStepNames[step]
	}
	for i, name := range wizardStepNames {
		v.Steps = append(v.Steps, wizardStep{N: i + 1, Name: name, Current: i+1 == step, Done: i+1 < step})
	}
	known := map[string]bool{}
	for _, wf := range wizardFields {
		known[wf.field] = true
		problem, ok := fields[wf.field]
		if !ok || (wf.step != step && step != wizardSteps) {
			continue
		}
		text := problemText(wf.label, problem)
		v.Errors[wf.key] = text
		anchor := "#" + wf.anchor
		if step == wizardSteps {
			anchor = "" // the field is on another step; the review's Edit buttons lead there
		}
		v.Problems = append(v.Problems, wizardProblem{Anchor: anchor, Text: text})
	}
	if step == wizardSteps {
		for field, problem := range fields {
			if !known[field] {
				v.Problems = append(v.Problems, wizardProblem{Text: problemText(field, problem)})
			}
		}
	}
	switch step {
	case 2:
		v.Zones = zoneGroups(now)
		v.ZoneUnset = f.Timezone == "" && f.TimezoneOther == ""
		if f.Timezone != "" && f.Timezone != "UTC" && onair.ValidTimezone(f.Timezone) && !slices.Contains(offeredZoneNames(), f.Timezone) {
			v.ExtraZone = f.Timezone
		}
	case 3:
		for _, n := range onair.NamedIntervals {
			v.Choices = append(v.Choices, intervalChoice{Name: n.Name, Label: intervalLabel(n.String()),
				Checked: slices.Contains(f.Intervals, n.Name), Recommended: slices.Contains(onair.DefaultIntervals, n.Name)})
		}
		v.Languages = languageOptions
		v.Preview = d.wizardPreview(*p.Host, f.sketch(now), f.Preview, now)
		site.AllowEmailStyles(w)
	case 4:
		v.Review = reviewOf(f.sketch(now), now)
	}
	p.Title = "New event · " + v.StepName
	p.Data = v
	return d.pages.Render(w, status, "wizard", p)
}

type intervalChoice struct {
	Name, Label          string
	Checked, Recommended bool
}

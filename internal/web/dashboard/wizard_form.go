package dashboard

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

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

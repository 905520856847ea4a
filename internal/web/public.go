package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/onair-live/onair/internal/locale"
	"github.com/onair-live/onair/internal/markdown"
	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/web/site"
)

// The viewer pages: the public registration page and the watch page. They
// reuse the JSON API's rules (onair.NewRegistration, store.Register) and
// differ only in how they answer.

// registerView is the data of the registration page.
type registerView struct {
	Event     onair.Event
	Reason    string // why registration is closed; "" while it is open
	SpotsLeft *int
	TakenPct  int
	Fields    []formField
	Timezone  string
	Source    string
	Error     string // a message about the whole form
	Waitlist  bool   // full, with a waitlist: the form joins it
	FormToken string // the form's own CSRF token (registerFormToken)
	// Questions are the host's own questions, after the fields above.
	Questions []questionField
	// Invalid says that a field of the form needs correcting.
	Invalid bool
	// Description is the event's description rendered from Markdown,
	// sanitized; Organiser the host's name, said on the embedded page,
	// which has no header to show it.
	Description template.HTML
	Organiser   string
	// Embed is the compact page for another site's frame (?embed=1).
	Embed bool
	// L is the page's language, which the form carries (the language
	// field) so that the registration keeps it.
	L *locale.Locale
	// LocalTime is the start in the zone the page was asked for (?tz=,
	// the browser's, which the page's script asks with), when that is not
	// the event's: written by the same rule as every time of onair's.
	LocalTime string
}

// questionField is one of the host's questions on the registration form.
type questionField struct {
	Key, Name, Label string
	Type             onair.QuestionType
	Required         bool
	Options          []string
	Value            string // a text's or a select's answer
	Checked          bool   // a checkbox's answer
	Error            string
}

// answerField is the form field of the answer to the question key.
func answerField(key string) string { return "answers." + key }

// formAnswers reads the answers to ev's questions from a posted form: a
// checkbox is ticked or not, a text or select is sent when the form has it.
func formAnswers(ev onair.Event, form url.Values) map[string]any {
	if len(ev.RegistrationFields) == 0 {
		return nil
	}
	out := map[string]any{}
	for _, q := range ev.RegistrationFields {
		name := answerField(q.Key)
		switch {
		case q.Type == onair.QuestionCheckbox:
			out[q.Key] = form.Get(name) != ""
		case form.Has(name):
			out[q.Key] = form.Get(name)
		}
	}
	return out
}

// embedded reports whether r asks for the compact page of another site's
// frame.
func embedded(r *http.Request) bool { return r.URL.Query().Get("embed") == "1" }

// formField is one visible input of the registration form.
type formField struct {
	Name, Label, Type, Autocomplete, InputMode string
	Required                                   bool
	Value, Error                               string
}

// newRegisterView shows ev at now with the form filled with in; problems
// maps a field to what is wrong with it.
func newRegisterView(ev onair.Event, now time.Time, in onair.RegistrationInput, problems map[string]string, l *locale.Locale) registerView {
	v := registerView{Event: ev, SpotsLeft: ev.SpotsLeft(), Timezone: in.Timezone, Source: in.Source, L: l}
	v.Reason, _ = ev.RegistrationClosed(now)
	v.Waitlist = v.Reason == onair.ClosedFull && ev.WaitlistEnabled
	if v.SpotsLeft != nil && ev.MaxRegistrations > 0 {
		v.TakenPct = min(100, (ev.MaxRegistrations-*v.SpotsLeft)*100/ev.MaxRegistrations)
	}
	field := func(name, label, typ, autocomplete, inputMode string, required bool, value string) formField {
		f := formField{Name: name, Label: label, Type: typ, Autocomplete: autocomplete, InputMode: inputMode,
			Required: required, Value: value}
		if p := problems[name]; p != "" {
			f.Error = fieldProblem(l, label, p)
		}
		return f
	}
	v.Fields = []formField{
		field("first_name", l.T("field_first_name"), "text", "given-name", "", false, in.FirstName),
		field("last_name", l.T("field_last_name"), "text", "family-name", "", false, in.LastName),
		field("email", l.T("field_email"), "email", "email", "email", true, in.Email),
		field("phone", l.T("field_phone"), "tel", "tel", "tel", false, in.Phone),
		field("company", l.T("field_company"), "text", "organization", "", false, in.Company),
	}
	for _, q := range ev.RegistrationFields {
		f := questionField{Key: q.Key, Name: answerField(q.Key), Label: q.Label, Type: q.Type, Required: q.Required,
			Options: q.Options}
		switch a := in.Answers[q.Key].(type) {
		case string:
			f.Value = a
		case bool:
			f.Checked = a
		}
		if p := problems[f.Name]; p != "" {
			f.Error = fieldProblem(l, q.Label, p)
		}
		v.Questions = append(v.Questions, f)
	}
	for _, p := range problems {
		if p != "" {
			v.Invalid = true
		}
	}
	v.Description = markdown.HTML(ev.Description)
	return v
}

// fieldProblem says what is wrong with the field label in l. The domain's
// own words are English: another language says the field is required, or
// that it is not valid.
func fieldProblem(l *locale.Locale, label, problem string) string {
	switch {
	case l.Lang == onair.English:
		return label + " " + problem
	case problem == "is required":
		return l.T("reg_field_required", "Label", label)
	}
	return l.T("reg_field_invalid", "Label", label)
}

// viewerLocale is the language of a page shown to a viewer whose
// registration it does not know: the browser's preference
// (Accept-Language) among onair's languages, or fallback.
func viewerLocale(r *http.Request, fallback onair.Language) *locale.Locale {
	if l, ok := locale.Match(r.Header.Get("Accept-Language")); ok {
		return locale.For(l)
	}
	return locale.For(fallback)
}

// formLocale is the language of a registration form's answer: the one it
// was shown in (its language field), or as viewerLocale says.
func formLocale(r *http.Request, ev onair.Event) *locale.Locale {
	if l, ok := onair.ParseLanguage(r.PostFormValue("language")); ok {
		return locale.For(l)
	}
	return viewerLocale(r, ev.Language)
}

// registerPage serves GET /register/{id}.
func (s *Server) registerPage(w http.ResponseWriter, r *http.Request) error {
	allowFraming(w) // the host may embed it on their own site
	ev, err := s.store.Event(r.Context(), r.PathValue("id"))
	if err != nil {
		return s.viewerNotFound(w, r, err, registerNotFound)
	}
	q := r.URL.Query()
	in := onair.RegistrationInput{Source: viewerSource(q)}
	v := newRegisterView(ev, s.clock(), in, nil, viewerLocale(r, ev.Language))
	if tz := q.Get("tz"); tz != ev.Timezone && onair.ValidTimezone(tz) {
		v.Timezone, v.LocalTime = tz, notify.FormatTimeIn(ev.ScheduledStart, tz, v.L.Lang)
	}
	return s.renderRegister(w, r, http.StatusOK, v)
}

// ogDescriptionLen is how much of the description a link preview shows.
const ogDescriptionLen = 200

func (s *Server) renderRegister(w http.ResponseWriter, r *http.Request, status int, v registerView) error {
	v.FormToken = s.registerFormToken(v.Event.ID, s.clientAddr(r), s.clock())
	host, err := s.store.Host(r.Context(), v.Event.HostID)
	if err != nil {
		return err
	}
	v.Organiser, v.Embed = host.Name, embedded(r)
	p := page{Title: v.Event.Title, Data: v, Brand: site.BrandOf(host), Embed: v.Embed, L: v.L,
		OG: &site.OpenGraph{Title: v.Event.Title, Description: markdown.Text(v.Event.Description, ogDescriptionLen),
			Image: v.Event.CoverImageURL, URL: s.links.Register(v.Event.ID)}}
	return s.render(w, r, status, "register", p)
}

// publicPage is p as a public page of the event ev: with its host's brand,
// and compact when r asks for the embedded page.
func (s *Server) publicPage(r *http.Request, ev onair.Event, p page) (page, error) {
	host, err := s.store.Host(r.Context(), ev.HostID)
	if err != nil {
		return p, err
	}
	p.Brand, p.Embed = site.BrandOf(host), embedded(r)
	return p, nil
}

// viewerSource is where the viewer came from, as a shared link says it. A
// value the domain would refuse is dropped here already: the viewer cannot
// correct a hidden field.
func viewerSource(q url.Values) string {
	src := strings.TrimSpace(q.Get("source"))
	if src == "" {
		src = strings.TrimSpace(q.Get("utm_source"))
	}
	if !utf8.ValidString(src) || utf8.RuneCountInString(src) > onair.MaxSourceLen {
		return ""
	}
	return src
}

// registeredView is the data of the success screen.
type registeredView struct {
	Event        onair.Event
	Registration onair.Registration
	WatchURL     string
	CalendarURL  string // the .ics file with the viewer's own link
	GoogleURL    string
	EmailSent    bool
	SMSSent      bool
	Waitlisted   bool // the registration waits for a spot, at Registration.WaitlistPosition
	Cancelled    bool
	SentAgain    bool // the address was registered already: the link went to it again
	Live         bool // the event is under way: the watch link is the way in now
	Embed        bool // in another site's frame: links open a window of their own
}

// registerSubmit serves POST /register/{id}: the form of the registration
// page, with the rules and answers of the JSON API rendered as pages.
func (s *Server) registerSubmit(w http.ResponseWriter, r *http.Request) error {
	allowFraming(w) // the answer shows inside the host's frame, as the form did
	ev, err := s.store.Event(r.Context(), r.PathValue("id"))
	if err != nil {
		return s.viewerNotFound(w, r, err, registerNotFound)
	}
	if err := s.checkRegisterForm(r, ev.ID); err != nil {
		return err
	}
	in := onair.RegistrationInput{
		FirstName: r.PostFormValue("first_name"), LastName: r.PostFormValue("last_name"),
		Email: r.PostFormValue("email"), Phone: r.PostFormValue("phone"), Company: r.PostFormValue("company"),
		Timezone: r.PostFormValue("timezone"), Source: r.PostFormValue("source"),
		Answers: formAnswers(ev, r.PostForm),
	}
	l := formLocale(r, ev)
	in.Language = string(l.Lang)
	now := s.clock()
	// As in the API: a closed event says so before the form is judged, and
	// fullness is decided under the event's lock.
	if reason, closed := ev.RegistrationClosed(now); closed != nil && reason != onair.ClosedFull {
		status, _ := describe(closed)
		return s.renderRegister(w, r, status, newRegisterView(ev, now, in, nil, l))
	}
	reg, err := s.newViewerRegistration(ev, in, now)
	var ve *onair.ValidationError
	if errors.As(err, &ve) {
		return s.renderRegister(w, r, http.StatusUnprocessableEntity, newRegisterView(ev, now, in, ve.Fields, l))
	}
	if err != nil {
		return err
	}
	if r.PostFormValue(honeypotField) != "" {
		// Only a program fills a field no person sees: it is answered as a
		// person registering again would be, and nothing is stored or sent.
		s.log.InfoContext(r.Context(), "registration dropped: the honeypot field was filled", "event", ev.ID)
		return s.redirectRegistered(w, r, ev.ID, "")
	}
	stored, _, err := s.store.RegisterOrWaitlist(r.Context(), ev, reg, now, s.registerLimits(r)...)
	if errors.Is(err, onair.ErrAlreadyRegistered) {
		// The confirmation went again to the address registered first:
		// the page says so, and nothing of that registration.
		return s.redirectRegistered(w, r, ev.ID, "")
	}
	if err != nil {
		return s.registerFailed(w, r, ev, in, l, err)
	}
	s.metrics.Registered()
	return s.redirectRegistered(w, r, ev.ID, onair.WatchToken(s.secret, stored.ID))
}

// redirectRegistered answers a registration form that was taken with a
// redirect (303) to the page that says so, which a refresh shows again
// without posting the form a second time: the viewer's own page with the
// watch token, or without one the page of a link sent again.
func (s *Server) redirectRegistered(w http.ResponseWriter, r *http.Request, eventID, token string) error {
	target := "/register/" + eventID + "/done"
	if token != "" {
		target += "?token=" + token
	} else {
		target += "?sent=again"
	}
	if embedded(r) {
		target += "&embed=1" // the answer stays compact in the host's frame
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// registeredPage serves GET /register/{id}/done, where the registration
// form lands: the viewer's registration as it is now (registered, on the
// waitlist with its place, cancelled), by the watch token of its address;
// without one, that the link was sent again.
func (s *Server) registeredPage(w http.ResponseWriter, r *http.Request) error {
	allowFraming(w) // it shows inside the host's frame, as the form did
	ev, err := s.store.Event(r.Context(), r.PathValue("id"))
	if err != nil {
		return s.viewerNotFound(w, r, err, registerNotFound)
	}
	q := r.URL.Query()
	if !q.Has("token") {
		l := viewerLocale(r, ev.Language)
		p, err := s.publicPage(r, ev, page{Title: l.T("done_again_title"), Data: registeredView{Event: ev, SentAgain: true}, L: l})
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusOK, "register_done", p)
	}
	reg, err := s.viewerRegistration(r, ev.ID, q.Get("token"))
	if err != nil {
		return s.viewerNotFound(w, r, err, watchNotFound)
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.renderRegistered(w, r, ev, reg)
}

// honeypotField is the registration form's hidden trap: a field that a
// person never sees, and a form-filling program fills.
const honeypotField = "website"

// renderRegistered is the success screen of reg.
func (s *Server) renderRegistered(w http.ResponseWriter, r *http.Request, ev onair.Event, reg onair.Registration) error {
	watch := s.links.Watch(reg)
	confirmed := onair.ConfirmationChannels(ev, reg)
	l := locale.For(onair.MessageLanguage(ev, reg))
	v := registeredView{
		Event: ev, Registration: reg, WatchURL: watch,
		CalendarURL: s.links.CalendarPath(reg),
		GoogleURL:   notify.GoogleCalendarURL(ev, watch, l.Lang),
		EmailSent:   slices.Contains(confirmed, onair.ChannelEmail),
		SMSSent:     slices.Contains(confirmed, onair.ChannelSMS),
		Waitlisted:  reg.Status == onair.RegWaitlisted,
		Cancelled:   reg.Status == onair.RegCancelled,
		Live:        ev.LiveAt(s.clock()),
	}
	title := l.T("done_title")
	switch {
	case v.Waitlisted:
		title, v.WatchURL = l.T("done_waitlisted_title"), ""
	case v.Cancelled:
		title, v.WatchURL = l.T("done_cancelled_title"), ""
	}
	p, err := s.publicPage(r, ev, page{Title: title, Data: v, L: l})
	if err != nil {
		return err
	}
	v.Embed = p.Embed
	p.Data = v
	return s.render(w, r, http.StatusOK, "register_done", p)
}

// newViewerRegistration is onair.NewRegistration for the form. The hidden
// fields (the browser's time zone, the link's source) are not the viewer's
// to correct: one the domain refuses is dropped, so the registration counts
// as direct, in the event's zone, instead of failing.
func (s *Server) newViewerRegistration(ev onair.Event, in onair.RegistrationInput, now time.Time) (onair.Registration, error) {
	reg, err := onair.NewRegistration(ev, in, s.phoneFor(ev), now)
	var ve *onair.ValidationError
	if errors.As(err, &ve) && (ve.Has("timezone") || ve.Has("source") || ve.Has("language")) {
		if ve.Has("timezone") {
			in.Timezone = ""
		}
		if ve.Has("language") {
			in.Language = ""
		}
		if ve.Has("source") {
			in.Source = ""
		}
		reg, err = onair.NewRegistration(ev, in, s.phoneFor(ev), now)
	}
	return reg, err
}

// registerFailed answers a registration the store refused: the same
// neutral conflict as the API for a second registration, and the event's
// closed state (full, cancelled…) as it is now, with the API's status.
func (s *Server) registerFailed(w http.ResponseWriter, r *http.Request, ev onair.Event, in onair.RegistrationInput, l *locale.Locale, err error) error {
	status, d := describe(err)
	if errors.Is(err, onair.ErrAlreadyRegistered) || status == http.StatusTooManyRequests {
		v := newRegisterView(ev, s.clock(), in, nil, l)
		v.Error = sentence(d.Message)
		if l.Lang != onair.English { // the domain's words are English
			v.Error = l.T("reg_error_rate")
			if errors.Is(err, onair.ErrAlreadyRegistered) {
				v.Error = l.T("reg_error_again")
			}
		}
		setRetryAfter(w, err, status)
		return s.renderRegister(w, r, status, v)
	}
	if status >= 500 || status == http.StatusNotFound {
		return err
	}
	// The event changed since it was read: show it as it is now.
	current, readErr := s.store.Event(r.Context(), ev.ID)
	if readErr != nil {
		return readErr
	}
	v := newRegisterView(current, s.clock(), in, nil, l)
	if v.Reason == "" {
		return err
	}
	return s.renderRegister(w, r, status, v)
}

// sentence starts msg with a capital letter, as a line of a page does.
func sentence(msg string) string {
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}

// viewerMessage is the data of the message page.
type viewerMessage struct {
	Heading, Message, Action, Link, LinkText string
}

// The message pages of a link that leads nowhere: the catalogue's ids of
// their heading (the message's is the heading's with _text).
const (
	registerNotFound = "page_event_not_found"
	watchNotFound    = "page_watch_not_found"
)

// viewerNotFound answers a not-found err with the message page id, in the
// browser's language; any other error goes to the page adapter.
func (s *Server) viewerNotFound(w http.ResponseWriter, r *http.Request, err error, id string) error {
	if !errors.Is(err, onair.ErrNotFound) {
		return err
	}
	l := viewerLocale(r, onair.English)
	m := viewerMessage{Heading: l.T(id), Message: l.T(id + "_text")}
	return s.render(w, r, http.StatusNotFound, "message", page{Title: m.Heading, Data: m, L: l})
}

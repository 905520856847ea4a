package dashboard

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

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

package web

import (
	"encoding/csv"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
)

// registrationJSON is a registration as its host sees it.
type registrationJSON struct {
	ID        string        `json:"id"`
	EventID   string        `json:"event_id"`
	FirstName string        `json:"first_name"`
	LastName  string        `json:"last_name"`
	Email     string        `json:"email"`
	Phone     string        `json:"phone"`
	Company   string        `json:"company"`
	Source    string        `json:"source"`
	Timezone  string        `json:"timezone"`
	Answers   onair.Answers `json:"answers"`
	// Language is null when the registrant named none (the event's applies).
	Language *onair.Language          `json:"language"`
	Status   onair.RegistrationStatus `json:"status"`
	// Arm is the registration's arm of the event's A/B test, null without
	// one.
	Arm *string `json:"arm"`
	// WaitlistPosition is null unless the registration waits.
	WaitlistPosition *int   `json:"waitlist_position"`
	Attended         bool   `json:"attended"`
	CreatedAt        string `json:"created_at"`
}

// answersJSON is a registration's answers for the JSON: {} for none.
func answersJSON(a onair.Answers) onair.Answers {
	if a == nil {
		return onair.Answers{}
	}
	return a
}

// waitlistPosition is r's place in line for the JSON, or nil.
func waitlistPosition(r onair.Registration) *int {
	if r.Status != onair.RegWaitlisted {
		return nil
	}
	n := r.WaitlistPosition
	return &n
}

// ownLanguage is r's language for the JSON, or nil when it named none.
func ownLanguage(r onair.Registration) *onair.Language {
	if r.Language == "" {
		return nil
	}
	l := r.Language
	return &l
}

func viewRegistration(r onair.Registration) registrationJSON {
	return registrationJSON{
		ID: r.ID, EventID: r.EventID, FirstName: r.FirstName, LastName: r.LastName,
		Email: r.Email, Phone: r.Phone, Company: r.Company, Source: r.Source,
		Timezone: r.Timezone, Answers: answersJSON(r.Answers), Language: ownLanguage(r), Status: r.Status,
		WaitlistPosition: waitlistPosition(r), Attended: r.Attended, CreatedAt: formatTime(r.CreatedAt), Arm: armJSON(r.Arm),
	}
}

// armJSON is an arm for the JSON: null for none.
func armJSON(arm string) *string {
	if arm == "" {
		return nil
	}
	return &arm
}

func (s *Server) listRegistrations(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	ev, err := s.store.HostEvent(r.Context(), host.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	f := store.RegistrationFilter{EventID: ev.ID}
	if f.Query, err = searchQuery(r); err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	switch format {
	case "csv":
	case "", "json":
		if f.Limit, err = queryInt(r, "limit", 100, 1000); err != nil {
			return err
		}
		if f.Limit == 0 {
			return onair.Errorf(onair.ErrInvalid, "bad_request", "limit must be between 1 and 1000")
		}
		if f.Offset, err = queryInt(r, "offset", 0, 0); err != nil {
			return err
		}
	default:
		return onair.Errorf(onair.ErrInvalid, "bad_request", "format must be json or csv")
	}
	regs, total, err := s.store.Registrations(r.Context(), f)
	if err != nil {
		return err
	}
	if format == "csv" {
		activity, err := s.store.RegistrantsActivity(r.Context(), ev.ID)
		if err != nil {
			return err
		}
		return writeRegistrationsCSV(w, ev, regs, activity)
	}
	out := make([]registrationJSON, len(regs))
	for i, reg := range regs {
		out[i] = viewRegistration(reg)
	}
	writeJSON(w, http.StatusOK, map[string]any{"registrations": out, "total": total})
	return nil
}

// writeRegistrationsCSV writes one row per registrant: who, from where,
// what they received, opened and clicked, whether and how long they
// watched, and what they bought.
func writeRegistrationsCSV(w http.ResponseWriter, ev onair.Event, regs []onair.Registration, activity map[string]store.RegistrantActivity) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="registrations-`+ev.ID+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	header := []string{"id", "first_name", "last_name", "email", "phone", "company", "source", "timezone", "language", "status", "arm", "attended",
		"created_at", "messages_sent", "messages_failed", "opened", "clicked", "watch_seconds", "revenue_cents"}
	// One column per question, in the event's order, after the fixed ones
	// (a script reading the columns it knew by position keeps working).
	for _, q := range ev.RegistrationFields {
		header = append(header, "answer_"+q.Key)
	}
	cw.Write(header)
	itoa := strconv.Itoa
	for _, r := range regs {
		a := activity[r.ID]
		row := []string{r.ID, csvCell(r.FirstName), csvCell(r.LastName), csvCell(r.Email), csvCell(r.Phone),
			csvCell(r.Company), csvCell(r.Source), r.Timezone, string(onair.MessageLanguage(ev, r)), string(r.Status), r.Arm,
			strconv.FormatBool(r.Attended),
			formatTime(r.CreatedAt), itoa(a.Sent), itoa(a.Failed), itoa(a.Opened), itoa(a.Clicked), itoa(a.WatchSeconds),
			strconv.FormatInt(a.RevenueCents, 10)}
		for _, q := range ev.RegistrationFields {
			row = append(row, csvCell(csvAnswer(q, r.Answers)))
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

// csvAnswer is the answer to q as a CSV cell: a checkbox true or false
// (false when it was not asked yet), text as typed.
func csvAnswer(q onair.Question, a onair.Answers) string {
	if q.Type == onair.QuestionCheckbox {
		b, _ := a[q.Key].(bool)
		return strconv.FormatBool(b)
	}
	s, _ := a[q.Key].(string)
	return s
}

// csvCell keeps text a registrant typed from being read as a formula by a
// spreadsheet that opens the export.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// publicEventJSON is what anyone may see of an event.
type publicEventJSON struct {
	ID              string `json:"id"`
	Title           string `json:"title"`
	Description     string `json:"description"`
	ScheduledStart  string `json:"scheduled_start"`
	Timezone        string `json:"timezone"`
	DurationMinutes int    `json:"duration_minutes"`
	// CoverImageURL and RegistrationFields are what a page of the host's
	// own needs to show the event and ask its questions.
	CoverImageURL      string           `json:"cover_image_url"`
	RegistrationFields []onair.Question `json:"registration_fields"`
}

type registrationInfoJSON struct {
	Event            publicEventJSON `json:"event"`
	RegistrationOpen bool            `json:"registration_open"`
	Reason           *string         `json:"reason"`
	SpotsLeft        *int            `json:"spots_left"`
}

func (s *Server) registrationInfo(w http.ResponseWriter, r *http.Request) error {
	ev, err := s.store.Event(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	info := registrationInfoJSON{
		Event: publicEventJSON{ID: ev.ID, Title: ev.Title, Description: ev.Description,
			ScheduledStart: formatTime(ev.ScheduledStart), Timezone: ev.Timezone, DurationMinutes: ev.DurationMinutes,
			CoverImageURL: ev.CoverImageURL, RegistrationFields: questionsJSON(ev.RegistrationFields)},
		SpotsLeft: ev.SpotsLeft(),
	}
	if reason, _ := ev.RegistrationClosed(s.clock()); reason != "" {
		info.Reason = &reason
	} else {
		info.RegistrationOpen = true
	}
	writeJSON(w, http.StatusOK, info)
	return nil
}

// registerAgainst validates in against ev and registers it, if ev is still
// the event as stored in what the validation read. onEvent tells that the
// error was decided on ev: the validation's, or the event's change.
func (s *Server) registerAgainst(r *http.Request, ev onair.Event, in onair.RegistrationInput, now time.Time) (reg onair.Registration, onEvent bool, err error) {
	reg, err = onair.NewRegistration(ev, in, s.phoneFor(ev), now)
	if err != nil {
		return reg, true, err
	}
	stored, _, err := s.store.RegisterOrWaitlist(r.Context(), ev, reg, now, s.registerLimits(r)...)
	if err == nil {
		reg = stored
	}
	return reg, errors.Is(err, store.ErrEventChanged), err
}

// registerResponse is the answer to a registration: the watch link with a
// seat; the place in line, and no link, on the waitlist.
type registerResponse struct {
	Registration struct {
		ID               string                   `json:"id"`
		Status           onair.RegistrationStatus `json:"status"`
		WaitlistPosition *int                     `json:"waitlist_position,omitempty"`
	} `json:"registration"`
	WatchURL string `json:"watch_url,omitempty"`
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) error {
	ctx, id := r.Context(), r.PathValue("id")
	// The event as read a moment ago, which saves a read per registration
	// in a flood: a refusal decided on it is decided again on the event as
	// it is, and the store checks what the registration was validated
	// against in the registration's own transaction (RegisterAgainst).
	ev, err := s.store.RecentEvent(ctx, id)
	if err != nil {
		return err
	}
	now := s.clock()
	// A closed event says so before anything about the form: the viewer
	// cannot fix it by typing. Fullness is decided under the event's lock.
	closed := func(ev onair.Event) error {
		if reason, err := ev.RegistrationClosed(now); err != nil && reason != onair.ClosedFull {
			return err
		}
		return nil
	}
	if closed(ev) != nil {
		if ev, err = s.store.Event(ctx, id); err != nil {
			return err
		}
		if err := closed(ev); err != nil {
			return err
		}
	}
	var in onair.RegistrationInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	reg, onEvent, err := s.registerAgainst(r, ev, in, now)
	if onEvent {
		if ev, err = s.store.Event(ctx, id); err != nil {
			return err
		}
		if err := closed(ev); err != nil {
			return err
		}
		reg, _, err = s.registerAgainst(r, ev, in, now)
	}
	if err != nil {
		return err
	}
	s.metrics.Registered()
	var resp registerResponse
	resp.Registration.ID, resp.Registration.Status = reg.ID, reg.Status
	if reg.Status == onair.RegWaitlisted {
		resp.Registration.WaitlistPosition = waitlistPosition(reg)
	} else {
		resp.WatchURL = s.links.Watch(reg)
	}
	writeJSON(w, http.StatusCreated, resp)
	return nil
}

// cancelRegistration serves POST /api/registrations/cancel?token=T: the
// viewer, by their watch token, cancels their own registration. Cancelling
// again answers the same.
func (s *Server) cancelRegistration(w http.ResponseWriter, r *http.Request) error {
	reg, err := s.store.RegistrationByToken(r.Context(), s.secret, r.URL.Query().Get("token"))
	if err != nil {
		return err
	}
	if reg, err = s.store.CancelRegistration(r.Context(), reg.ID, s.clock()); err != nil {
		return err
	}
	var out struct {
		Registration struct {
			ID     string                   `json:"id"`
			Status onair.RegistrationStatus `json:"status"`
		} `json:"registration"`
	}
	out.Registration.ID, out.Registration.Status = reg.ID, reg.Status
	writeJSON(w, http.StatusOK, out)
	return nil
}

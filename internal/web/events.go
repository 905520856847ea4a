package web

import (
	"net/http"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// eventJSON is an event as the API shows it to its host.
type eventJSON struct {
	ID                   string                     `json:"id"`
	Title                string                     `json:"title"`
	Description          string                     `json:"description"`
	Status               onair.EventStatus          `json:"status"`
	ScheduledStart       string                     `json:"scheduled_start"`
	Timezone             string                     `json:"timezone"`
	Language             onair.Language             `json:"language"`
	DurationMinutes      int                        `json:"duration_minutes"`
	MaxRegistrations     int                        `json:"max_registrations"`
	RegistrationEnabled  bool                       `json:"registration_enabled"`
	RegistrationURL      string                     `json:"registration_url"`
	StreamURL            string                     `json:"stream_url"`
	ReplayURL            string                     `json:"replay_url"`
	CoverImageURL        string                     `json:"cover_image_url"`
	RegistrationFields   []onair.Question           `json:"registration_fields"`
	NotificationSettings onair.NotificationSettings `json:"notification_settings"`
	FollowUps            onair.FollowUpsJSON        `json:"follow_ups"`
	SelectedIntervals    []onair.Interval           `json:"selected_intervals"`
	RegistrationCount    int                        `json:"registration_count"`
	SpotsLeft            *int                       `json:"spots_left"`
	WaitlistEnabled      bool                       `json:"waitlist_enabled"`
	ABTest               *onair.ABTest              `json:"ab_test"`
	StartedAt            *string                    `json:"started_at"`
	EndedAt              *string                    `json:"ended_at"`
	CancelledAt          *string                    `json:"cancelled_at"`
	CreatedAt            string                     `json:"created_at"`
	UpdatedAt            string                     `json:"updated_at"`
}

func (s *Server) viewEvent(e onair.Event) eventJSON {
	ivs := e.Intervals
	if ivs == nil {
		ivs = []onair.Interval{}
	}
	return eventJSON{
		ID:                   e.ID,
		Title:                e.Title,
		Description:          e.Description,
		Status:               e.Status,
		ScheduledStart:       formatTime(e.ScheduledStart),
		Timezone:             e.Timezone,
		Language:             e.Language,
		DurationMinutes:      e.DurationMinutes,
		MaxRegistrations:     e.MaxRegistrations,
		RegistrationEnabled:  e.RegistrationEnabled,
		RegistrationURL:      s.links.Register(e.ID),
		StreamURL:            e.StreamURL,
		ReplayURL:            e.ReplayURL,
		CoverImageURL:        e.CoverImageURL,
		RegistrationFields:   questionsJSON(e.RegistrationFields),
		NotificationSettings: e.Notifications,
		FollowUps:            e.FollowUps.JSON(),
		SelectedIntervals:    ivs,
		RegistrationCount:    e.RegistrationCount,
		SpotsLeft:            e.SpotsLeft(),
		WaitlistEnabled:      e.WaitlistEnabled,
		ABTest:               e.ABTest,
		StartedAt:            formatTimePtr(e.StartedAt),
		EndedAt:              formatTimePtr(e.EndedAt),
		CancelledAt:          formatTimePtr(e.CancelledAt),
		CreatedAt:            formatTime(e.CreatedAt),
		UpdatedAt:            formatTime(e.UpdatedAt),
	}
}

// questionsJSON is an event's questions for the JSON: [] for none, and a
// select's options only (the others have [] too).
func questionsJSON(qs []onair.Question) []onair.Question {
	out := make([]onair.Question, len(qs))
	for i, q := range qs {
		if q.Options == nil {
			q.Options = []string{}
		}
		out[i] = q
	}
	return out
}

// formatTime writes t as RFC 3339 in UTC, with fractions of a second only
// when it has them.
func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func formatTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := formatTime(*t)
	return &s
}

type eventResponse struct {
	Event eventJSON `json:"event"`
}

func (s *Server) createEvent(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	var in onair.EventInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ev, err := onair.NewEvent(host.ID, in, s.clock())
	if err != nil {
		return err
	}
	if err := s.store.CreateEvent(r.Context(), ev); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/events/"+ev.ID)
	writeJSON(w, http.StatusCreated, eventResponse{s.viewEvent(ev)})
	return nil
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	q := r.URL.Query()
	status, err := onair.ParseStatusFilter(q.Get("status"))
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit", 20, 100)
	if err != nil {
		return err
	}
	if limit == 0 {
		return onair.Errorf(onair.ErrInvalid, "bad_request", "limit must be between 1 and 100")
	}
	offset, err := queryInt(r, "offset", 0, 0)
	if err != nil {
		return err
	}
	search, err := searchQuery(r)
	if err != nil {
		return err
	}
	events, total, err := s.store.FindEvents(r.Context(), onair.EventFilter{
		HostID: host.ID, Status: status, Query: search, Limit: limit, Offset: offset,
	})
	if err != nil {
		return err
	}
	out := make([]eventJSON, len(events))
	for i, e := range events {
		out[i] = s.viewEvent(e)
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": out, "total": total})
	return nil
}

func (s *Server) getEvent(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	ev, err := s.store.HostEvent(r.Context(), host.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, eventResponse{s.viewEvent(ev)})
	return nil
}

func (s *Server) patchEvent(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	var in onair.EventInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	now := s.clock()
	return s.changeEvent(w, r, host, func(ev onair.Event) (onair.Event, error) {
		next, _, err := ev.Update(in, now)
		return next, err
	})
}

func (s *Server) startEvent(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	now := s.clock()
	return s.changeEvent(w, r, host, func(ev onair.Event) (onair.Event, error) { return ev.Start(now) })
}

func (s *Server) endEvent(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	now := s.clock()
	return s.changeEvent(w, r, host, func(ev onair.Event) (onair.Event, error) { return ev.End(now) })
}

func (s *Server) cancelEvent(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	now := s.clock()
	return s.changeEvent(w, r, host, func(ev onair.Event) (onair.Event, error) { return ev.Cancel(now) })
}

// changeEvent applies change to the host's event named in the path, under
// the event's lock, and answers with the result.
func (s *Server) changeEvent(w http.ResponseWriter, r *http.Request, host onair.Host, change func(onair.Event) (onair.Event, error)) error {
	ev, err := s.store.UpdateEvent(r.Context(), host.ID, r.PathValue("id"), change)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, eventResponse{s.viewEvent(ev)})
	return nil
}

// deleteEvent deletes an event that is over, with its registrations,
// messages and outbox entries.
// duplicateEvent copies every setting of one of the host's events into a
// new one at another start, with no registrants.
func (s *Server) duplicateEvent(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	var in struct {
		ScheduledStart *string `json:"scheduled_start"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	orig, err := s.store.HostEvent(r.Context(), host.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	ev, err := orig.Duplicate(in.ScheduledStart, s.clock())
	if err != nil {
		return err
	}
	if err := s.store.CreateEvent(r.Context(), ev); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/events/"+ev.ID)
	writeJSON(w, http.StatusCreated, eventResponse{s.viewEvent(ev)})
	return nil
}

func (s *Server) deleteEvent(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	if err := s.store.DeleteEvent(r.Context(), host.ID, r.PathValue("id"), s.clock()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

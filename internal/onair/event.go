package onair

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// EventStatus is where an event is in its life.
type EventStatus string

// The statuses of an event. An event goes scheduled → live → ended, or to
// cancelled from scheduled or live.
const (
	StatusScheduled EventStatus = "scheduled"
	StatusLive      EventStatus = "live"
	StatusEnded     EventStatus = "ended"
	StatusCancelled EventStatus = "cancelled"
)

// NotificationSettings say which channels an event's messages use and what
// the host adds to them.
type NotificationSettings struct {
	EmailEnabled  bool   `json:"email_enabled"`
	SMSEnabled    bool   `json:"sms_enabled"`
	CustomMessage string `json:"custom_message"`
	// SMSMessage is added to every SMS of the event.
	SMSMessage string `json:"sms_message"`
	// SMSQuietHours hold long-range SMS reminders out of the viewer's
	// night (QuietHoursHold); nil when the host switched them off.
	SMSQuietHours *QuietHours `json:"sms_quiet_hours"`
}

// Event is a scheduled live event.
type Event struct {
	ID             string
	HostID         string
	Title          string
	Description    string
	Status         EventStatus
	ScheduledStart time.Time
	Timezone       string
	// Language is the language of the event's messages and public pages
	// (a registrant's own wins: MessageLanguage).
	Language            Language
	DurationMinutes     int
	MaxRegistrations    int // 0 means unlimited
	RegistrationEnabled bool
	StreamURL           string
	// ReplayURL is the recording, shown on the watch page and in the
	// follow-ups once the event has ended.
	ReplayURL string
	// CoverImageURL is the picture at the top of the registration page and
	// of its link previews (og:image).
	CoverImageURL string
	// RegistrationFields are the host's own questions on the registration
	// page, in the order shown.
	RegistrationFields []Question
	Notifications      NotificationSettings
	FollowUps          FollowUps
	Intervals          []Interval
	// ABTest, when set, gives every other registrant a second reminder
	// ladder; ABSeq is how many registrants it has put in an arm.
	ABTest            *ABTest
	ABSeq             int
	RegistrationCount int
	// WaitlistEnabled lets a full event take registrations onto a waitlist;
	// WaitlistCount is how many wait now, and WaitlistSeq the last place in
	// line handed out (the next one joins behind it).
	WaitlistEnabled bool
	WaitlistCount   int
	WaitlistSeq     int
	// Version grows with every change to the schedule (reschedule, cancel):
	// work planned for an older version is stale.
	Version int
	// Sequence is the calendar entry's SEQUENCE (RFC 5545), raised on every
	// change that attendees' calendars must pick up.
	Sequence    int
	StartedAt   *time.Time
	EndedAt     *time.Time
	CancelledAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Limits of an event's fields.
const (
	MaxTitleLen         = 200
	MaxDescriptionLen   = 10000
	MaxCustomMessageLen = 500
	MaxStreamURLLen     = 2048
	MaxSMSMessageLen    = 100
	MaxDurationMinutes  = 7 * 24 * 60
	MaxCapacity         = 10_000_000
	MaxScheduleAhead    = 5 * 366 * 24 * time.Hour
)

// EventInput is the writable part of an event, as a host sends it. A nil
// field is absent: a default on create, unchanged on update.
type EventInput struct {
	Title                *string                    `json:"title"`
	Description          *string                    `json:"description"`
	ScheduledStart       *string                    `json:"scheduled_start"`
	Timezone             *string                    `json:"timezone"`
	DurationMinutes      *int                       `json:"duration_minutes"`
	MaxRegistrations     *int                       `json:"max_registrations"`
	RegistrationEnabled  *bool                      `json:"registration_enabled"`
	StreamURL            *string                    `json:"stream_url"`
	NotificationSettings *NotificationSettingsInput `json:"notification_settings"`
	SelectedIntervals    *[]string                  `json:"selected_intervals"`
	WaitlistEnabled      *bool                      `json:"waitlist_enabled"`
	ReplayURL            *string                    `json:"replay_url"`
	FollowUps            *FollowUpsInput            `json:"follow_ups"`
	// ABTest is {"intervals_b": [...]} or null (no test); "" when absent.
	ABTest             JSONValue        `json:"ab_test"`
	CoverImageURL      *string          `json:"cover_image_url"`
	RegistrationFields *[]QuestionInput `json:"registration_fields"`
	Language           *string          `json:"language"`
}

// afterEnd reports whether in changes only what may still change once the
// event has ended (the replay and the follow-ups), and something of it.
func (in EventInput) afterEnd() bool {
	rest := in
	rest.ReplayURL, rest.FollowUps = nil, nil
	return (in.ReplayURL != nil || in.FollowUps != nil) && rest == (EventInput{})
}

// NotificationSettingsInput is the writable part of NotificationSettings.
type NotificationSettingsInput struct {
	EmailEnabled  *bool   `json:"email_enabled"`
	SMSEnabled    *bool   `json:"sms_enabled"`
	CustomMessage *string `json:"custom_message"`
	SMSMessage    *string `json:"sms_message"`
	// SMSQuietHours is {"start": "HH:MM", "end": "HH:MM"} or null (off);
	// "" when absent.
	SMSQuietHours JSONValue `json:"sms_quiet_hours"`
}

// NewEvent builds a new scheduled event for host from in, with the defaults
// of the API for every absent field.
func NewEvent(hostID string, in EventInput, now time.Time) (Event, error) {
	quiet := DefaultQuietHours
	ev := Event{
		ID:                  NewID(),
		HostID:              hostID,
		Status:              StatusScheduled,
		Timezone:            "UTC",
		Language:            English,
		DurationMinutes:     60,
		RegistrationEnabled: true,
		Notifications:       NotificationSettings{EmailEnabled: true, SMSQuietHours: &quiet},
		Version:             1,
		CreatedAt:           now,
		UpdatedAt:           now,
	}
	if in.SelectedIntervals == nil {
		defaults := append([]string(nil), DefaultIntervals...)
		in.SelectedIntervals = &defaults
	}
	v := &ValidationError{}
	if in.Title == nil {
		v.Add("title", "is required")
	}
	if in.ScheduledStart == nil {
		v.Add("scheduled_start", "is required")
	}
	ev, _ = ev.apply(v, in, now)
	if err := v.Err(); err != nil {
		return Event{}, err
	}
	return ev, nil
}

// Change says what an update changed beyond plain fields.
type Change struct {
	Rescheduled bool // the start time moved
	Replan      bool // the reminder plan (start, zone, intervals or channels) changed
	FollowUps   bool // the follow-ups changed
}

// Update applies in to a copy of e. Cancelled events cannot be changed,
// ended ones only in their replay and follow-ups; a live event keeps its
// start time.
func (e Event) Update(in EventInput, now time.Time) (Event, Change, error) {
	switch {
	case e.Status == StatusEnded && !in.afterEnd():
		return e, Change{}, Errorf(ErrGone, "event_ended",
			"the event has ended: only its replay_url and follow_ups can still be changed")
	case e.Status == StatusCancelled:
		return e, Change{}, Errorf(ErrGone, "event_cancelled", "the event was cancelled and can no longer be changed")
	}
	v := &ValidationError{}
	next, change := e.apply(v, in, now)
	if err := v.Err(); err != nil {
		return e, Change{}, err
	}
	if change.Rescheduled && e.Status != StatusScheduled {
		return e, Change{}, Errorf(ErrConflict, "event_live", "a live event cannot be rescheduled")
	}
	if change.Rescheduled {
		next.Version++
		next.Sequence++
	}
	next.UpdatedAt = now
	return next, change, nil
}

// apply copies the fields present in in onto e, recording every problem in v.
func (e Event) apply(v *ValidationError, in EventInput, now time.Time) (Event, Change) {
	var ch Change
	if in.Title != nil {
		e.Title = cleanLine(v, "title", *in.Title, MaxTitleLen, true)
	}
	if in.Description != nil {
		e.Description = cleanText(v, "description", *in.Description, MaxDescriptionLen)
	}
	if in.Timezone != nil {
		tz := strings.TrimSpace(*in.Timezone)
		if tz == "" {
			tz = "UTC"
		}
		if !ValidTimezone(tz) {
			v.Add("timezone", "is not a known IANA time zone, e.g. America/New_York")
		} else if tz != e.Timezone {
			e.Timezone = tz
			ch.Replan = true
		}
	}
	if in.ScheduledStart != nil {
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(*in.ScheduledStart))
		switch {
		case err != nil:
			v.Add("scheduled_start", "must be an RFC 3339 time with offset, e.g. 2026-12-15T14:00:00Z")
		case t.Equal(e.ScheduledStart) && !e.ScheduledStart.IsZero():
			// unchanged: a client may send back what it read (a new event
			// has no start yet, and the zero time is not one to keep)
		case !t.After(now):
			v.Add("scheduled_start", "must be in the future")
		case t.Sub(now) > MaxScheduleAhead:
			v.Add("scheduled_start", "must be within 5 years")
		default:
			ch.Rescheduled = !e.ScheduledStart.IsZero()
			ch.Replan = true
			e.ScheduledStart = t.UTC()
		}
	}
	if in.Language != nil {
		if l, ok := ParseLanguage(*in.Language); ok {
			e.Language = l
		} else {
			v.Add("language", languageProblem)
		}
	}
	if in.DurationMinutes != nil {
		if d := *in.DurationMinutes; d < 1 || d > MaxDurationMinutes {
			v.Add("duration_minutes", "must be between 1 and 10080 (one week)")
		} else {
			e.DurationMinutes = d
		}
	}
	if in.MaxRegistrations != nil {
		switch m := *in.MaxRegistrations; {
		case m < 0 || m > MaxCapacity:
			v.Add("max_registrations", "must be between 0 (unlimited) and 10000000")
		case m != 0 && m < e.RegistrationCount:
			v.Add("max_registrations", "cannot be lower than the "+strconv.Itoa(e.RegistrationCount)+" registrations already made")
		default:
			e.MaxRegistrations = m
		}
	}
	if in.RegistrationEnabled != nil {
		e.RegistrationEnabled = *in.RegistrationEnabled
	}
	if in.WaitlistEnabled != nil {
		e.WaitlistEnabled = *in.WaitlistEnabled
	}
	if in.StreamURL != nil {
		e.StreamURL = cleanLine(v, "stream_url", *in.StreamURL, MaxStreamURLLen, false)
		if e.StreamURL != "" && !v.Has("stream_url") && !isWebURL(e.StreamURL) {
			v.Add("stream_url", "must be an http or https URL")
		}
	}
	if ns := in.NotificationSettings; ns != nil {
		if ns.EmailEnabled != nil && *ns.EmailEnabled != e.Notifications.EmailEnabled {
			e.Notifications.EmailEnabled = *ns.EmailEnabled
			ch.Replan = true
		}
		if ns.SMSEnabled != nil && *ns.SMSEnabled != e.Notifications.SMSEnabled {
			e.Notifications.SMSEnabled = *ns.SMSEnabled
			ch.Replan = true
		}
		if ns.CustomMessage != nil {
			e.Notifications.CustomMessage = cleanText(v, "notification_settings.custom_message", *ns.CustomMessage, MaxCustomMessageLen)
		}
		if ns.SMSMessage != nil {
			e.Notifications.SMSMessage = cleanLine(v, "notification_settings.sms_message", *ns.SMSMessage, MaxSMSMessageLen, false)
		}
		if ns.SMSQuietHours != "" {
			if q, ok := parseQuietHours(v, "notification_settings.sms_quiet_hours", ns.SMSQuietHours); ok {
				e.Notifications.SMSQuietHours = q
			}
		}
	}
	if in.ReplayURL != nil {
		e.ReplayURL = cleanLine(v, "replay_url", *in.ReplayURL, MaxStreamURLLen, false)
		if e.ReplayURL != "" && !v.Has("replay_url") && !SecureURL(e.ReplayURL) {
			v.Add("replay_url", "must be an https URL (http only for localhost)")
		}
	}
	if in.CoverImageURL != nil {
		e.CoverImageURL = cleanLine(v, "cover_image_url", *in.CoverImageURL, MaxStreamURLLen, false)
		if e.CoverImageURL != "" && !v.Has("cover_image_url") && !SecureURL(e.CoverImageURL) {
			v.Add("cover_image_url", "must be an https URL (http only for localhost)")
		}
	}
	if in.RegistrationFields != nil {
		e.RegistrationFields = parseQuestions(v, "registration_fields", *in.RegistrationFields)
	}
	if in.FollowUps != nil {
		next := e.FollowUps.apply(v, *in.FollowUps)
		ch.FollowUps = next != e.FollowUps
		e.FollowUps = next
	}
	if in.SelectedIntervals != nil {
		ivs, err := ParseIntervals(*in.SelectedIntervals)
		if err != nil {
			v.Add("selected_intervals", err.Error())
		} else if !sameIntervals(ivs, e.Intervals) {
			e.Intervals = ivs
			ch.Replan = true
		}
	}
	if in.ABTest != "" {
		if t, ok := parseABTest(v, "ab_test", in.ABTest); ok && !sameABTest(t, e.ABTest) {
			e.ABTest = t
			ch.Replan = true
		}
	}
	return e, ch
}

func sameIntervals(a, b []Interval) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// SpotsLeft is how many registrations the event still takes, or nil when
// it has no limit.
func (e Event) SpotsLeft() *int {
	if e.MaxRegistrations == 0 {
		return nil
	}
	n := max(e.MaxRegistrations-e.RegistrationCount, 0)
	return &n
}

// Registration closed reasons, as the public registration endpoint names them.
const (
	ClosedFull      = "full"
	ClosedPast      = "past"
	ClosedDisabled  = "closed"
	ClosedCancelled = "cancelled"
)

// ScheduledEnd is when the event is scheduled to be over: its start plus
// its duration.
func (e Event) ScheduledEnd() time.Time {
	return e.ScheduledStart.Add(time.Duration(e.DurationMinutes) * time.Minute)
}

// RegistrationClosed says why the event takes no registration at now, as
// one of the Closed* reasons and the error a registration attempt gets; it
// returns "", nil when registration is open. An event takes late joiners
// while it is live, or due, until its scheduled end.
func (e Event) RegistrationClosed(now time.Time) (string, error) {
	switch {
	case e.Status == StatusCancelled:
		return ClosedCancelled, Errorf(ErrGone, "event_cancelled", "this event was cancelled")
	case e.Status == StatusEnded:
		return ClosedPast, Errorf(ErrGone, "event_past", "this event is over")
	case !now.Before(e.ScheduledEnd()):
		return ClosedPast, Errorf(ErrGone, "event_past", "this event is over")
	case !e.RegistrationEnabled:
		return ClosedDisabled, Errorf(ErrForbidden, "registration_closed", "registration for this event is closed")
	case e.Full():
		return ClosedFull, Errorf(ErrConflict, "event_full", "this event is full")
	}
	return "", nil
}

// Full reports whether every seat of the event is taken.
func (e Event) Full() bool {
	return e.MaxRegistrations > 0 && e.RegistrationCount >= e.MaxRegistrations
}

// LiveAt reports whether a registrant at now joins an event already under
// way: live, or past its start though the host has not gone live yet. The
// confirmation then says so and links straight to the watch page.
func (e Event) LiveAt(now time.Time) bool {
	return e.Status == StatusLive || (e.Status == StatusScheduled && !now.Before(e.ScheduledStart))
}

// Start makes a scheduled event live. It sends nothing: every message was
// scheduled ahead.
func (e Event) Start(now time.Time) (Event, error) {
	switch e.Status {
	case StatusLive:
		return e, Errorf(ErrConflict, "event_live", "the event is already live")
	case StatusEnded:
		return e, Errorf(ErrGone, "event_ended", "the event has ended")
	case StatusCancelled:
		return e, Errorf(ErrGone, "event_cancelled", "the event was cancelled")
	}
	e.Status = StatusLive
	e.StartedAt = &now
	e.UpdatedAt = now
	return e, nil
}

// End ends a live or scheduled event; nothing pending is sent after it.
func (e Event) End(now time.Time) (Event, error) {
	switch e.Status {
	case StatusEnded:
		return e, Errorf(ErrGone, "event_ended", "the event has already ended")
	case StatusCancelled:
		return e, Errorf(ErrGone, "event_cancelled", "the event was cancelled")
	}
	e.Status = StatusEnded
	e.EndedAt = &now
	e.UpdatedAt = now
	return e, nil
}

// Cancel cancels a scheduled or live event.
func (e Event) Cancel(now time.Time) (Event, error) {
	switch e.Status {
	case StatusEnded:
		return e, Errorf(ErrGone, "event_ended", "the event has already ended")
	case StatusCancelled:
		return e, Errorf(ErrGone, "event_cancelled", "the event was already cancelled")
	}
	e.Status = StatusCancelled
	e.CancelledAt = &now
	e.Version++
	e.Sequence++
	e.UpdatedAt = now
	return e, nil
}

// EventFilter selects a host's events.
type EventFilter struct {
	HostID string
	Status EventStatus // "" for all
	Query  string      // matched against title and description, case-insensitively
	Limit  int
	Offset int
}

// ParseStatusFilter reads the list filter names of the API: upcoming, live,
// completed, cancelled (and the plain statuses).
func ParseStatusFilter(s string) (EventStatus, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "all":
		return "", nil
	case "upcoming", "scheduled":
		return StatusScheduled, nil
	case "live":
		return StatusLive, nil
	case "completed", "ended":
		return StatusEnded, nil
	case "cancelled", "canceled":
		return StatusCancelled, nil
	}
	return "", Errorf(ErrInvalid, "bad_request", "status must be one of upcoming, live, completed, cancelled")
}

package onair

import (
	"strings"
	"time"
)

// RegistrationStatus is whether a registration still receives messages.
type RegistrationStatus string

// The statuses of a registration.
const (
	RegRegistered   RegistrationStatus = "registered"
	RegUnsubscribed RegistrationStatus = "unsubscribed"
	RegCancelled    RegistrationStatus = "cancelled"
	// RegWaitlisted waits for a spot of a full event: it holds no seat and
	// receives only the waitlisted message until it is promoted.
	RegWaitlisted RegistrationStatus = "waitlisted"
)

// Registration is one viewer's place at one event.
type Registration struct {
	ID        string
	EventID   string
	HostID    string
	ViewerID  string
	FirstName string
	LastName  string
	Email     string
	Phone     string // E.164, or empty
	Company   string
	Source    string
	Timezone  string // the viewer's own IANA zone
	// Answers are the viewer's answers to the event's questions.
	Answers Answers
	// Language is the one the registrant chose (the registration field, or
	// the browser's preference on the page); "" for none, when the event's
	// applies (MessageLanguage).
	Language Language
	Status   RegistrationStatus
	// Arm is the registration's arm of its event's A/B test ("a" or "b"),
	// "" without one.
	Arm      string
	Attended bool
	// WaitlistPosition is the registration's place in its event's waitlist
	// (1 is next), while it is waitlisted; 0 otherwise.
	WaitlistPosition int
	// PromotedAt is when a registration that waited on the waitlist got its
	// seat; nil for one that had a seat from the start.
	PromotedAt *time.Time
	// ErasedAt is when the viewer's personal data was erased: the row is
	// kept, anonymous, so that the event's figures keep their numbers, and
	// nothing is sent to it again. Nil for a registration as it came.
	ErasedAt  *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Erased reports whether the registration's personal data was erased.
func (r Registration) Erased() bool { return r.ErasedAt != nil }

// SeatedAt is when r got its seat: when it registered, or when it was
// promoted from the waitlist. Reminders go to those seated before their
// time (SendBlockedReason), so a promoted registrant, like a late one, gets
// only the reminders still ahead.
func (r Registration) SeatedAt() time.Time {
	if r.PromotedAt != nil {
		return *r.PromotedAt
	}
	return r.CreatedAt
}

// RegistrationInput is what a viewer sends to register.
type RegistrationInput struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
	Company   string `json:"company"`
	Timezone  string `json:"timezone"`
	Source    string `json:"source"`
	// Answers answer the event's registration_fields by key.
	Answers  map[string]any `json:"answers"`
	Language string         `json:"language"`
}

// Registration field limits.
const (
	MaxNameLen    = 100
	MaxCompanyLen = 200
	MaxSourceLen  = 64
)

// KnownSources are the sources the dashboard groups by name; any other
// short text is accepted as a source too.
var KnownSources = []string{"email", "sms", "social", "direct"}

// PhoneNormalizer turns a phone number as typed into E.164, or says why it
// cannot. It is a parameter because the numbering plan data lives outside
// the domain.
type PhoneNormalizer func(raw string) (string, error)

// NewRegistration validates in and builds a registration for ev. The
// viewer's time zone defaults to the event's.
func NewRegistration(ev Event, in RegistrationInput, normalizePhone PhoneNormalizer, now time.Time) (Registration, error) {
	v := &ValidationError{}
	r := Registration{
		ID:        NewID(),
		EventID:   ev.ID,
		HostID:    ev.HostID,
		Status:    RegRegistered,
		CreatedAt: now,
		UpdatedAt: now,
	}
	r.Email = cleanEmail(v, "email", in.Email)
	r.FirstName = cleanLine(v, "first_name", in.FirstName, MaxNameLen, false)
	r.LastName = cleanLine(v, "last_name", in.LastName, MaxNameLen, false)
	r.Company = cleanLine(v, "company", in.Company, MaxCompanyLen, false)
	r.Source = strings.ToLower(cleanLine(v, "source", in.Source, MaxSourceLen, false))
	if r.Source == "" {
		r.Source = "direct"
	}
	if phone := cleanLine(v, "phone", in.Phone, 32, false); phone != "" && !v.Has("phone") {
		e164, err := normalizePhone(phone)
		switch {
		case err != nil:
			v.Add("phone", err.Error())
		case !IsE164(e164):
			v.Add("phone", "is not a valid phone number")
		default:
			r.Phone = e164
		}
	}
	r.Answers = parseAnswers(v, ev.RegistrationFields, in.Answers)
	r.Timezone = strings.TrimSpace(in.Timezone)
	switch {
	case r.Timezone == "":
		r.Timezone = ev.Timezone
	case !ValidTimezone(r.Timezone):
		v.Add("timezone", "is not a known IANA time zone, e.g. Europe/Berlin")
	}
	if strings.TrimSpace(in.Language) != "" {
		if l, ok := ParseLanguage(in.Language); ok {
			r.Language = l
		} else {
			v.Add("language", languageProblem)
		}
	}
	if err := v.Err(); err != nil {
		return Registration{}, err
	}
	return r, nil
}

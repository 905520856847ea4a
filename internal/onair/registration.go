package onair

import (
	"crypto/subtle"
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
	Status    RegistrationStatus
	Attended  bool
	// AccessToken is the viewer's secret for the watch link. It is kept
	// (not only a hash) because every reminder carries it again.
	AccessToken string
	CreatedAt   time.Time
	UpdatedAt   time.Time
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
		ID:          NewID(),
		EventID:     ev.ID,
		HostID:      ev.HostID,
		Status:      RegRegistered,
		AccessToken: NewAccessToken(),
		CreatedAt:   now,
		UpdatedAt:   now,
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
	r.Timezone = strings.TrimSpace(in.Timezone)
	switch {
	case r.Timezone == "":
		r.Timezone = ev.Timezone
	case !ValidTimezone(r.Timezone):
		v.Add("timezone", "is not a known IANA time zone, e.g. Europe/Berlin")
	}
	if err := v.Err(); err != nil {
		return Registration{}, err
	}
	return r, nil
}

// Access tokens are a lookup part (the selector, indexed) followed by the
// rest; the whole token is compared in constant time once the selector has
// found the row, so response times reveal nothing of the secret.
const (
	accessTokenBytes   = 24 // 192 random bits
	AccessSelectorLen  = 12
	accessTokenEncoded = 32
)

// NewAccessToken returns a new random watch-link token.
func NewAccessToken() string { return RandomString(accessTokenBytes) }

// AccessSelector returns the indexed lookup part of a token, or "" when the
// token cannot be one of ours.
func AccessSelector(token string) string {
	if len(token) != accessTokenEncoded {
		return ""
	}
	return token[:AccessSelectorLen]
}

// TokenMatches compares a presented token with the stored one in constant time.
func (r Registration) TokenMatches(token string) bool {
	return r.AccessToken != "" && subtle.ConstantTimeCompare([]byte(r.AccessToken), []byte(token)) == 1
}

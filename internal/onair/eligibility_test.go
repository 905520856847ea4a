package onair

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestAddress(t *testing.T) {
	r := Registration{Email: " Ada@Example.COM ", Phone: "+14155550100"}
	tests := []struct {
		name string
		r    Registration
		ch   Channel
		want string
	}{
		{"email is the normalised address", r, ChannelEmail, "ada@example.com"},
		{"sms is the phone", r, ChannelSMS, "+14155550100"},
		{"sms without a phone has none", Registration{Email: "ada@example.com"}, ChannelSMS, ""},
		{"an erased registration has none", Registration{}, ChannelEmail, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Address(tt.ch, tt.r); got != tt.want {
				t.Errorf("Address(%s) = %q, want %q", tt.ch, got, tt.want)
			}
		})
	}
}

func TestRecipientReason(t *testing.T) {
	erased := now
	reg := Registration{Status: RegRegistered, Email: "ada@example.com", Phone: "+14155550100"}
	with := func(f func(*Registration)) Registration { r := reg; f(&r); return r }
	tests := []struct {
		name string
		r    Registration
		ch   Channel
		want string
	}{
		{"registered, by email", reg, ChannelEmail, ""},
		{"registered, by sms", reg, ChannelSMS, ""},
		{"no phone, by sms", with(func(r *Registration) { r.Phone = "" }), ChannelSMS, ReasonNoPhone},
		{"no phone, by email", with(func(r *Registration) { r.Phone = "" }), ChannelEmail, ""},
		{"no email", with(func(r *Registration) { r.Email = "" }), ChannelEmail, ReasonNoEmail},
		{"unsubscribed", with(func(r *Registration) { r.Status = RegUnsubscribed }), ChannelSMS, ReasonUnsubscribed},
		{"cancelled", with(func(r *Registration) { r.Status = RegCancelled }), ChannelEmail, ReasonRegistrationCancelled},
		{"waitlisted: nothing meant for registrants", with(func(r *Registration) { r.Status = RegWaitlisted }), ChannelEmail, ReasonWaitlisted},
		{"an unknown status receives nothing", with(func(r *Registration) { r.Status = "pending" }), ChannelEmail, ReasonRegistrationCancelled},
		{"erased before anything else", Registration{Status: RegUnsubscribed, ErasedAt: &erased}, ChannelSMS, ReasonErased},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RecipientReason(tt.r, tt.ch); got != tt.want {
				t.Errorf("RecipientReason = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestConfirmationChannels(t *testing.T) {
	withPhone := Registration{Status: RegRegistered, Email: "ada@example.com", Phone: "+14155550100"}
	noPhone := Registration{Status: RegRegistered, Email: "ada@example.com"}
	tests := []struct {
		name       string
		email, sms bool
		r          Registration
		want       []Channel
	}{
		{"email and sms with a phone", true, true, withPhone, []Channel{ChannelEmail, ChannelSMS}},
		{"email and sms without a phone", true, true, noPhone, []Channel{ChannelEmail}},
		{"sms only without a phone", false, true, noPhone, nil},
		{"email only, phone given", true, false, withPhone, []Channel{ChannelEmail}},
		{"neither", false, false, withPhone, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := eventAt(t, "2026-12-15T14:00:00Z", "UTC", []string{"1day"}, tt.email, tt.sms)
			if got := ConfirmationChannels(ev, tt.r); !slices.Equal(got, tt.want) {
				t.Errorf("ConfirmationChannels = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestResendPolicy(t *testing.T) {
	t.Run("channels", func(t *testing.T) {
		tests := []struct {
			name       string
			email, sms bool
			first      RegistrationStatus
			want       []Channel
		}{
			{"email only, even when the event sends sms", true, true, RegRegistered, []Channel{ChannelEmail}},
			{"nothing for an event without email", false, true, RegRegistered, nil},
			{"nothing to an unsubscribed registration", true, false, RegUnsubscribed, nil},
			{"nothing to a cancelled registration", true, false, RegCancelled, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ev := eventAt(t, "2026-12-15T14:00:00Z", "UTC", []string{"1day"}, tt.email, tt.sms)
				if got := ResendChannels(ev, tt.first); !slices.Equal(got, tt.want) {
					t.Errorf("ResendChannels = %v, want %v", got, tt.want)
				}
			})
		}
	})
	t.Run("how often", func(t *testing.T) {
		ago := func(ds ...time.Duration) []time.Time {
			var out []time.Time
			for _, d := range ds {
				out = append(out, now.Add(-d))
			}
			return out
		}
		tests := []struct {
			name   string
			resent []time.Time
			want   bool
		}{
			{"the first time", nil, true},
			{"twice within the hour", ago(time.Minute, 2*time.Minute), true},
			{"three times within the hour", ago(time.Minute, 2*time.Minute, 59*time.Minute), false},
			{"three times, one of them an hour ago exactly", ago(time.Minute, 2*time.Minute, time.Hour), true},
			{"many times, long ago", ago(2*time.Hour, 3*time.Hour, 4*time.Hour, 5*time.Hour), true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := ResendAllowed(tt.resent, now); got != tt.want {
					t.Errorf("ResendAllowed = %v, want %v", got, tt.want)
				}
			})
		}
	})
	if !errors.Is(ErrAlreadyRegistered, ErrConflict) {
		t.Errorf("ErrAlreadyRegistered is not a conflict")
	}
}

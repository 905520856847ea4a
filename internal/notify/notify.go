// Package notify turns notifications into messages and hands them to a
// provider: rendering (email HTML and text, SMS, calendar files) lives here,
// each provider in a package of its own (smtp, mailgun, twilio) or in the
// store (the outbox).
package notify

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// Attachment is a file attached to an email.
type Attachment struct {
	Filename    string
	ContentType string // e.g. "text/calendar; charset=utf-8; method=REQUEST"
	Data        []byte
}

// Header is one extra email header. Values are plain text: providers encode
// them, and rendering has already refused CR and LF.
type Header struct {
	Name  string
	Value string
}

// Message is one rendered message for one recipient on one channel.
type Message struct {
	Channel onair.Channel
	// To is an email address or an E.164 phone number.
	To string
	// FromName is the display name of the email's sender; empty keeps the
	// one of EMAIL_FROM. The address is always EMAIL_FROM's.
	FromName string
	// Subject is the email's subject; empty for SMS.
	Subject string
	// Text is the email's plain-text part, or the SMS body.
	Text string
	// HTML is the email's HTML part; empty for SMS.
	HTML string
	// Parts, when set, are Text and HTML as the prepared template made
	// them (EmailTemplate.Fill sets it): a provider may write the message
	// from them instead, which says the same.
	Parts       *Parts
	Headers     []Header
	Attachments []Attachment
	// DeliveryID names the delivery this message is for, so that a
	// provider's events (bounces, opens, STOP) can be traced back to it.
	DeliveryID int64
	// EventID names the event of a message that has no delivery (a test
	// send), for the outbox to keep it under.
	EventID string
}

// Sender is who a message comes from: the host's settings, and the
// address onair sends from (EMAIL_FROM).
type Sender struct {
	onair.HostSettings
	// Address is EMAIL_FROM's address: the organizer of calendar entries.
	Address string
	// DefaultName is EMAIL_FROM's display name, which stands in for a host
	// that gave no name.
	DefaultName string
}

// NewSender is the sender of the messages of a host with settings h when
// onair sends from emailFrom ("onair <no-reply@example.com>"). An
// emailFrom that is not an address leaves Address empty: the
// configuration refuses one at start.
func NewSender(h onair.HostSettings, emailFrom string) Sender {
	s := Sender{HostSettings: h}
	if a, err := mail.ParseAddress(emailFrom); err == nil {
		s.Address, s.DefaultName = a.Address, a.Name
	}
	return s
}

// DisplayName is the name a reader sees the message come from.
func (s Sender) DisplayName() string {
	if n := oneLine(s.Name); n != "" {
		return n
	}
	return oneLine(s.DefaultName)
}

// Provider sends messages of one channel.
type Provider interface {
	// Name is the provider's name in records and metrics: smtp, mailgun,
	// twilio, outbox.
	Name() string
	// Send hands m to the provider and returns the provider's id for it.
	// A failure is a *SendError when the provider said whether to retry.
	Send(ctx context.Context, m Message) (providerID string, err error)
}

// SendError is a failure that a provider has classified.
type SendError struct {
	Err error
	// Permanent failures (an invalid address, an SMTP 5xx, a number that
	// sent STOP) are not retried; the others are.
	Permanent bool
	// Suppress says the address must not be sent to again (hard bounce,
	// complaint, STOP).
	Suppress bool
	// RetryAfter is how long the provider asked to wait, or 0.
	RetryAfter time.Duration
}

func (e *SendError) Error() string {
	kind := "transient"
	if e.Permanent {
		kind = "permanent"
	}
	return fmt.Sprintf("%s: %v", kind, e.Err)
}

func (e *SendError) Unwrap() error { return e.Err }

// Transient wraps err as a failure worth retrying, after retryAfter if the
// provider said so.
func Transient(err error, retryAfter time.Duration) error {
	return &SendError{Err: err, RetryAfter: retryAfter}
}

// Permanent wraps err as a failure not worth retrying.
func Permanent(err error) error { return &SendError{Err: err, Permanent: true} }

// IsPermanent reports whether err is a failure that retrying cannot fix.
// Errors no provider classified (a timeout, a reset connection) are
// transient.
func IsPermanent(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Permanent
}

// RetryAfter returns how long the provider asked to wait before a retry.
func RetryAfter(err error) time.Duration {
	var se *SendError
	if errors.As(err, &se) {
		return se.RetryAfter
	}
	return 0
}

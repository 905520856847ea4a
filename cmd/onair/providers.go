package main

import (
	"fmt"
	"time"

	"github.com/onair-live/onair/internal/jobs"
	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/notify/mailgun"
	"github.com/onair-live/onair/internal/notify/smtp"
	"github.com/onair-live/onair/internal/notify/twilio"
	"github.com/onair-live/onair/internal/phone"
	"github.com/onair-live/onair/internal/store"
)

// providers builds the email and SMS providers the configuration names;
// a channel with none configured uses the outbox, so no message is lost.
func providers(st *store.Store, cfg config, now func() time.Time) (email, sms notify.Provider, closeAll func(), err error) {
	outbox := &jobs.Outbox{Store: st, From: cfg.EmailFrom, Now: now}
	email, sms = outbox, outbox
	var closers []func() error
	closeAll = func() {
		for _, c := range closers {
			c()
		}
	}
	if cfg.SMTPURL != "" {
		sc, err := smtp.ParseURL(cfg.SMTPURL)
		if err != nil {
			return nil, nil, nil, err
		}
		sc.From, sc.Conns, sc.Timeout = cfg.EmailFrom, cfg.SMTPConns, cfg.SMTPTimeout
		p, err := smtp.New(sc)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("SMTP_URL: %w", err)
		}
		email = p
		closers = append(closers, p.Close)
	}
	if cfg.MailgunAPIKey != "" {
		p, err := mailgun.New(mailgun.Config{APIKey: cfg.MailgunAPIKey, Domain: cfg.MailgunDomain,
			BaseURL: cfg.MailgunAPIBase, From: cfg.EmailFrom})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("MAILGUN_*: %w", err)
		}
		email = p
	}
	if cfg.TwilioAccountSID != "" {
		p, err := twilio.New(twilio.Config{AccountSID: cfg.TwilioAccountSID, AuthToken: cfg.TwilioAuthToken,
			From: cfg.TwilioPhoneNumber, BaseURL: cfg.TwilioAPIBase})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("TWILIO_*: %w", err)
		}
		// Every number is checked again as it is texted: one stored before
		// SMS was turned on, or before the policy changed, included.
		sms = phone.Guard{Provider: p, Policy: cfg.SMSPolicy}
	}
	return email, sms, closeAll, nil
}

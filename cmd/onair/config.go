package main

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/phone"
	"github.com/onair-live/onair/internal/store"
)

// config is onair's configuration, from the environment with flags on top.
// Every value is checked at start, each with a message that names it.
type config struct {
	Addr        string
	DatabaseURL string
	AppURL      string
	SecretKey   string
	CronSecret  string
	EmailFrom   string
	SMTPURL     string

	MailgunAPIKey     string
	MailgunDomain     string
	MailgunAPIBase    string
	MailgunSigningKey string

	TwilioAccountSID  string
	TwilioAuthToken   string
	TwilioPhoneNumber string
	TwilioAPIBase     string

	EmailRate float64
	SMSRate   float64
	SMTPConns int
	// SMTPTimeout bounds one SMTP send, connecting included
	// (ONAIR_SMTP_TIMEOUT): a relay that stops answering costs no more.
	SMTPTimeout time.Duration

	// The abuse limits of the public registration.
	RegisterLimit  onair.RateLimit
	TrustedProxies []netip.Prefix
	SMSPolicy      phone.Policy
	// Signup is ONAIR_SIGNUP: "open" (anyone may sign up as a host) or
	// "closed" (only `onair host create` makes hosts).
	Signup       string
	MetricsToken string
	// OutboxDays: outbox entries older than this are pruned; 0 keeps them.
	OutboxDays int
	// WebhookAllowPrivate lets outgoing webhooks reach loopback and private
	// addresses, over plain http too (ONAIR_WEBHOOK_ALLOW_PRIVATE=1).
	WebhookAllowPrivate bool
	// PprofAddr, when set, is where the runtime profiles are served, on a
	// listener of their own (ONAIR_PPROF_ADDR): an operations aid, never
	// part of the public server.
	PprofAddr string
}

// loadConfig reads the environment through getenv, with the API's defaults.
// Numbers are parsed in validate, so that their errors come with the others.
func loadConfig(getenv func(string) string) (config, map[string]string) {
	get := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	c := config{
		Addr:              get("ONAIR_ADDR", ":8080"),
		DatabaseURL:       get("DATABASE_URL", "sqlite:onair.db"),
		AppURL:            get("APP_URL", "http://localhost:8080"),
		SecretKey:         get("ONAIR_SECRET_KEY", ""),
		CronSecret:        get("CRON_SECRET", ""),
		EmailFrom:         get("EMAIL_FROM", "onair <no-reply@localhost>"),
		SMTPURL:           get("SMTP_URL", ""),
		MailgunAPIKey:     get("MAILGUN_API_KEY", ""),
		MailgunDomain:     get("MAILGUN_DOMAIN", ""),
		MailgunAPIBase:    get("MAILGUN_API_BASE", "https://api.mailgun.net"),
		MailgunSigningKey: get("MAILGUN_WEBHOOK_SIGNING_KEY", ""),
		TwilioAccountSID:  get("TWILIO_ACCOUNT_SID", ""),
		TwilioAuthToken:   get("TWILIO_AUTH_TOKEN", ""),
		TwilioPhoneNumber: get("TWILIO_PHONE_NUMBER", ""),
		TwilioAPIBase:     get("TWILIO_API_BASE", "https://api.twilio.com"),
		Signup:            strings.ToLower(get("ONAIR_SIGNUP", "open")),
		MetricsToken:      get("ONAIR_METRICS_TOKEN", ""),
		PprofAddr:         get("ONAIR_PPROF_ADDR", ""),
	}
	numbers := map[string]string{
		"ONAIR_EMAIL_RATE":   get("ONAIR_EMAIL_RATE", "0"),
		"ONAIR_SMS_RATE":     get("ONAIR_SMS_RATE", "10"),
		"ONAIR_SMTP_CONNS":   get("ONAIR_SMTP_CONNS", "10"),
		"ONAIR_SMTP_TIMEOUT": get("ONAIR_SMTP_TIMEOUT", "30s"),
		"ONAIR_OUTBOX_DAYS":  get("ONAIR_OUTBOX_DAYS", "30"),

		"ONAIR_REGISTER_LIMIT":  get("ONAIR_REGISTER_LIMIT", "20/10m"),
		"ONAIR_TRUSTED_PROXIES": get("ONAIR_TRUSTED_PROXIES", ""),
		"ONAIR_SMS_COUNTRIES":   get("ONAIR_SMS_COUNTRIES", ""),

		"ONAIR_WEBHOOK_ALLOW_PRIVATE": get("ONAIR_WEBHOOK_ALLOW_PRIVATE", "0"),
	}
	return c, numbers
}

// validate checks every value and fills the numeric ones, returning all the
// problems at once.
func (c *config) validate(numbers map[string]string) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if _, port, err := net.SplitHostPort(c.Addr); err != nil {
		bad("ONAIR_ADDR %q is not a listen address like :8080 or 127.0.0.1:8080", c.Addr)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		bad("ONAIR_ADDR %q: the port must be a number from 0 to 65535", c.Addr)
	}
	if c.PprofAddr != "" {
		if _, port, err := net.SplitHostPort(c.PprofAddr); err != nil {
			bad("ONAIR_PPROF_ADDR %q is not a listen address like 127.0.0.1:6060", c.PprofAddr)
		} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			bad("ONAIR_PPROF_ADDR %q: the port must be a number from 0 to 65535", c.PprofAddr)
		}
	}
	if _, _, err := store.ParseURL(c.DatabaseURL); err != nil {
		errs = append(errs, err)
	}
	if u, err := url.Parse(c.AppURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		bad("APP_URL %q must be an absolute http(s) URL such as https://events.example.com", c.AppURL)
	} else {
		c.AppURL = strings.TrimRight(c.AppURL, "/")
	}
	if c.SecretKey != "" && len(c.SecretKey) < 32 {
		bad("ONAIR_SECRET_KEY must be at least 32 characters (or unset, to generate one)")
	}
	if _, err := mail.ParseAddress(c.EmailFrom); err != nil {
		bad("EMAIL_FROM %q is not an address like 'onair <no-reply@example.com>'", c.EmailFrom)
	} else if strings.ContainsAny(c.EmailFrom, "\r\n") {
		bad("EMAIL_FROM must be one line")
	}
	if c.SMTPURL != "" {
		if u, err := url.Parse(c.SMTPURL); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			bad("SMTP_URL must look like smtp://user:pass@host:587 or smtps://user:pass@host:465")
		}
	}
	if (c.MailgunAPIKey == "") != (c.MailgunDomain == "") {
		bad("MAILGUN_API_KEY and MAILGUN_DOMAIN go together: set both or neither")
	}
	if c.SMTPURL != "" && c.MailgunAPIKey != "" {
		bad("set SMTP_URL or MAILGUN_API_KEY, not both: onair sends email through one provider")
	}
	if n := countSet(c.TwilioAccountSID, c.TwilioAuthToken, c.TwilioPhoneNumber); n != 0 && n != 3 {
		bad("TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_PHONE_NUMBER go together: set all three or none")
	}
	for name, base := range map[string]string{"MAILGUN_API_BASE": c.MailgunAPIBase, "TWILIO_API_BASE": c.TwilioAPIBase} {
		if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("%s %q must be an absolute http(s) URL", name, base)
		}
	}
	if c.Signup != "open" && c.Signup != "closed" {
		bad("ONAIR_SIGNUP %q must be open (anyone may sign up as a host) or closed (only `onair host create` makes hosts)", c.Signup)
	}
	rate := func(name string, dst *float64) {
		v, err := strconv.ParseFloat(numbers[name], 64)
		if err != nil || v < 0 || v != v {
			bad("%s %q must be a number of messages per second, 0 or more (0: no limit)", name, numbers[name])
			return
		}
		*dst = v
	}
	rate("ONAIR_EMAIL_RATE", &c.EmailRate)
	rate("ONAIR_SMS_RATE", &c.SMSRate)
	if n, err := strconv.Atoi(numbers["ONAIR_SMTP_CONNS"]); err != nil || n < 1 || n > 1000 {
		bad("ONAIR_SMTP_CONNS %q must be a whole number from 1 to 1000", numbers["ONAIR_SMTP_CONNS"])
	} else {
		c.SMTPConns = n
	}
	if d, err := time.ParseDuration(numbers["ONAIR_SMTP_TIMEOUT"]); err != nil || d < time.Second || d > 10*time.Minute {
		bad("ONAIR_SMTP_TIMEOUT %q must be a duration from 1s to 10m, such as 30s", numbers["ONAIR_SMTP_TIMEOUT"])
	} else {
		c.SMTPTimeout = d
	}
	if n, err := strconv.Atoi(numbers["ONAIR_OUTBOX_DAYS"]); err != nil || n < 0 || n > maxOutboxDays {
		bad("ONAIR_OUTBOX_DAYS %q must be a whole number of days from 0 to %d (0 keeps every outbox entry)",
			numbers["ONAIR_OUTBOX_DAYS"], maxOutboxDays)
	} else {
		c.OutboxDays = n
	}
	if l, err := onair.ParseRateLimit(numbers["ONAIR_REGISTER_LIMIT"]); err != nil {
		bad("ONAIR_REGISTER_LIMIT: %v", err)
	} else {
		c.RegisterLimit = l
	}
	for _, p := range strings.Split(numbers["ONAIR_TRUSTED_PROXIES"], ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			if a, aerr := netip.ParseAddr(p); aerr == nil {
				prefix, err = a.Unmap().Prefix(a.Unmap().BitLen())
			}
		}
		if err != nil {
			bad("ONAIR_TRUSTED_PROXIES: %q is not an address or a CIDR such as 10.0.0.0/8", p)
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, prefix.Masked())
	}
	switch v := strings.ToLower(numbers["ONAIR_WEBHOOK_ALLOW_PRIVATE"]); v {
	case "1", "true":
		c.WebhookAllowPrivate = true
	case "0", "false":
	default:
		bad("ONAIR_WEBHOOK_ALLOW_PRIVATE %q must be 1 (webhooks may reach private addresses) or unset", v)
	}
	countries := numbers["ONAIR_SMS_COUNTRIES"]
	if countries == "" {
		// The sending number's own country; the United States without one.
		if countries = phone.CountryOf(c.TwilioPhoneNumber); countries == "" {
			countries = "US"
		}
	}
	if p, err := phone.ParsePolicy(countries); err != nil {
		bad("ONAIR_SMS_COUNTRIES: %v", err)
	} else {
		c.SMSPolicy = p
	}
	return errors.Join(errs...)
}

// maxOutboxDays bounds ONAIR_OUTBOX_DAYS: a hundred years is keeping.
const maxOutboxDays = 36500

func countSet(values ...string) int {
	n := 0
	for _, v := range values {
		if v != "" {
			n++
		}
	}
	return n
}

package smtp

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults for the settings a Config leaves zero.
const (
	DefaultFrom        = "onair <no-reply@localhost>"
	DefaultConns       = 10
	DefaultTimeout     = 30 * time.Second
	DefaultIdleTimeout = 30 * time.Second
	// submissionPort and smtpsPort are the ports of RFC 6409 and RFC 8314.
	submissionPort = 587
	smtpsPort      = 465
)

// ErrNotConfigured is what ConfigFromEnv returns when SMTP_URL is unset.
var ErrNotConfigured = errors.New("smtp: SMTP_URL is not set")

// Config is a parsed SMTP configuration.
type Config struct {
	Host string
	Port int
	// Username and Password, when set, authenticate with AUTH PLAIN or
	// LOGIN, whichever the server offers; never over an unencrypted
	// connection to another host than localhost.
	Username, Password string
	// ImplicitTLS speaks TLS from the first byte (smtps://). Otherwise the
	// connection upgrades with STARTTLS when the server offers it and
	// stays plain when it does not (a local relay).
	ImplicitTLS bool
	// TLSConfig verifies the server; nil means the system roots and Host.
	TLSConfig *tls.Config
	// From is the sender of every message, e.g. "onair <no-reply@example.com>".
	From string
	// Conns is how many connections are kept open and shared by Send.
	Conns int
	// Timeout bounds one Send, connecting included.
	Timeout time.Duration
	// IdleTimeout closes a connection unused for this long, before the
	// server drops it on its side.
	IdleTimeout time.Duration
	// HELO is the name given in EHLO; the machine's host name when empty.
	HELO string
}

// ConfigFromEnv reads SMTP_URL, EMAIL_FROM and ONAIR_SMTP_CONNS.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	raw := getenv("SMTP_URL")
	if raw == "" {
		return Config{}, ErrNotConfigured
	}
	cfg, err := ParseURL(raw)
	if err != nil {
		return Config{}, err
	}
	cfg.From = getenv("EMAIL_FROM")
	if s := getenv("ONAIR_SMTP_CONNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return Config{}, fmt.Errorf("smtp: ONAIR_SMTP_CONNS must be a whole number of at least 1, not %q", s)
		}
		cfg.Conns = n
	}
	return cfg, cfg.withDefaults().validate()
}

// ParseURL reads an SMTP_URL: smtp://user:pass@host:port (STARTTLS when
// offered, port 587 by default) or smtps://user:pass@host:port (implicit
// TLS, port 465 by default). The user and password are optional and may be
// percent-encoded. Errors never repeat the URL, which holds the password.
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse's error quotes the URL, or the part of it it choked on,
		// which may be the password: say only what to check.
		return Config{}, errors.New("smtp: SMTP_URL is not a valid URL " +
			"(percent-encode any @ : / in the user name and password)")
	}
	var cfg Config
	switch strings.ToLower(u.Scheme) {
	case "smtp":
		cfg.Port = submissionPort
	case "smtps":
		cfg.Port, cfg.ImplicitTLS = smtpsPort, true
	default:
		return Config{}, fmt.Errorf("smtp: SMTP_URL scheme must be smtp or smtps, not %q", u.Scheme)
	}
	cfg.Host = u.Hostname()
	if cfg.Host == "" {
		return Config{}, errors.New("smtp: SMTP_URL has no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Config{}, fmt.Errorf("smtp: SMTP_URL port %q is not a port number", p)
		}
		cfg.Port = n
	}
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
	}
	if u.Path != "" && u.Path != "/" {
		return Config{}, errors.New("smtp: SMTP_URL must not have a path")
	}
	return cfg, nil
}

// withDefaults fills the zero settings.
func (c Config) withDefaults() Config {
	if c.From == "" {
		c.From = DefaultFrom
	}
	if c.Conns <= 0 {
		c.Conns = DefaultConns
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.Port == 0 {
		c.Port = submissionPort
		if c.ImplicitTLS {
			c.Port = smtpsPort
		}
	}
	return c
}

func (c Config) validate() error {
	if c.Host == "" {
		return errors.New("smtp: no host")
	}
	if c.Port < 1 || c.Port > 65535 {
		return fmt.Errorf("smtp: port %d is not a port number", c.Port)
	}
	if strings.ContainsAny(c.From, "\r\n") {
		return errors.New("smtp: EMAIL_FROM must be on one line")
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("smtp: EMAIL_FROM %q is not an address: %v", c.From, err)
	}
	return nil
}

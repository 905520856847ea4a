// Package twilio sends SMS through Twilio's REST API
// (POST /2010-04-01/Accounts/{AccountSid}/Messages.json) with net/http, and
// checks the X-Twilio-Signature of Twilio's webhooks.
package twilio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/onair"
)

// Defaults for the settings a Config leaves zero.
const (
	DefaultBaseURL = "https://api.twilio.com"
	DefaultTimeout = 30 * time.Second
)

// Twilio error codes onair acts on.
const (
	// CodeUnsubscribed is Twilio's answer for a number that replied STOP.
	CodeUnsubscribed = 21610
	// CodeInvalidTo is Twilio's answer for a To that is not a number.
	CodeInvalidTo = 21211
)

// ErrNotConfigured is what ConfigFromEnv returns when the TWILIO_*
// variables are unset.
var ErrNotConfigured = errors.New("twilio: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_PHONE_NUMBER are not set")

// Config is the Twilio account and sender.
type Config struct {
	AccountSID string
	AuthToken  string
	// From is the sending number in E.164, or a Messaging Service SID
	// (MG…), which lets Twilio pick the number.
	From string
	// BaseURL is Twilio's API or a test double.
	BaseURL string
	// Timeout bounds one request.
	Timeout time.Duration
	// HTTPClient is the client to use; nil means a client of our own.
	HTTPClient *http.Client
	// Now is the clock that times a 429's hold; nil is time.Now.
	Now func() time.Time
}

// ConfigFromEnv reads TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN,
// TWILIO_PHONE_NUMBER and TWILIO_API_BASE.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{
		AccountSID: getenv("TWILIO_ACCOUNT_SID"), AuthToken: getenv("TWILIO_AUTH_TOKEN"),
		From: getenv("TWILIO_PHONE_NUMBER"), BaseURL: getenv("TWILIO_API_BASE"),
	}
	if cfg.AccountSID == "" && cfg.AuthToken == "" && cfg.From == "" {
		return Config{}, ErrNotConfigured
	}
	var missing []string
	for name, v := range map[string]string{
		"TWILIO_ACCOUNT_SID": cfg.AccountSID, "TWILIO_AUTH_TOKEN": cfg.AuthToken, "TWILIO_PHONE_NUMBER": cfg.From,
	} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return Config{}, fmt.Errorf("twilio: %s not set", strings.Join(missing, " and "))
	}
	return cfg, nil
}

// APIError is an error answer of Twilio's API, in its documented shape.
// A SendError from Send wraps it, for callers that act on the code.
type APIError struct {
	Status   int    `json:"status"`
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("twilio: %d %s", e.Status, http.StatusText(e.Status))
	if e.Code != 0 {
		s += fmt.Sprintf(": error %d: %s", e.Code, e.Message)
	} else if e.Message != "" {
		s += ": " + e.Message
	}
	if e.MoreInfo != "" {
		s += " (" + e.MoreInfo + ")"
	}
	return s
}

// Provider sends SMS through Twilio from one sender (a number or a
// Messaging Service). It is safe for concurrent use.
type Provider struct {
	cfg      Config
	endpoint string
	shown    string // endpoint as errors show it, without any userinfo
	client   *http.Client
	// hold keeps the sender quiet after Twilio answered 429: Twilio
	// counts requests per sender, and more of them before the time it
	// asked for only prolong the throttling.
	hold notify.Hold
}

var _ notify.Provider = (*Provider)(nil)

// New checks cfg and returns a Provider.
func New(cfg Config) (*Provider, error) {
	if cfg.AccountSID == "" || cfg.AuthToken == "" || cfg.From == "" {
		return nil, errors.New("twilio: an account SID, an auth token and a sender are required")
	}
	if strings.ContainsAny(cfg.AccountSID, "/?#%") {
		return nil, errors.New("twilio: the account SID is not a SID")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, errors.New("twilio: TWILIO_API_BASE must be an http(s) URL")
	}
	base = base.JoinPath("2010-04-01", "Accounts", cfg.AccountSID, "Messages.json")
	p := &Provider{cfg: cfg, endpoint: base.String(), shown: base.Redacted(), client: cfg.HTTPClient}
	if p.client == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 32 // the default 2 would redial under concurrent sends
		p.client = &http.Client{Transport: t}
	}
	return p, nil
}

// Name is "twilio".
func (p *Provider) Name() string { return "twilio" }

// Send posts m.Text to m.To and returns the message's sid. After a 429,
// until the time Twilio asked for (Retry-After, or a second doubling with
// each 429 that gave none), it sends nothing and fails transiently with
// the time left.
func (p *Provider) Send(ctx context.Context, m notify.Message) (string, error) {
	if m.Channel != "" && m.Channel != onair.ChannelSMS {
		return "", notify.Permanent(fmt.Errorf("twilio: cannot send %s messages", m.Channel))
	}
	if strings.TrimSpace(m.To) == "" || m.Text == "" {
		return "", notify.Permanent(errors.New("twilio: an SMS needs a number and a text"))
	}
	if wait := p.hold.Remaining(p.cfg.Now()); wait > 0 {
		return "", notify.Transient(fmt.Errorf("twilio: not sent: Twilio asked %s to wait %v more after a 429", p.cfg.From, wait.Round(time.Millisecond)), wait)
	}
	form := url.Values{"To": {strings.TrimSpace(m.To)}, "Body": {m.Text}}
	if isMessagingService(p.cfg.From) {
		form.Set("MessagingServiceSid", p.cfg.From)
	} else {
		form.Set("From", p.cfg.From)
	}

	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", notify.Permanent(fmt.Errorf("twilio: %w", err))
	}
	req.SetBasicAuth(p.cfg.AccountSID, p.cfg.AuthToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err // the URL is restated below without userinfo
		}
		return "", notify.Transient(fmt.Errorf("twilio: POST %s: %w", p.shown, err), 0)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))

	if resp.StatusCode == http.StatusTooManyRequests {
		return "", p.throttled(resp, data)
	}
	p.hold.Passed()
	if resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK {
		var created struct {
			SID string `json:"sid"`
		}
		// Twilio has the message: even an unreadable answer must not turn
		// into a retry, which would send it twice.
		_ = json.Unmarshal(data, &created)
		return created.SID, nil
	}
	return "", p.failure(resp, data)
}

// throttled records a 429 and fails transiently with the sender's hold.
func (p *Provider) throttled(resp *http.Response, data []byte) error {
	now := p.cfg.Now()
	wait := p.hold.Throttled(now, retryAfter(resp.Header.Get("Retry-After"), now))
	return notify.Transient(apiError(resp, data), wait)
}

// failure classifies an error answer. 429, 408 and 5xx are worth a retry,
// after Retry-After when given; other 4xx are not. 21610 (the number
// replied STOP) also says never to text that number again.
func (p *Provider) failure(resp *http.Response, data []byte) error {
	apiErr := apiError(resp, data)
	code := resp.StatusCode
	if code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500 || code < 400 {
		return notify.Transient(apiErr, retryAfter(resp.Header.Get("Retry-After"), p.cfg.Now()))
	}
	return &notify.SendError{Err: apiErr, Permanent: true, Suppress: apiErr.Code == CodeUnsubscribed}
}

// apiError reads Twilio's error answer.
func apiError(resp *http.Response, data []byte) *APIError {
	apiErr := &APIError{}
	if json.Unmarshal(data, apiErr) != nil || (apiErr.Code == 0 && apiErr.Message == "") {
		text := strings.TrimSpace(string(data))
		if len(text) > 300 {
			text = text[:300] + "…"
		}
		apiErr = &APIError{Message: text}
	}
	apiErr.Status = resp.StatusCode // the HTTP status is the one that counts
	return apiErr
}

// isMessagingService reports whether from is a Messaging Service SID
// rather than a number: "MG" and 32 hex digits.
func isMessagingService(from string) bool {
	return len(from) == 34 && strings.HasPrefix(from, "MG")
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if secs, err := strconv.Atoi(h); err == nil {
		return time.Duration(max(secs, 0)) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

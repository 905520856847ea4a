// Package mailgun sends email through Mailgun's HTTP API
// (POST /v3/{domain}/messages) with net/http, and verifies the signature of
// Mailgun's event webhooks. It is one call, not worth an SDK.
package mailgun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/onair"
)

// Defaults for the settings a Config leaves zero.
const (
	DefaultBaseURL = "https://api.mailgun.net"
	DefaultFrom    = "onair <no-reply@localhost>"
	DefaultTimeout = 30 * time.Second
)

// ErrNotConfigured is what ConfigFromEnv returns when MAILGUN_API_KEY and
// MAILGUN_DOMAIN are unset.
var ErrNotConfigured = errors.New("mailgun: MAILGUN_API_KEY and MAILGUN_DOMAIN are not set")

// Config is the Mailgun account and sending settings.
type Config struct {
	APIKey string
	Domain string
	// BaseURL is the API's region (https://api.eu.mailgun.net) or a test
	// double.
	BaseURL string
	// From is the sender of every message; its domain should be Domain.
	From string
	// Timeout bounds one request.
	Timeout time.Duration
	// HTTPClient is the client to use; nil means a client of our own.
	HTTPClient *http.Client
	// Now is the clock that times a 429's hold; nil is time.Now.
	Now func() time.Time
}

// ConfigFromEnv reads MAILGUN_API_KEY, MAILGUN_DOMAIN, MAILGUN_API_BASE and
// EMAIL_FROM.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{
		APIKey: getenv("MAILGUN_API_KEY"), Domain: getenv("MAILGUN_DOMAIN"),
		BaseURL: getenv("MAILGUN_API_BASE"), From: getenv("EMAIL_FROM"),
	}
	switch {
	case cfg.APIKey == "" && cfg.Domain == "":
		return Config{}, ErrNotConfigured
	case cfg.APIKey == "":
		return Config{}, errors.New("mailgun: MAILGUN_DOMAIN is set but MAILGUN_API_KEY is not")
	case cfg.Domain == "":
		return Config{}, errors.New("mailgun: MAILGUN_API_KEY is set but MAILGUN_DOMAIN is not")
	}
	return cfg, nil
}

// Provider sends email through Mailgun. It is safe for concurrent use.
type Provider struct {
	cfg      Config
	endpoint string // POST target
	shown    string // endpoint as errors show it, without any userinfo
	client   *http.Client
	// fromAddress is EMAIL_FROM's address, which a message's FromName
	// goes with.
	fromAddress string
	// hold keeps the domain quiet after Mailgun answered 429.
	hold notify.Hold
}

var _ notify.BatchProvider = (*Provider)(nil)

// New checks cfg and returns a Provider.
func New(cfg Config) (*Provider, error) {
	if cfg.APIKey == "" || cfg.Domain == "" {
		return nil, errors.New("mailgun: an API key and a domain are required")
	}
	if strings.ContainsAny(cfg.Domain, "/?#") {
		return nil, fmt.Errorf("mailgun: domain %q is not a domain name", cfg.Domain)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.From == "" {
		cfg.From = DefaultFrom
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if strings.ContainsAny(cfg.From, "\r\n") {
		return nil, errors.New("mailgun: EMAIL_FROM must be on one line")
	}
	fromAddr, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("mailgun: EMAIL_FROM %q is not an address: %v", cfg.From, err)
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, errors.New("mailgun: MAILGUN_API_BASE must be an http(s) URL")
	}
	base = base.JoinPath("v3", cfg.Domain, "messages")
	p := &Provider{cfg: cfg, endpoint: base.String(), shown: base.Redacted(), client: cfg.HTTPClient,
		fromAddress: fromAddr.Address}
	if p.client == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 32 // the default 2 would redial under concurrent sends
		p.client = &http.Client{Transport: t}
	}
	return p, nil
}

// Name is "mailgun".
func (p *Provider) Name() string { return "mailgun" }

// Send posts m to Mailgun and returns Mailgun's message id.
func (p *Provider) Send(ctx context.Context, m notify.Message) (string, error) {
	body, contentType, err := p.form(m)
	if err != nil {
		return "", notify.Permanent(fmt.Errorf("mailgun: %w", err))
	}
	id, _, err := p.post(ctx, body, contentType)
	return id, err
}

// post sends one request to the messages endpoint and returns the id
// Mailgun gave it, and the status of a failed answer (0 when none came).
// While a 429 holds the domain back, it sends nothing and fails
// transiently with the time left.
func (p *Provider) post(ctx context.Context, body io.Reader, contentType string) (string, int, error) {
	if wait := p.hold.Remaining(p.cfg.Now()); wait > 0 {
		return "", 0, notify.Transient(fmt.Errorf("mailgun: not sent: Mailgun asked to wait %v more after a 429", wait.Round(time.Millisecond)), wait)
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint, body)
	if err != nil {
		return "", 0, notify.Permanent(fmt.Errorf("mailgun: %w", err))
	}
	req.SetBasicAuth("api", p.cfg.APIKey)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err // the URL is restated below without userinfo
		}
		return "", 0, notify.Transient(fmt.Errorf("mailgun: POST %s: %w", p.shown, err), 0)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))

	if resp.StatusCode == http.StatusOK {
		p.hold.Passed()
		var ok struct {
			ID string `json:"id"`
		}
		// Mailgun has queued the message: even an unreadable answer must
		// not turn into a retry, which would send it twice.
		_ = json.Unmarshal(data, &ok)
		return ok.ID, 0, nil
	}
	return "", resp.StatusCode, p.failure(resp, data)
}

// failure classifies a non-200 answer. 429, 408 and 5xx are worth a retry,
// after Retry-After when given; any other 4xx means the request itself is
// wrong (401: the key; 404: the domain or the region) and will stay so. A
// 429 also holds every request of this provider back until then.
func (p *Provider) failure(resp *http.Response, data []byte) error {
	var body struct {
		Message string `json:"message"`
	}
	text := strings.TrimSpace(string(data))
	if json.Unmarshal(data, &body) == nil && body.Message != "" {
		text = body.Message
	}
	if len(text) > 300 {
		text = text[:300] + "…"
	}
	err := fmt.Errorf("mailgun: %d %s: %s", resp.StatusCode, http.StatusText(resp.StatusCode), text)
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		err = fmt.Errorf("%w (check MAILGUN_API_KEY, and MAILGUN_API_BASE for an EU domain)", err)
	case http.StatusNotFound:
		err = fmt.Errorf("%w (check MAILGUN_DOMAIN, and MAILGUN_API_BASE for an EU domain)", err)
	}
	now := p.cfg.Now()
	wait := retryAfter(resp.Header.Get("Retry-After"), now)
	if resp.StatusCode == http.StatusTooManyRequests {
		wait = p.hold.Throttled(now, wait)
	} else {
		p.hold.Passed()
	}
	if transientStatus(resp.StatusCode) {
		return notify.Transient(err, wait)
	}
	return notify.Permanent(err)
}

func transientStatus(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooEarly ||
		code == http.StatusTooManyRequests || code >= 500 || code < 400
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

// reserved are the fields Send writes itself: a message's Headers may not
// add a second From or a forged delivery id.
var reserved = map[string]bool{
	"from": true, "sender": true, "to": true, "cc": true, "bcc": true, "subject": true,
	"date": true, "message-id": true, "mime-version": true, "content-type": true,
	"content-transfer-encoding": true, "x-onair-delivery": true,
}

// form builds the multipart body: the text fields, h: headers, the
// v:onair-delivery variable (Mailgun returns it in every webhook event of
// the message, which is how an event finds its delivery) and the files.
func (p *Provider) form(m notify.Message) (io.Reader, string, error) {
	if strings.ContainsAny(m.To, "\r\n\x00") {
		return nil, "", errors.New("To contains a line break")
	}
	if _, err := mail.ParseAddress(m.To); err != nil {
		return nil, "", fmt.Errorf("recipient %q is not an email address", m.To)
	}
	fields, err := p.fields(m, strconv.FormatInt(m.DeliveryID, 10))
	if err != nil {
		return nil, "", err
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.WriteField("to", m.To); err != nil {
		return nil, "", err
	}
	for _, f := range fields {
		if err := w.WriteField(f[0], f[1]); err != nil {
			return nil, "", err
		}
	}
	for _, a := range m.Attachments {
		if err := attach(w, a); err != nil {
			return nil, "", err
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return &buf, w.FormDataContentType(), nil
}

// fields are m's form fields but its recipients and files: the sender,
// the subject, the parts, the headers, and the delivery id, written as
// delivery (a number, or a batch's variable).
func (p *Provider) fields(m notify.Message, delivery string) ([][2]string, error) {
	if m.Channel != "" && m.Channel != onair.ChannelEmail {
		return nil, fmt.Errorf("cannot send %s messages", m.Channel)
	}
	for _, f := range [][2]string{{"Subject", m.Subject}, {"From name", m.FromName}} {
		if strings.ContainsAny(f[1], "\r\n\x00") {
			return nil, fmt.Errorf("%s contains a line break", f[0])
		}
	}
	if m.Text == "" && m.HTML == "" {
		return nil, errors.New("message has neither text nor HTML")
	}
	from := p.cfg.From
	if m.FromName != "" {
		// The host's name at EMAIL_FROM's address, which is the one the
		// domain's SPF and DKIM cover. String encodes the name (RFC 2047)
		// and quotes it as needed.
		from = (&mail.Address{Name: m.FromName, Address: p.fromAddress}).String()
	}
	fields := [][2]string{{"from", from}, {"subject", m.Subject}}
	for _, part := range [][2]string{{"text", m.Text}, {"html", m.HTML}} {
		if part[1] != "" {
			fields = append(fields, part)
		}
	}
	fields = append(fields, [2]string{"h:X-Onair-Delivery", delivery}, [2]string{"v:onair-delivery", delivery})
	seen := map[string]bool{}
	for _, h := range m.Headers {
		key := strings.ToLower(h.Name)
		switch {
		case !validFieldName(h.Name):
			return nil, fmt.Errorf("header name %q is not a valid field name", h.Name)
		case reserved[key]:
			return nil, fmt.Errorf("header %s is written by the provider", h.Name)
		case seen[key]:
			return nil, fmt.Errorf("header %s given twice", h.Name)
		case strings.ContainsAny(h.Value, "\r\n\x00"):
			return nil, fmt.Errorf("%s contains a line break", h.Name)
		}
		seen[key] = true
		fields = append(fields, [2]string{"h:" + h.Name, h.Value})
	}
	return fields, nil
}

// quoteEscaper escapes a filename for a Content-Disposition parameter, as
// mime/multipart does for its own form files.
var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"")

func attach(w *multipart.Writer, a notify.Attachment) error {
	if strings.ContainsAny(a.Filename, "\r\n\x00") || a.Filename == "" {
		return fmt.Errorf("attachment name %q is empty or has a line break", a.Filename)
	}
	ct := a.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	if _, _, err := mime.ParseMediaType(ct); err != nil || strings.ContainsAny(ct, "\r\n") {
		return fmt.Errorf("attachment %q: content type %q is not valid", a.Filename, ct)
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="attachment"; filename="%s"`, quoteEscaper.Replace(a.Filename)))
	h.Set("Content-Type", ct)
	part, err := w.CreatePart(h)
	if err != nil {
		return err
	}
	_, err = part.Write(a.Data)
	return err
}

func validFieldName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 33 || c > 126 || c == ':' {
			return false
		}
	}
	return true
}

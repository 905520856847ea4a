package notifytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// MailgunRequest is one request the Mailgun double received.
type MailgunRequest struct {
	// Status is the HTTP status the double answered.
	Status int
	// Time is when the request arrived, by the double's clock.
	Time time.Time
	// ID is the message id answered on success.
	ID string
	// Domain is the {domain} of the path.
	Domain string
	// ContentType is the request's media type: multipart/form-data or
	// application/x-www-form-urlencoded.
	ContentType string
	From        string
	To          []string
	Subject     string
	Text        string
	HTML        string
	// Headers are the h: fields, by header name ("List-Unsubscribe").
	Headers map[string]string
	// Variables are the v: fields, by name ("onair-delivery").
	Variables map[string]string
	// Attachments are the "attachment" files.
	Attachments []MailgunFile
	// Form is every non-file field as sent.
	Form url.Values
}

// MailgunMessage is one email the double would deliver: one recipient's
// message, with that recipient's variables substituted (a batch call
// delivers one per address in "to").
type MailgunMessage struct {
	// ID is the id the double answered for the request that carried it.
	ID      string
	To      string
	From    string
	Subject string
	Text    string
	HTML    string
	// Headers are the h: fields, by header name.
	Headers map[string]string
	// Variables are the v: fields, by name: what Mailgun's webhooks
	// report as the event's user-variables.
	Variables   map[string]string
	Attachments []MailgunFile
}

// MaxMailgunRecipients is the most addresses Mailgun takes in one call.
const MaxMailgunRecipients = 1000

// recipientRef is a reference to a recipient variable.
var recipientRef = regexp.MustCompile(`%recipient\.([A-Za-z0-9_.:-]+)%`)

// MailgunFile is a file sent as an attachment.
type MailgunFile struct {
	Filename    string
	ContentType string
	Data        []byte
}

// Mailgun is a double of Mailgun's POST /v3/{domain}/messages.
type Mailgun struct {
	faultScript
	srv            *httptest.Server
	apiKey, domain string

	mu        sync.Mutex
	seq       int
	requests  []MailgunRequest
	delivered []MailgunMessage
	rejected  map[string]bool
	delay     time.Duration
}

// NewMailgun starts a Mailgun double for one domain and API key, closed
// when the test ends. Point a client at its URL as MAILGUN_API_BASE.
func NewMailgun(t testing.TB, apiKey, domain string) *Mailgun {
	t.Helper()
	m := &Mailgun{apiKey: apiKey, domain: domain, rejected: make(map[string]bool)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v3/{domain}/messages", m.messages)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
	})
	m.srv = httptest.NewServer(mux)
	t.Cleanup(m.srv.Close)
	return m
}

// URL is the double's base URL, e.g. http://127.0.0.1:PORT.
func (m *Mailgun) URL() string { return m.srv.URL }

// Requests returns every request received so far, failed ones included.
func (m *Mailgun) Requests() []MailgunRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]MailgunRequest(nil), m.requests...)
}

// Messages returns every message delivered so far, one per recipient, in
// the order of their requests and of their addresses in "to".
func (m *Mailgun) Messages() []MailgunMessage {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]MailgunMessage(nil), m.delivered...)
}

// RejectRecipient makes every request to addr answer 400, as Mailgun does
// for an address it will not take.
func (m *Mailgun) RejectRecipient(addr string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rejected[strings.ToLower(addr)] = true
}

// Delay makes every request wait d before its answer, to test a client's
// timeout; the wait ends early when the client goes away.
func (m *Mailgun) Delay(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.delay = d
}

func (m *Mailgun) messages(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	delay := m.delay
	m.mu.Unlock()
	wait(r, delay)

	req := MailgunRequest{Domain: r.PathValue("domain"), Time: m.now()}
	answer := func(status int, body any) {
		req.Status = status
		m.mu.Lock()
		m.requests = append(m.requests, req)
		m.mu.Unlock()
		if s, ok := body.(string); ok {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, s)
			return
		}
		writeJSON(w, status, body)
	}
	msg := func(text string) map[string]string { return map[string]string{"message": text} }

	// Mailgun answers a bad key with a bare "Forbidden", not JSON.
	if user, key, ok := r.BasicAuth(); !ok || user != "api" || key != m.apiKey {
		answer(http.StatusUnauthorized, "Forbidden")
		return
	}
	if req.Domain != m.domain {
		answer(http.StatusNotFound, msg("Domain not found: "+req.Domain))
		return
	}
	if err := m.parse(r, &req); err != nil {
		answer(http.StatusBadRequest, msg(err.Error()))
		return
	}

	m.mu.Lock()
	var fail *injected
	fail = m.next()
	m.mu.Unlock()
	if fail != nil {
		if fail.status == http.StatusTooManyRequests {
			setRetryAfter(w, fail)
			answer(fail.status, msg("Too many requests"))
			return
		}
		answer(fail.status, msg(http.StatusText(fail.status)))
		return
	}

	if problem := validateMailgun(&req); problem != "" {
		answer(http.StatusBadRequest, msg(problem))
		return
	}
	delivered, problem := deliveries(&req)
	if problem != "" {
		answer(http.StatusBadRequest, msg(problem))
		return
	}
	m.mu.Lock()
	rejected := false
	for _, to := range req.To {
		if addr, err := mail.ParseAddress(to); err == nil && m.rejected[strings.ToLower(addr.Address)] {
			rejected = true
		}
	}
	m.seq++
	seq := m.seq
	m.mu.Unlock()
	if rejected {
		answer(http.StatusBadRequest, msg("to parameter is not a valid address. please check documentation"))
		return
	}
	req.ID = fmt.Sprintf("<%s.%d.%06d@%s>", time.Now().UTC().Format("20060102150405"), seq, seq*7919%1000000, m.domain)
	m.mu.Lock()
	for _, d := range delivered {
		d.ID = req.ID
		m.delivered = append(m.delivered, d)
	}
	m.mu.Unlock()
	answer(http.StatusOK, map[string]string{"id": req.ID, "message": "Queued. Thank you."})
}

// parse reads the form, multipart or urlencoded, into req.
func (m *Mailgun) parse(r *http.Request, req *MailgunRequest) error {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	req.ContentType = mediaType
	switch mediaType {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return fmt.Errorf("malformed multipart body: %v", err)
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return fmt.Errorf("malformed form body: %v", err)
		}
	default:
		return fmt.Errorf("unsupported content type %q", mediaType)
	}
	form := r.PostForm
	if r.MultipartForm != nil {
		form = url.Values(r.MultipartForm.Value)
	}
	req.Form = form
	req.From = form.Get("from")
	for _, to := range form["to"] {
		for _, one := range strings.Split(to, ",") {
			if one = strings.TrimSpace(one); one != "" {
				req.To = append(req.To, one)
			}
		}
	}
	req.Subject, req.Text, req.HTML = form.Get("subject"), form.Get("text"), form.Get("html")
	req.Headers, req.Variables = map[string]string{}, map[string]string{}
	for k, v := range form {
		if name, ok := strings.CutPrefix(k, "h:"); ok {
			req.Headers[name] = v[0]
		}
		if name, ok := strings.CutPrefix(k, "v:"); ok {
			req.Variables[name] = v[0]
		}
	}
	if r.MultipartForm == nil {
		return nil
	}
	for _, fh := range r.MultipartForm.File["attachment"] {
		f, err := fh.Open()
		if err != nil {
			return err
		}
		data, err := io.ReadAll(f)
		_ = f.Close()
		if err != nil {
			return err
		}
		req.Attachments = append(req.Attachments, MailgunFile{
			Filename: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Data: data,
		})
	}
	return nil
}

// validateMailgun checks the required fields in Mailgun's order and with
// its wording.
func validateMailgun(req *MailgunRequest) string {
	switch {
	case req.From == "":
		return "from parameter is missing"
	case len(req.To) == 0:
		return "to parameter is missing"
	case req.Subject == "":
		return "subject parameter is missing"
	case req.Text == "" && req.HTML == "" && req.Form.Get("amp-html") == "" && req.Form.Get("template") == "":
		return "Need at least one of 'text', 'html', 'amp-html' or 'template' parameters specified"
	}
	if _, err := mail.ParseAddress(req.From); err != nil {
		return "from parameter is not a valid address. please check documentation"
	}
	for _, to := range req.To {
		if _, err := mail.ParseAddress(to); err != nil {
			return "to parameter is not a valid address. please check documentation"
		}
	}
	options := 0
	for k, v := range req.Form {
		for _, p := range []string{"o:", "h:", "v:", "t:"} {
			if strings.HasPrefix(k, p) {
				options += len(k) + len(strings.Join(v, ""))
			}
		}
	}
	if options > 16<<10 {
		return "Send options (parameters starting with o:, h:, v:, or t:) are limited to 16 kB total"
	}
	return ""
}

// deliveries are the messages req delivers, one per address in "to". With
// recipient-variables (a batch call), each address must have its entry,
// and every %recipient.NAME% in the subject, the parts, the h: headers and
// the v: variables a NAME in it; each message has its own values filled
// in, as they are.
func deliveries(req *MailgunRequest) ([]MailgunMessage, string) {
	if len(req.To) > MaxMailgunRecipients {
		return nil, fmt.Sprintf("Too many recipients: 'to' holds %d addresses, at most %d are allowed", len(req.To), MaxMailgunRecipients)
	}
	raw, batch := req.Form["recipient-variables"]
	var vars map[string]map[string]any
	if batch {
		if err := json.Unmarshal([]byte(raw[0]), &vars); err != nil || vars == nil {
			return nil, "recipient-variables parameter is not a valid JSON"
		}
	}
	var out []MailgunMessage
	for _, to := range req.To {
		addr, _ := mail.ParseAddress(to) // validateMailgun has parsed it
		own := map[string]string{}
		if batch {
			entry, ok := vars[addr.Address]
			if !ok {
				return nil, fmt.Sprintf("recipient-variables has no entry for %s", addr.Address)
			}
			for k, v := range entry {
				if s, ok := v.(string); ok {
					own[k] = s
				} else {
					b, _ := json.Marshal(v)
					own[k] = string(b)
				}
			}
		}
		missing := ""
		fill := func(s string) string {
			if !batch {
				return s
			}
			return recipientRef.ReplaceAllStringFunc(s, func(ref string) string {
				name := recipientRef.FindStringSubmatch(ref)[1]
				v, ok := own[name]
				if !ok && missing == "" {
					missing = name
				}
				return v
			})
		}
		msg := MailgunMessage{To: to, From: fill(req.From), Subject: fill(req.Subject), Text: fill(req.Text), HTML: fill(req.HTML),
			Headers: map[string]string{}, Variables: map[string]string{}, Attachments: req.Attachments}
		for k, v := range req.Headers {
			msg.Headers[k] = fill(v)
		}
		for k, v := range req.Variables {
			msg.Variables[k] = fill(v)
		}
		if missing != "" {
			return nil, fmt.Sprintf("recipient-variables for %s has no %q, which the message refers to", addr.Address, missing)
		}
		out = append(out, msg)
	}
	return out, ""
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// wait sleeps d, or until the client has gone.
func wait(r *http.Request, d time.Duration) {
	if d <= 0 {
		return
	}
	// net/http notices a client hanging up (and cancels r.Context) only
	// once the body has been read: read it first, and keep it for later.
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

package smtp

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/onair"
)

// reserved are the headers Send writes itself; a message's Headers may not
// replace them, which would leave two From lines or a forged Message-ID.
var reserved = map[string]bool{
	"from": true, "sender": true, "to": true, "cc": true, "bcc": true, "subject": true,
	"date": true, "message-id": true, "mime-version": true, "content-type": true,
	"content-transfer-encoding": true, "x-onair-delivery": true,
}

// envelope is a message ready for the wire.
type envelope struct {
	to   string // the bare address for RCPT TO
	data []byte // headers and body, CRLF line ends
	// dotFree: no line of data starts with a dot, so that it goes on the
	// wire as it is, without dot-stuffing.
	dotFree bool
	// pooled: data came from buffers (composeParts), to go back there.
	pooled bool
}

// compose renders m as a MIME message: multipart/alternative text and HTML,
// wrapped in multipart/mixed when there are attachments. Header values are
// RFC 2047-encoded; CR and LF are refused before that, since a line break
// in a header is how a header is injected. A message filled from a
// prepared template (with Parts) is written from its template's encoded
// literals (composeParts); any other by go-mail.
func (p *Provider) compose(m notify.Message) (envelope, string, error) {
	to, err := checkMessage(m)
	if err != nil {
		return envelope{}, "", err
	}
	id := p.messageID(m.DeliveryID)
	if m.Parts != nil && m.Text != "" && m.HTML != "" {
		data, ok, err := p.composeParts(m, to, time.Now(), id)
		if err != nil {
			return envelope{}, "", err
		}
		if ok {
			return envelope{to: to.Address, data: data, dotFree: dotFree(data), pooled: true}, "<" + id + ">", nil
		}
	}
	data, err := p.composeGoMail(m, to, id)
	if err != nil {
		return envelope{}, "", err
	}
	return envelope{to: to.Address, data: data}, "<" + id + ">", nil
}

// checkMessage refuses what cannot be sent as an email, and returns its
// recipient.
func checkMessage(m notify.Message) (*mail.Address, error) {
	if m.Channel != "" && m.Channel != onair.ChannelEmail {
		return nil, fmt.Errorf("cannot send %s messages", m.Channel)
	}
	if err := oneLine("To", m.To); err != nil {
		return nil, err
	}
	if err := oneLine("Subject", m.Subject); err != nil {
		return nil, err
	}
	if err := oneLine("From name", m.FromName); err != nil {
		return nil, err
	}
	to, err := mail.ParseAddress(strings.TrimSpace(m.To))
	if err != nil {
		return nil, fmt.Errorf("recipient %q is not an email address", m.To)
	}
	if m.Text == "" && m.HTML == "" {
		return nil, errors.New("message has neither text nor HTML")
	}
	if err := checkHeaders(m.Headers); err != nil {
		return nil, err
	}
	for _, a := range m.Attachments {
		if err := oneLine("attachment name", a.Filename); err != nil {
			return nil, err
		}
		if a.ContentType != "" {
			if _, _, err := mime.ParseMediaType(a.ContentType); err != nil {
				return nil, fmt.Errorf("attachment %q: content type %q: %v", a.Filename, a.ContentType, err)
			}
		}
	}
	return to, nil
}

// composeGoMail renders m, checked, with go-mail.
func (p *Provider) composeGoMail(m notify.Message, to *mail.Address, id string) ([]byte, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	from := p.from
	if m.FromName != "" {
		// The host's name, at onair's address: the address is what SPF
		// and DKIM vouch for, so it never changes.
		from = &mail.Address{Name: m.FromName, Address: p.from.Address}
	}
	msg.FromMailAddress(from)
	msg.ToMailAddress(to)
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageIDWithValue(id)
	msg.SetGenHeader("X-Onair-Delivery", strconv.FormatInt(m.DeliveryID, 10))
	if err := setHeaders(msg, m.Headers); err != nil {
		return nil, err
	}

	switch {
	case m.Text != "" && m.HTML != "":
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	case m.HTML != "":
		msg.SetBodyString(gomail.TypeTextHTML, m.HTML)
	default:
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	}
	for _, a := range m.Attachments {
		var opts []gomail.FileOption
		if a.ContentType != "" {
			opts = append(opts, gomail.WithFileContentType(gomail.ContentType(a.ContentType)))
		}
		msg.AttachReadSeeker(a.Filename, bytes.NewReader(a.Data), opts...)
	}

	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("render message: %w", err)
	}
	return buf.Bytes(), nil
}

// checkHeaders refuses extra headers that are not valid fields, replace
// one the provider writes, come twice or hold a line break.
func checkHeaders(headers []notify.Header) error {
	seen := make(map[string]bool, len(headers))
	for _, h := range headers {
		if !validFieldName(h.Name) {
			return fmt.Errorf("header name %q is not a valid field name", h.Name)
		}
		key := strings.ToLower(h.Name)
		if reserved[key] {
			return fmt.Errorf("header %s is written by the provider", h.Name)
		}
		if seen[key] {
			return fmt.Errorf("header %s given twice", h.Name)
		}
		seen[key] = true
		if err := oneLine(h.Name, h.Value); err != nil {
			return err
		}
		if key == "reply-to" {
			if _, err := mail.ParseAddress(h.Value); err != nil {
				return fmt.Errorf("Reply-To %q is not an address", h.Value)
			}
		}
	}
	return nil
}

// setHeaders sets headers, checked, on msg.
func setHeaders(msg *gomail.Msg, headers []notify.Header) error {
	for _, h := range headers {
		if strings.EqualFold(h.Name, "Reply-To") {
			// An address list: encoding it as unstructured text would
			// break it, so it goes through go-mail's address handling.
			if err := msg.ReplyTo(h.Value); err != nil {
				return fmt.Errorf("Reply-To %q is not an address", h.Value)
			}
			continue
		}
		msg.SetGenHeader(gomail.Header(h.Name), h.Value)
	}
	return nil
}

// oneLine refuses CR and LF (and NUL) in a value bound for a header.
func oneLine(field, value string) error {
	if strings.ContainsAny(value, "\r\n\x00") {
		return fmt.Errorf("%s contains a line break", field)
	}
	return nil
}

// validFieldName reports whether name is an RFC 5322 field name: printable
// ASCII but the colon.
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

// messageID is unique and names the delivery, so that a bounce quoting it
// can be traced back even without the X-Onair-Delivery header.
func (p *Provider) messageID(deliveryID int64) string {
	var r [8]byte
	_, _ = rand.Read(r[:])
	domain := p.domain
	if domain == "" {
		domain = "localhost"
	}
	b := make([]byte, 0, 64+len(domain))
	b = append(b, "onair."...)
	b = strconv.AppendInt(b, deliveryID, 10)
	b = append(b, '.')
	b = hex.AppendEncode(b, r[:])
	b = append(b, '@')
	b = append(b, domain...)
	return string(b)
}

package jobs

import (
	"context"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
)

// Outbox is the provider used when none is configured for a channel: it
// keeps every message, rendered, for the host to read. Nothing is lost, and
// a newcomer sees exactly what viewers would receive.
type Outbox struct {
	Store *store.Store
	Now   func() time.Time
	// From is EMAIL_FROM, kept as the From header of each email as a
	// provider would send it (the host's name at its address).
	From string
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// Name implements notify.Provider.
func (o *Outbox) Name() string { return "outbox" }

// Send implements notify.Provider.
func (o *Outbox) Send(ctx context.Context, m notify.Message) (string, error) {
	headers := map[string]string{}
	if m.Channel == onair.ChannelEmail {
		if from, err := mail.ParseAddress(o.From); err == nil {
			if m.FromName != "" {
				from.Name = m.FromName
			}
			// Plain text, as every value here: what a mail client shows.
			headers["From"] = "<" + from.Address + ">"
			if from.Name != "" {
				headers["From"] = `"` + quoteEscaper.Replace(from.Name) + `" ` + headers["From"]
			}
		}
	}
	for _, h := range m.Headers {
		headers[h.Name] = h.Value
	}
	var files []store.OutboxFile
	for _, a := range m.Attachments {
		files = append(files, store.OutboxFile{Filename: a.Filename, ContentType: a.ContentType, Content: string(a.Data)})
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	id, err := o.Store.SaveOutbox(ctx, store.OutboxMessage{
		DeliveryID: m.DeliveryID, EventID: m.EventID, Channel: m.Channel, To: m.To, Subject: m.Subject, Text: m.Text,
		HTML: m.HTML, Headers: headers, Attachments: files, CreatedAt: now().UTC(),
	})
	if err != nil {
		return "", notify.Transient(err, 0)
	}
	return "outbox-" + strconv.FormatInt(id, 10), nil
}

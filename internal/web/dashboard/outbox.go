package dashboard

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/web/site"
)

// outboxMessage is one outbox message with the event it belongs to.
type outboxMessage struct {
	store.OutboxMessage
	EventTitle string
	Zone       string
	Files      []string
}

type outboxPage struct {
	Messages []outboxMessage
	Events   []onair.Event // for the filter
	EventID  string
	Pager    pager
}

// Outbox shows what the outbox provider kept for the host, newest first.
func (d *Dashboard) Outbox(w http.ResponseWriter, r *http.Request, p site.Page) error {
	ctx := r.Context()
	eventID := strings.TrimSpace(r.URL.Query().Get("event_id"))
	known := map[string]onair.Event{}
	if eventID != "" {
		ev, err := d.store.HostEvent(ctx, p.Host.ID, eventID)
		if err != nil {
			return err
		}
		known[ev.ID] = ev
	}
	n := pageNumber(r)
	msgs, total, err := d.store.Outbox(ctx, store.OutboxFilter{HostID: p.Host.ID, EventID: eventID,
		Limit: pageSize, Offset: (n - 1) * pageSize})
	if err != nil {
		return err
	}
	// The filter lists the latest hundred events; an older one still works
	// by its URL.
	events, _, err := d.store.FindEvents(ctx, onair.EventFilter{HostID: p.Host.ID, Limit: 100})
	if err != nil {
		return err
	}
	for _, ev := range events {
		known[ev.ID] = ev
	}
	view := outboxPage{Events: events, EventID: eventID}
	for _, m := range msgs {
		ev, ok := known[m.EventID]
		if !ok {
			if ev, err = d.store.HostEvent(ctx, p.Host.ID, m.EventID); err != nil {
				return err
			}
			known[ev.ID] = ev
		}
		dm := outboxMessage{OutboxMessage: m, EventTitle: ev.Title, Zone: ev.Timezone}
		dm.HTML = d.links.Untrack(m.HTML) // looking must count no open or click
		for _, f := range m.Attachments {
			dm.Files = append(dm.Files, f.Filename)
		}
		view.Messages = append(view.Messages, dm)
	}
	q := url.Values{}
	if eventID != "" {
		q.Set("event_id", eventID)
	}
	view.Pager = newPager("Pages of the outbox", "/dashboard/outbox", q, n, pageSize, len(msgs), total)
	p.Title, p.Data = "Outbox", view
	site.AllowEmailStyles(w)
	return d.pages.Render(w, http.StatusOK, "outbox", p)
}

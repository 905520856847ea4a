package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
)

// dashPageSize is how many events or outbox messages one dashboard page shows.
const dashPageSize = 20

// dashPageNumber reads the 1-based page query parameter. A missing or odd
// value is the first page: a hand-edited URL deserves a page, not an error.
func dashPageNumber(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, 1_000_000)
}

// dashPager is the "previous / next" of a paged list; its links keep the
// list's other query parameters.
type dashPager struct {
	Page, Pages int
	From, To    int
	Total       int
	Prev, Next  string
	Label       string // names the list's page links for screen readers
}

func newDashPager(label, path string, q url.Values, page, size, shown, total int) dashPager {
	p := dashPager{Label: label, Page: page, Total: total, Pages: max(1, (total+size-1)/size)}
	if shown > 0 {
		p.From = (page-1)*size + 1
		p.To = p.From + shown - 1
	}
	link := func(n int) string {
		v := url.Values{}
		for k, vs := range q {
			if k != "page" && k != "done" && len(vs) > 0 && vs[0] != "" {
				v.Set(k, vs[0])
			}
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return path
		}
		return path + "?" + v.Encode()
	}
	if page > 1 {
		p.Prev = link(min(page-1, p.Pages))
	}
	if page < p.Pages {
		p.Next = link(page + 1)
	}
	return p
}

// dashEventCard is an event as the dashboard lists it, with its key
// figures.
type dashEventCard struct {
	onair.Event
	StatusLabel       string
	RegistrationURL   string
	NotificationsSent int
	Figures           []dashFigure
	Revenue           dashFigure
}

var dashStatusLabels = map[onair.EventStatus]string{
	onair.StatusScheduled: "Upcoming",
	onair.StatusLive:      "Live",
	onair.StatusEnded:     "Ended",
	onair.StatusCancelled: "Cancelled",
}

// dashCards builds the cards of events; the figures of all of them are
// counted at once, in a fixed number of queries however long the page.
func (s *Server) dashCards(r *http.Request, events []onair.Event) ([]dashEventCard, error) {
	ids := make([]string, len(events))
	for i, ev := range events {
		ids[i] = ev.ID
	}
	sums, err := s.store.EventSummaries(r.Context(), ids)
	if err != nil {
		return nil, err
	}
	cards := make([]dashEventCard, len(events))
	for i, ev := range events {
		sum := sums[ev.ID] // none only for an event gone meanwhile: zeros
		cards[i] = dashEventCard{Event: ev, StatusLabel: dashStatusLabels[ev.Status],
			RegistrationURL: s.links.Register(ev.ID), NotificationsSent: sum.NotificationsSent,
			Figures: dashFigures(ev, sum), Revenue: dashRevenue(sum)}
	}
	return cards, nil
}

// dashCard builds one event's card, as dashCards does.
func (s *Server) dashCard(r *http.Request, ev onair.Event) (dashEventCard, error) {
	cards, err := s.dashCards(r, []onair.Event{ev})
	if err != nil {
		return dashEventCard{}, err
	}
	return cards[0], nil
}

// The confirmation texts of the event actions: each says what the action
// sends, next to its button and in its data-confirm.
const (
	dashConfirmStart = "Going live sends no message: every reminder was scheduled ahead."
	dashConfirmEnd   = "Ending sends nothing; nothing pending is sent after it."
)

// dashTab is one status filter of the events list.
type dashTab struct {
	Label   string
	URL     string
	Current bool
}

// dashTabs are the filters of the events list, by their API names.
var dashTabs = []struct{ name, label string }{
	{"upcoming", "Upcoming"}, {"live", "Live"}, {"completed", "Completed"},
	{"cancelled", "Cancelled"}, {"all", "All"},
}

// dashTabName is the API filter name of status.
func dashTabName(status onair.EventStatus) string {
	switch status {
	case onair.StatusScheduled:
		return "upcoming"
	case onair.StatusLive:
		return "live"
	case onair.StatusEnded:
		return "completed"
	case onair.StatusCancelled:
		return "cancelled"
	}
	return "all"
}

type dashEventsPage struct {
	Tabs     []dashTab
	Tab      string
	Query    string
	Events   []dashEventCard
	Pager    dashPager
	Filtered bool   // a status or a search narrowed the list
	Here     string // this list's URL, where the start form comes back to
	Confirm  string
}

// dashEvents is the host's list of events.
func (s *Server) dashEvents(w http.ResponseWriter, r *http.Request, p page) error {
	status, err := onair.ParseStatusFilter(r.URL.Query().Get("status"))
	if err != nil {
		return err
	}
	search, err := searchQuery(r)
	if err != nil {
		return err
	}
	n := dashPageNumber(r)
	events, total, err := s.store.FindEvents(r.Context(), onair.EventFilter{HostID: p.Host.ID, Status: status,
		Query: search, Limit: dashPageSize, Offset: (n - 1) * dashPageSize})
	if err != nil {
		return err
	}
	d := dashEventsPage{Tab: dashTabName(status), Query: search, Filtered: status != "" || search != "",
		Confirm: dashConfirmStart}
	q := url.Values{}
	if status != "" {
		q.Set("status", d.Tab)
	}
	if search != "" {
		q.Set("q", search)
	}
	for _, t := range dashTabs {
		v := url.Values{"status": {t.name}}
		if search != "" {
			v.Set("q", search)
		}
		d.Tabs = append(d.Tabs, dashTab{Label: t.label, URL: "/dashboard/events?" + v.Encode(), Current: t.name == d.Tab})
	}
	d.Pager = newDashPager("Pages of events", "/dashboard/events", q, n, dashPageSize, len(events), total)
	d.Here = "/dashboard/events"
	if n > 1 {
		q.Set("page", strconv.Itoa(n))
	}
	if len(q) > 0 {
		d.Here += "?" + q.Encode()
	}
	if d.Events, err = s.dashCards(r, events); err != nil {
		return err
	}
	p.Title, p.Data = "Events", d
	p.Flash = dashFlash(r.URL.Query().Get("done"))
	return s.render(w, r, http.StatusOK, "events", p)
}

// dashFlashes are the sentences an action's redirect may show, by the name
// in its done parameter; the page never echoes text from the URL.
var dashFlashes = map[string]string{
	"updated":     "Your changes are saved.",
	"rescheduled": "The event is rescheduled. Registrants are being told the new time.",
	"unchanged":   "The start time is unchanged, so nobody was told anything.",
	"started":     "The event is live. No message was sent.",
	"ended":       "The event has ended. Nothing pending will be sent.",
	"cancelled":   "The event is cancelled. Registrants are being told once; pending reminders are cancelled.",
	"settings":    "Your settings are saved. Every message from now on uses them.",
}

func dashFlash(done string) string { return dashFlashes[done] }

// dashBackTo is where an action redirects with its done message: next when
// it is a dashboard page of this site, else fallback.
func dashBackTo(next, fallback, done string) string {
	target := fallback
	if next != "" && safeNext(next) == next && strings.HasPrefix(next, "/dashboard/") {
		target = next
	}
	u, err := url.Parse(target)
	if err != nil {
		u, _ = url.Parse(fallback)
	}
	q := u.Query()
	q.Set("done", done)
	u.RawQuery = q.Encode()
	return u.RequestURI()
}

// dashMessage is one outbox message with the event it belongs to.
type dashMessage struct {
	store.OutboxMessage
	EventTitle string
	Zone       string
	Files      []string
}

type dashOutboxPage struct {
	Messages []dashMessage
	Events   []onair.Event // for the filter
	EventID  string
	Pager    dashPager
}

// dashOutbox shows what the outbox provider kept for the host, newest first.
func (s *Server) dashOutbox(w http.ResponseWriter, r *http.Request, p page) error {
	ctx := r.Context()
	eventID := strings.TrimSpace(r.URL.Query().Get("event_id"))
	known := map[string]onair.Event{}
	if eventID != "" {
		ev, err := s.store.HostEvent(ctx, p.Host.ID, eventID)
		if err != nil {
			return err
		}
		known[ev.ID] = ev
	}
	n := dashPageNumber(r)
	msgs, total, err := s.store.Outbox(ctx, store.OutboxFilter{HostID: p.Host.ID, EventID: eventID,
		Limit: dashPageSize, Offset: (n - 1) * dashPageSize})
	if err != nil {
		return err
	}
	// The filter lists the latest hundred events; an older one still works
	// by its URL.
	events, _, err := s.store.FindEvents(ctx, onair.EventFilter{HostID: p.Host.ID, Limit: 100})
	if err != nil {
		return err
	}
	for _, ev := range events {
		known[ev.ID] = ev
	}
	d := dashOutboxPage{Events: events, EventID: eventID}
	for _, m := range msgs {
		ev, ok := known[m.EventID]
		if !ok {
			if ev, err = s.store.HostEvent(ctx, p.Host.ID, m.EventID); err != nil {
				return err
			}
			known[ev.ID] = ev
		}
		dm := dashMessage{OutboxMessage: m, EventTitle: ev.Title, Zone: ev.Timezone}
		dm.HTML = s.untrackedEmail(m.HTML) // looking must count no open or click
		for _, f := range m.Attachments {
			dm.Files = append(dm.Files, f.Filename)
		}
		d.Messages = append(d.Messages, dm)
	}
	q := url.Values{}
	if eventID != "" {
		q.Set("event_id", eventID)
	}
	d.Pager = newDashPager("Pages of the outbox", "/dashboard/outbox", q, n, dashPageSize, len(msgs), total)
	p.Title, p.Data = "Outbox", d
	allowEmailStyles(w)
	return s.render(w, r, http.StatusOK, "outbox", p)
}

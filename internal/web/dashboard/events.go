package dashboard

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/web/site"
)

// pageSize is how many events or outbox messages one dashboard page shows.
const pageSize = 20

// pageNumber reads the 1-based page query parameter. A missing or odd
// value is the first page: a hand-edited URL deserves a page, not an error.
func pageNumber(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, 1_000_000)
}

// pager is the "previous / next" of a paged list; its links keep the
// list's other query parameters.
type pager struct {
	Page, Pages int
	From, To    int
	Total       int
	Prev, Next  string
	Label       string // names the list's page links for screen readers
}

func newPager(label, path string, q url.Values, page, size, shown, total int) pager {
	p := pager{Label: label, Page: page, Total: total, Pages: max(1, (total+size-1)/size)}
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

// eventCard is an event as the dashboard lists it, with its key
// figures.
type eventCard struct {
	onair.Event
	StatusLabel       string
	Actions           onair.Actions // the buttons it shows
	RegistrationURL   string
	NotificationsSent int
	Figures           []figure
	Revenue           figure
	Spots             string // the "spots left" figure, worded: a full event with a waitlist says so
}

// spotsWords words ev's spots left for its card, given the reason it takes
// no registration (as registrationWords): the number, "No limit", or, when
// ev is full and has a waitlist, that registrations go onto it.
func spotsWords(ev onair.Event, reason string) string {
	left := ev.SpotsLeft()
	switch {
	case left == nil:
		return "No limit"
	case reason == onair.ClosedFull && ev.WaitlistEnabled:
		return "Full: waitlist open (" + waitingWords(ev.WaitlistCount) + ")"
	}
	return strconv.Itoa(*left)
}

// waitingWords counts the waitlist: "nobody waiting yet", "1 waiting".
func waitingWords(n int) string {
	if n == 0 {
		return "nobody waiting yet"
	}
	return strconv.Itoa(n) + " waiting"
}

// registrationWords says whether ev takes registrations, given the reason
// it does not (onair.Event.RegistrationClosed; "" when it does). A full
// event with a waitlist still takes them, onto the waitlist.
func registrationWords(ev onair.Event, reason string) string {
	if reason == onair.ClosedFull && ev.WaitlistEnabled {
		return "The event is full: new registrations join the waitlist (" + waitingWords(ev.WaitlistCount) +
			"), and a freed spot goes to the first in line."
	}
	return closedReasons[reason]
}

var statusLabels = map[onair.EventStatus]string{
	onair.StatusScheduled: "Upcoming",
	onair.StatusLive:      "Live",
	onair.StatusEnded:     "Ended",
	onair.StatusCancelled: "Cancelled",
}

// cards builds the cards of events; the figures of all of them are
// counted at once, in a fixed number of queries however long the page.
func (d *Dashboard) cards(r *http.Request, events []onair.Event) ([]eventCard, error) {
	ids := make([]string, len(events))
	for i, ev := range events {
		ids[i] = ev.ID
	}
	sums, err := d.store.EventSummaries(r.Context(), ids)
	if err != nil {
		return nil, err
	}
	now := d.clock()
	cards := make([]eventCard, len(events))
	for i, ev := range events {
		sum := sums[ev.ID] // none only for an event gone meanwhile: zeros
		reason, _ := ev.RegistrationClosed(now)
		cards[i] = eventCard{Event: ev, StatusLabel: statusLabels[ev.Status], Actions: ev.Actions(now),
			RegistrationURL: d.links.Register(ev.ID), NotificationsSent: sum.NotificationsSent,
			Figures: figures(ev, sum), Revenue: revenue(sum), Spots: spotsWords(ev, reason)}
	}
	return cards, nil
}

// card builds one event's card, as cards does.
func (d *Dashboard) card(r *http.Request, ev onair.Event) (eventCard, error) {
	cards, err := d.cards(r, []onair.Event{ev})
	if err != nil {
		return eventCard{}, err
	}
	return cards[0], nil
}

// The confirmation texts of the event actions: each says what the action
// sends, next to its button and in its data-confirm.
const (
	confirmStart = "Going live sends no message: every reminder was scheduled ahead."
	confirmEnd   = "Ending sends nothing; nothing pending is sent after it."
	// Deleting is offered only for an event that is over.
	confirmDelete = "Deleting removes the event with its registrants, analytics, messages and outbox entries, and tells nobody. This cannot be undone."
)

// tab is one status filter of the events list.
type tab struct {
	Label   string
	URL     string
	Current bool
}

// tabs are the filters of the events list, by their API names.
var tabs = []struct{ name, label string }{
	{"upcoming", "Upcoming"}, {"live", "Live"}, {"completed", "Completed"},
	{"cancelled", "Cancelled"}, {"all", "All"},
}

// tabName is the API filter name of status.
func tabName(status onair.EventStatus) string {
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

type eventsPage struct {
	Tabs     []tab
	Tab      string
	Query    string
	Events   []eventCard
	Pager    pager
	Filtered bool   // a status or a search narrowed the list
	Here     string // this list's URL, where the start form comes back to
	Confirm  string
}

// Events is the host's list of events.
func (d *Dashboard) Events(w http.ResponseWriter, r *http.Request, p site.Page) error {
	status, err := onair.ParseStatusFilter(r.URL.Query().Get("status"))
	if err != nil {
		return err
	}
	search, err := site.SearchQuery(r)
	if err != nil {
		return err
	}
	n := pageNumber(r)
	events, total, err := d.store.FindEvents(r.Context(), onair.EventFilter{HostID: p.Host.ID, Status: status,
		Query: search, Limit: pageSize, Offset: (n - 1) * pageSize})
	if err != nil {
		return err
	}
	view := eventsPage{Tab: tabName(status), Query: search, Filtered: status != "" || search != "",
		Confirm: confirmStart}
	q := url.Values{}
	if status != "" {
		q.Set("status", view.Tab)
	}
	if search != "" {
		q.Set("q", search)
	}
	for _, t := range tabs {
		v := url.Values{"status": {t.name}}
		if search != "" {
			v.Set("q", search)
		}
		view.Tabs = append(view.Tabs, tab{Label: t.label, URL: "/dashboard/events?" + v.Encode(), Current: t.name == view.Tab})
	}
	view.Pager = newPager("Pages of events", "/dashboard/events", q, n, pageSize, len(events), total)
	view.Here = "/dashboard/events"
	if n > 1 {
		q.Set("page", strconv.Itoa(n))
	}
	if len(q) > 0 {
		view.Here += "?" + q.Encode()
	}
	if view.Events, err = d.cards(r, events); err != nil {
		return err
	}
	p.Title, p.Data = "Events", view
	p.Flash = flash(r.URL.Query().Get("done"))
	return d.pages.Render(w, http.StatusOK, "events", p)
}

// flashes are the sentences an action's redirect may show, by the name
// in its done parameter; the page never echoes text from the URL.
var flashes = map[string]string{
	"updated":     "Your changes are saved.",
	"rescheduled": "The event is rescheduled. Registrants are being told the new time.",
	"unchanged":   "The start time is unchanged, so nobody was told anything.",
	"started":     "The event is live. No message was sent.",
	"ended":       "The event has ended. No reminder will be sent; the follow-ups that are on go out at their times.",
	"cancelled":   "The event is cancelled. Registrants are being told once; pending reminders are cancelled.",
	"test_sent":   "The test message is on its way. It is not counted anywhere.",
	"settings":    "Your settings are saved. Every message from now on uses them.",
	"duplicated":  "This is a copy of the event, with every setting and no registrants. Check its title and start.",
	"deleted":     "The event is deleted, with its registrants, messages and outbox entries.",
}

func flash(done string) string { return flashes[done] }

// backTo is where an action redirects with its done message: next when
// it is a dashboard page of this site, else fallback.
func backTo(next, fallback, done string) string {
	target := fallback
	if next != "" && site.SafeNext(next) == next && strings.HasPrefix(next, "/dashboard/") {
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

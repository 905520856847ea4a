package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// Attendance and engagement: what a viewer does on the watch page. Every
// route is authenticated by the viewer's token, which must be one of event
// {id}; any mismatch is a 404, as on the watch page.

// heartbeat serves POST /api/watch/{id}/heartbeat?token=T and POST
// /watch/{id}/heartbeat. The body ({}) is not read. Without ?token= the
// watch page's cookie (onair_watch, path /watch/{id}) is the token: the
// page itself posts to /watch/{id}/heartbeat, inside the cookie's path,
// since its script never sees the HttpOnly cookie. The cookie is SameSite
// Lax, so no other site can post heartbeats with it.
func (s *Server) heartbeat(w http.ResponseWriter, r *http.Request) error {
	reg, err := s.watcher(r)
	if err != nil {
		return err
	}
	viewers, err := s.store.Heartbeat(r.Context(), reg.EventID, reg.ID, s.clock())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"viewers": viewers})
	return nil
}

// join serves POST /watch/{id}/join, which the watch page's script sends
// as soon as the page is in front of the viewer, by the page's cookie as
// its heartbeats. It, not the GET of the page, counts the viewer as
// attended (while the event is live or about to start): a mail scanner
// fetches the link, it does not run the page.
func (s *Server) join(w http.ResponseWriter, r *http.Request) error {
	reg, err := s.watcher(r)
	if err != nil {
		return err
	}
	attended, err := s.store.RecordJoin(r.Context(), reg.EventID, reg.ID, s.clock())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]bool{"attended": attended})
	return nil
}

// watcher is the registration of a heartbeat or join: by ?token=, or
// without it by the watch page's cookie.
func (s *Server) watcher(r *http.Request) (onair.Registration, error) {
	token := r.URL.Query().Get("token")
	if !r.URL.Query().Has("token") {
		if c, err := r.Cookie(watchCookie); err == nil {
			token = c.Value
		}
	}
	return s.viewerRegistration(r, r.PathValue("id"), token)
}

// engagementRequest is the body of POST /api/events/{id}/engagement.
type engagementRequest struct {
	Token  string `json:"token"`
	Action string `json:"action"`
}

// Engagement limits, per viewer: a rate per process, and a total per event
// that the store counts (so that it holds across nodes).
const (
	maxEngagementsPerSecond = 5
	// engagementCapRetry is the Retry-After of the total's 429. The total
	// never lifts; a client that honours the header stops for a day.
	engagementCapRetry = 24 * time.Hour
)

// recordEngagement serves POST /api/events/{id}/engagement.
func (s *Server) recordEngagement(w http.ResponseWriter, r *http.Request) error {
	var in engagementRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	reg, err := s.viewerRegistration(r, r.PathValue("id"), bodyOrQueryToken(r, in.Token))
	if err != nil {
		return err
	}
	if err := onair.ValidEngagementAction(in.Action); err != nil {
		return err // before the rate: a mistake uses up nothing
	}
	now := s.clock()
	if ok, wait := s.engagements.Allow(reg.ID, now); !ok {
		return onair.RetryAfter(onair.Errorf(onair.ErrTooManyRequests, "rate_limited",
			"at most %d engagement actions a second per viewer; try again in a moment", maxEngagementsPerSecond), wait)
	}
	err = s.store.RecordEngagement(r.Context(), reg.EventID, reg.ID, in.Action, now)
	if errors.Is(err, onair.ErrEngagementCap) {
		return onair.RetryAfter(err, engagementCapRetry)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"engagement": map[string]string{
		"event_id": reg.EventID, "action": in.Action, "created_at": formatTime(now)}})
	return nil
}

// bodyOrQueryToken is the viewer's token of an engagement or revenue
// request: the body's, or else the ?token= of the address, as the watch
// link and the heartbeat carry it.
func bodyOrQueryToken(r *http.Request, fromBody string) string {
	if fromBody != "" {
		return fromBody
	}
	return r.URL.Query().Get("token")
}

// revenueRequest is the body of POST /api/events/{id}/revenue.
type revenueRequest struct {
	Token       string `json:"token"`
	AmountCents int64  `json:"amount_cents"`
	Currency    string `json:"currency"`
}

// recordRevenue serves POST /api/events/{id}/revenue: a purchase the
// host's own shop or streaming backend reports, with the host's
// credentials (a viewer's token alone could post any amount); the body's
// token names the viewer who bought.
func (s *Server) recordRevenue(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	ev, err := s.store.HostEvent(r.Context(), host.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	var in revenueRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	reg, err := s.viewerRegistration(r, ev.ID, bodyOrQueryToken(r, in.Token))
	if err != nil {
		return err
	}
	now := s.clock()
	// A currency code is read whatever its case: "usd" is USD.
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	if err := s.store.RecordPurchase(r.Context(), reg.EventID, reg.ID, in.AmountCents, in.Currency, now); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"purchase": map[string]any{
		"event_id": reg.EventID, "amount_cents": in.AmountCents, "currency": in.Currency,
		"created_at": formatTime(now)}})
	return nil
}

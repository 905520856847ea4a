package web

import (
	"net/http"
	"strings"
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
	id := r.PathValue("id")
	token := r.URL.Query().Get("token")
	if !r.URL.Query().Has("token") {
		if c, err := r.Cookie(watchCookie); err == nil {
			token = c.Value
		}
	}
	reg, err := s.viewerRegistration(r, id, token)
	if err != nil {
		return err
	}
	viewers, err := s.store.Heartbeat(r.Context(), id, reg.ID, s.clock())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"viewers": viewers})
	return nil
}

// engagementRequest is the body of POST /api/events/{id}/engagement.
type engagementRequest struct {
	Token  string `json:"token"`
	Action string `json:"action"`
}

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
	now := s.clock()
	if err := s.store.RecordEngagement(r.Context(), reg.EventID, reg.ID, in.Action, now); err != nil {
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

// recordRevenue serves POST /api/events/{id}/revenue.
func (s *Server) recordRevenue(w http.ResponseWriter, r *http.Request) error {
	var in revenueRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	reg, err := s.viewerRegistration(r, r.PathValue("id"), bodyOrQueryToken(r, in.Token))
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

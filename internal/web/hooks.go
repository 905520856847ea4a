package web

import (
	"context"
	"net/http"

	"github.com/onair-live/onair/internal/links"
	"github.com/onair-live/onair/internal/onair"
)

// Outgoing webhooks (host): the API of a host's webhooks and their
// delivery log. The sending is internal/jobs'; the address checks are
// internal/webhook's.

// webhookJSON is a webhook as the API shows it to its host. The secret is
// in the answer of its creation and of GET /api/webhooks/{id}, not in the
// list.
type webhookJSON struct {
	ID          string   `json:"id"`
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description"`
	Secret      string   `json:"secret,omitempty"`
	CreatedAt   string   `json:"created_at"`
}

func viewWebhook(w onair.Webhook, withSecret bool) webhookJSON {
	v := webhookJSON{ID: w.ID, URL: w.URL, Events: w.Events, Description: w.Description, CreatedAt: formatTime(w.CreatedAt)}
	if v.Events == nil {
		v.Events = []string{}
	}
	if withSecret {
		v.Secret = w.Secret
	}
	return v
}

// hookDeliveryJSON is one entry of a webhook's delivery log.
type hookDeliveryJSON struct {
	ID             string                   `json:"id"`
	WebhookID      string                   `json:"webhook_id"`
	Type           string                   `json:"type"`
	Status         onair.HookDeliveryStatus `json:"status"`
	Attempts       int                      `json:"attempts"`
	ResponseStatus *int                     `json:"response_status"`
	LastError      string                   `json:"last_error"`
	CreatedAt      string                   `json:"created_at"`
	DeliveredAt    *string                  `json:"delivered_at"`
}

func viewHookDelivery(d onair.HookDelivery) hookDeliveryJSON {
	v := hookDeliveryJSON{ID: d.ID, WebhookID: d.WebhookID, Type: d.Type, Status: d.Status, Attempts: d.Attempts,
		LastError: d.LastError, CreatedAt: formatTime(d.CreatedAt), DeliveredAt: formatTimePtr(d.DeliveredAt)}
	if d.ResponseStatus != 0 {
		status := d.ResponseStatus
		v.ResponseStatus = &status
	}
	return v
}

// hookLogSize is how many of a webhook's latest deliveries its log shows.
const hookLogSize = 100

// addWebhook validates in, checks where its URL leads, and stores the
// host's new webhook: the API's and the dashboard's one way to add one.
func (s *Server) addWebhook(ctx context.Context, hostID string, in onair.WebhookInput) (onair.Webhook, error) {
	w, err := onair.NewWebhook(hostID, in, s.clock(), s.hookGuard.AllowPrivate)
	if err != nil {
		return w, err
	}
	if err := s.hookGuard.CheckURL(ctx, w.URL); err != nil {
		return w, err
	}
	return w, s.store.CreateWebhook(ctx, w)
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	var in onair.WebhookInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	hook, err := s.addWebhook(r.Context(), host.ID, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/webhooks/"+hook.ID)
	writeJSON(w, http.StatusCreated, map[string]any{"webhook": viewWebhook(hook, true)})
	return nil
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	hooks, err := s.store.Webhooks(r.Context(), host.ID)
	if err != nil {
		return err
	}
	out := make([]webhookJSON, len(hooks))
	for i, h := range hooks {
		out[i] = viewWebhook(h, false)
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhooks": out})
	return nil
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	hook, err := s.store.Webhook(r.Context(), host.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhook": viewWebhook(hook, true)})
	return nil
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	if err := s.store.DeleteWebhook(r.Context(), host.ID, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listHookDeliveries(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	list, err := s.store.HookDeliveries(r.Context(), host.ID, r.PathValue("id"), hookLogSize)
	if err != nil {
		return err
	}
	out := make([]hookDeliveryJSON, len(list))
	for i, d := range list {
		out[i] = viewHookDelivery(d)
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": out})
	return nil
}

func (s *Server) retryHookDelivery(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	d, err := s.store.RetryHookDelivery(r.Context(), host.ID, r.PathValue("id"), r.PathValue("delivery_id"), s.clock())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"delivery": viewHookDelivery(d)})
	return nil
}

// HookViews are the API's shapes of an event and a registration, for the
// bodies of outgoing webhooks (store.HookViews): a webhook's data.event
// is what GET /api/events/{id} answers.
type HookViews struct{ links links.Links }

// NewHookViews returns the views of the deployment at appURL.
func NewHookViews(appURL, secret string) HookViews { return HookViews{links.New(appURL, secret)} }

// Event is ev as the API shows it.
func (v HookViews) Event(ev onair.Event) any { return (&Server{links: v.links}).viewEvent(ev) }

// Registration is r as the API shows it.
func (v HookViews) Registration(r onair.Registration) any { return viewRegistration(r) }

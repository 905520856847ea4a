package dashboard

import (
	"errors"
	"net/http"
	"slices"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/web/site"
)

// webhooksPage is the data of /dashboard/webhooks: the host's webhooks
// with their latest deliveries, and the form to add one (as typed, when
// it was refused).
type webhooksPage struct {
	Hooks []hookCard
	Types []string
	Form  hookForm
	// Fields and Error are the problems of a refused form.
	Fields map[string]string
	Error  string
	// Added is the webhook just added, whose secret is shown this once.
	Added *onair.Webhook
}

// hookCard is one webhook with the latest entries of its log.
type hookCard struct {
	onair.Webhook
	Deliveries []onair.HookDelivery
}

// hookForm is the add form as typed.
type hookForm struct {
	URL         string
	Description string
	Events      map[string]bool
}

// hookLogOnPage is how many of a webhook's deliveries the page lists.
const hookLogOnPage = 20

// addedHookCookie names, across the redirect after adding a webhook, the
// webhook whose secret the page then shows once (the secret itself never
// travels in a cookie or a URL).
const addedHookCookie = "onair_added_webhook"

// hookFlashes are the sentences the page's actions may end with.
var hookFlashes = map[string]string{
	"added":   "The webhook is added. Copy its secret now: this page shows it only this once.",
	"deleted": "The webhook is deleted. Nothing more is sent to it.",
	"retried": "That delivery is being sent again, with the same webhook-id.",
}

// Webhooks lists the host's webhooks and their delivery logs.
func (d *Dashboard) Webhooks(w http.ResponseWriter, r *http.Request, p site.Page) error {
	p.Flash = hookFlashes[r.URL.Query().Get("done")]
	view := webhooksPage{Form: hookForm{Events: allTypes()}}
	if c, err := r.Cookie(addedHookCookie); err == nil {
		http.SetCookie(w, &http.Cookie{Name: addedHookCookie, Path: "/dashboard/webhooks", MaxAge: -1,
			HttpOnly: true, Secure: d.secureCookies, SameSite: http.SameSiteLaxMode})
		if hook, err := d.store.Webhook(r.Context(), p.Host.ID, c.Value); err == nil {
			view.Added = &hook
		}
	}
	return d.renderWebhooks(w, r, http.StatusOK, p, view)
}

func allTypes() map[string]bool {
	all := map[string]bool{}
	for _, t := range onair.HookTypes {
		all[t] = true
	}
	return all
}

func (d *Dashboard) renderWebhooks(w http.ResponseWriter, r *http.Request, status int, p site.Page, view webhooksPage) error {
	hooks, err := d.store.Webhooks(r.Context(), p.Host.ID)
	if err != nil {
		return err
	}
	for _, h := range hooks {
		log, err := d.store.HookDeliveries(r.Context(), p.Host.ID, h.ID, hookLogOnPage)
		if err != nil {
			return err
		}
		view.Hooks = append(view.Hooks, hookCard{Webhook: h, Deliveries: log})
	}
	view.Types = onair.HookTypes
	p.Title, p.Data = "Webhooks", view
	return d.pages.Render(w, status, "webhooks", p)
}

// AddWebhook adds a webhook through the same checks as POST /api/webhooks.
func (d *Dashboard) AddWebhook(w http.ResponseWriter, r *http.Request, p site.Page) error {
	if err := r.ParseForm(); err != nil {
		return onair.Errorf(onair.ErrInvalid, "bad_request", "the form could not be read")
	}
	form := hookForm{URL: r.PostFormValue("url"), Description: r.PostFormValue("description"), Events: map[string]bool{}}
	events := []string{}
	for _, t := range r.PostForm["events"] {
		if !slices.Contains(events, t) {
			events = append(events, t)
		}
		form.Events[t] = true
	}
	hook, err := d.addWebhook(r.Context(), p.Host.ID, onair.WebhookInput{URL: form.URL, Events: &events, Description: form.Description})
	var ve *onair.ValidationError
	switch {
	case errors.As(err, &ve):
		return d.renderWebhooks(w, r, http.StatusUnprocessableEntity, p, webhooksPage{Form: form, Fields: ve.Fields,
			Error: "The webhook was not added: some fields need attention."})
	case err != nil:
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: addedHookCookie, Value: hook.ID, Path: "/dashboard/webhooks", MaxAge: 300,
		HttpOnly: true, Secure: d.secureCookies, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/dashboard/webhooks?done=added", http.StatusSeeOther)
	return nil
}

// DeleteWebhook deletes one of the host's webhooks.
func (d *Dashboard) DeleteWebhook(w http.ResponseWriter, r *http.Request, p site.Page) error {
	if err := d.store.DeleteWebhook(r.Context(), p.Host.ID, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/dashboard/webhooks?done=deleted", http.StatusSeeOther)
	return nil
}

// RetryHookDelivery sends one delivery of a webhook again.
func (d *Dashboard) RetryHookDelivery(w http.ResponseWriter, r *http.Request, p site.Page) error {
	id := r.PathValue("id")
	if _, err := d.store.RetryHookDelivery(r.Context(), p.Host.ID, id, r.PathValue("delivery_id"), d.clock()); err != nil {
		return err
	}
	http.Redirect(w, r, "/dashboard/webhooks?done=retried#webhook-"+id, http.StatusSeeOther)
	return nil
}

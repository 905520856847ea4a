package dashboard

import (
	"errors"
	"net/http"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/web/site"
)

// settingsPage is the host settings form: the values shown (as saved,
// or as typed when they were refused) and the problems found.
type settingsPage struct {
	onair.HostSettings
	Fields map[string]string
	Error  string
	// From is how the emails' From line reads with these settings.
	From string
}

// Settings shows the host's settings.
func (d *Dashboard) Settings(w http.ResponseWriter, r *http.Request, p site.Page) error {
	p.Flash = flash(r.URL.Query().Get("done"))
	return d.renderSettings(w, r, http.StatusOK, p, settingsPage{HostSettings: p.Host.HostSettings})
}

// SaveSettings saves the settings form through the same checks as
// PATCH /api/host.
func (d *Dashboard) SaveSettings(w http.ResponseWriter, r *http.Request, p site.Page) error {
	f := onair.HostSettings{
		Name:       r.PostFormValue("name"),
		BrandColor: r.PostFormValue("brand_color"),
		LogoURL:    r.PostFormValue("logo_url"),
		ReplyTo:    r.PostFormValue("reply_to"),
	}
	_, err := d.store.UpdateHostSettings(r.Context(), p.Host.ID, onair.HostSettingsInput{
		Name: &f.Name, BrandColor: &f.BrandColor, LogoURL: &f.LogoURL, ReplyTo: &f.ReplyTo})
	var ve *onair.ValidationError
	switch {
	case errors.As(err, &ve):
		return d.renderSettings(w, r, http.StatusUnprocessableEntity, p, settingsPage{HostSettings: f,
			Fields: ve.Fields, Error: "The settings were not saved: some fields need attention."})
	case err != nil:
		return err
	}
	http.Redirect(w, r, "/dashboard/settings?done=settings", http.StatusSeeOther)
	return nil
}

func (d *Dashboard) renderSettings(w http.ResponseWriter, r *http.Request, status int, p site.Page, view settingsPage) error {
	saved := d.sender(*p.Host)
	view.From = saved.DisplayName()
	if saved.Address != "" {
		view.From += " <" + saved.Address + ">"
	}
	p.Title, p.Data = "Settings", view
	return d.pages.Render(w, status, "settings", p)
}

package web

import (
	"errors"
	"net/http"

	"github.com/onair-live/onair/internal/onair"
)

// dashSettingsPage is the host settings form: the values shown (as saved,
// or as typed when they were refused) and the problems found.
type dashSettingsPage struct {
	onair.HostSettings
	Fields map[string]string
	Error  string
	// From is how the emails' From line reads with these settings.
	From string
}

// dashSettings shows the host's settings.
func (s *Server) dashSettings(w http.ResponseWriter, r *http.Request, p page) error {
	p.Flash = dashFlash(r.URL.Query().Get("done"))
	return s.renderSettings(w, r, http.StatusOK, p, dashSettingsPage{HostSettings: p.Host.HostSettings})
}

// dashSettingsSubmit saves the settings form through the same checks as
// PATCH /api/host.
func (s *Server) dashSettingsSubmit(w http.ResponseWriter, r *http.Request, p page) error {
	f := onair.HostSettings{
		Name:       r.PostFormValue("name"),
		BrandColor: r.PostFormValue("brand_color"),
		LogoURL:    r.PostFormValue("logo_url"),
		ReplyTo:    r.PostFormValue("reply_to"),
	}
	_, err := s.store.UpdateHostSettings(r.Context(), p.Host.ID, onair.HostSettingsInput{
		Name: &f.Name, BrandColor: &f.BrandColor, LogoURL: &f.LogoURL, ReplyTo: &f.ReplyTo})
	var ve *onair.ValidationError
	switch {
	case errors.As(err, &ve):
		return s.renderSettings(w, r, http.StatusUnprocessableEntity, p, dashSettingsPage{HostSettings: f,
			Fields: ve.Fields, Error: "The settings were not saved: some fields need attention."})
	case err != nil:
		return err
	}
	http.Redirect(w, r, "/dashboard/settings?done=settings", http.StatusSeeOther)
	return nil
}

func (s *Server) renderSettings(w http.ResponseWriter, r *http.Request, status int, p page, d dashSettingsPage) error {
	saved := s.sender(*p.Host)
	d.From = saved.DisplayName()
	if saved.Address != "" {
		d.From += " <" + saved.Address + ">"
	}
	p.Title, p.Data = "Settings", d
	return s.render(w, r, status, "settings", p)
}

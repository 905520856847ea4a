package dashboard

import (
	"net/http"
	"net/url"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/web/site"
)

// suppressionsPage is the data of /dashboard/suppressions.
type suppressionsPage struct {
	Suppressions []onair.Suppression
	Channel      onair.Channel
	Query        string
	Lifted       bool
	Pager        pager
}

// Suppressions lists the addresses the host no longer sends to, by channel
// and search.
func (d *Dashboard) Suppressions(w http.ResponseWriter, r *http.Request, p site.Page) error {
	f, err := site.SuppressionFilter(r, p.Host.ID)
	if err != nil {
		return err
	}
	n := pageNumber(r)
	f.Limit, f.Offset = pageSize, (n-1)*pageSize
	list, total, err := d.store.Suppressions(r.Context(), f)
	if err != nil {
		return err
	}
	q := url.Values{}
	q.Set("channel", string(f.Channel))
	q.Set("q", f.Query)
	view := suppressionsPage{Suppressions: list, Channel: f.Channel, Query: f.Query, Lifted: r.URL.Query().Has("lifted"),
		Pager: newPager("Pages of the suppression list", "/dashboard/suppressions", q, n, pageSize, len(list), total)}
	p.Title, p.Data = "Suppressions", view
	return d.pages.Render(w, http.StatusOK, "suppressions", p)
}

// LiftSuppression lets the host send to a suppressed address again.
func (d *Dashboard) LiftSuppression(w http.ResponseWriter, r *http.Request, p site.Page) error {
	id := r.PathValue("id")
	if !onair.ValidID(id) {
		return onair.Errorf(onair.ErrNotFound, "not_found", "no such suppression")
	}
	if err := d.store.LiftSuppression(r.Context(), p.Host.ID, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/dashboard/suppressions?lifted=1", http.StatusSeeOther)
	return nil
}

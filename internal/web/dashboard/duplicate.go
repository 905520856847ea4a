package dashboard

import (
	"net/http"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/web/site"
)

// duplicate copies the event, every setting and no registrant, to the
// start entered (read like a reschedule's), and opens the copy.
func (d *Dashboard) duplicate(w http.ResponseWriter, r *http.Request, p site.Page) error {
	f := rescheduleForm{Start: strings.TrimSpace(r.PostFormValue("start")),
		Zone: strings.TrimSpace(r.PostFormValue("timezone"))}
	orig, err := d.store.HostEvent(r.Context(), p.Host.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	copied, err := f.copy(orig, d)
	if err == nil {
		err = d.store.CreateEvent(r.Context(), copied)
	}
	if err != nil {
		return d.after(w, r, p, err, "", "", eventPage{Form: "duplicate", Duplicate: f})
	}
	http.Redirect(w, r, backTo("", "/dashboard/events/"+copied.ID, "duplicated"), http.StatusSeeOther)
	return nil
}

// duplicateFormOf offers the same time of day a week after the event's
// start, or after now when that has passed.
func duplicateFormOf(ev onair.Event, now time.Time) rescheduleForm {
	start := ev.ScheduledStart.AddDate(0, 0, 7)
	for !start.After(now) {
		start = start.AddDate(0, 0, 7)
	}
	next := ev
	next.ScheduledStart = start
	return rescheduleFormOf(next)
}

// copy is orig's duplicate at the form's start.
func (f rescheduleForm) copy(orig onair.Event, d *Dashboard) (onair.Event, error) {
	start, err := f.start(orig)
	if err != nil {
		return onair.Event{}, err
	}
	return orig.Duplicate(&start, d.clock())
}

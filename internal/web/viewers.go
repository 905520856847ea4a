package web

import (
	"context"
	"net/http"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
)

// A viewer's own data: what a host hands over when a viewer asks for it
// (GET /api/viewers/export, onair viewer export), and its erasure when they
// ask to be forgotten (DELETE /api/viewers, onair viewer erase). The JSON
// is built here for both, so the command prints what the API answers.

// ViewerExport is everything stored about one address in one host's events.
type ViewerExport struct {
	Viewer        viewerProfileJSON  `json:"viewer"`
	Registrations []viewerRecordJSON `json:"registrations"`
}

type viewerProfileJSON struct {
	Email     string  `json:"email"`
	FirstName string  `json:"first_name,omitempty"`
	LastName  string  `json:"last_name,omitempty"`
	Phone     string  `json:"phone,omitempty"`
	Company   string  `json:"company,omitempty"`
	Timezone  string  `json:"timezone,omitempty"`
	CreatedAt *string `json:"created_at,omitempty"`
	UpdatedAt *string `json:"updated_at,omitempty"`
}

type viewerRecordJSON struct {
	Registration registrationJSON     `json:"registration"`
	Event        viewerEventJSON      `json:"event"`
	Messages     []viewerMessageJSON  `json:"messages"`
	Opens        int                  `json:"opens"`
	Clicks       int                  `json:"clicks"`
	Attendance   viewerAttendanceJSON `json:"attendance"`
	Sessions     []viewerSessionJSON  `json:"sessions"`
	Engagement   []viewerActionJSON   `json:"engagement"`
	Purchases    []viewerPurchaseJSON `json:"purchases"`
}

type viewerEventJSON struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

type viewerMessageJSON struct {
	ID         int64                  `json:"id"`
	Kind       onair.NotificationKind `json:"kind"`
	Interval   string                 `json:"interval"`
	Channel    onair.Channel          `json:"channel"`
	Status     onair.DeliveryStatus   `json:"status"`
	Error      string                 `json:"error"`
	QueuedAt   string                 `json:"queued_at"`
	SentAt     *string                `json:"sent_at"`
	BouncedAt  *string                `json:"bounced_at"`
	OpenedAt   *string                `json:"opened_at"`
	OpenCount  int                    `json:"open_count"`
	ClickedAt  *string                `json:"clicked_at"`
	ClickCount int                    `json:"click_count"`
}

type viewerAttendanceJSON struct {
	FirstJoinedAt *string `json:"first_joined_at"`
	WatchSeconds  int64   `json:"watch_seconds"`
}

type viewerSessionJSON struct {
	StartedAt  string `json:"started_at"`
	LastSeenAt string `json:"last_seen_at"`
	Seconds    int64  `json:"seconds"`
}

type viewerActionJSON struct {
	Action string `json:"action"`
	At     string `json:"at"`
}

type viewerPurchaseJSON struct {
	AmountCents int64  `json:"amount_cents"`
	Currency    string `json:"currency"`
	At          string `json:"at"`
}

// ExportViewer reads everything stored about email in the host's events.
// An address nothing is stored about has no registrations; an address that
// is not one is a validation error on "email".
func ExportViewer(ctx context.Context, st *store.Store, hostID, email string) (ViewerExport, error) {
	email, err := onair.ParseEmail("email", email)
	if err != nil {
		return ViewerExport{}, err
	}
	profile, records, err := st.ViewerData(ctx, hostID, email)
	if err != nil {
		return ViewerExport{}, err
	}
	out := ViewerExport{Viewer: viewerProfileJSON{Email: email}, Registrations: []viewerRecordJSON{}}
	if p := profile; p != nil {
		out.Viewer = viewerProfileJSON{Email: p.Email, FirstName: p.FirstName, LastName: p.LastName, Phone: p.Phone,
			Company: p.Company, Timezone: p.Timezone, CreatedAt: formatTimePtr(&p.CreatedAt), UpdatedAt: formatTimePtr(&p.UpdatedAt)}
	}
	for _, rec := range records {
		tl := rec.Timeline
		r := viewerRecordJSON{
			Registration: viewRegistration(tl.Registration),
			Event:        viewerEventJSON{ID: rec.EventID, Title: rec.EventTitle},
			Messages:     []viewerMessageJSON{},
			Attendance:   viewerAttendanceJSON{FirstJoinedAt: formatTimePtr(tl.FirstJoinedAt), WatchSeconds: tl.WatchSeconds},
			Sessions:     []viewerSessionJSON{},
			Engagement:   []viewerActionJSON{},
			Purchases:    []viewerPurchaseJSON{},
		}
		for _, m := range tl.Messages {
			r.Messages = append(r.Messages, viewerMessageJSON{ID: m.DeliveryID, Kind: m.Kind, Interval: m.Interval,
				Channel: m.Channel, Status: m.Status, Error: m.Error, QueuedAt: formatTime(m.QueuedAt),
				SentAt: formatTimePtr(m.SentAt), BouncedAt: formatTimePtr(m.BouncedAt),
				OpenedAt: formatTimePtr(m.OpenedAt), OpenCount: m.OpenCount,
				ClickedAt: formatTimePtr(m.ClickedAt), ClickCount: m.ClickCount})
			r.Opens += m.OpenCount
			r.Clicks += m.ClickCount
		}
		for _, v := range tl.Sessions {
			r.Sessions = append(r.Sessions, viewerSessionJSON{StartedAt: formatTime(v.StartedAt),
				LastSeenAt: formatTime(v.LastSeenAt), Seconds: v.Seconds})
		}
		for _, a := range rec.Actions {
			r.Engagement = append(r.Engagement, viewerActionJSON{Action: a.Action, At: formatTime(a.At)})
		}
		for _, p := range tl.Purchases {
			r.Purchases = append(r.Purchases, viewerPurchaseJSON{AmountCents: p.AmountCents, Currency: p.Currency,
				At: formatTime(p.At)})
		}
		out.Registrations = append(out.Registrations, r)
	}
	return out, nil
}

// ViewerErasure is what an erasure erased.
type ViewerErasure struct {
	Erased struct {
		Registrations int `json:"registrations"`
	} `json:"erased"`
}

// EraseViewer erases, at now, the personal data of email in the host's
// events (store.EraseViewer says what that is).
func EraseViewer(ctx context.Context, st *store.Store, hostID, email string, now time.Time) (ViewerErasure, error) {
	var out ViewerErasure
	email, err := onair.ParseEmail("email", email)
	if err != nil {
		return out, err
	}
	out.Erased.Registrations, err = st.EraseViewer(ctx, hostID, email, now)
	return out, err
}

func (s *Server) exportViewer(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	out, err := ExportViewer(r.Context(), s.store, host.ID, r.URL.Query().Get("email"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) eraseViewer(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	out, err := EraseViewer(r.Context(), s.store, host.ID, r.URL.Query().Get("email"), s.clock())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

package web

import (
	"net/http"

	"github.com/onair-live/onair/internal/links"
	"github.com/onair-live/onair/internal/locale"
	"github.com/onair-live/onair/internal/onair"
)

// The "can't make it?" link of every message: /cancel/{token}, with a
// token of its own (onair.CancelToken). The signed URL is the only
// credential, as for the unsubscribe link: no session, no CSRF token. A GET
// never cancels, since mail scanners and link previews follow every link;
// the page's button POSTs, and the answer redirects to a page that a
// refresh only shows again.

// cancelRegistrationOf is the registration and event of a cancel link.
func (s *Server) cancelRegistrationOf(r *http.Request) (onair.Registration, onair.Event, error) {
	id, ok := onair.ParseCancelToken(s.secret, r.PathValue("token"))
	if !ok {
		return onair.Registration{}, onair.Event{}, onair.Errorf(onair.ErrNotFound, "not_found", "no such cancel link")
	}
	reg, ev, err := s.store.RegistrationWithEvent(r.Context(), id)
	if err == nil && reg.Erased() {
		err = onair.Errorf(onair.ErrNotFound, "not_found", "no such cancel link")
	}
	return reg, ev, err
}

// cancelPage serves GET /cancel/{token}: it asks, and offers to stop the
// messages alone instead (the unsubscribe page), which is how a text
// message, whose way out this link is, reaches that page.
func (s *Server) cancelPage(w http.ResponseWriter, r *http.Request) error {
	reg, ev, err := s.cancelRegistrationOf(r)
	if err != nil {
		return err
	}
	if reg.Status == onair.RegCancelled {
		s.renderHostPage(w, r, ev.HostID, http.StatusOK, cancelledPage(ev, reg))
		return nil
	}
	l := locale.For(onair.MessageLanguage(ev, reg))
	p := simplePage{Lang: l.Lang, Title: l.T("cancel_title"),
		Message:  l.T("cancel_message", "Title", ev.Title),
		Action:   l.T("cancel_action"),
		Link:     s.links.Unsubscribe(reg),
		LinkText: l.T("cancel_keep_spot"),
	}
	if reg.Status == onair.RegWaitlisted {
		p.Message = l.T("cancel_waitlist_message", "Title", ev.Title)
		p.Action, p.Link = l.T("cancel_waitlist_action"), ""
	}
	if _, err := onair.CancelRegistration(ev, reg); err != nil {
		p.Message, p.Action, p.Link = l.T("cancel_over"), "", ""
	}
	s.renderHostPage(w, r, ev.HostID, http.StatusOK, p)
	return nil
}

// cancelSubmit serves POST /cancel/{token}: it cancels at once (again: no
// harm) and redirects to the page that says so.
func (s *Server) cancelSubmit(w http.ResponseWriter, r *http.Request) error {
	reg, _, err := s.cancelRegistrationOf(r)
	if err != nil {
		return err
	}
	if _, err := s.store.CancelRegistration(r.Context(), reg.ID, s.clock()); err != nil {
		return err
	}
	http.Redirect(w, r, links.CancelPath(r.PathValue("token"))+"/done", http.StatusSeeOther)
	return nil
}

// cancelDone serves GET /cancel/{token}/done, where the cancellation
// lands: it shows the registration as it is.
func (s *Server) cancelDone(w http.ResponseWriter, r *http.Request) error {
	reg, ev, err := s.cancelRegistrationOf(r)
	if err != nil {
		return err
	}
	if reg.Status != onair.RegCancelled {
		http.Redirect(w, r, links.CancelPath(r.PathValue("token")), http.StatusSeeOther)
		return nil
	}
	s.renderHostPage(w, r, ev.HostID, http.StatusOK, cancelledPage(ev, reg))
	return nil
}

func cancelledPage(ev onair.Event, reg onair.Registration) simplePage {
	l := locale.For(onair.MessageLanguage(ev, reg))
	return simplePage{Lang: l.Lang, Title: l.T("cancelled_title"), Message: l.T("cancelled_message", "Title", ev.Title)}
}

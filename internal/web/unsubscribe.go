package web

import (
	"html/template"
	"net/http"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/web/site"
)

// page adapts a handler that answers with HTML; its error becomes a small
// HTML error page.
func (s *Server) page(h handler) http.Handler { return s.pageSaying(h, notFoundPage) }

// linkPage is page for the pages a viewer reaches by a link in a message:
// the link itself is what is wrong when there is nothing at it.
func (s *Server) linkPage(h handler) http.Handler { return s.pageSaying(h, badLinkPage) }

// The words of a 404 page: at an address someone typed or followed on the
// site, and at a link from a message.
const (
	notFoundPage = "There is nothing at this address, or it is not yours to see."
	badLinkPage  = "This link is not valid. It may have been copied incompletely."
)

func (s *Server) pageSaying(h handler, notFound string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Referrer-Policy", "no-referrer")
		if err := h(w, r); err != nil {
			s.writeErrorPage(w, r, err, notFound)
		}
	})
}

// writeErrorPage answers r with err as a small HTML page; a 404 says
// notFound rather than the error's own words, which name internals.
func (s *Server) writeErrorPage(w http.ResponseWriter, r *http.Request, err error, notFound string) {
	status, d := describe(err)
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "page failed", "route", r.Pattern, "err", err)
		d.Message = "Something went wrong on our side. Please try again in a moment."
	}
	if status == http.StatusNotFound {
		d.Message = notFound
	}
	setRetryAfter(w, err, status)
	renderSimplePage(w, status, simplePage{Title: http.StatusText(status), Message: d.Message})
}

type simplePage struct {
	Title   string
	Message string
	Action  string // a form that POSTs to the page itself, with this label
	// Wider, when set, is a second form that POSTs scope=host, explained
	// by WiderNote.
	Wider, WiderNote string
	// Link, when set, is a page to go to instead, named by LinkText.
	Link, LinkText string
	// Brand heads the page with the host's name, logo and colour.
	Brand *site.Brand
}

// simplePageTmpl is a page of its own, without the layout's script, in
// the site's stylesheet (the pages allow no inline style).
var simplePageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · {{with .Brand}}{{with .Name}}{{.}}{{else}}onair{{end}}{{else}}onair{{end}}</title>
<link rel="icon" href="/favicon.ico" sizes="any">
<link rel="stylesheet" href="/static/style.css">
{{with .Brand}}{{with .Style}}<style>{{.}}</style>
{{end}}{{end}}</head>
<body><header class="top">{{with .Brand}}<span class="host-brand">
{{- if .LogoURL}}<img src="{{.LogoURL}}" alt="{{if not .Name}}Organiser logo{{end}}" height="36">{{end}}
{{- with .Name}}<span class="host-name">{{.}}</span>{{end -}}
</span>{{else}}<span class="brand">onair</span>{{end}}</header><main>
<section class="card narrow">
<h1>{{.Title}}</h1><p>{{.Message}}</p>
{{if .Action}}<form method="post"><button type="submit" class="primary">{{.Action}}</button></form>{{end}}
{{if .Wider}}<p>{{.WiderNote}}</p>
<form method="post"><input type="hidden" name="scope" value="host"><button type="submit">{{.Wider}}</button></form>{{end}}
{{if .Link}}<p><a href="{{.Link}}">{{.LinkText}}</a></p>{{end}}
</section>
</main></body></html>`))

func renderSimplePage(w http.ResponseWriter, status int, p simplePage) {
	site.AllowStyle(w, string(p.Brand.Style()))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	simplePageTmpl.Execute(w, p)
}

// unsubscribePage asks before unsubscribing: a GET never unsubscribes, since
// mail scanners and link previews follow every link in a message.
func (s *Server) unsubscribePage(w http.ResponseWriter, r *http.Request) error {
	id, ok := onair.ParseUnsubscribeToken(s.secret, r.PathValue("token"))
	if !ok {
		return onair.Errorf(onair.ErrNotFound, "not_found", "no such unsubscribe link")
	}
	reg, ev, err := s.store.RegistrationWithEvent(r.Context(), id)
	if err != nil {
		return err
	}
	p := simplePage{Title: "Unsubscribe",
		Message: "Stop all messages about " + ev.Title + " to " + reg.Email + "? Your watch link keeps working.",
		Action:  "Unsubscribe from this event",
		Wider:   "Stop everything from this host",
		WiderNote: "Or hear nothing more from this host at all, about any event, now or later, by email" +
			phoneNote(reg) + "."}
	if reg.Status == onair.RegUnsubscribed {
		p.Title, p.Action = "You are unsubscribed", ""
		p.Message = "You will get no more messages about " + ev.Title + "."
	}
	s.renderHostPage(w, r, ev.HostID, http.StatusOK, p)
	return nil
}

// renderHostPage is renderSimplePage for a page of one of the host's
// events, under the host's brand; without it when the host cannot be read
// (the page says what it has to say all the same).
func (s *Server) renderHostPage(w http.ResponseWriter, r *http.Request, hostID string, status int, p simplePage) {
	if host, err := s.store.Host(r.Context(), hostID); err == nil {
		p.Brand = site.BrandOf(host)
	} else {
		s.log.WarnContext(r.Context(), "page without its host's brand", "err", err)
	}
	renderSimplePage(w, status, p)
}

// phoneNote names text messages among what "everything from this host"
// stops, when SMS reaches the registrant at all.
func phoneNote(reg onair.Registration) string {
	if onair.Address(onair.ChannelSMS, reg) == "" {
		return ""
	}
	return " or text message"
}

// unsubscribe is the one-click unsubscribe of RFC 8058 (and the page's
// form): it needs no cookie and no CSRF token, the signed token in the URL
// is the proof, and it takes effect at once on every channel.
func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) error {
	id, ok := onair.ParseUnsubscribeToken(s.secret, r.PathValue("token"))
	if !ok {
		return onair.Errorf(onair.ErrNotFound, "not_found", "no such unsubscribe link")
	}
	// The RFC 8058 POST carries List-Unsubscribe=One-Click and means this
	// event; only the page's own second button asks for more.
	if r.PostFormValue("scope") == "host" {
		_, ev, err := s.store.UnsubscribeFromHost(r.Context(), id, s.clock())
		if err != nil {
			return err
		}
		s.renderHostPage(w, r, ev.HostID, http.StatusOK, simplePage{Title: "You are unsubscribed",
			Message: "You will get no more messages from this host, about any event."})
		return nil
	}
	_, ev, err := s.store.Unsubscribe(r.Context(), id, s.clock())
	if err != nil {
		return err
	}
	s.renderHostPage(w, r, ev.HostID, http.StatusOK, simplePage{Title: "You are unsubscribed",
		Message: "You will get no more messages about " + ev.Title + "."})
	return nil
}

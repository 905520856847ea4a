package web

import (
	"html/template"
	"net/http"

	"github.com/onair-live/onair/internal/locale"
	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/web/site"
)

// page adapts a handler that answers with HTML; its error becomes a small
// HTML error page.
func (s *Server) page(h handler) http.Handler { return s.pageSaying(h, notFoundPage, false) }

// viewerPage is page for the public pages of an event (registration,
// watch): its error pages speak the browser's language.
func (s *Server) viewerPage(h handler) http.Handler { return s.pageSaying(h, notFoundPage, true) }

// linkPage is viewerPage for the pages a viewer reaches by a link in a
// message: the link itself is what is wrong when there is nothing at it.
func (s *Server) linkPage(h handler) http.Handler { return s.pageSaying(h, badLinkPage, true) }

// The catalogue's words of a 404 page: at an address someone typed or
// followed on the site, and at a link from a message.
const (
	notFoundPage = "page_not_found"
	badLinkPage  = "page_bad_link"
)

func (s *Server) pageSaying(h handler, notFound string, viewer bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Referrer-Policy", "no-referrer")
		if err := h(w, r); err != nil {
			l := locale.For(onair.English) // the host's pages are in English
			if viewer {
				l = viewerLocale(r, onair.English)
			}
			s.writeErrorPage(w, r, err, notFound, l)
		}
	})
}

// writeErrorPage answers r with err as a small HTML page in l; a 404 says
// notFound rather than the error's own words, which name internals.
func (s *Server) writeErrorPage(w http.ResponseWriter, r *http.Request, err error, notFound string, l *locale.Locale) {
	status, d := describe(err)
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "page failed", "route", r.Pattern, "err", err)
		d.Message = l.T("page_internal_error")
	}
	if status == http.StatusNotFound {
		d.Message = l.T(notFound)
	}
	title := http.StatusText(status)
	switch {
	case l.Lang == onair.English:
	case status == http.StatusNotFound:
		title = l.T("page_not_found_title")
	default:
		title = l.T("page_error_title")
	}
	setRetryAfter(w, err, status)
	renderSimplePage(w, status, simplePage{Lang: l.Lang, Title: title, Message: d.Message})
}

type simplePage struct {
	Lang    onair.Language // "" is English
	Title   string
	Message string
	Action  string // a form that POSTs to the page itself, with this label
	// Wider, when set, is a second form that POSTs scope=host, explained
	// by WiderNote.
	Wider, WiderNote string
	// Link, when set, is a page to go to instead, named by LinkText.
	Link, LinkText string
	// Brand heads the page with the host's name, logo and colour; LogoAlt
	// names a logo that comes without a name.
	Brand   *site.Brand
	LogoAlt string
}

// simplePageTmpl is a page of its own, without the layout's script, in
// the site's stylesheet (the pages allow no inline style).
var simplePageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="{{with .Lang}}{{.}}{{else}}en{{end}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · {{with .Brand}}{{with .Name}}{{.}}{{else}}onair{{end}}{{else}}onair{{end}}</title>
<link rel="icon" href="/favicon.ico" sizes="any">
<link rel="stylesheet" href="/static/style.css">
{{with .Brand}}{{with .Style}}<style>{{.}}</style>
{{end}}{{end}}</head>
<body><header class="top">{{with .Brand}}<span class="host-brand">
{{- if .LogoURL}}<img src="{{.LogoURL}}" alt="{{if not .Name}}{{$.LogoAlt}}{{end}}" height="36">{{end}}
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
	l := locale.For(onair.MessageLanguage(ev, reg))
	p := simplePage{Lang: l.Lang, Title: l.T("unsub_title"),
		Message:   l.T("unsub_message", "Title", ev.Title, "Email", reg.Email),
		Action:    l.T("unsub_action"),
		Wider:     l.T("unsub_wider"),
		WiderNote: l.T(widerNote(reg))}
	if reg.Status == onair.RegUnsubscribed {
		p.Title, p.Action = l.T("unsub_done_title"), ""
		p.Message = l.T("unsub_done", "Title", ev.Title)
	}
	s.renderHostPage(w, r, ev.HostID, http.StatusOK, p)
	return nil
}

// renderHostPage is renderSimplePage for a page of one of the host's
// events, under the host's brand; without it when the host cannot be read
// (the page says what it has to say all the same).
func (s *Server) renderHostPage(w http.ResponseWriter, r *http.Request, hostID string, status int, p simplePage) {
	if host, err := s.store.Host(r.Context(), hostID); err == nil {
		p.Brand, p.LogoAlt = site.BrandOf(host), locale.For(p.Lang).T("page_logo_alt")
	} else {
		s.log.WarnContext(r.Context(), "page without its host's brand", "err", err)
	}
	renderSimplePage(w, status, p)
}

// widerNote is the catalogue's note on what "everything from this host"
// stops: text messages too, when SMS reaches the registrant at all.
func widerNote(reg onair.Registration) string {
	if onair.Address(onair.ChannelSMS, reg) == "" {
		return "unsub_wider_note"
	}
	return "unsub_wider_note_sms"
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
		reg, ev, err := s.store.UnsubscribeFromHost(r.Context(), id, s.clock())
		if err != nil {
			return err
		}
		l := locale.For(onair.MessageLanguage(ev, reg))
		s.renderHostPage(w, r, ev.HostID, http.StatusOK, simplePage{Lang: l.Lang, Title: l.T("unsub_done_title"), Message: l.T("unsub_done_host")})
		return nil
	}
	reg, ev, err := s.store.Unsubscribe(r.Context(), id, s.clock())
	if err != nil {
		return err
	}
	l := locale.For(onair.MessageLanguage(ev, reg))
	s.renderHostPage(w, r, ev.HostID, http.StatusOK, simplePage{Lang: l.Lang, Title: l.T("unsub_done_title"), Message: l.T("unsub_done", "Title", ev.Title)})
	return nil
}

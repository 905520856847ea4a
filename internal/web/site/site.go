// Package site holds what onair's HTTP applications share: the one table
// from domain errors to HTTP statuses, the page data and the shared layout
// every page is parsed on, the security headers a page may loosen, and
// the reading of the query parameters that the API and the pages alike
// take. internal/web (the API and the viewer pages) and
// internal/web/dashboard (the host's pages) both import it; it imports
// neither.
package site

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/locale"
	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/web/ui"
)

// Page is the data every page template gets.
type Page struct {
	Title string
	Host  *onair.Host // the signed-in host, or nil
	CSRF  string
	Flash string
	Data  any
	// Brand is the host of a public page (registration, success, watch):
	// its name and logo head the page, its colour is the accent.
	Brand *Brand
	// OG is the page's link preview, when it has one.
	OG *OpenGraph
	// Embed renders the page for another site's frame: no header, no
	// background of its own.
	Embed bool
	// L is the language of a viewer's page (nil on the host's pages,
	// which are in English).
	L *locale.Locale
}

// funcs are the helpers templates may call.
var funcs = template.FuncMap{
	// inZone formats t in an IANA zone with the zone named, as messages do.
	"inZone": func(t time.Time, zone string) string { return notify.FormatTime(t, zone) },
	// inZoneIn is inZone in a viewer's language.
	"inZoneIn": func(t time.Time, zone string, l *locale.Locale) string { return notify.FormatTimeIn(t, zone, l.Lang) },
	"rfc3339":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"pct": func(part, whole int) int {
		if whole <= 0 {
			return 0
		}
		return min(100, part*100/whole)
	},
	"deref": func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	},
	// mul100 turns a fraction into a percentage.
	"mul100": func(f float64) float64 { return f * 100 },
}

// Pages are one application's page templates by name, each parsed on top
// of the shared layout.
type Pages map[string]*template.Template

// ParsePages parses the shared layout (ui's templates/layout.html, with
// its csrf and fielderror partials) and the partials of files (the .html
// files of dir whose names start with "_") once, and each other .html
// file of dir on top of a copy of them, named without its extension.
// internal/web parses its pages from ui's own templates, beside the layout.
func ParsePages(files fs.FS, dir string) (Pages, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(ui.FS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(files, path.Join(dir, "*.html"))
	if err != nil {
		return nil, err
	}
	var pages []string
	for _, n := range names {
		if n == "templates/layout.html" && files == fs.FS(ui.FS) {
			continue // parsed already
		}
		if !strings.HasPrefix(path.Base(n), "_") {
			pages = append(pages, n)
			continue
		}
		if _, err := base.ParseFS(files, n); err != nil {
			return nil, err
		}
	}
	out := Pages{}
	for _, n := range pages {
		t, err := template.Must(base.Clone()).ParseFS(files, n)
		if err != nil {
			return nil, err
		}
		out[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return out, nil
}

// Render writes page name with p. It renders into a buffer first, so that
// a template error becomes a clean 500 page, not half a page.
func (ps Pages) Render(w http.ResponseWriter, status int, name string, p Page) error {
	t := ps[name]
	if t == nil {
		return fmt.Errorf("no page template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("rendering %s: %w", name, err)
	}
	AllowStyle(w, string(p.Brand.Style()))
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// Package ui holds the embedded templates and static files of onair's
// pages: server-rendered HTML that works without JavaScript, with small
// hand-written CSS and JS that only improve it.
package ui

import "embed"

// FS holds templates/*.html (the layout, partials and one file per page)
// and static/ (style.css, app.js).
//
//go:embed templates static
var FS embed.FS

// Package ui holds the embedded layout, templates and static files of
// onair's pages: server-rendered HTML that works without JavaScript, with
// small hand-written CSS and JS that only improve it. The dashboard's own
// pages are embedded by internal/web/dashboard, on this layout.
package ui

import "embed"

// FS holds templates/*.html (the layout every page is parsed on, and one
// file per page of internal/web) and static/ (style.css, app.js, for every
// page). "all:" keeps any partial whose name starts with "_"
// (site.ParsePages parses them into every page): a plain directory pattern
// leaves such files out.
//
//go:embed all:templates static
var FS embed.FS

// Package ui holds the embedded templates and static files of onair's
// pages: server-rendered HTML that works without JavaScript, with small
// hand-written CSS and JS that only improve it.
package ui

import "embed"

// FS holds templates/*.html (the layout, partials and one file per page)
// and static/ (style.css, app.js). "all:" keeps the partials whose names
// start with "_" (loadPages parses them into every page): a plain directory
// pattern leaves such files out.
//
//go:embed all:templates static
var FS embed.FS

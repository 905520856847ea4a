// Package markdown renders the Markdown a host writes (an event's
// description) as HTML safe to put in onair's pages, and as plain text for
// link previews.
//
// Markdown is rendered by goldmark with the GitHub extensions (tables,
// strikethrough, task lists, bare links); the HTML a host writes among it
// passes, and then all of the output goes through bluemonday's policy for
// user content: scripts, styles, frames, forms, event handlers and
// javascript: or data: links are dropped, whatever their spelling. The
// sanitizer, not the Markdown renderer, is what keeps the page safe, so it
// runs last, over everything.
package markdown

import (
	"bytes"
	"html"
	"html/template"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"
)

var (
	md = goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		// A description written before it was Markdown has its lines
		// broken where the host broke them.
		goldmark.WithRendererOptions(gmhtml.WithHardWraps(), gmhtml.WithUnsafe()),
	)
	// policy is for a fragment of a page: links leave in a new tab (the
	// page may be in another site's frame) without the page's window
	// (noopener) and without endorsement (nofollow).
	policy = bluemonday.UGCPolicy().
		RequireNoFollowOnLinks(true).
		AddTargetBlankToFullyQualifiedLinks(true)
	strip = bluemonday.StrictPolicy()
)

// HTML renders src as sanitized HTML.
func HTML(src string) template.HTML {
	if strings.TrimSpace(src) == "" {
		return ""
	}
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		// goldmark fails only when writing fails, which a buffer does not;
		// the text itself, escaped, is the safe answer.
		return template.HTML("<p>" + template.HTMLEscapeString(src) + "</p>")
	}
	return template.HTML(policy.SanitizeBytes(buf.Bytes()))
}

// Text is src as one line of plain text of at most max characters (cut at
// a word, with an ellipsis): what a link preview shows of a description.
func Text(src string, max int) string {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		buf.Reset()
		buf.WriteString(template.HTMLEscapeString(src))
	}
	// Block ends become spaces before the tags go, so that paragraphs do
	// not run into each other.
	s := strings.NewReplacer("</p>", " ", "<br>", " ", "</li>", " ", "</h1>", " ", "</h2>", " ",
		"</h3>", " ", "</td>", " ", "</th>", " ").Replace(buf.String())
	s = html.UnescapeString(strip.Sanitize(s))
	s = strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	cut := []rune(s)[:max-1]
	if i := strings.LastIndexFunc(string(cut), unicode.IsSpace); i > len(string(cut))/2 {
		return strings.TrimRightFunc(string(cut)[:i], unicode.IsPunct) + "…"
	}
	return string(cut) + "…"
}

package notify

import (
	"fmt"
	"io"
	"strings"
	"text/template/parse"
)

// A prepared email fills its slots without html/template, so it escapes
// each value as html/template would in the slot's place in the template.
// Which escaping that is comes from the template itself: once escaped,
// html/template's parse tree names the escapers of every action, and the
// package refuses to start if a slot sits where we do not escape alike.
// Tests hold the result to html/template's own output, byte for byte.

// The escaper chains html/template gives a string in HTML text and in a
// quoted URL attribute (href, src).
const (
	chainHTMLText = "_html_template_htmlescaper"
	chainURLAttr  = "_html_template_urlfilter _html_template_urlnormalizer _html_template_attrescaper"
)

// htmlSlotEscapers write a slot's value into the HTML part.
var htmlSlotEscapers = func() [numSlots]func(*strings.Builder, string) {
	// Escaping happens on the first execution; the zero view renders.
	if err := emailHTML.Execute(io.Discard, emailView{}); err != nil {
		panic(fmt.Sprintf("notify: email template: %v", err))
	}
	fields := map[string]slot{
		"Greeting": slotGreeting, "WatchURL": slotWatch, "CalendarURL": slotCalendar,
		"GoogleURL": slotGoogle, "UnsubscribeURL": slotUnsubscribe, "OpenPixelURL": slotPixel, "CancelURL": slotCancel,
	}
	chains := map[slot]map[string]bool{}
	walkActions(emailHTML.Tree.Root, func(a *parse.ActionNode) {
		cmds := a.Pipe.Cmds
		if len(cmds) == 0 || len(cmds[0].Args) != 1 {
			return
		}
		f, ok := cmds[0].Args[0].(*parse.FieldNode)
		if !ok || len(f.Ident) != 1 {
			return
		}
		s, ok := fields[f.Ident[0]]
		if !ok {
			return
		}
		var names []string
		for _, c := range cmds[1:] {
			names = append(names, c.String())
		}
		if chains[s] == nil {
			chains[s] = map[string]bool{}
		}
		chains[s][strings.Join(names, " ")] = true
	})
	var out [numSlots]func(*strings.Builder, string)
	for name, s := range fields {
		if len(chains[s]) != 1 {
			panic(fmt.Sprintf("notify: the email template shows .%s in %d kinds of place; a prepared email needs exactly one", name, len(chains[s])))
		}
		for chain := range chains[s] {
			switch chain {
			case chainHTMLText:
				out[s] = writeHTMLText
			case chainURLAttr:
				out[s] = writeURLAttr
			default:
				panic(fmt.Sprintf("notify: the email template escapes .%s with %q, which a prepared email does not", name, chain))
			}
		}
	}
	return out
}()

// walkActions calls f on every action of the tree under n.
func walkActions(n parse.Node, f func(*parse.ActionNode)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walkActions(c, f)
		}
	case *parse.ActionNode:
		f(n)
	case *parse.IfNode:
		walkActions(n.List, f)
		walkActions(n.ElseList, f)
	case *parse.RangeNode:
		walkActions(n.List, f)
		walkActions(n.ElseList, f)
	case *parse.WithNode:
		walkActions(n.List, f)
		walkActions(n.ElseList, f)
	}
}

// htmlEscapes are the escapes html/template writes for a string in HTML
// text and in a quoted attribute; every other byte, invalid UTF-8
// included, passes as it is.
var htmlEscapes = [256]string{
	0:    "\uFFFD",
	'"':  "&#34;",
	'&':  "&amp;",
	'\'': "&#39;",
	'+':  "&#43;",
	'<':  "&lt;",
	'>':  "&gt;",
}

// writeHTMLText writes s as html/template writes a string in HTML text.
func writeHTMLText(b *strings.Builder, s string) {
	done := 0
	for i := 0; i < len(s); i++ {
		if e := htmlEscapes[s[i]]; e != "" {
			b.WriteString(s[done:i])
			b.WriteString(e)
			done = i + 1
		}
	}
	b.WriteString(s[done:])
}

// writeURLAttr writes s as html/template writes a string that is the
// whole value of a quoted href or src: a scheme other than http, https
// and mailto is refused ("#ZgotmplZ"); the URL is normalised, every byte
// that may not appear in one percent-encoded (an existing %XX escape
// kept); then the & and + left are escaped for the attribute.
func writeURLAttr(b *strings.Builder, s string) {
	if !safeURL(s) {
		b.WriteString("#ZgotmplZ")
		return
	}
	const hex = "0123456789abcdef"
	done := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var esc string
		switch {
		case urlKeeps[c]:
			continue
		case c == '%' && i+2 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2]):
			continue
		case c == '&':
			esc = "&amp;"
		case c == '+':
			esc = "&#43;"
		}
		b.WriteString(s[done:i])
		if esc != "" {
			b.WriteString(esc)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
		done = i + 1
	}
	b.WriteString(s[done:])
}

// safeURL reports whether s is relative or of the http, https or mailto
// scheme.
func safeURL(s string) bool {
	scheme, _, ok := strings.Cut(s, ":")
	if !ok || strings.Contains(scheme, "/") {
		return true
	}
	return strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https") || strings.EqualFold(scheme, "mailto")
}

// urlKeeps says which bytes a normalised URL keeps as they are (& and +
// are kept by the URL but escaped by the attribute, so not here).
var urlKeeps = func() (keep [256]bool) {
	for _, c := range []byte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$*,/:;=?@[]-._~") {
		keep[c] = true
	}
	return keep
}()

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

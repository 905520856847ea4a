package markdown

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// unsafeMarkup reads out as a browser would and says what in it could run
// or reach outside the text: an element beyond plain content, an event
// handler or style attribute, a link or source that is not http(s),
// mailto or relative, a link that keeps its opener.
func unsafeMarkup(out string) string {
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "style", "iframe", "frame", "object", "embed", "form", "input", "button", "svg", "math",
				"meta", "base", "link", "noscript", "textarea", "select":
				return "element " + tok.Data
			}
			for _, a := range tok.Attr {
				key := strings.ToLower(a.Key)
				val := strings.ToLower(strings.TrimSpace(a.Val))
				switch {
				case strings.HasPrefix(key, "on"), key == "style", key == "srcdoc", key == "formaction":
					return "attribute " + key
				case key == "href" || key == "src":
					if i := strings.IndexByte(val, ':'); i >= 0 && !strings.ContainsAny(val[:i], "/?#") &&
						val[:i] != "http" && val[:i] != "https" && val[:i] != "mailto" {
						return key + " " + val
					}
				case key == "rel" && tok.Data == "a" && !strings.Contains(" "+val+" ", " noopener "):
					return "a link without noopener"
				case key == "target" && val != "_blank":
					return "target " + val
				}
			}
		}
	}
}

func TestHTMLRendersMarkdown(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"emphasis and a list", "**Bold** and _it_\n\n- one\n- two", "<p><strong>Bold</strong> and <em>it</em></p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"},
		{"a line break is kept", "line one\nline two", "<p>line one<br>\nline two</p>\n"},
		{"a link leaves in a new tab, nofollow noopener", "[site](https://example.com/a?b=1&c=2)",
			`<p><a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener" target="_blank">site</a></p>` + "\n"},
		{"a bare link is linked", "see https://example.com",
			`<p>see <a href="https://example.com" rel="nofollow noopener" target="_blank">https://example.com</a></p>` + "\n"},
		{"a heading", "## Agenda", "<h2>Agenda</h2>\n"},
		{"safe HTML stays", "a <b>bold</b> word", "<p>a <b>bold</b> word</p>\n"},
		{"an https image", "![cover](https://cdn.example/x.png)", `<p><img src="https://cdn.example/x.png" alt="cover"></p>` + "\n"},
		{"empty", "  \n ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(HTML(tt.src)); got != tt.want {
				t.Errorf("HTML(%q)\n got %q\nwant %q", tt.src, got, tt.want)
			}
		})
	}
}

// TestHTMLIsInert: whatever a host writes, nothing of it runs, loads a
// frame or a form, or styles the page.
func TestHTMLIsInert(t *testing.T) {
	hostile := []string{
		"<script>alert(1)</script>",
		"<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
		"before <script>alert(1)</script> after",
		"[click](javascript:alert(1))",
		"[click](JaVaScRiPt:alert(1))",
		"[click](java\tscript:alert(1))",
		"[click](&#106;avascript:alert(1))",
		"<a href=\"javascript:alert(1)\">x</a>",
		"<a href=\"  javascript:alert(1)\">x</a>",
		"[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
		"[x](vbscript:msgbox(1))",
		"<img src=x onerror=alert(1)>",
		"![x](https://x.example/a.png\" onerror=\"alert(1))",
		"<div onclick=\"alert(1)\" onmouseover=alert(2)>hi</div>",
		"<iframe src=\"https://evil.example\"></iframe>",
		"<object data=\"x.swf\"></object><embed src=x.swf>",
		"<form action=https://evil.example><input name=password></form>",
		"<style>body{display:none}</style>",
		"<p style=\"position:fixed;top:0\">x</p>",
		"<svg><script>alert(1)</script></svg>",
		"<svg onload=alert(1)>",
		"<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
		"<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
		"<base href=\"https://evil.example/\">",
		"<link rel=stylesheet href=https://evil.example/x.css>",
		"<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
		"<!--<script>alert(1)</script>-->",
		"`<script>` in code is text",
		"```\n<script>alert(1)</script>\n```",
		"<a href=\"https://ok.example\" target=\"_self\" rel=\"opener\">x</a>",
	}
	for _, src := range hostile {
		out := string(HTML(src))
		if problem := unsafeMarkup(out); problem != "" {
			t.Errorf("HTML(%q) = %q: %s", src, out, problem)
		}
	}
	// Text that looks like code stays visible, as text.
	if got := string(HTML("`<script>` in code is text")); !strings.Contains(got, "<code>&lt;script&gt;</code>") {
		t.Errorf("code: %q", got)
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		src  string
		max  int
		want string
	}{
		{"**Join us** for the _launch_.\n\nSecond paragraph.", 200, "Join us for the launch. Second paragraph."},
		{"[our site](https://example.com) & <b>more</b> <script>alert(1)</script>", 200, "our site & more"},
		{"- one\n- two", 200, "one two"},
		{"A rather long sentence that goes on and on", 20, "A rather long…"},
		{"Supercalifragilisticexpialidocious", 10, "Supercali…"},
		{"", 10, ""},
	}
	for _, tt := range tests {
		if got := Text(tt.src, tt.max); got != tt.want {
			t.Errorf("Text(%q, %d) = %q, want %q", tt.src, tt.max, got, tt.want)
		}
	}
}

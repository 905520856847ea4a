package site

import (
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/onair-live/onair/internal/web/ui"
)

func TestParsePagesPutsEachPageInTheLayout(t *testing.T) {
	files := fstest.MapFS{
		"pages/_part.html": {Data: []byte(`{{define "part"}}<em>{{.}}</em>{{end}}`)},
		"pages/hello.html": {Data: []byte(`{{define "content"}}<p>Hello {{template "part" .Data}}</p>{{end}}`)},
	}
	pages, err := ParsePages(files, "pages")
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 1 || pages["hello"] == nil {
		t.Fatalf("pages = %v; want hello alone (a partial is not a page)", pages)
	}
	w := httptest.NewRecorder()
	if err := pages.Render(w, 201, "hello", Page{Title: "Greeting", Data: "<b>you</b>"}); err != nil {
		t.Fatal(err)
	}
	body := w.Body.String()
	for _, want := range []string{"<title>Greeting · onair</title>", "<p>Hello <em>&lt;b&gt;you&lt;/b&gt;</em></p>", `href="/static/style.css"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s:\n%s", want, body)
		}
	}
	if w.Code != 201 || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("status %d, Cache-Control %q", w.Code, w.Header().Get("Cache-Control"))
	}
	if err := pages.Render(httptest.NewRecorder(), 200, "missing", Page{}); err == nil {
		t.Error("a missing page rendered")
	}
}

func TestParsePagesOfUILeavesTheLayoutOut(t *testing.T) {
	pages, err := ParsePages(ui.FS, "templates")
	if err != nil {
		t.Fatal(err)
	}
	if pages["layout"] != nil || pages["login"] == nil {
		t.Errorf("pages of ui: layout %v, login %v; want the pages without the layout", pages["layout"] != nil, pages["login"] != nil)
	}
}

package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
)

// getOpenAPI fetches GET /api/openapi.json from a server.
func getOpenAPI(t *testing.T, header http.Header) *http.Response {
	t.Helper()
	req := httptest.NewRequest("GET", "/api/openapi.json", nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	New(Config{}).ServeHTTP(rec, req)
	return rec.Result()
}

func TestOpenAPIDocumentIsValidOpenAPI31(t *testing.T) {
	resp := getOpenAPI(t, nil)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=") || strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control %q: the document should be cacheable", cc)
	}
	doc, err := libopenapi.NewDocument(body)
	if err != nil {
		t.Fatalf("not an OpenAPI document: %v", err)
	}
	if v := doc.GetVersion(); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("OpenAPI version %q, want 3.1", v)
	}
	if _, err := doc.BuildV3Model(); err != nil {
		t.Fatalf("building the model: %v", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("building a validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("%s: %s", e.Message, e.Reason)
			for _, f := range e.SchemaValidationErrors {
				t.Errorf("  at %s: %s", f.FieldPath, f.Reason)
			}
		}
	}
}

func TestOpenAPIDocumentRevalidatesWithItsETag(t *testing.T) {
	etag := getOpenAPI(t, nil).Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	resp := getOpenAPI(t, http.Header{"If-None-Match": {etag}})
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("with If-None-Match of its ETag: status %d, want 304", resp.StatusCode)
	}
}

// isPage says whether a route of routes.go is an HTML page for browsers
// (or its static files), which the OpenAPI document leaves out.
func isPage(path string) bool {
	switch path {
	case "/{$}", "/static/", "/favicon.ico", "/signup", "/login", "/logout", "/register/{id}", "/register/{id}/done", "/watch/{id}":
		return true
	}
	return strings.HasPrefix(path, "/dashboard/") || strings.HasPrefix(path, "/cancel/")
}

// servedRoutes reads the patterns that routes.go registers ("GET
// /api/events"), and checks that the server has each of them.
func servedRoutes(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "routes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") || len(call.Args) == 0 {
			return true
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			t.Errorf("routes.go: a route whose pattern is not a string literal: %#v", call.Args[0])
			return true
		}
		p, err := strconv.Unquote(lit.Value)
		if err != nil {
			t.Fatal(err)
		}
		patterns = append(patterns, p)
		return true
	})
	if len(patterns) < 20 {
		t.Fatalf("found only %d routes in routes.go: %v", len(patterns), patterns)
	}
	// Each pattern read is one the server's mux answers with.
	s := New(Config{})
	for _, p := range patterns {
		method, path, _ := strings.Cut(p, " ")
		concrete := path
		for strings.Contains(concrete, "{") {
			i := strings.Index(concrete, "{")
			j := strings.Index(concrete[i:], "}")
			name := concrete[i+1 : i+j]
			value := "x"
			if name == "$" {
				value = ""
			}
			concrete = concrete[:i] + value + concrete[i+j+1:]
		}
		if _, got := s.mux.Handler(httptest.NewRequest(method, concrete, nil)); got != p {
			t.Errorf("routes.go lists %q, but %s %s reaches %q", p, method, concrete, got)
		}
	}
	return patterns
}

func TestOpenAPIDocumentsEveryRouteServed(t *testing.T) {
	served := map[string]bool{}
	for _, p := range servedRoutes(t) {
		_, path, _ := strings.Cut(p, " ")
		if !isPage(path) {
			served[p] = true
		}
	}
	doc, err := libopenapi.NewDocument(OpenAPIDocument())
	if err != nil {
		t.Fatal(err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, item := range model.Model.Paths.PathItems.FromOldest() {
		for method := range item.GetOperations().FromOldest() {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	var missing, extra []string
	for p := range served {
		if !documented[p] {
			missing = append(missing, p)
		}
	}
	for p := range documented {
		if !served[p] {
			extra = append(extra, p)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	for _, p := range missing {
		t.Errorf("served but not in openapi.json: %s", p)
	}
	for _, p := range extra {
		t.Errorf("in openapi.json but not served (routes.go): %s", p)
	}
}

package web

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"slices"
	"time"
)

// openAPIDocument is the HTTP contract as OpenAPI 3.1, written by hand
// rather than generated from the handlers' types: it is the promise the
// responses are tested against (cmd/onair checks every JSON answer of its
// end-to-end tests with it), so it must not follow the code by itself.
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPIETag names this build's document, so that a client's cached copy
// is revalidated with a 304.
var openAPIETag = func() string {
	sum := sha256.Sum256(openAPIDocument)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}()

// OpenAPIDocument returns the OpenAPI 3.1 document that GET
// /api/openapi.json serves.
func OpenAPIDocument() []byte { return slices.Clone(openAPIDocument) }

// openAPI serves the document: public, cacheable, the same for every
// caller.
func (s *Server) openAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "public, max-age=3600")
		h.Set("ETag", openAPIETag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(openAPIDocument))
	})
}

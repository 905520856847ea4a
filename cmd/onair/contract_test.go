package main

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	oaconfig "github.com/pb33f/libopenapi-validator/config"
	oaerrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/helpers"

	"github.com/onair-live/onair/internal/web"
)

// contract checks responses against the OpenAPI document that onair
// serves. It is built once per test process: compiling the document's
// schemas is the costly part, a check after that is cheap.
var contract = sync.OnceValues(func() (validator.Validator, error) {
	doc, err := libopenapi.NewDocument(web.OpenAPIDocument())
	if err != nil {
		return nil, err
	}
	v, errs := validator.NewValidator(doc, oaconfig.WithFormatAssertions())
	if len(errs) > 0 {
		return nil, fmt.Errorf("building the validator: %v", errs)
	}
	return v, nil
})

// checkContract fails the test when resp, the answer to req with body raw,
// is JSON and departs from what the OpenAPI document says of its route:
// an undocumented status, a missing or unknown field, a wrong type or
// value. Answers of routes the document leaves out (the pages, a path
// that matches no route) are not its business.
func (a *app) checkContract(req *http.Request, resp *http.Response, raw []byte) {
	a.t.Helper()
	media, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if media != "application/json" {
		return
	}
	v, err := contract()
	if err != nil {
		a.t.Fatalf("the OpenAPI document: %v", err)
	}
	checked := *resp
	checked.Body = io.NopCloser(bytes.NewReader(raw))
	ok, errs := v.ValidateHttpResponse(req, &checked)
	if ok {
		return
	}
	var problems []string
	for _, e := range errs {
		if e.ValidationType == helpers.PathValidation {
			return // a route the document does not describe
		}
		problems = append(problems, describeMismatch(e.Message, e.Reason, e.SchemaValidationErrors))
	}
	a.t.Errorf("%s %s: the %d response departs from openapi.json (%s):\n%s\nbody: %s",
		req.Method, clip([]byte(req.URL.Path), 200), resp.StatusCode, errs[0].SpecPath, strings.Join(problems, "\n"), clip(raw, 2000))
}

// describeMismatch writes one departure, with where in the body each
// failed schema check is.
func describeMismatch(message, reason string, failures []*oaerrors.SchemaValidationFailure) string {
	var b strings.Builder
	b.WriteString("  " + message)
	if reason != "" && reason != message {
		b.WriteString(": " + reason)
	}
	for _, f := range failures {
		at := f.FieldPath
		if at == "" {
			at = f.KeywordLocation
		}
		fmt.Fprintf(&b, "\n    at %s: %s", at, f.Reason)
	}
	return b.String()
}

// clip keeps a message readable when the body or path is long.
func clip(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}

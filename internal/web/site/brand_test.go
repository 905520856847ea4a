package site

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/onair-live/onair/internal/onair"
)

func TestBrandStyleOnlyFromAColour(t *testing.T) {
	if BrandOf(onair.Host{}) != nil {
		t.Error("a host with no settings has a brand")
	}
	b := BrandOf(onair.Host{HostSettings: onair.HostSettings{Name: "Acme", BrandColor: "#fde047"}})
	// A light colour takes dark text.
	if got := string(b.Style()); got != ":root{--brand-1:#fde047;--brand-2:#fde047;--on-brand:"+b.Text+"}" || b.Text == "#ffffff" {
		t.Errorf("style %q", got)
	}
	for _, c := range []string{"red", "#fff", "#12345g", "#123456;}body{display:none", "</style><script>"} {
		b := &Brand{Color: c, Text: "#ffffff"}
		if s := b.Style(); s != "" {
			t.Errorf("colour %q gave the style %q", c, s)
		}
	}
	var none *Brand
	if none.Style() != "" {
		t.Error("no brand has a style")
	}
}

func TestAllowStyleNamesItsHash(t *testing.T) {
	css := ":root{--brand-1:#0f766e;--brand-2:#0f766e;--on-brand:#ffffff}"
	rec := httptest.NewRecorder()
	rec.Header().Set("Content-Security-Policy", ContentPolicy(true, false))
	AllowStyle(rec, css)
	AllowStyle(rec, css) // once is enough
	sum := sha256.Sum256([]byte(css))
	want := "style-src 'self' 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "';"
	got := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(got, want) || strings.Count(got, "sha256-") != 1 || strings.Contains(got, "unsafe-inline") {
		t.Errorf("policy %q, want it to hold %q", got, want)
	}
	rec = httptest.NewRecorder()
	AllowStyle(rec, "")
	if rec.Header().Get("Content-Security-Policy") != "" {
		t.Error("no style set a policy")
	}
}

package site

import (
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"

	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/onair"
)

// Brand is a host as the public pages show it: its name and logo in the
// header, its colour as the pages' accent.
type Brand struct {
	Name, LogoURL string
	Color, Text   string // the accent (#rrggbb) and the text on it; "" for onair's own
}

// BrandOf is the brand of h's public pages, or nil when h set none of it.
func BrandOf(h onair.Host) *Brand {
	if h.Name == "" && h.LogoURL == "" && h.BrandColor == "" {
		return nil
	}
	b := &Brand{Name: h.Name, LogoURL: h.LogoURL}
	if hexColor(h.BrandColor) {
		b.Color, b.Text = h.BrandColor, notify.TextOn(h.BrandColor)
	}
	return b
}

// Style is the stylesheet that makes b's colour the page's accent: the
// custom properties that style.css draws the header, the buttons and the
// bars with. Only colours written #rrggbb (as the host settings store
// them) ever reach it, so nothing else can be said in it; "" when b keeps
// onair's colours.
func (b *Brand) Style() template.CSS {
	if b == nil || !hexColor(b.Color) || !hexColor(b.Text) {
		return ""
	}
	return template.CSS(":root{--brand-1:" + b.Color + ";--brand-2:" + b.Color + ";--on-brand:" + b.Text + "}")
}

// AllowStyle lets the response's page hold the one <style> element css:
// the page's Content-Security-Policy, which allows no inline style, names
// that element's hash (CSP Level 2), so no other inline style applies.
func AllowStyle(w http.ResponseWriter, css string) {
	if css == "" {
		return
	}
	sum := sha256.Sum256([]byte(css))
	hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	h := w.Header()
	policy := h.Get("Content-Security-Policy")
	if policy == "" || strings.Contains(policy, hash) {
		return
	}
	h.Set("Content-Security-Policy", strings.Replace(policy, "style-src 'self'", "style-src 'self' "+hash, 1))
}

// hexColor reports whether s is a colour #rrggbb.
func hexColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for _, c := range s[1:] {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}

// OpenGraph is what a link preview shows of a page (og: tags).
type OpenGraph struct {
	Title, Description, Image, URL string
}

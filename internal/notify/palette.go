package notify

import (
	"math"
	"strconv"
)

// palette is the colours of an email: onair's own, or the host's brand
// colour with text chosen to stay readable on it.
type palette struct {
	Brand      bool   // the host's colour, not onair's gradient
	Header     string // the header band's background
	HeaderText string
	Kicker     string // the line above the title, a little softer
	Button     string
	ButtonText string
	Link       string // links on the white card
	Accent     string // the rule beside the host's note
}

// onairPalette is the palette of a host without a brand colour.
var onairPalette = palette{
	Header: "#6d28d9", HeaderText: "#ffffff", Kicker: "#f5f3ff",
	Button: "#6d28d9", ButtonText: "#ffffff", Link: "#6d28d9", Accent: "#db2777",
}

// Text colours on a brand colour: white on a dark one, near-black on a
// light one.
const (
	lightText         = "#ffffff"
	darkText          = "#111827"
	darkTextLuminance = 0.00919 // of darkText
)

// paletteFor is the palette of brand colour c (#rrggbb). Text on the colour
// is whichever of white and near-black contrasts more with it, and links
// take the colour only where it is readable on white (WCAG's 4.5:1), so
// that a pale yellow brand still gives legible mail.
func paletteFor(c string) palette {
	l, ok := luminance(c)
	if !ok {
		return onairPalette
	}
	p := palette{Brand: true, Header: c, Button: c, Link: onairPalette.Link, Accent: c}
	if contrast(1, l) >= contrast(l, darkTextLuminance) {
		p.HeaderText, p.Kicker, p.ButtonText = lightText, lightText, lightText
	} else {
		p.HeaderText, p.Kicker, p.ButtonText = darkText, darkText, darkText
	}
	if contrast(1, l) >= 4.5 {
		p.Link = c
	}
	return p
}

// TextOn is the text colour that reads best on brand colour c (#rrggbb):
// white or near-black; white for anything that is not such a colour.
func TextOn(c string) string {
	if p := paletteFor(c); p.Brand {
		return p.HeaderText
	}
	return lightText
}

// luminance is the relative luminance of #rrggbb (WCAG 2).
func luminance(c string) (float64, bool) {
	if len(c) != 7 || c[0] != '#' {
		return 0, false
	}
	var lin [3]float64
	for i := range lin {
		v, err := strconv.ParseUint(c[1+2*i:3+2*i], 16, 8)
		if err != nil {
			return 0, false
		}
		s := float64(v) / 255
		if s <= 0.04045 {
			lin[i] = s / 12.92
		} else {
			lin[i] = math.Pow((s+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*lin[0] + 0.7152*lin[1] + 0.0722*lin[2], true
}

// contrast is the WCAG contrast ratio of two luminances.
func contrast(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	return (a + 0.05) / (b + 0.05)
}

package onair

import (
	"net"
	"net/url"
	"strings"
)

// Limits of the host settings.
const (
	MaxHostNameLen = 100
	MaxLogoURLLen  = 2048
)

// HostSettingsInput is a change to a host's settings. A nil field is
// absent and left as it is; an empty string clears the setting.
type HostSettingsInput struct {
	Name       *string `json:"name"`
	BrandColor *string `json:"brand_color"`
	LogoURL    *string `json:"logo_url"`
	ReplyTo    *string `json:"reply_to"`
}

// Apply returns s with the fields present in in, each validated: a name on
// one line that does not look like an address, a colour #rrggbb (stored in
// lower case), an https logo (http only on localhost, for trying it out)
// and a bare email address to reply to.
func (s HostSettings) Apply(in HostSettingsInput) (HostSettings, error) {
	v := &ValidationError{}
	if in.Name != nil {
		s.Name = cleanLine(v, "name", *in.Name, MaxHostNameLen, false)
		// Mail clients show the sender's name instead of the address: a
		// name holding an address ("Bank <alerts@bank.example>") would
		// claim to come from somewhere it does not.
		if !v.Has("name") && strings.ContainsAny(s.Name, "<>@") {
			v.Add("name", "must not contain an email address or the characters < > @")
		}
	}
	if in.BrandColor != nil {
		c := strings.ToLower(strings.TrimSpace(*in.BrandColor))
		if c != "" && !isHexColor(c) {
			v.Add("brand_color", "must be a colour written #RRGGBB, e.g. #6d28d9")
		}
		s.BrandColor = c
	}
	if in.LogoURL != nil {
		s.LogoURL = cleanLine(v, "logo_url", *in.LogoURL, MaxLogoURLLen, false)
		if s.LogoURL != "" && !v.Has("logo_url") && !SecureURL(s.LogoURL) {
			v.Add("logo_url", "must be an https URL (http only for localhost)")
		}
	}
	if in.ReplyTo != nil {
		s.ReplyTo = strings.TrimSpace(*in.ReplyTo)
		if s.ReplyTo != "" {
			s.ReplyTo = cleanEmail(v, "reply_to", s.ReplyTo)
		}
	}
	return s, v.Err()
}

// isHexColor reports whether s is #rrggbb in lower case.
func isHexColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// SecureURL reports whether s is an absolute https URL, or an http one
// whose host is this machine. A logo goes into every email and page: over
// plain http it would be a mixed-content warning, and a way to see who
// opened which message from the network.
func SecureURL(s string) bool {
	if strings.ContainsAny(s, " \"'<>\\") {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		h := u.Hostname()
		if h == "localhost" || strings.HasSuffix(h, ".localhost") {
			return true
		}
		ip := net.ParseIP(h)
		return ip != nil && ip.IsLoopback()
	}
	return false
}

package onair

import (
	"strings"
	"testing"
)

func TestHostSettingsApply(t *testing.T) {
	str := func(s string) *string { return &s }
	set := HostSettings{Name: "Acme", BrandColor: "#0f766e", LogoURL: "https://cdn.acme.example/logo.png", ReplyTo: "team@acme.example"}
	accepted := []struct {
		name string
		in   HostSettingsInput
		want HostSettings
	}{
		{"nothing changes nothing", HostSettingsInput{}, set},
		{"a name is trimmed", HostSettingsInput{Name: str("  Acme Launches ")}, with(set, func(s *HostSettings) { s.Name = "Acme Launches" })},
		{"a colour is lower-cased", HostSettingsInput{BrandColor: str(" #AbCdEf ")}, with(set, func(s *HostSettings) { s.BrandColor = "#abcdef" })},
		{"http logo on localhost", HostSettingsInput{LogoURL: str("http://localhost:8080/logo.png")},
			with(set, func(s *HostSettings) { s.LogoURL = "http://localhost:8080/logo.png" })},
		{"http logo on 127.0.0.1", HostSettingsInput{LogoURL: str("http://127.0.0.1/logo.png")},
			with(set, func(s *HostSettings) { s.LogoURL = "http://127.0.0.1/logo.png" })},
		{"http logo on [::1]", HostSettingsInput{LogoURL: str("http://[::1]:8080/l.png")},
			with(set, func(s *HostSettings) { s.LogoURL = "http://[::1]:8080/l.png" })},
		{"empty strings clear", HostSettingsInput{Name: str(""), BrandColor: str(""), LogoURL: str(""), ReplyTo: str(" ")}, HostSettings{}},
		{"a non-ASCII name", HostSettingsInput{Name: str("Société Générale 日本")}, with(set, func(s *HostSettings) { s.Name = "Société Générale 日本" })},
	}
	for _, tt := range accepted {
		t.Run(tt.name, func(t *testing.T) {
			got, err := set.Apply(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("Apply = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	refused := []struct {
		name, field string
		in          HostSettingsInput
	}{
		{"a name with a line break", "name", HostSettingsInput{Name: str("Acme\r\nBcc: victim@example.com")}},
		{"a name that looks like an address", "name", HostSettingsInput{Name: str("Bank <alerts@bank.example>")}},
		{"a name with an @", "name", HostSettingsInput{Name: str("alerts@bank.example")}},
		{"a name too long", "name", HostSettingsInput{Name: str(strings.Repeat("a", MaxHostNameLen+1))}},
		{"a colour by name", "brand_color", HostSettingsInput{BrandColor: str("red")}},
		{"a short colour", "brand_color", HostSettingsInput{BrandColor: str("#fff")}},
		{"a colour without #", "brand_color", HostSettingsInput{BrandColor: str("0f766e")}},
		{"a colour with a CSS escape", "brand_color", HostSettingsInput{BrandColor: str("#0f766e;x")}},
		{"an http logo elsewhere", "logo_url", HostSettingsInput{LogoURL: str("http://cdn.acme.example/logo.png")}},
		{"a javascript: logo", "logo_url", HostSettingsInput{LogoURL: str("javascript:alert(1)")}},
		{"a data: logo", "logo_url", HostSettingsInput{LogoURL: str("data:image/png;base64,AAAA")}},
		{"a relative logo", "logo_url", HostSettingsInput{LogoURL: str("/logo.png")}},
		{"a logo with credentials", "logo_url", HostSettingsInput{LogoURL: str("https://user:pw@cdn.acme.example/logo.png")}},
		{"a logo with a quote", "logo_url", HostSettingsInput{LogoURL: str(`https://cdn.acme.example/"onerror=x`)}},
		{"a logo with a line break", "logo_url", HostSettingsInput{LogoURL: str("https://cdn.acme.example/\nlogo.png")}},
		{"a Reply-To that is not an address", "reply_to", HostSettingsInput{ReplyTo: str("not an address")}},
		{"a Reply-To with a name", "reply_to", HostSettingsInput{ReplyTo: str("Team <team@acme.example>")}},
		{"a Reply-To with a line break", "reply_to", HostSettingsInput{ReplyTo: str("team@acme.example\r\nBcc: victim@example.com")}},
		{"two Reply-To addresses", "reply_to", HostSettingsInput{ReplyTo: str("a@acme.example, b@acme.example")}},
	}
	for _, tt := range refused {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			got, err := set.Apply(tt.in)
			v, ok := err.(*ValidationError)
			if !ok || !v.Has(tt.field) || len(v.Fields) != 1 {
				t.Errorf("Apply = %+v, %v; want a problem with %s only", got, err, tt.field)
			}
		})
	}
}

func with(s HostSettings, change func(*HostSettings)) HostSettings {
	change(&s)
	return s
}

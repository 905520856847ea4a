package twilio_test

import (
	"net/url"
	"testing"

	"github.com/onair-live/onair/internal/notify/twilio"
)

// The vectors are Twilio's documented example (auth token 12345, a POST to
// https://mycompany.com/myapp.php?foo=1&bar=2), as used in the test suites
// of Twilio's own helper libraries.
const (
	exampleToken = "12345"
	exampleURL   = "https://mycompany.com/myapp.php?foo=1&bar=2"
)

var exampleForm = url.Values{
	"CallSid": {"CA1234567890ABCDE"},
	"Caller":  {"+14158675309"},
	"Digits":  {"1234"},
	"From":    {"+14158675309"},
	"To":      {"+18005551212"},
}

func TestSignature(t *testing.T) {
	tests := []struct {
		name string
		url  string
		form url.Values
		want string
	}{
		{"Twilio's example", exampleURL, exampleForm, "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
		{"a repeated parameter's values are sorted", exampleURL,
			url.Values{"Sid": {"CA123"}, "SidAccount": {"AC123"}, "Digits": {"5678", "1234"}}, "IK+Dwps556ElfBT0I3Rgjkr1wJU="},
		{"https with the default port written out", "https://mycompany.com:443/myapp.php?foo=1&bar=2", exampleForm,
			"kvajT1Ptam85bY51eRf/AJRuM3w="},
		{"http with the default port written out", "http://mycompany.com:80/myapp.php?foo=1&bar=2", exampleForm,
			"0ZXoZLH/DfblKGATFgpif+LLRf4="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := twilio.Signature(exampleToken, tt.url, tt.form); got != tt.want {
				t.Errorf("Signature = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestValidSignature(t *testing.T) {
	tampered := url.Values{}
	for k, v := range exampleForm {
		tampered[k] = v
	}
	tampered.Set("Digits", "9999")
	tests := []struct {
		name      string
		token     string
		url       string
		form      url.Values
		signature string
		want      bool
	}{
		{"Twilio's example", exampleToken, exampleURL, exampleForm, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", true},
		{"signed without the port, received with one", exampleToken, "https://mycompany.com:1234/myapp.php?foo=1&bar=2",
			exampleForm, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", true},
		{"signed with :443, received without", exampleToken, exampleURL, exampleForm, "kvajT1Ptam85bY51eRf/AJRuM3w=", true},
		{"signed with :80, received without", exampleToken, "http://mycompany.com/myapp.php?foo=1&bar=2",
			exampleForm, "0ZXoZLH/DfblKGATFgpif+LLRf4=", true},
		{"signed with a port, received with it", exampleToken, "http://mycompany.com:1234/myapp.php?foo=1&bar=2",
			exampleForm, "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=", true},
		{"a changed parameter", exampleToken, exampleURL, tampered, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", false},
		{"a changed query", exampleToken, "https://mycompany.com/myapp.php?foo=2&bar=2", exampleForm, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", false},
		{"another path", exampleToken, "https://mycompany.com/other.php?foo=1&bar=2", exampleForm, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", false},
		{"the wrong token", "54321", exampleURL, exampleForm, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", false},
		{"no signature", exampleToken, exampleURL, exampleForm, "", false},
		{"not base64", exampleToken, exampleURL, exampleForm, "not base64!", false},
		{"no token configured", "", exampleURL, exampleForm, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := twilio.ValidSignature(tt.token, tt.url, tt.form, tt.signature); got != tt.want {
				t.Errorf("ValidSignature = %v, want %v", got, tt.want)
			}
		})
	}
}

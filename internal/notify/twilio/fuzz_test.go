package twilio_test

import (
	"bytes"
	"encoding/base64"
	"net/url"
	"testing"

	"github.com/onair-live/onair/internal/notify/twilio"
)

// mutate replaces the byte of s at position at (modulo its length) with b;
// ok is false when that changes nothing.
func mutate(s string, at uint, b byte) (string, bool) {
	if s == "" {
		return "", false
	}
	i := int(at % uint(len(s)))
	if s[i] == b {
		return s, false
	}
	return s[:i] + string([]byte{b}) + s[i+1:], true
}

// FuzzValidSignature checks the webhook signature against the code's own
// signer: what Signature makes validates, and a webhook whose URL or
// parameters were changed by one byte does not.
func FuzzValidSignature(f *testing.F) {
	const sig = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
	f.Add(exampleToken, exampleURL, "Digits", "1234", "From", "+14158675309", sig, uint(0), byte('x'))
	f.Add(exampleToken, "https://mycompany.com:443/myapp.php?foo=1&bar=2", "Digits", "5678", "Digits", "1234", sig, uint(25), byte('4'))
	f.Add(exampleToken, "http://mycompany.com:80/myapp.php", "Body", "STOP", "From", "+14158675309", sig, uint(19), byte('8'))
	f.Add(exampleToken, "https://mycompany.com:1234/", "", "", "", "", sig[:27], uint(26), byte('9'))
	f.Add("", exampleURL, "a", "bc", "ab", "c", "", uint(0), byte('='))
	f.Add("t", "://bad url", "x", "\x00", "x", "\xff", "not base64!", uint(3), byte(':'))
	f.Add("t", "https://[::1]:80/a b?c=%zz#frag", "Body", "héllo\r\n", "To", "+1", "====", uint(1), byte('/'))
	f.Add("t", "https://h:/", "k", "v", "k", "v", sig+"\n", uint(9), byte(':'))
	f.Fuzz(func(t *testing.T, token, rawURL, k1, v1, k2, v2, signature string, at uint, b byte) {
		form := url.Values{}
		form.Add(k1, v1)
		form.Add(k2, v2)
		twilio.ValidSignature(token, rawURL, form, signature) // arbitrary input: no panic

		made := twilio.Signature(token, rawURL, form)
		if got := twilio.ValidSignature(token, rawURL, form, made); got != (token != "") {
			t.Fatalf("ValidSignature of the signer's own %q = %v (token %q)", made, got, token)
		}
		if token == "" {
			return
		}
		if changed, ok := mutate(rawURL, at, b); ok && twilio.ValidSignature(token, changed, form, made) {
			t.Fatalf("signed for %q, valid for %q", rawURL, changed)
		}
		if twilio.ValidSignature(token, rawURL+string([]byte{b}), form, made) {
			t.Fatalf("signed for %q, valid for %q", rawURL, rawURL+string([]byte{b}))
		}
		longer := url.Values{}
		longer.Add(k1, v1+string([]byte{b}))
		longer.Add(k2, v2)
		if twilio.ValidSignature(token, rawURL, longer, made) {
			t.Fatalf("signed for %v, valid for %v", form, longer)
		}
		if twilio.ValidSignature(token+"x", rawURL, form, made) {
			t.Fatal("valid under another auth token")
		}
		// Another text of the signature is valid only if it is the same
		// bytes (base64 leaves a few bits unused).
		if changed, ok := mutate(made, at, b); ok && twilio.ValidSignature(token, rawURL, form, changed) {
			want, _ := base64.StdEncoding.DecodeString(made)
			got, err := base64.StdEncoding.DecodeString(changed)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("signature %q accepted in place of %q", changed, made)
			}
		}
	})
}

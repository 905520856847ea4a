package mailgun_test

import (
	"strings"
	"testing"

	"github.com/onair-live/onair/internal/notify/mailgun"
)

func TestVerifyWebhookSignature(t *testing.T) {
	// The signature was computed apart from this code, with
	//   printf '%s' "$timestamp$token" | openssl dgst -sha256 -hmac "$key"
	const (
		key       = "key-7f8e3c4d2a1b"
		timestamp = "1770920772"
		token     = "e0b5477167110d68991efc6b9f89f0a11066af27834600e123"
		signature = "6652ef308a554768535d4e2a366618a48806435bd71727a033cd97d5eeff32ae"
	)
	tests := []struct {
		name                       string
		key, timestamp, token, sig string
		want                       bool
	}{
		{"valid", key, timestamp, token, signature, true},
		{"valid in upper case hex", key, timestamp, token, strings.ToUpper(signature), true},
		{"wrong key", "key-other", timestamp, token, signature, false},
		{"changed timestamp", key, "1770920773", token, signature, false},
		{"changed token", key, timestamp, token[:len(token)-1] + "4", signature, false},
		{"timestamp and token swapped", key, token, timestamp, signature, false},
		{"truncated signature", key, timestamp, token, signature[:62], false},
		{"not hex", key, timestamp, token, "zz" + signature[2:], false},
		{"empty signature", key, timestamp, token, "", false},
		{"no signing key configured", "", timestamp, token, signature, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mailgun.VerifyWebhookSignature(tt.key, tt.timestamp, tt.token, tt.sig); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

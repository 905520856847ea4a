package mailgun_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/onair-live/onair/internal/notify/mailgun"
)

// mailgunSignature signs a webhook as Mailgun documents it. The package
// has no signer of its own (it only receives webhooks), so the test
// computes it from the documentation.
func mailgunSignature(key, timestamp, token string) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(timestamp + token))
	return hex.EncodeToString(mac.Sum(nil))
}

// FuzzVerifyWebhookSignature checks that a webhook signed with the key is
// valid, that one with a changed timestamp, token or key is not, and that
// arbitrary signatures neither panic nor pass.
func FuzzVerifyWebhookSignature(f *testing.F) {
	const (
		key       = "key-7f8e3c4d2a1b"
		timestamp = "1770920772"
		token     = "e0b5477167110d68991efc6b9f89f0a11066af27834600e123"
		signature = "6652ef308a554768535d4e2a366618a48806435bd71727a033cd97d5eeff32ae"
	)
	f.Add(key, timestamp, token, signature, uint(0), byte('7'))
	f.Add(key, timestamp, token, "6652EF308A554768535D4E2A366618A48806435BD71727A033CD97D5EEFF32AE", uint(5), byte('f'))
	f.Add(key, timestamp, token, signature[:62], uint(63), byte('0'))
	f.Add(key, "", token, "", uint(0), byte(0))
	f.Add("", timestamp, "", "zz"+signature[2:], uint(1), byte('g'))
	f.Add("k", "1", "2", signature+"00", uint(64), byte('\n'))
	f.Fuzz(func(t *testing.T, key, timestamp, token, signature string, at uint, b byte) {
		got := mailgun.VerifyWebhookSignature(key, timestamp, token, signature)
		if want := key != "" && timestamp != "" && token != "" && hexEqual(signature, mailgunSignature(key, timestamp, token)); got != want {
			t.Fatalf("VerifyWebhookSignature(%q, %q, %q, %q) = %v", key, timestamp, token, signature, got)
		}
		made := mailgunSignature(key, timestamp, token)
		if got := mailgun.VerifyWebhookSignature(key, timestamp, token, made); got != (key != "" && timestamp != "" && token != "") {
			t.Fatalf("a signature made with the key: %v", got)
		}
		extra := string([]byte{b})
		for name, alt := range map[string][3]string{
			"a longer timestamp":  {key, timestamp + extra, token},
			"a longer token":      {key, timestamp, token + extra},
			"another key":         {key + "x", timestamp, token},
			"a changed timestamp": {key, mustMutate(timestamp, at, b), token},
			"a changed token":     {key, timestamp, mustMutate(token, at, b)},
		} {
			if alt == [3]string{key, timestamp, token} {
				continue
			}
			if mailgun.VerifyWebhookSignature(alt[0], alt[1], alt[2], made) {
				t.Fatalf("%s: signed for %q %q, valid for %q %q", name, timestamp, token, alt[1], alt[2])
			}
		}
	})
}

// hexEqual reports whether a is hex text (of either case) for the bytes b
// is hex text of.
func hexEqual(a, b string) bool {
	x, err := hex.DecodeString(a)
	y, _ := hex.DecodeString(b)
	return err == nil && bytes.Equal(x, y)
}

// mustMutate replaces the byte of s at position at (modulo its length)
// with b, or returns s when it is empty.
func mustMutate(s string, at uint, b byte) string {
	if s == "" {
		return s
	}
	i := int(at % uint(len(s)))
	return s[:i] + string([]byte{b}) + s[i+1:]
}

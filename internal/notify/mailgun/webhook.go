package mailgun

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// VerifyWebhookSignature reports whether signature is Mailgun's signature
// of an event webhook: the hex HMAC-SHA256, keyed with the webhook signing
// key, of timestamp followed by token. The comparison takes constant time.
// It does not judge freshness: the caller should also refuse an old
// timestamp and a token seen before, which is what stops a replay.
func VerifyWebhookSignature(signingKey, timestamp, token, signature string) bool {
	if signingKey == "" || timestamp == "" || token == "" {
		return false
	}
	got, err := hex.DecodeString(signature)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(signingKey))
	mac.Write([]byte(timestamp))
	mac.Write([]byte(token))
	return hmac.Equal(got, mac.Sum(nil))
}

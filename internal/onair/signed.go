package onair

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// UnsubscribeToken is the token of a registration's unsubscribe link: the
// registration's id and an HMAC of it under the service's secret key. It is
// not the watch-link token, so a forwarded watch link cannot unsubscribe
// anyone, and an unsubscribe link cannot watch.
func UnsubscribeToken(secret, registrationID string) string {
	raw, err := hex.DecodeString(strings.ReplaceAll(registrationID, "-", ""))
	if err != nil || len(raw) != 16 {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(raw) + "." + sign(secret, "unsubscribe", registrationID)
}

// ParseUnsubscribeToken returns the registration id of a valid token.
func ParseUnsubscribeToken(secret, token string) (string, bool) {
	idPart, sig, ok := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(idPart)
	if !ok || err != nil || len(raw) != 16 {
		return "", false
	}
	h := hex.EncodeToString(raw)
	id := h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	if !hmac.Equal([]byte(sig), []byte(sign(secret, "unsubscribe", id))) {
		return "", false
	}
	return id, true
}

// sign is a short HMAC-SHA256 of a purpose and a value: 128 bits, URL-safe.
func sign(secret, purpose, value string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(purpose + "\x00" + value))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16])
}

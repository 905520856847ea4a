package onair

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// UnsubscribeToken is the token of a registration's unsubscribe link: the
// registration's id and an HMAC of it under the service's secret key. It is
// not the watch-link token, so a forwarded watch link cannot unsubscribe
// anyone, and an unsubscribe link cannot watch. It is "" for a string that
// is not an id: the token names the registration by its 16 bytes, so only
// the id's canonical form would verify.
func UnsubscribeToken(secret, registrationID string) string {
	raw, ok := idBytes(registrationID)
	if !ok {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(raw) + "." + sign(secret, "unsubscribe", registrationID)
}

// ParseUnsubscribeToken returns the registration id of a valid token.
func ParseUnsubscribeToken(secret, token string) (string, bool) {
	idPart, sig, ok := strings.Cut(token, ".")
	raw, valid := decodeCanonical(idPart)
	if !ok || !valid || len(raw) != 16 {
		return "", false
	}
	id := formatID(raw)
	if !hmac.Equal([]byte(sig), []byte(sign(secret, "unsubscribe", id))) {
		return "", false
	}
	return id, true
}

// Watch tokens. The token of a viewer's watch link (and of their calendar
// file) is derived from the registration's id under the secret key: the id's
// 16 bytes and a 128-bit HMAC of it, in base64url, 44 characters. Nothing
// secret is stored, so a database that leaks lets nobody watch as a viewer,
// and every message carries the same link. It is found by the id, which is
// the primary key, after the whole token has been compared in constant time
// with the one the key gives.
//
// Tokens handed out before (32 random characters, kept in clear until
// migration 00006) are found by their SHA-256, which that migration kept:
// LegacyTokenHash.
const (
	watchTokenLen  = 44
	legacyTokenLen = 32
)

// WatchToken returns the watch-link token of a registration, or "" for a
// string that is not an id.
func WatchToken(secret, registrationID string) string {
	raw, ok := idBytes(registrationID)
	if !ok {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(raw) + sign(secret, "watch", registrationID)
}

// ParseWatchToken returns the registration id of a valid watch token.
func ParseWatchToken(secret, token string) (string, bool) {
	if len(token) != watchTokenLen {
		return "", false
	}
	raw, ok := decodeCanonical(token[:22])
	if !ok || len(raw) != 16 {
		return "", false
	}
	id := formatID(raw)
	if !hmac.Equal([]byte(token), []byte(WatchToken(secret, id))) {
		return "", false
	}
	return id, true
}

// LegacyTokenHash is the stored form of a watch token of the kind handed out
// before watch tokens were derived (32 base64url characters), or "" when
// token cannot be one.
func LegacyTokenHash(token string) string {
	if len(token) != legacyTokenLen {
		return ""
	}
	if _, ok := decodeCanonical(token); !ok {
		return ""
	}
	return HashToken(token)
}

// idBytes returns the 16 bytes of an id in NewID's form.
func idBytes(id string) ([]byte, bool) {
	if !ValidID(id) {
		return nil, false
	}
	raw, err := hex.DecodeString(strings.ReplaceAll(id, "-", ""))
	return raw, err == nil && len(raw) == 16
}

// formatID writes 16 bytes as an id in NewID's form.
func formatID(raw []byte) string {
	h := hex.EncodeToString(raw)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// sign is a short HMAC-SHA256 of a purpose and a value: 128 bits, URL-safe.
func sign(secret, purpose, value string) string {
	var sum [32]byte
	mac(secret, purpose, value, &sum)
	var out [22]byte // 16 bytes in unpadded base64
	base64.RawURLEncoding.Encode(out[:], sum[:16])
	return string(out[:])
}

// mac writes the HMAC-SHA256 of a purpose and a value under secret to sum.
func mac(secret, purpose, value string, sum *[32]byte) {
	pool := macPool(secret)
	k := pool.Get().(*keyedMAC)
	k.buf = append(append(append(k.buf[:0], purpose...), 0), value...)
	k.mac.Write(k.buf)
	k.buf = k.mac.Sum(k.buf[:0])
	k.mac.Reset()
	copy(sum[:], k.buf)
	pool.Put(k)
}

// Cancel tokens. The token of a registration's "can't make it?" link
// (/cancel/{token}) is the registration's id and a 64-bit HMAC of it under
// the secret key, 24 bytes in base64url: 32 characters, shorter than the
// other tokens because every text message carries it beside the watch link
// within two segments. 64 bits still leave a forger 2^63 requests on
// average, each one an HTTP request. It is neither the watch token nor the
// unsubscribe token: neither link can cancel, and this one cannot watch.
const (
	cancelTokenLen = 32
	cancelMACLen   = 8
)

// CancelToken returns the token of a registration's cancel link, or "" for
// a string that is not an id.
func CancelToken(secret, registrationID string) string {
	raw, ok := idBytes(registrationID)
	if !ok {
		return ""
	}
	var sum [32]byte
	mac(secret, "cancel", registrationID, &sum)
	return base64.RawURLEncoding.EncodeToString(append(raw, sum[:cancelMACLen]...))
}

// ParseCancelToken returns the registration id of a valid cancel token.
func ParseCancelToken(secret, token string) (string, bool) {
	if len(token) != cancelTokenLen {
		return "", false
	}
	raw, ok := decodeCanonical(token)
	if !ok || len(raw) != 16+cancelMACLen {
		return "", false
	}
	id := formatID(raw[:16])
	if !hmac.Equal([]byte(token), []byte(CancelToken(secret, id))) {
		return "", false
	}
	return id, true
}

// keyedMAC is an HMAC keyed with a secret, and room for what it signs.
type keyedMAC struct {
	mac hash.Hash
	buf []byte
}

// macs keep HMACs keyed with each secret, ready for the next signature: a
// new one hashes the key twice before the message, and every email signs
// half a dozen links. A process has one secret (tests a few); past
// maxSecrets the pools are dropped and made again.
var (
	macsMu sync.Mutex
	macs   = map[string]*sync.Pool{}
)

const maxSecrets = 16

func macPool(secret string) *sync.Pool {
	macsMu.Lock()
	defer macsMu.Unlock()
	p := macs[secret]
	if p == nil {
		if len(macs) >= maxSecrets {
			clear(macs)
		}
		key := []byte(secret)
		p = &sync.Pool{New: func() any { return &keyedMAC{mac: hmac.New(sha256.New, key)} }}
		macs[secret] = p
	}
	return p
}

// Tracking data is the d parameter of the open pixel and of the click
// redirect of one email delivery (/api/track/notification/{id}/open?d=…
// and …/click?d=…). It names the delivery and, for a click, the target, and
// carries an HMAC under the secret key over the purpose, the notification id
// of the path, the delivery id and the target: a d moved to another
// notification's path, edited to name another delivery, or given another
// target does not verify.
//
//	open:  {delivery id, decimal}.{signature}
//	click: {delivery id, decimal}.{target, base64url}.{signature}

// OpenTrackingData is the d of the open pixel of delivery deliveryID of
// notification notificationID.
func OpenTrackingData(secret, notificationID string, deliveryID int64) string {
	id := strconv.FormatInt(deliveryID, 10)
	return id + "." + sign(secret, "track-open", notificationID+"\x00"+id)
}

// ParseOpenTrackingData returns the delivery id of a valid open d for
// notificationID.
func ParseOpenTrackingData(secret, notificationID, d string) (int64, bool) {
	idPart, sig, ok := strings.Cut(d, ".")
	id, valid := parseDeliveryID(idPart)
	if !ok || !valid || !hmac.Equal([]byte(sig), []byte(sign(secret, "track-open", notificationID+"\x00"+idPart))) {
		return 0, false
	}
	return id, true
}

// ClickTrackingData is the d of a click through to target in delivery
// deliveryID of notification notificationID.
func ClickTrackingData(secret, notificationID string, deliveryID int64, target string) string {
	id := strconv.FormatInt(deliveryID, 10)
	return id + "." + base64.RawURLEncoding.EncodeToString([]byte(target)) + "." +
		sign(secret, "track-click", notificationID+"\x00"+id+"\x00"+target)
}

// ParseClickTrackingData returns the delivery id and the target of a valid
// click d for notificationID. The target is what the system signed, and it
// is an absolute http(s) URL.
func ParseClickTrackingData(secret, notificationID, d string) (int64, string, bool) {
	parts := strings.Split(d, ".")
	if len(parts) != 3 {
		return 0, "", false
	}
	id, ok := parseDeliveryID(parts[0])
	raw, valid := decodeCanonical(parts[1])
	if !ok || !valid {
		return 0, "", false
	}
	target := string(raw)
	if !hmac.Equal([]byte(parts[2]), []byte(sign(secret, "track-click", notificationID+"\x00"+parts[0]+"\x00"+target))) {
		return 0, "", false
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return 0, "", false
	}
	return id, target, true
}

// parseDeliveryID accepts only the canonical decimal form of a positive id,
// so that one delivery has one d.
func parseDeliveryID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != s {
		return 0, false
	}
	return id, true
}

// decodeCanonical decodes unpadded base64url text only if it is the one
// encoding of its bytes. The decoder alone skips CR and LF and ignores the
// unused low bits of the last character, so that many texts would name the
// same registration or target.
func decodeCanonical(s string) ([]byte, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || base64.RawURLEncoding.EncodeToString(raw) != s {
		return nil, false
	}
	return raw, true
}

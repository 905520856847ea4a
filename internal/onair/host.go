package onair

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
	"unicode/utf8"
)

// Host is an account that runs events.
type Host struct {
	ID           string `json:"id"`
	Email        string `json:"email"`
	PasswordHash string `json:"-"`
	// RetentionDays: the personal data of the registrants of this host's
	// events is erased that many days after an event is over; 0 keeps it.
	RetentionDays int       `json:"retention_days"`
	CreatedAt     time.Time `json:"created_at"`
	HostSettings
}

// MaxRetentionDays bounds retention_days: a hundred years is keeping.
const MaxRetentionDays = 36500

// CheckRetentionDays validates a host's retention_days.
func CheckRetentionDays(days int) error {
	if days < 0 || days > MaxRetentionDays {
		return Invalid("retention_days", "must be a whole number of days from 0 (keep) to 36500")
	}
	return nil
}

// HostSettings are how a host's messages present it. Every field may be
// empty: onair's own name and colours stand in.
type HostSettings struct {
	// Name is the display name of the sender of every email and the
	// organizer of every calendar entry.
	Name string `json:"name"`
	// BrandColor is the colour of the email and page headers, #rrggbb.
	BrandColor string `json:"brand_color"`
	// LogoURL is the image shown in those headers.
	LogoURL string `json:"logo_url"`
	// ReplyTo is the Reply-To of every email: where a viewer's answer goes.
	ReplyTo string `json:"reply_to"`
}

// Credentials are what a host signs up and logs in with.
type Credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// Password bounds. The upper one keeps hashing cheap enough that a huge
// password cannot be used to burn CPU.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 256
)

// Validate checks credentials for a new account and returns them with the
// email trimmed.
func (c Credentials) Validate() (Credentials, error) {
	v := &ValidationError{}
	c.Email = cleanEmail(v, "email", c.Email)
	switch n := utf8.RuneCountInString(c.Password); {
	case c.Password == "":
		v.Add("password", "is required")
	case n < MinPasswordLen:
		v.Add("password", "must be at least 8 characters")
	case len(c.Password) > MaxPasswordLen:
		v.Add("password", "must be at most 256 bytes")
	}
	return c, v.Err()
}

// TokenPrefix marks onair API tokens so that they are recognisable in logs
// and by secret scanners.
const TokenPrefix = "onair_"

// NewAPIToken returns a new random API token (256 bits) and the hash under
// which it is stored; the token itself is shown once and never stored.
func NewAPIToken() (token, hash string) {
	token = TokenPrefix + RandomString(32)
	return token, HashToken(token)
}

// HashToken is the stored form of an API or session token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// RandomString returns n random bytes from the system's CSPRNG, encoded as
// unpadded URL-safe base64.
func RandomString(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails on supported platforms (crypto/rand panics instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ValidID reports whether s has the form of an id NewID makes. Anything
// else cannot name a row, and is not sent to the database at all.
func ValidID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		default:
			return false
		}
	}
	return true
}

// NewID returns a new identifier in UUID version 7 form (RFC 9562): 48 bits
// of milliseconds since 1970, then the version, 74 random bits and the
// variant. Ids appear in public URLs, so they must not be guessable or
// enumerable: 74 random bits are not, and an id tells no more than when it
// was made. The time first is for the indexes: the key of a new row comes
// after the keys before it, so that an index over ids (a primary key, the
// deliveries of a registration) grows at its end, where the last insert
// left its page in the cache, instead of writing one random page of the
// index per row.
func NewID() string {
	var b [16]byte
	rand.Read(b[6:])
	ms := uint64(time.Now().UnixMilli())
	for i := range 6 {
		b[i] = byte(ms >> (40 - 8*i))
	}
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	return formatID(b[:])
}

// SuppressionKind is why a host no longer sends to an address.
type SuppressionKind string

// The kinds of suppression.
const (
	SuppressionUnsubscribed SuppressionKind = "unsubscribed" // the viewer asked: everything from this host
	SuppressionBounced      SuppressionKind = "bounced"
	SuppressionComplained   SuppressionKind = "complained"
	SuppressionStop         SuppressionKind = "stop" // SMS STOP, or a number that refuses SMS
)

// Suppression is one address a host sends nothing to, on one channel.
type Suppression struct {
	ID        string
	Channel   Channel
	Address   string // a normalized email address or an E.164 number
	Kind      SuppressionKind
	Reason    string // the provider's words, when it gave any
	CreatedAt time.Time
}

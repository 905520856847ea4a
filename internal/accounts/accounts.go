// Package accounts signs hosts up and in: argon2id password hashes and API
// tokens, shared by the HTTP API and the command line.
package accounts

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
)

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, one
// lane), a cost that a login can afford and a stolen table cannot.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// hashing bounds how many argon2id computations run at once: each takes
// 19 MiB, and a flood of logins must not take the process's memory.
var hashing = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

// ErrBusy is the answer when too many passwords are being checked at once.
var ErrBusy = onair.Errorf(onair.ErrTooManyRequests, "busy", "too many sign-ins at once; try again in a moment")

// withHashSlot runs fn when a hashing slot is free, waiting a few seconds
// at most.
func withHashSlot(ctx context.Context, fn func()) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	select {
	case hashing <- struct{}{}:
	case <-ctx.Done():
		return ErrBusy
	}
	defer func() { <-hashing }()
	fn()
	return nil
}

// HashPassword returns the PHC-style argon2id hash of password.
func HashPassword(password string) string {
	salt := make([]byte, argonSaltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// CheckPassword reports whether password matches hash, in constant time.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var memory uint32
	var passes uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, passes, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when an email is unknown, so that a login
// for an unknown email takes as long as one with a wrong password.
var dummyHash = HashPassword("not a password of anyone")

// ErrBadCredentials is the one answer to a failed login: it does not say
// whether the email exists.
var ErrBadCredentials = onair.Errorf(onair.ErrUnauthorized, "invalid_credentials", "invalid email or password")

// SignUp creates a host account.
func SignUp(ctx context.Context, st *store.Store, c onair.Credentials, now time.Time) (onair.Host, error) {
	c, err := c.Validate()
	if err != nil {
		return onair.Host{}, err
	}
	h := onair.Host{ID: onair.NewID(), Email: c.Email, CreatedAt: now}
	if err := withHashSlot(ctx, func() { h.PasswordHash = HashPassword(c.Password) }); err != nil {
		return onair.Host{}, err
	}
	if err := st.CreateHost(ctx, h); err != nil {
		return onair.Host{}, err
	}
	return h, nil
}

// LogIn checks a host's credentials.
func LogIn(ctx context.Context, st *store.Store, c onair.Credentials) (onair.Host, error) {
	if strings.TrimSpace(c.Email) == "" || c.Password == "" {
		v := &onair.ValidationError{}
		if strings.TrimSpace(c.Email) == "" {
			v.Add("email", "is required")
		}
		if c.Password == "" {
			v.Add("password", "is required")
		}
		return onair.Host{}, v
	}
	if len(c.Password) > onair.MaxPasswordLen {
		return onair.Host{}, ErrBadCredentials
	}
	// An address with control characters or bad UTF-8 belongs to no
	// account and is not worth a query.
	h, err := onair.Host{}, onair.ErrNotFound
	if strings.IndexFunc(c.Email, unicode.IsControl) < 0 && utf8.ValidString(c.Email) {
		h, err = st.HostByEmail(ctx, c.Email)
	}
	if err != nil && !errors.Is(err, onair.ErrNotFound) {
		return onair.Host{}, err
	}
	hash := h.PasswordHash
	if errors.Is(err, onair.ErrNotFound) {
		hash = dummyHash // as long as a wrong password takes
	}
	ok := false
	if err := withHashSlot(ctx, func() { ok = CheckPassword(hash, c.Password) }); err != nil {
		return onair.Host{}, err
	}
	if !ok || h.ID == "" {
		return onair.Host{}, ErrBadCredentials
	}
	return h, nil
}

// NewToken issues a new API token for host.
func NewToken(ctx context.Context, st *store.Store, hostID string, now time.Time) (string, error) {
	token, hash := onair.NewAPIToken()
	if err := st.CreateToken(ctx, hash, hostID, store.TokenAPI, now, nil); err != nil {
		return "", err
	}
	return token, nil
}

package onair

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestUnsubscribeToken(t *testing.T) {
	id := NewID()
	tok := UnsubscribeToken("secret-one", id)
	if got, ok := ParseUnsubscribeToken("secret-one", tok); !ok || got != id {
		t.Fatalf("round trip: %q %v", got, ok)
	}
	for name, bad := range map[string]string{
		"another key":          UnsubscribeToken("secret-two", id),
		"another registration": UnsubscribeToken("secret-one", NewID())[:22] + tok[22:],
		"cut short":            tok[:len(tok)-1],
		"no signature":         tok[:22],
		"empty":                "",
		"garbage":              "!!!.???",
		"other unused bits":    flipUnusedBit(tok[:22]) + tok[22:],
		"a line break":         tok[:10] + "\n" + tok[10:],
	} {
		if _, ok := ParseUnsubscribeToken("secret-one", bad); ok {
			t.Errorf("%s: accepted", name)
		}
	}
	for _, notAnID := range []string{strings.ToUpper(id), strings.ReplaceAll(id, "-", ""), id[:8] + id[9:] + "-", ""} {
		if tok := UnsubscribeToken("secret-one", notAnID); tok != "" {
			t.Errorf("a token for %q: %q", notAnID, tok)
		}
	}
}

func TestWatchToken(t *testing.T) {
	id := NewID()
	tok := WatchToken("secret-one", id)
	if got, ok := ParseWatchToken("secret-one", tok); !ok || got != id || len(tok) != 44 {
		t.Fatalf("round trip of %q: %q %v", tok, got, ok)
	}
	if strings.ContainsAny(tok, ".+/=") {
		t.Errorf("%q is not plain base64url", tok)
	}
	if WatchToken("secret-one", id) != tok {
		t.Error("the token of a registration changes")
	}
	for name, bad := range map[string]string{
		"another key":             WatchToken("secret-two", id),
		"another registration":    WatchToken("secret-one", NewID())[:22] + tok[22:],
		"cut short":               tok[:len(tok)-1],
		"one more":                tok + "A",
		"the id alone":            tok[:22],
		"other unused bits":       flipUnusedBit(tok[:22]) + tok[22:],
		"signature's unused bits": tok[:43] + flipUnusedBit(tok[43:]),
		"a line break":            tok[:10] + "\n" + tok[11:],
		"the unsubscribe token":   UnsubscribeToken("secret-one", id),
		"empty":                   "",
	} {
		if _, ok := ParseWatchToken("secret-one", bad); ok {
			t.Errorf("%s: accepted", name)
		}
	}
	if tok := WatchToken("secret-one", strings.ToUpper(id)); tok != "" {
		t.Errorf("a token for an id that is not one: %q", tok)
	}
}

func TestLegacyTokenHash(t *testing.T) {
	old := RandomString(24) // the tokens handed out before they were derived
	if h := LegacyTokenHash(old); h != HashToken(old) || len(h) != 64 {
		t.Fatalf("LegacyTokenHash(%q) = %q", old, h)
	}
	for _, bad := range []string{"", old[:31], old + "A", "!" + old[1:], WatchToken("k", NewID())} {
		if h := LegacyTokenHash(bad); h != "" {
			t.Errorf("LegacyTokenHash(%q) = %q; want none", bad, h)
		}
	}
}

func TestOpenTrackingData(t *testing.T) {
	const key, nid = "secret-one", "notification-1"
	d := OpenTrackingData(key, nid, 42)
	if id, ok := ParseOpenTrackingData(key, nid, d); !ok || id != 42 {
		t.Fatalf("round trip: %d %v", id, ok)
	}
	_, sig, _ := strings.Cut(d, ".")
	for name, tt := range map[string]struct{ nid, d string }{
		"tampered signature":        {nid, d[:len(d)-1] + flip(d[len(d)-1])},
		"another delivery's id":     {nid, "43." + sig},
		"another notification path": {"notification-2", d},
		"another key":               {nid, OpenTrackingData("secret-two", nid, 42)},
		"a click d":                 {nid, ClickTrackingData(key, nid, 42, "https://x.example/")},
		"leading zero":              {nid, "042." + sig},
		"no signature":              {nid, "42"},
		"empty":                     {nid, ""},
		"garbage":                   {nid, "!!.??"},
	} {
		if _, ok := ParseOpenTrackingData(key, tt.nid, tt.d); ok {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestClickTrackingData(t *testing.T) {
	const key, nid, target = "secret-one", "notification-1", "https://events.example.com/watch/e1?token=abc"
	d := ClickTrackingData(key, nid, 42, target)
	if id, got, ok := ParseClickTrackingData(key, nid, d); !ok || id != 42 || got != target {
		t.Fatalf("round trip: %d %q %v", id, got, ok)
	}
	parts := strings.Split(d, ".")
	foreign := base64.RawURLEncoding.EncodeToString([]byte("https://evil.example/"))
	odd := strings.Split(ClickTrackingData(key, nid, 42, target+"d"), ".") // 46 bytes: unused bits in its base64
	for name, tt := range map[string]struct{ nid, d string }{
		"tampered signature":            {nid, d[:len(d)-1] + flip(d[len(d)-1])},
		"a foreign target":              {nid, parts[0] + "." + foreign + "." + parts[2]},
		"another delivery's id":         {nid, "43." + parts[1] + "." + parts[2]},
		"another delivery's sig":        {nid, parts[0] + "." + parts[1] + "." + strings.Split(ClickTrackingData(key, nid, 43, target), ".")[2]},
		"another notification path":     {"notification-2", d},
		"another key":                   {nid, ClickTrackingData("secret-two", nid, 42, target)},
		"an open d":                     {nid, OpenTrackingData(key, nid, 42)},
		"a signed javascript: URL":      {nid, ClickTrackingData(key, nid, 42, "javascript:alert(1)")},
		"a signed relative URL":         {nid, ClickTrackingData(key, nid, 42, "//evil.example/")},
		"extra part":                    {nid, d + ".x"},
		"target with other unused bits": {nid, odd[0] + "." + flipUnusedBit(odd[1]) + "." + odd[2]},
		"a line break in the target":    {nid, parts[0] + "." + parts[1][:8] + "\r\n" + parts[1][8:] + "." + parts[2]},
		"empty":                         {nid, ""},
		"garbage":                       {nid, "!!.??.**"},
	} {
		if id, got, ok := ParseClickTrackingData(key, tt.nid, tt.d); ok {
			t.Errorf("%s: accepted %d %q", name, id, got)
		}
	}
}

// flip changes one base64url character into another.
func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

// flipUnusedBit rewrites the last character of unpadded base64url text of
// a length that is not a multiple of 3 bytes so that only bits the decoder
// ignores change: the new text decodes to the same bytes.
func flipUnusedBit(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, s[len(s)-1])
	return s[:len(s)-1] + string(alphabet[i^1])
}

// freshSign is sign with an HMAC made for the one signature.
func freshSign(secret, purpose, value string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(purpose + "\x00" + value))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16])
}

func TestSignReusesNoState(t *testing.T) {
	// More secrets than are kept, signed from many goroutines at once,
	// each value twice: every signature is the one a fresh HMAC gives.
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 400 {
				secret := fmt.Sprintf("secret-%d", (i+g)%(2*maxSecrets+3))
				value := strings.Repeat("v", i%70) + fmt.Sprint(i)
				for range 2 {
					if got, want := sign(secret, "watch", value), freshSign(secret, "watch", value); got != want {
						t.Errorf("sign(%q, %q) = %q, want %q", secret, value, got, want)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkSign(b *testing.B) {
	for _, bc := range []struct {
		name string
		sign func(secret, purpose, value string) string
	}{{"kept", sign}, {"fresh", freshSign}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bc.sign("k3Jq9XbT2mLp7VwR4sJd8NcY6hGf1AeUz5Hc2Lq7Wm4", "track-click", "n-1\x0012345\x00https://events.example.com/watch/x")
			}
		})
	}
}

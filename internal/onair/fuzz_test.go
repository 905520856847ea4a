package onair

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// Fuzz targets for the parsers of outside input. Plain go test runs their
// seeds as regression tests; go test -fuzz explores from them.

// checkInterval holds an accepted interval to what ParseInterval promises:
// one of the named intervals, or a custom offset between 1s and 366 days.
func checkInterval(t *testing.T, iv Interval) {
	t.Helper()
	if iv.Name != "" {
		if !slices.Contains(NamedIntervals, iv) {
			t.Fatalf("%+v is not one of the named intervals", iv)
		}
		return
	}
	if iv.Offset < time.Second || iv.Offset > MaxCustomOffset {
		t.Fatalf("custom offset %v is outside [1s, %v]", iv.Offset, MaxCustomOffset)
	}
}

// checkInvalidInterval holds a refusal of an interval to the error an API
// client gets for one.
func checkInvalidInterval(t *testing.T, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Kind != ErrUnprocessable || e.Code != "invalid_interval" || !errors.Is(err, ErrUnprocessable) {
		t.Fatalf("error %#v is not an invalid_interval *Error", err)
	}
}

func FuzzParseInterval(f *testing.F) {
	for _, s := range []string{
		"2weeks", "1week", "3days", "1day", "12hours", "1hour", "15minutes", "now",
		" 1Day ", "NOW", "\u00a01hour\u2003", "1hour\x00",
		"45m", "90s", "2h30m", "1s", "8784h", "1h0m0s", "1.5h", ".5h", "+1h", "1h1ns",
		"999ms", "0.999999999s", "0s", "-1h", "-0s", "8785h", "8784h0m0.000000001s",
		"9223372036854775807ns", "9223372036854775808ns", "2562047h47m16.854775807s",
		"", " ", "1fortnight", "soon", "1e3s", "1µs", "1μs",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		iv, err := ParseInterval(s)
		if err != nil {
			checkInvalidInterval(t, err)
			return
		}
		checkInterval(t, iv)
		text, err := iv.MarshalText()
		if err != nil || string(text) != iv.String() {
			t.Fatalf("MarshalText = %q, %v; String = %q", text, err, iv.String())
		}
		back, err := ParseInterval(iv.String())
		if err != nil || back != iv {
			t.Fatalf("ParseInterval(%q) = %+v; its String %q reads back as %+v, %v", s, iv, iv.String(), back, err)
		}
	})
}

// splitList turns one fuzzed string into a list of entries, "" being the
// empty list.
func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func FuzzParseIntervals(f *testing.F) {
	for _, s := range []string{
		"", "1day,1hour,15minutes,now", "now,1week,45m", "1hour,60m", "1day,24h", "now,now", "90s,1m30s",
		"1m,2m,3m,4m,5m,6m,7m,8m,9m,10m,11m,12m,13m,14m,15m,16m,17m,18m,19m,20m",
		"1m,2m,3m,4m,5m,6m,7m,8m,9m,10m,11m,12m,13m,14m,15m,16m,17m,18m,19m,20m,21m",
		"1day,bogus", ",", "2weeks,336h",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, list string) {
		names := splitList(list)
		ivs, err := ParseIntervals(names)

		// What the answer must be, worked out entry by entry.
		wantErr := len(names) > MaxIntervals
		seen := map[time.Duration]bool{}
		for _, s := range names {
			iv, err := ParseInterval(s)
			if err != nil || seen[iv.Offset] {
				wantErr = true
				break
			}
			seen[iv.Offset] = true
		}
		if err != nil {
			checkInvalidInterval(t, err)
			if !wantErr {
				t.Fatalf("ParseIntervals(%q) refused a valid choice: %v", names, err)
			}
			return
		}
		if wantErr {
			t.Fatalf("ParseIntervals(%q) accepted %v", names, ivs)
		}
		if len(ivs) != len(names) {
			t.Fatalf("%d intervals from %d entries", len(ivs), len(names))
		}
		texts := make([]string, len(ivs))
		for i, iv := range ivs {
			checkInterval(t, iv)
			if one, _ := ParseInterval(names[i]); one != iv {
				t.Fatalf("entry %d %q is %+v, alone %+v", i, names[i], iv, one)
			}
			texts[i] = iv.String()
		}
		back, err := ParseIntervals(texts)
		if err != nil || !slices.Equal(back, ivs) {
			t.Fatalf("%v read back as %v, %v", texts, back, err)
		}
	})
}

// idFromBytes formats the first 16 bytes of b (zero-padded) as an id.
func idFromBytes(b []byte) string {
	var raw [16]byte
	copy(raw[:], b)
	const digits = "0123456789abcdef"
	var s strings.Builder
	for i, c := range raw {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			s.WriteByte('-')
		}
		s.WriteByte(digits[c>>4])
		s.WriteByte(digits[c&15])
	}
	return s.String()
}

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

const testRegID = "3f2b8c1e-7d4a-4e9b-9c61-2a5d8e0f4b17"

func FuzzUnsubscribeToken(f *testing.F) {
	tok := UnsubscribeToken("secret-one", testRegID)
	f.Add("secret-one", []byte("0123456789abcdef"), tok, uint(0), byte('B'))
	f.Add("secret-one", []byte{}, flipUnusedBit(tok[:22])+tok[22:], uint(21), byte('C'))
	f.Add("secret-one", []byte{0xff}, tok[:10]+"\n"+tok[10:], uint(22), byte('.'))
	f.Add("", []byte{}, testRegID, uint(8), byte('0'))
	f.Add("k", []byte{1, 2, 3}, strings.ToUpper(testRegID), uint(40), byte('A'))
	f.Add("k", []byte{}, strings.ReplaceAll(testRegID, "-", ""), uint(1), byte('-'))
	f.Add("secret-one", []byte{}, tok+".", uint(0), byte(0))
	f.Add("secret-one", []byte{}, "", uint(0), byte(0))
	f.Add("secret-one", []byte{}, "!!!.???", uint(0), byte(0))
	f.Fuzz(func(t *testing.T, secret string, raw []byte, token string, at uint, b byte) {
		// Whatever is accepted is exactly what the signer makes for the
		// registration it names.
		if id, ok := ParseUnsubscribeToken(secret, token); ok {
			if !ValidID(id) || token != UnsubscribeToken(secret, id) {
				t.Fatalf("accepted %q for %q, which the signer writes %q", token, id, UnsubscribeToken(secret, id))
			}
		}
		// A string that is not an id gets no token, or one that names it.
		if made := UnsubscribeToken(secret, token); made != "" {
			if id, ok := ParseUnsubscribeToken(secret, made); !ok || id != token {
				t.Fatalf("the token made for %q reads back as %q, %v", token, id, ok)
			}
		}
		id := idFromBytes(raw)
		made := UnsubscribeToken(secret, id)
		if got, ok := ParseUnsubscribeToken(secret, made); !ok || got != id {
			t.Fatalf("round trip of %q: %q, %v", id, got, ok)
		}
		if _, ok := ParseUnsubscribeToken(secret+"x", made); ok {
			t.Fatalf("a token is accepted under another key")
		}
		if changed, ok := mutate(made, at, b); ok {
			if got, ok := ParseUnsubscribeToken(secret, changed); ok {
				t.Fatalf("%q, one byte off %q, is accepted for %q", changed, made, got)
			}
		}
	})
}

func FuzzOpenTrackingData(f *testing.F) {
	d := OpenTrackingData("secret-one", "notification-1", 42)
	_, sig, _ := strings.Cut(d, ".")
	f.Add("secret-one", "notification-1", int64(42), d, uint(0), byte('4'))
	f.Add("secret-one", "notification-1", int64(1), "042."+sig, uint(3), byte('A'))
	f.Add("secret-one", "notification-1", int64(0), "+42."+sig, uint(0), byte('0'))
	f.Add("secret-one", "", int64(-7), "-42."+sig, uint(0), byte('0'))
	f.Add("", "n\x00", int64(9223372036854775807), ClickTrackingData("secret-one", "notification-1", 42, "https://x.example/"), uint(1), byte('.'))
	f.Add("secret-one", "notification-1", int64(42), "42", uint(0), byte(0))
	f.Add("secret-one", "notification-1", int64(42), "", uint(0), byte(0))
	f.Fuzz(func(t *testing.T, secret, nid string, id int64, d string, at uint, b byte) {
		if got, ok := ParseOpenTrackingData(secret, nid, d); ok {
			if got <= 0 || d != OpenTrackingData(secret, nid, got) {
				t.Fatalf("accepted %q as delivery %d, which the signer writes %q", d, got, OpenTrackingData(secret, nid, got))
			}
		}
		made := OpenTrackingData(secret, nid, id)
		got, ok := ParseOpenTrackingData(secret, nid, made)
		if ok != (id > 0) || (ok && got != id) {
			t.Fatalf("round trip of delivery %d: %d, %v", id, got, ok)
		}
		if _, ok := ParseOpenTrackingData(secret, nid+"x", made); ok {
			t.Fatal("a d is accepted on another notification's path")
		}
		if _, ok := ParseOpenTrackingData(secret+"x", nid, made); ok {
			t.Fatal("a d is accepted under another key")
		}
		if changed, ok := mutate(made, at, b); ok {
			if got, ok := ParseOpenTrackingData(secret, nid, changed); ok {
				t.Fatalf("%q, one byte off %q, is accepted as delivery %d", changed, made, got)
			}
		}
	})
}

func FuzzClickTrackingData(f *testing.F) {
	const target = "https://events.example.com/watch/e1?token=abcd" // 46 bytes: 2 unused bits in base64
	d := ClickTrackingData("secret-one", "notification-1", 42, target)
	parts := strings.Split(d, ".")
	f.Add("secret-one", "notification-1", int64(42), target, d, uint(0), byte('5'))
	// The same target, its base64 ending in other unused bits or broken by
	// a line break.
	f.Add("secret-one", "notification-1", int64(42), "https://x.example/", parts[0]+"."+flipUnusedBit(parts[1])+"."+parts[2], uint(5), byte('\n'))
	f.Add("secret-one", "notification-1", int64(42), "https://x.example/a", parts[0]+"."+parts[1][:8]+"\r\n"+parts[1][8:]+"."+parts[2], uint(5), byte('\r'))
	f.Add("secret-one", "notification-1", int64(7), "javascript:alert(1)", ClickTrackingData("secret-one", "notification-1", 7, "javascript:alert(1)"), uint(0), byte(0))
	f.Add("secret-one", "notification-1", int64(7), "//evil.example/", "", uint(0), byte(0))
	f.Add("secret-one", "n\x001", int64(1), "HTTPS://X.EXAMPLE", d+".x", uint(3), byte('.'))
	f.Add("", "", int64(0), "", OpenTrackingData("secret-one", "notification-1", 42), uint(0), byte(0))
	f.Add("secret-one", "notification-1", int64(9223372036854775807), "http://[::1]:80/\x00", "!!.??.**", uint(0), byte(0))
	f.Fuzz(func(t *testing.T, secret, nid string, id int64, target, d string, at uint, b byte) {
		if gotID, gotTarget, ok := ParseClickTrackingData(secret, nid, d); ok {
			if gotID <= 0 || !isWebURL(gotTarget) || d != ClickTrackingData(secret, nid, gotID, gotTarget) {
				t.Fatalf("accepted %q as delivery %d to %q, which the signer writes %q",
					d, gotID, gotTarget, ClickTrackingData(secret, nid, gotID, gotTarget))
			}
		}
		made := ClickTrackingData(secret, nid, id, target)
		gotID, gotTarget, ok := ParseClickTrackingData(secret, nid, made)
		if want := id > 0 && isWebURL(target); ok != want || (ok && (gotID != id || gotTarget != target)) {
			t.Fatalf("round trip of delivery %d to %q: %d %q %v, want ok=%v", id, target, gotID, gotTarget, ok, want)
		}
		if _, _, ok := ParseClickTrackingData(secret, nid+"x", made); ok {
			t.Fatal("a d is accepted on another notification's path")
		}
		if _, _, ok := ParseClickTrackingData(secret+"x", nid, made); ok {
			t.Fatal("a d is accepted under another key")
		}
		if _, ok := ParseOpenTrackingData(secret, nid, made); ok {
			t.Fatal("a click d is accepted as an open d")
		}
		if changed, ok := mutate(made, at, b); ok {
			if gotID, gotTarget, ok := ParseClickTrackingData(secret, nid, changed); ok {
				t.Fatalf("%q, one byte off %q, is accepted as delivery %d to %q", changed, made, gotID, gotTarget)
			}
		}
	})
}

func FuzzWatchToken(f *testing.F) {
	tok := WatchToken("secret-one", testRegID)
	f.Add("secret-one", []byte("0123456789abcdef"), tok, uint(0), byte('B'))
	f.Add("secret-one", []byte{}, flipUnusedBit(tok[:22])+tok[22:], uint(21), byte('C'))
	f.Add("secret-one", []byte{0xff}, tok[:10]+"\n"+tok[10:], uint(22), byte('.'))
	f.Add("secret-one", []byte{}, tok[:43]+"B", uint(43), byte('A'))
	f.Add("", []byte{}, testRegID, uint(8), byte('0'))
	f.Add("k", []byte{1, 2, 3}, "Zk3q9XbT2mLp7VwR4sJd8NcY6hGf1AeU", uint(40), byte('A'))
	f.Add("secret-one", []byte{}, UnsubscribeToken("secret-one", testRegID), uint(0), byte(0))
	f.Add("secret-one", []byte{}, "", uint(0), byte(0))
	f.Fuzz(func(t *testing.T, secret string, raw []byte, token string, at uint, b byte) {
		// Whatever is accepted is exactly what the key makes for the
		// registration it names.
		if id, ok := ParseWatchToken(secret, token); ok {
			if !ValidID(id) || token != WatchToken(secret, id) {
				t.Fatalf("accepted %q for %q, which the key makes %q", token, id, WatchToken(secret, id))
			}
		}
		if made := WatchToken(secret, token); made != "" {
			if id, ok := ParseWatchToken(secret, made); !ok || id != token {
				t.Fatalf("the token made for %q reads back as %q, %v", token, id, ok)
			}
		}
		// Only a token of the old form, 32 base64url characters in their
		// one encoding, has a hash to be looked up by.
		if h := LegacyTokenHash(token); h != "" {
			if len(token) != 32 || h != HashToken(token) {
				t.Fatalf("LegacyTokenHash(%q) = %q", token, h)
			}
			if _, ok := decodeCanonical(token); !ok {
				t.Fatalf("a hash for %q, which is not canonical base64url", token)
			}
		}
		id := idFromBytes(raw)
		made := WatchToken(secret, id)
		if got, ok := ParseWatchToken(secret, made); !ok || got != id || len(made) != 44 {
			t.Fatalf("round trip of %q through %q: %q, %v", id, made, got, ok)
		}
		if _, ok := ParseWatchToken(secret+"x", made); ok {
			t.Fatalf("a token is accepted under another key")
		}
		if _, ok := ParseUnsubscribeToken(secret, made); ok {
			t.Fatalf("a watch token is accepted as an unsubscribe token")
		}
		if changed, ok := mutate(made, at, b); ok {
			if got, ok := ParseWatchToken(secret, changed); ok {
				t.Fatalf("%q, one byte off %q, is accepted for %q", changed, made, got)
			}
		}
	})
}

var idRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func FuzzValidID(f *testing.F) {
	for _, s := range []string{
		testRegID, strings.ToUpper(testRegID), strings.ReplaceAll(testRegID, "-", ""), testRegID + "\n",
		"3f2b8c1e-7d4a-4e9b-9c61-2a5d8e0f4b1g", "3f2b8c1e_7d4a-4e9b-9c61-2a5d8e0f4b17", "", "1; DROP TABLE events",
		"3f2b8c1e-7d4a-4e9b-9c61-2a5d8e0f4b1é",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := ValidID(s), idRE.MatchString(s); got != want {
			t.Fatalf("ValidID(%q) = %v, want %v", s, got, want)
		}
		if id := NewID(); !ValidID(id) {
			t.Fatalf("NewID() = %q is not valid", id)
		}
	})
}

// zoneElementRE is one element of an IANA zone name. Every name in the
// tz database fits (Go's copy, $GOROOT/lib/time/zoneinfo.zip, was checked:
// "America/Port-au-Prince", "Etc/GMT+12", "EST5EDT"); what the system's
// zoneinfo directory holds besides ("localtime", "posixrules", "posix/…")
// and other spellings of a real name ("Europe//Berlin") do not.
var zoneElementRE = regexp.MustCompile(`^[A-Z][A-Za-z0-9_+-]*$`)

func FuzzValidTimezone(f *testing.F) {
	for _, s := range []string{
		"UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "America/Port-au-Prince", "Etc/GMT+12", "Etc/GMT-14",
		"EST5EDT", "Australia/Lord_Howe", "Asia/Kathmandu",
		"Local", "localtime", "posixrules", "posix/UTC", "right/UTC", "zone.tab",
		"America/./New_York", "America//New_York", "./UTC", "America/New_York/", "America/New_York/.",
		"../../etc/passwd", "/etc/localtime", "America/New York", "america/new_york", "",
		strings.Repeat("A/", 40) + "UTC", "Europe/Berlin\x00", "Europe\\Berlin",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		ok := ValidTimezone(name)
		if ok != ValidTimezone(name) {
			t.Fatalf("ValidTimezone(%q) changed its answer", name)
		}
		if !ok {
			return
		}
		if len(name) > 64 || name == "Local" {
			t.Fatalf("ValidTimezone(%q) = true", name)
		}
		for _, part := range strings.Split(name, "/") {
			if !zoneElementRE.MatchString(part) {
				t.Fatalf("ValidTimezone(%q) = true: %q is not part of an IANA name", name, part)
			}
		}
		if _, err := time.LoadLocation(name); err != nil {
			t.Fatalf("ValidTimezone(%q) = true, but %v", name, err)
		}
	})
}

func FuzzParseStatusFilter(f *testing.F) {
	for _, s := range []string{
		"", "all", "upcoming", "scheduled", "live", "completed", "ended", "cancelled", "canceled",
		" LIVE ", "Upcoming\t", "live,ended", "livé", "\u212aive", "nope",
	} {
		f.Add(s)
	}
	statuses := []EventStatus{"", StatusScheduled, StatusLive, StatusEnded, StatusCancelled}
	f.Fuzz(func(t *testing.T, s string) {
		st, err := ParseStatusFilter(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrInvalid) || st != "" {
				t.Fatalf("ParseStatusFilter(%q) = %q, %#v", s, st, err)
			}
		} else if !slices.Contains(statuses, st) {
			t.Fatalf("ParseStatusFilter(%q) = %q", s, st)
		}
		if st2, err2 := ParseStatusFilter(" " + s + "\n"); st2 != st || (err2 == nil) != (err == nil) {
			t.Fatalf("surrounding spaces change the answer for %q: %q, %v", s, st2, err2)
		}
		if err == nil && st != "" {
			if again, err := ParseStatusFilter(string(st)); again != st || err != nil {
				t.Fatalf("the status %q reads as %q, %v", st, again, err)
			}
		}
	})
}

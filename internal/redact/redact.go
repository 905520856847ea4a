// Package redact keeps viewers' email addresses, phone numbers and secret
// tokens out of text that leaves onair's care: every log line, whatever wrote
// it (onair itself, River, net/http), and the texts of providers' errors,
// which echo the recipient ("550 5.1.1 <ada@example.com>: no such user",
// "The 'To' number +15005550001 is not a valid phone number").
//
// It errs on the side of hiding: a log line loses a long identifier now and
// then, rather than keep an address. Ids in NewID's form (UUIDs) stay, since
// they name rows, not people.
package redact

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"
)

// What each kind of secret becomes.
const (
	Email = "[email]"
	Phone = "[phone]"
	Token = "[token]"
)

// minTokenLen is the shortest run of base64url characters taken for a
// token. onair's tokens are 32 to 49 characters; ids (36, with dashes in
// UUID places) are kept.
const minTokenLen = 20

// String returns s with every email address, phone number and token-like
// string replaced by a placeholder.
func String(s string) string {
	if !needsWork(s) {
		return s
	}
	// Tokens before phones: a placeholder ends a word, so a phone number
	// glued to a token is found in the same pass as on a second one.
	return phones(tokens(emails(s)))
}

// needsWork is a quick look for anything String would replace.
func needsWork(s string) bool {
	digits, run := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '@' || c == '+':
			return true
		case c == '%' && i+2 < len(s) && s[i+1] == '4' && s[i+2] == '0':
			return true
		}
		if c >= '0' && c <= '9' {
			if digits++; digits >= 10 {
				return true
			}
		} else {
			digits = 0
		}
		if isTokenByte(c) {
			if run++; run >= minTokenLen {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// emails replaces every address: the run of local-part characters before an
// '@' (or its URL encoding, %40) and the run of domain characters after it.
func emails(s string) string {
	var b strings.Builder
	last := 0 // s[last:] is not written yet
	for i := 0; i < len(s); {
		at := 0
		switch {
		case s[i] == '@':
			at = 1
		case s[i] == '%' && strings.HasPrefix(s[i:], "%40"):
			at = 3
		}
		if at == 0 {
			i++
			continue
		}
		start := i
		for start > last && isLocalByte(s[start-1]) {
			start--
		}
		end := i + at
		for end < len(s) && isDomainByte(s[end]) {
			end++
		}
		if start == i || end == i+at {
			i += at // a lone '@': not an address
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(Email)
		last, i = end, end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// isLocalByte: the characters of an address's local part (RFC 5322 atext
// and the dot), and any byte of a non-ASCII character.
func isLocalByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c >= utf8.RuneSelf:
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~.", c) >= 0
}

// isDomainByte: the characters of a domain name, international ones
// included.
func isDomainByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '-' || c >= utf8.RuneSelf
}

// phones replaces an international number (a '+' and 7 to 15 digits, with
// the spaces, dots, dashes and brackets people write between them) and any
// bare run of 10 to 15 digits (a number written without its '+'). Longer runs
// are times in microseconds or nanoseconds and stay.
func phones(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if (c != '+' && !isDigit(c)) || (i > 0 && i != last && isWordByte(s[i-1])) {
			i++
			continue
		}
		end := phoneEnd(s, i)
		if end < 0 {
			// Not a number: go past the run of digits it began.
			i++
			for i < len(s) && isDigit(s[i]) {
				i++
			}
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(Phone)
		last, i = end, end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// phoneEnd returns where the phone number that begins at s[i] ends, or -1
// when none does. A number written with separators ends at its last digit
// that leaves it 7 to 15 digits long.
func phoneEnd(s string, i int) int {
	if s[i] != '+' {
		end := i
		for end < len(s) && isDigit(s[end]) {
			end++
		}
		if n := end - i; n < 10 || n > 15 || (end < len(s) && isWordByte(s[end])) {
			return -1
		}
		return end
	}
	best, digits := -1, 0
	for end := i + 1; end < len(s); {
		if !isDigit(s[end]) {
			// Up to three separators in a row: "+1 (415) 555-0100".
			next := end
			for next < len(s) && next-end < 3 && isPhoneSep(s[next]) {
				next++
			}
			if next == end || next == len(s) || !isDigit(s[next]) {
				break
			}
			end = next
			continue
		}
		digits++
		end++
		if digits > 15 {
			break
		}
		if digits >= 7 && (end == len(s) || !isWordByte(s[end])) {
			best = end
		}
	}
	return best
}

func isPhoneSep(c byte) bool { return strings.IndexByte(" .-()", c) >= 0 }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWordByte(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// tokens replaces every run of at least minTokenLen base64url characters
// that looks random (a digit, a '-' or '_', or both cases of letters) and is
// not an id.
func tokens(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if !isTokenByte(s[i]) {
			i++
			continue
		}
		end := i
		for end < len(s) && isTokenByte(s[end]) {
			end++
		}
		run := s[i:end]
		if len(run) >= minTokenLen && looksRandom(run) && !isID(run) {
			b.WriteString(s[last:i])
			b.WriteString(Token)
			last = end
		}
		i = end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isTokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

func looksRandom(run string) bool {
	var lower, upper bool
	for i := 0; i < len(run); i++ {
		c := run[i]
		switch {
		case isDigit(c), c == '-', c == '_':
			return true
		case c >= 'a' && c <= 'z':
			lower = true
		default:
			upper = true
		}
	}
	return lower && upper
}

// isID reports whether run is one id in NewID's form, or several joined by
// dashes (a log line's "event-id" pairs): the 8-4-4-4-12 hex groups.
func isID(run string) bool {
	groups := strings.Split(run, "-")
	if len(groups)%5 != 0 {
		return false
	}
	want := []int{8, 4, 4, 4, 12}
	for i, g := range groups {
		if len(g) != want[i%5] {
			return false
		}
		for j := 0; j < len(g); j++ {
			if c := g[j]; !isDigit(c) && (c < 'a' || c > 'f') {
				return false
			}
		}
	}
	return true
}

// Handler wraps h so that every record it handles has its message and
// every attribute redacted: strings, errors, anything printed with %v.
func Handler(h slog.Handler) slog.Handler { return handler{h} }

type handler struct{ next slog.Handler }

func (h handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, String(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = attr(a)
	}
	return handler{h.next.WithAttrs(clean)}
}

func (h handler) WithGroup(name string) slog.Handler { return handler{h.next.WithGroup(name)} }

// attr redacts one attribute, inside groups too.
func attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, String(v.String()))
	case slog.KindGroup:
		group := v.Group()
		clean := make([]slog.Attr, len(group))
		for i, g := range group {
			clean[i] = attr(g)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(clean...)}
	case slog.KindAny:
		var text string
		switch x := v.Any().(type) {
		case error:
			text = x.Error()
		case nil:
			return slog.Attr{Key: a.Key, Value: v}
		default:
			text = fmt.Sprintf("%+v", x)
		}
		return slog.String(a.Key, String(text))
	}
	return slog.Attr{Key: a.Key, Value: v}
}

package onair

import "testing"

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
	} {
		if _, ok := ParseUnsubscribeToken("secret-one", bad); ok {
			t.Errorf("%s: accepted", name)
		}
	}
}

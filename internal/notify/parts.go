package notify

import (
	"strings"
	"sync"
)

// Parts is an email's text and HTML as its prepared template made them:
// the literal text of its Layout, shared by every email of one zone and
// shape of the template, with this recipient's values between. A provider
// that writes the MIME message itself (smtp) encodes the literals once per
// layout and only the values per email.
type Parts struct {
	Layout *Layout
	// Text and HTML are the recipient's values, one per slot of the
	// layout's part: Text[i] goes between Layout.Text[i] and
	// Layout.Text[i+1]. The HTML part's are escaped for their place.
	Text, HTML []string
}

// Layout is the text and HTML of the emails of one prepared template to
// the recipients of one zone and shape, cut where each recipient's values
// go: literals around len(literals)-1 values. Its slices are shared and
// must not be changed. It is safe for concurrent use.
type Layout struct {
	Text, HTML []string
	memo       sync.Map
}

// Memo is what make gives for key: made on the first call with key, and
// kept with l for as long as l is in use, so that a provider's own form of
// the layout (its encoding) is made once.
func (l *Layout) Memo(key any, make func() any) any {
	if v, ok := l.memo.Load(key); ok {
		return v
	}
	v, _ := l.memo.LoadOrStore(key, make())
	return v
}

// join writes lits with vals between.
func join(lits, vals []string) string {
	n := 0
	for _, s := range lits {
		n += len(s)
	}
	for _, s := range vals {
		n += len(s)
	}
	var b strings.Builder
	b.Grow(n)
	for i, v := range vals {
		b.WriteString(lits[i])
		b.WriteString(v)
	}
	b.WriteString(lits[len(lits)-1])
	return b.String()
}

// values are the values of c's slots from vals, in order, escaped as the
// HTML part's template escapes them when html is set.
func (c *chunks) values(vals *[numSlots]string, html bool) []string {
	out := make([]string, len(c.slots))
	if !html {
		for i, s := range c.slots {
			out[i] = vals[s]
		}
		return out
	}
	// One buffer for all, cut afterwards: one allocation, not one each.
	var b strings.Builder
	n := 0
	for _, s := range c.slots {
		n += len(vals[s]) + len(vals[s])/8
	}
	b.Grow(n)
	ends := make([]int, len(c.slots))
	for i, s := range c.slots {
		htmlSlotEscapers[s](&b, vals[s])
		ends[i] = b.Len()
	}
	all, start := b.String(), 0
	for i, end := range ends {
		out[i] = all[start:end]
		start = end
	}
	return out
}

package smtp

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/onair-live/onair/internal/notify"
)

// An email that comes with its prepared template's Parts is written here
// rather than by go-mail: the literals of each layout, which are nearly
// all of a message, are quoted-printable encoded once (a skeleton) and
// only each recipient's values per message. What it writes is what
// go-mail writes, read back: the same headers, the same parts, decoding
// to the same text (mime_test.go compares the two on many messages).

// The boundaries begin with "=_", which quoted-printable text cannot hold
// (it writes "=" as "=3D") and base64 never does: no part can end early,
// whatever a recipient's values say. Neither is a prefix of the other.
var mixedBoundary, altBoundary = func() (string, string) {
	var b [12]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return "=_m" + h, "=_a" + h
}()

// maxLine is the longest quoted-printable line, its soft break's "="
// included (RFC 2045 section 6.7, rule 5).
const maxLine = 76

// skeleton is a layout's literals, encoded.
type skeleton struct {
	text, html []qpPiece
}

// qpPiece is a literal encoded from the start of a line, and the column
// its last line ends at: where the value after it starts.
type qpPiece struct {
	enc string
	col int
}

// skeletonKey is the key of the skeletons in the layouts' memos.
type skeletonKey struct{}

func skeletonOf(l *notify.Layout) *skeleton {
	return l.Memo(skeletonKey{}, func() any {
		return &skeleton{text: encodePieces(l.Text), html: encodePieces(l.HTML)}
	}).(*skeleton)
}

func encodePieces(lits []string) []qpPiece {
	out := make([]qpPiece, len(lits))
	for i, l := range lits {
		e := qpEncoder{}
		e.write(l, i == len(lits)-1)
		out[i] = qpPiece{enc: string(e.b), col: e.col}
	}
	return out
}

// qpEncoder writes quoted-printable text, as mime/quotedprintable does
// (CR, LF and CRLF are hard line breaks, whitespace that would end a line
// is encoded), and also encodes a dot that starts a line, so that the
// message needs no dot-stuffing on the wire.
type qpEncoder struct {
	b   []byte
	col int
}

// write encodes s; final says nothing follows it in its part, so that a
// space or tab at its end would end a line.
func (e *qpEncoder) write(s string, final bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if qpSafe[c] && (c != '.' || e.col > 0) {
			// A run of bytes that stand for themselves, a line's room at
			// a time: most of a message is.
			j := i + 1
			for j < len(s) && qpSafe[s[j]] {
				j++
			}
			if e.col >= maxLine-1 {
				e.softBreak()
				i-- // the run starts a line: look at its first byte again
				continue
			}
			n := min(j-i, maxLine-1-e.col)
			e.b = append(e.b, s[i:i+n]...)
			e.col += n
			i += n - 1
			continue
		}
		switch {
		case c == '\n' && i > 0 && s[i-1] == '\r':
			// the CRLF was written at the CR
		case c == '\r' || c == '\n':
			e.b = append(e.b, '\r', '\n')
			e.col = 0
		case c == ' ' || c == '\t':
			if i+1 == len(s) && final || i+1 < len(s) && (s[i+1] == '\r' || s[i+1] == '\n') {
				e.encoded(c)
			} else {
				e.literal(c)
			}
		case c >= '!' && c <= '~' && c != '=':
			e.literal(c)
		default:
			e.encoded(c)
		}
	}
}

// qpSafe are the bytes that quoted-printable writes as they are.
var qpSafe = func() (t [256]bool) {
	for c := '!'; c <= '~'; c++ {
		t[c] = c != '='
	}
	return t
}()

func (e *qpEncoder) literal(c byte) {
	if e.col+1 > maxLine-1 {
		e.softBreak()
	}
	if c == '.' && e.col == 0 {
		e.encoded(c)
		return
	}
	e.b = append(e.b, c)
	e.col++
}

func (e *qpEncoder) encoded(c byte) {
	const upper = "0123456789ABCDEF"
	if e.col+3 > maxLine-1 {
		e.softBreak()
	}
	e.b = append(e.b, '=', upper[c>>4], upper[c&15])
	e.col += 3
}

func (e *qpEncoder) softBreak() {
	e.b = append(e.b, '=', '\r', '\n')
	e.col = 0
}

// composeParts writes m, which has passed checkMessage and has Parts, as
// a MIME message. ok is false for a message it leaves to go-mail.
func (p *Provider) composeParts(m notify.Message, to *mail.Address, now time.Time, id string) (data []byte, ok bool, err error) {
	parts := m.Parts
	l := parts.Layout
	if l == nil || len(l.Text) != len(parts.Text)+1 || len(l.HTML) != len(parts.HTML)+1 {
		return nil, false, nil
	}
	for _, vals := range [][]string{parts.Text, parts.HTML} {
		for _, v := range vals {
			if strings.IndexByte(v, '\r') >= 0 {
				return nil, false, nil // a CR could pair with a literal's LF
			}
		}
	}
	for _, a := range m.Attachments {
		if a.ContentType == "" {
			return nil, false, nil
		}
	}
	sk := skeletonOf(l)

	size := 1024
	for _, pc := range sk.text {
		size += len(pc.enc)
	}
	for _, pc := range sk.html {
		size += len(pc.enc)
	}
	for _, a := range m.Attachments {
		size += 256 + base64.StdEncoding.EncodedLen(len(a.Data))*78/76
	}
	b := newBuffer(size)

	from := p.from
	if m.FromName != "" {
		from = &mail.Address{Name: m.FromName, Address: p.from.Address}
	}
	b = header(b, "From", from.String())
	b = header(b, "To", to.String())
	b = header(b, "Subject", mime.QEncoding.Encode("UTF-8", m.Subject))
	b = header(b, "Date", now.Format(time.RFC1123Z))
	b = header(b, "Message-ID", "<"+id+">")
	b = header(b, "X-Onair-Delivery", strconv.FormatInt(m.DeliveryID, 10))
	for _, h := range m.Headers {
		v := h.Value
		if strings.EqualFold(h.Name, "Reply-To") {
			a, err := mail.ParseAddress(v)
			if err != nil {
				return nil, false, fmt.Errorf("Reply-To %q is not an address", v)
			}
			v = a.String()
		} else {
			v = mime.QEncoding.Encode("UTF-8", v)
		}
		b = header(b, h.Name, v)
	}
	b = append(b, "MIME-Version: 1.0\r\n"...)
	if len(m.Attachments) > 0 {
		b = append(b, "Content-Type: multipart/mixed; boundary=\""+mixedBoundary+"\"\r\n\r\n--"+mixedBoundary+"\r\n"...)
	}
	b = append(b, "Content-Type: multipart/alternative; boundary=\""+altBoundary+"\"\r\n\r\n"...)
	b = append(b, "--"+altBoundary+"\r\nContent-Transfer-Encoding: quoted-printable\r\n"+
		"Content-Type: text/plain; charset=UTF-8\r\n\r\n"...)
	b = splice(b, sk.text, parts.Text)
	b = append(b, "\r\n--"+altBoundary+"\r\nContent-Transfer-Encoding: quoted-printable\r\n"+
		"Content-Type: text/html; charset=UTF-8\r\n\r\n"...)
	b = splice(b, sk.html, parts.HTML)
	b = append(b, "\r\n--"+altBoundary+"--\r\n"...)
	for _, a := range m.Attachments {
		mt, params, err := mime.ParseMediaType(a.ContentType)
		if err != nil {
			return nil, false, fmt.Errorf("attachment %q: content type %q: %v", a.Filename, a.ContentType, err)
		}
		params["name"] = a.Filename
		ct := mime.FormatMediaType(mt, params)
		cd := mime.FormatMediaType("attachment", map[string]string{"filename": a.Filename})
		if ct == "" || cd == "" {
			return nil, false, fmt.Errorf("attachment %q: content type %q cannot be written", a.Filename, a.ContentType)
		}
		b = append(b, "\r\n--"+mixedBoundary+"\r\n"...)
		b = header(b, "Content-Disposition", cd)
		b = append(b, "Content-Transfer-Encoding: base64\r\n"...)
		b = header(b, "Content-Type", ct)
		b = append(b, "\r\n"...)
		b = base64Lines(b, a.Data)
	}
	if len(m.Attachments) > 0 {
		b = append(b, "\r\n--"+mixedBoundary+"--\r\n"...)
	}
	return b, true, nil
}

// buffers are the messages composeParts wrote that were sent: a message
// is as large as its layout makes it, and reusing its bytes for the next
// spares the collector most of what a send allocates.
var buffers sync.Pool

func newBuffer(size int) []byte {
	if b, ok := buffers.Get().(*[]byte); ok && cap(*b) >= size {
		return (*b)[:0]
	}
	return make([]byte, 0, size)
}

// release gives env's data back for reuse, once Send is done with it:
// nothing keeps it (the connection's writer copies what it sends).
func (env *envelope) release() {
	if env.pooled {
		b := env.data[:0]
		env.data, env.pooled = nil, false
		buffers.Put(&b)
	}
}

// splice writes the encoded literals of a part with vals, encoded, between
// them. Each value starts where the literal before it ends and is closed
// by a soft line break, so that the next literal starts a line, as it was
// encoded.
func splice(b []byte, lits []qpPiece, vals []string) []byte {
	for i, v := range vals {
		b = append(b, lits[i].enc...)
		e := qpEncoder{b: b, col: lits[i].col}
		e.write(v, false)
		e.softBreak()
		b = e.b
	}
	return append(b, lits[len(lits)-1].enc...)
}

// header writes one header field, folded at its spaces where a line would
// pass 76 characters. value is already encoded: ASCII without CR or LF.
func header(b []byte, name, value string) []byte {
	b = append(b, name...)
	b = append(b, ':', ' ')
	col := len(name) + 2
	if col+len(value) <= maxLine {
		b = append(b, value...)
		return append(b, '\r', '\n')
	}
	first := true
	for value != "" {
		word, rest, _ := strings.Cut(value, " ")
		switch {
		case first:
		case col+1+len(word) > maxLine:
			b = append(b, '\r', '\n', ' ')
			col = 1
		default:
			b = append(b, ' ')
			col++
		}
		b = append(b, word...)
		col += len(word)
		first = false
		value = rest
	}
	return append(b, '\r', '\n')
}

// base64Lines writes data in base64, in lines of 76 characters.
func base64Lines(b, data []byte) []byte {
	const perLine = 57 // bytes that make 76 characters
	for len(data) > 0 {
		n := min(len(data), perLine)
		b = base64.StdEncoding.AppendEncode(b, data[:n])
		b = append(b, '\r', '\n')
		data = data[n:]
	}
	return b
}

// dotFree reports whether data can go on the wire as it is: CRLF line
// ends and no line that starts with a dot.
func dotFree(data []byte) bool {
	return len(data) > 0 && data[0] != '.' && !bytes.Contains(data, []byte("\n.")) &&
		bytes.Count(data, []byte("\n")) == bytes.Count(data, []byte("\r\n")) && bytes.HasSuffix(data, []byte("\r\n"))
}

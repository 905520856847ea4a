package smtp_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/notify/notifytest"
	"github.com/onair-live/onair/internal/notify/smtp"
	"github.com/onair-live/onair/internal/onair"
)

// Names, titles and texts that try the encoders: non-ASCII, quotes and
// brackets, the quoted-printable and RFC 2047 markers, dots and spaces
// where a line starts or ends, and lines far longer than 76.
var (
	mimeNames = []string{"Ada", "", "Zoë", "O'Brien \"Bob\"", "🚀 Zoë", "=?UTF-8?q?x?=", ". dot", "a  b\tc ",
		"Łukasz Żółć", "山田太郎", strings.Repeat("Maximilian", 12), "=3D=", "<b>&amp;</b>", "%recipient.x%"}
	mimeTitles = []string{"Launch", "Café Lancement « 2026 » 🎬", strings.Repeat("A long title with words ", 8),
		"=?utf-8?b?SGk=?= =_a", "Dots. at. ends.", "日本語のウェビナー・ライブ配信のご案内", "Tab\there", "Trailing space "}
	mimeTexts = []string{"",
		"Short.",
		".starts with a dot\n..two dots\n. dot space",
		"trailing space \nand tab\t\nend ",
		strings.Repeat("x", 300) + "\n" + strings.Repeat("é", 120) + "\n" + strings.Repeat("=", 90),
		"CRLF\r\nlines\r\n\r\nand a lone\rCR",
		"Be the first to see what we have been building.\n\nWe'll cover:\n- pricing, plans and add-ons\n- a live Q&A",
		strings.Repeat("日本語 ", 200),
	}
	mimeZones = []string{"", "Europe/Berlin", "Asia/Kathmandu", "Australia/Lord_Howe", "America/New_York"}
	mimeHosts = []onair.HostSettings{{}, {Name: "Acme Launches", BrandColor: "#0f766e",
		LogoURL: "https://cdn.acme.example/brand/logo.png", ReplyTo: "team@acme.example"},
		{Name: "Zoë’s Café \"Live\" <x>", ReplyTo: "Zoë Team <zoe@example.com>"},
		{Name: strings.Repeat("Very Long Host Name ", 6), ReplyTo: "\"Quoted, Name\" <q@example.com>"}}
)

// mimeMessages are emails filled from prepared templates the way the send
// job fills them, across every kind, name, title, text, zone and host.
func mimeMessages(t *testing.T) []notify.Message {
	t.Helper()
	cases := spamCases()
	var out []notify.Message
	for i := range 600 {
		c := cases[i%len(cases)].content
		c.Registration.FirstName = mimeNames[i%len(mimeNames)]
		c.Registration.Timezone = mimeZones[i%len(mimeZones)]
		c.Event.Title = mimeTitles[i%len(mimeTitles)]
		c.Event.Description = mimeTexts[i%len(mimeTexts)]
		c.Event.Notifications.CustomMessage = mimeTexts[(i/3)%len(mimeTexts)]
		c.From = notify.NewSender(mimeHosts[(i/5)%len(mimeHosts)], "onair <no-reply@events.example.com>")
		if i%7 == 0 {
			c.Track, c.OpenPixelURL = nil, ""
		}
		c.WatchURL += fmt.Sprintf("&n=%d", i)
		n, p := c.Split()
		p.DeliveryID = int64(100 + i)
		tmpl, err := notify.PrepareEmail(n)
		if err != nil {
			t.Fatalf("message %d: PrepareEmail: %v", i, err)
		}
		m, err := tmpl.Fill(p)
		if err != nil {
			t.Fatalf("message %d: Fill: %v", i, err)
		}
		out = append(out, m)
	}
	return out
}

// TestComposePartsIsGoMail writes each message from its parts and with
// go-mail and reads both back: the same headers, decoded, and the same
// parts, in the same places, decoding to the same bytes.
func TestComposePartsIsGoMail(t *testing.T) {
	srv := notifytest.NewSMTPServer(t)
	p := newProvider(t, srv, func(c *smtp.Config) { c.From = "onair <no-reply@events.example.com>" })
	for i, m := range mimeMessages(t) {
		fromParts, ok, fromGoMail, err := smtp.ComposeBoth(p, m)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if !ok {
			t.Fatalf("message %d: not written from its parts", i)
		}
		what := fmt.Sprintf("message %d (%q, %q)", i, m.Subject, m.FromName)
		sameMIME(t, what, fromParts, fromGoMail)
		checkWire(t, what, fromParts)
	}
}

var randomPart = regexp.MustCompile(`\.[0-9a-f]{16}@`)

// sameMIME fails t unless got and want read the same.
func sameMIME(t *testing.T, what string, got, want []byte) {
	t.Helper()
	gm, err := mail.ReadMessage(bytes.NewReader(got))
	if err != nil {
		t.Fatalf("%s: parts: %v", what, err)
	}
	wm, err := mail.ReadMessage(bytes.NewReader(want))
	if err != nil {
		t.Fatalf("%s: go-mail: %v", what, err)
	}
	keys := func(h mail.Header) []string {
		var k []string
		for name := range h {
			k = append(k, name)
		}
		slices.Sort(k)
		return k
	}
	if g, w := keys(gm.Header), keys(wm.Header); !slices.Equal(g, w) {
		t.Fatalf("%s: headers %q, want %q", what, g, w)
	}
	var dec mime.WordDecoder
	for name := range wm.Header {
		g, w := gm.Header.Get(name), wm.Header.Get(name)
		switch name {
		case "Date":
			gd, err1 := mail.ParseDate(g)
			wd, err2 := mail.ParseDate(w)
			if err1 != nil || err2 != nil || gd.Sub(wd).Abs() > time.Minute {
				t.Errorf("%s: Date %q, want about %q", what, g, w)
			}
		case "From", "To", "Reply-To":
			ga, err1 := mail.ParseAddressList(g)
			wa, err2 := mail.ParseAddressList(w)
			if err1 != nil || err2 != nil || !reflect.DeepEqual(ga, wa) {
				t.Errorf("%s: %s %q (%v), want %q (%v)", what, name, g, err1, w, err2)
			}
		case "Message-Id":
			// The same but for its random part, when written twice.
			if g, w := randomPart.ReplaceAllString(g, ".@"), randomPart.ReplaceAllString(w, ".@"); g != w {
				t.Errorf("%s: Message-ID %q, want %q", what, g, w)
			}
		case "Content-Type":
			gt, gp, err1 := mime.ParseMediaType(g)
			wt, wp, err2 := mime.ParseMediaType(w)
			delete(gp, "boundary")
			delete(wp, "boundary")
			if err1 != nil || err2 != nil || gt != wt || !reflect.DeepEqual(gp, wp) {
				t.Errorf("%s: Content-Type %q, want %q", what, g, w)
			}
		default:
			gd, err1 := dec.DecodeHeader(g)
			wd, err2 := dec.DecodeHeader(w)
			if err1 != nil || err2 != nil || gd != wd {
				t.Errorf("%s: %s %q → %q, want %q → %q", what, name, g, gd, w, wd)
			}
		}
	}
	gp, err := notifytest.ReceivedMessage{Data: got, Header: gm.Header}.Parts()
	if err != nil {
		t.Fatalf("%s: parts: %v", what, err)
	}
	wp, err := notifytest.ReceivedMessage{Data: want, Header: wm.Header}.Parts()
	if err != nil {
		t.Fatalf("%s: go-mail's parts: %v", what, err)
	}
	if len(gp) != len(wp) {
		t.Fatalf("%s: %d parts, want %d", what, len(gp), len(wp))
	}
	for j := range wp {
		g, w := gp[j], wp[j]
		if g.MediaType != w.MediaType || !reflect.DeepEqual(g.Params, w.Params) || !slices.Equal(g.Within, w.Within) ||
			g.Disposition != w.Disposition || g.Filename != w.Filename ||
			g.Header.Get("Content-Transfer-Encoding") != w.Header.Get("Content-Transfer-Encoding") {
			t.Errorf("%s: part %d is %s %v in %v (%s %q, %s), want %s %v in %v (%s %q, %s)", what, j,
				g.MediaType, g.Params, g.Within, g.Disposition, g.Filename, g.Header.Get("Content-Transfer-Encoding"),
				w.MediaType, w.Params, w.Within, w.Disposition, w.Filename, w.Header.Get("Content-Transfer-Encoding"))
		}
		if !bytes.Equal(g.Body, w.Body) {
			t.Errorf("%s: part %d (%s) decodes to\n%q\nwant\n%q", what, j, g.MediaType, g.Body, w.Body)
		}
	}
}

// checkWire fails t unless data is 7-bit, CRLF, with header lines under
// 998 octets, quoted-printable lines of 76 at most, and no line that
// starts with a dot.
func checkWire(t *testing.T, what string, data []byte) {
	t.Helper()
	if !smtp.DotFree(data) {
		t.Errorf("%s: a line starts with a dot, or ends without CR", what)
	}
	head, body, _ := bytes.Cut(data, []byte("\r\n\r\n"))
	for _, line := range strings.Split(string(head), "\r\n") {
		if len(line) > 998 {
			t.Errorf("%s: a header line of %d octets", what, len(line))
		}
	}
	for _, line := range strings.Split(string(body), "\r\n") {
		if len(line) > 76 {
			t.Errorf("%s: a body line of %d octets: %q", what, len(line), line)
		}
	}
	for _, c := range data {
		if c > 126 || c == 0 {
			t.Fatalf("%s: byte %#x is not 7-bit text", what, c)
		}
	}
}

// FuzzComposeParts writes an email of any title, name and text both ways.
func FuzzComposeParts(f *testing.F) {
	for i := range mimeNames {
		f.Add(mimeTitles[i%len(mimeTitles)], mimeNames[i], mimeTexts[i%len(mimeTexts)], uint8(i))
	}
	cases := spamCases()
	prov := newProvider(f, notifytest.NewSMTPServer(f), nil) // composes only: it never connects
	f.Fuzz(func(t *testing.T, title, name, text string, k uint8) {
		c := cases[int(k)%len(cases)].content
		c.Event.Title, c.Registration.FirstName, c.Event.Description = title, name, text
		c.Event.Notifications.CustomMessage = text
		n, p := c.Split()
		tmpl, err := notify.PrepareEmail(n)
		if err != nil {
			return
		}
		m, err := tmpl.Fill(p)
		if err != nil {
			return
		}
		fromParts, ok, fromGoMail, err := smtp.ComposeBoth(prov, m)
		if err != nil || !ok {
			return // refused alike by both: checkMessage comes first
		}
		sameMIME(t, "fuzzed", fromParts, fromGoMail)
		checkWire(t, "fuzzed", fromParts)
	})
}

func TestQuotedPrintable(t *testing.T) {
	for _, s := range []string{"", "end with a space ", "end with a tab\t", "space before LF \nx", "tab before CRLF\t\r\ny",
		".dot", "a\n.dot", strings.Repeat("a", 75) + ".", strings.Repeat("é", 50), strings.Repeat("ab ", 40),
		"=", strings.Repeat("=", 30), "lone\rCR", "\n\r", "\x00\x7f\xff", strings.Repeat("x", 74) + " \n"} {
		enc := smtp.EncodeQP(s)
		dec, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(enc)))
		if err != nil {
			t.Errorf("%q: %q does not decode: %v", s, enc, err)
			continue
		}
		// What mime/quotedprintable's own writer encodes the same text to
		// decodes alike: line breaks as CRLF.
		var want bytes.Buffer
		w := quotedprintable.NewWriter(&want)
		_, _ = w.Write([]byte(s))
		_ = w.Close()
		ref, _ := io.ReadAll(quotedprintable.NewReader(&want))
		if !bytes.Equal(dec, ref) {
			t.Errorf("%q: encoded %q decodes to %q, want %q", s, enc, dec, ref)
		}
		for _, line := range strings.Split(enc, "\r\n") {
			if len(line) > 76 || strings.HasPrefix(line, ".") || strings.HasSuffix(line, " ") || strings.HasSuffix(line, "\t") {
				t.Errorf("%q: line %q", s, line)
			}
		}
	}
}

// BenchmarkCompose writes a reminder as the send job fills it, from its
// parts and (without them) with go-mail.
func BenchmarkCompose(b *testing.B) {
	srv := notifytest.NewSMTPServer(b)
	p := newProvider(b, srv, nil)
	var c notify.Content
	for _, sc := range spamCases() {
		if strings.HasPrefix(sc.name, "reminder, full event, branded") {
			c = sc.content
		}
	}
	n, pers := c.Split()
	tmpl, err := notify.PrepareEmail(n)
	if err != nil {
		b.Fatal(err)
	}
	m, err := tmpl.Fill(pers)
	if err != nil {
		b.Fatal(err)
	}
	plain := m
	plain.Parts = nil
	for _, bc := range []struct {
		name string
		m    notify.Message
	}{{"parts", m}, {"go-mail", plain}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := smtp.Compose(p, bc.m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestSendFromPartsConcurrently sends many emails from their parts at
// once over a few connections: each arrives as go-mail would have
// written it, none holding another's bytes (their buffers are reused).
func TestSendFromPartsConcurrently(t *testing.T) {
	srv := notifytest.NewSMTPServer(t)
	p := newProvider(t, srv, func(c *smtp.Config) { c.From = "onair <no-reply@events.example.com>"; c.Conns = 4 })
	msgs := mimeMessages(t)[:240]
	var wg sync.WaitGroup
	for _, m := range msgs {
		wg.Go(func() {
			if _, err := p.Send(context.Background(), m); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	byDelivery := map[string]notifytest.ReceivedMessage{}
	for _, r := range srv.WaitFor(len(msgs), 10*time.Second) {
		byDelivery[r.Header.Get("X-Onair-Delivery")] = r
	}
	for _, m := range msgs {
		id := strconv.FormatInt(m.DeliveryID, 10)
		got, ok := byDelivery[id]
		if !ok {
			t.Fatalf("delivery %s did not arrive", id)
		}
		m.Parts = nil
		want, err := smtp.Compose(p, m)
		if err != nil {
			t.Fatal(err)
		}
		sameMIME(t, "delivery "+id, got.Data, want)
	}
}

package notifytest

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"strings"
)

// Part is one leaf of a received message's MIME tree, its body decoded.
type Part struct {
	// MediaType is the part's type, lower case: "text/plain", "text/calendar".
	MediaType string
	// Params are the Content-Type parameters: charset, method, name.
	Params map[string]string
	// Disposition is "attachment", "inline" or "".
	Disposition string
	// Filename is the Content-Disposition filename, decoded.
	Filename string
	// Within lists the multipart types enclosing the part, outermost
	// first, e.g. ["multipart/mixed", "multipart/alternative"].
	Within []string
	Header textproto.MIMEHeader
	// Body is the content with its transfer encoding undone.
	Body []byte
}

var wordDecoder = mime.WordDecoder{}

// Subject is the message's Subject header, RFC 2047 decoded.
func (m ReceivedMessage) Subject() string { return m.DecodedHeader("Subject") }

// DecodedHeader is the named header with RFC 2047 encoded words decoded and
// folding undone.
func (m ReceivedMessage) DecodedHeader(name string) string {
	if m.Header == nil {
		return ""
	}
	v, err := wordDecoder.DecodeHeader(m.Header.Get(name))
	if err != nil {
		return m.Header.Get(name)
	}
	return v
}

// Parts walks the message's MIME tree and returns its leaves in order.
func (m ReceivedMessage) Parts() ([]Part, error) {
	head, body, ok := bytes.Cut(m.Data, []byte("\r\n\r\n"))
	if !ok {
		return nil, fmt.Errorf("notifytest: message has no header/body separator")
	}
	h, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(m.Data[:len(head)+4]))).ReadMIMEHeader()
	if err != nil {
		return nil, fmt.Errorf("notifytest: read header: %w", err)
	}
	return walk(h, bytes.NewReader(body), nil)
}

// PartOf returns the first leaf of the given media type, or false.
func (m ReceivedMessage) PartOf(mediaType string) (Part, bool) {
	parts, err := m.Parts()
	if err != nil {
		return Part{}, false
	}
	for _, p := range parts {
		if p.MediaType == mediaType {
			return p, true
		}
	}
	return Part{}, false
}

func walk(h textproto.MIMEHeader, body io.Reader, within []string) ([]Part, error) {
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain; charset=us-ascii"
	}
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, fmt.Errorf("notifytest: Content-Type %q: %w", ct, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		var parts []Part
		inner := append(append([]string(nil), within...), mediaType)
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return parts, nil
			}
			if err != nil {
				return nil, fmt.Errorf("notifytest: %s: %w", mediaType, err)
			}
			leaves, err := walk(p.Header, p, inner)
			if err != nil {
				return nil, err
			}
			parts = append(parts, leaves...)
		}
	}
	decoded, err := decodeBody(h.Get("Content-Transfer-Encoding"), body)
	if err != nil {
		return nil, err
	}
	part := Part{MediaType: mediaType, Params: params, Within: within, Header: h, Body: decoded}
	if cd := h.Get("Content-Disposition"); cd != "" {
		if disp, dparams, err := mime.ParseMediaType(cd); err == nil {
			part.Disposition = disp
			part.Filename, _ = wordDecoder.DecodeHeader(dparams["filename"])
		}
	}
	return []Part{part}, nil
}

func decodeBody(encoding string, r io.Reader) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "base64":
		// Line breaks are not base64: strip them before decoding.
		raw, err := io.ReadAll(r)
		if err != nil {
			return nil, err
		}
		clean := strings.NewReplacer("\r", "", "\n", "").Replace(string(raw))
		return base64.StdEncoding.DecodeString(clean)
	case "quoted-printable":
		return io.ReadAll(quotedprintable.NewReader(r))
	default:
		return io.ReadAll(r)
	}
}

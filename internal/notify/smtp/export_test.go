package smtp

import (
	"time"

	"github.com/onair-live/onair/internal/notify"
)

// SetPipelining turns the use of PIPELINING off (or back on) for p's
// next connections, so that the tests cover the transaction sent one
// command at a time against servers that all offer it.
func SetPipelining(p *Provider, on bool) { p.noPipelining = !on }

// ComposeBoth writes m both ways: from its Parts (ok false when it leaves
// m to go-mail) and with go-mail, with the same Message-ID.
func ComposeBoth(p *Provider, m notify.Message) (parts []byte, ok bool, gomail []byte, err error) {
	to, err := checkMessage(m)
	if err != nil {
		return nil, false, nil, err
	}
	id := p.messageID(m.DeliveryID)
	if m.Parts != nil {
		parts, ok, err = p.composeParts(m, to, time.Now(), id)
		if err != nil {
			return nil, false, nil, err
		}
	}
	gomail, err = p.composeGoMail(m, to, id)
	return parts, ok, gomail, err
}

// DotFree is dotFree.
func DotFree(data []byte) bool { return dotFree(data) }

// EncodeQP encodes s as one whole part, from the start of a line.
func EncodeQP(s string) string {
	var e qpEncoder
	e.write(s, true)
	return string(e.b)
}

// Compose writes m as Send does; without Parts, go-mail writes it.
func Compose(p *Provider, m notify.Message) ([]byte, error) {
	env, _, err := p.compose(m)
	return env.data, err
}

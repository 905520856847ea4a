package smtp

import (
	"errors"
	"io"
	"net/textproto"
	"testing"

	"github.com/onair-live/onair/internal/notify"
)

// The wire tests cover the replies the test server gives; these cover the
// replies real servers give that it does not.
func TestClassify(t *testing.T) {
	tests := []struct {
		name          string
		err           error
		st            stage
		wantPermanent bool
		wantSuppress  bool
	}{
		{"550 5.1.1 unknown user", &textproto.Error{Code: 550, Msg: "5.1.1 <x@example.com>: Recipient address rejected"}, stageRcpt, true, true},
		{"550 without enhanced code", &textproto.Error{Code: 550, Msg: "No such user"}, stageRcpt, true, true},
		{"550 5.2.1 mailbox disabled", &textproto.Error{Code: 550, Msg: "5.2.1 The email account is disabled"}, stageRcpt, true, true},
		{"550 5.7.1 relay denied is about us", &textproto.Error{Code: 550, Msg: "5.7.1 Relaying denied"}, stageRcpt, true, false},
		{"553 5.1.3 bad syntax", &textproto.Error{Code: 553, Msg: "5.1.3 Bad recipient address syntax"}, stageRcpt, true, true},
		{"550 at end of data is a refused message, not address", &textproto.Error{Code: 550, Msg: "5.7.1 Message rejected as spam"}, stageBody, true, false},
		{"554 at MAIL", &textproto.Error{Code: 554, Msg: "5.7.1 Sender blocked"}, stageMail, true, false},
		{"535 at connect", &textproto.Error{Code: 535, Msg: "5.7.8 Authentication failed"}, stageConnect, true, false},
		{"451 greylisting", &textproto.Error{Code: 451, Msg: "4.7.1 Greylisted, try again"}, stageRcpt, false, false},
		{"connection reset", io.ErrUnexpectedEOF, stageMail, false, false},
		{"closed provider", errClosed, stageConnect, false, false},
		{"no usable mechanism", errNoMechanism, stageConnect, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := classify(tt.err, tt.st)
			var se *notify.SendError
			if !errors.As(err, &se) {
				t.Fatalf("%v is not a *notify.SendError", err)
			}
			if se.Permanent != tt.wantPermanent || se.Suppress != tt.wantSuppress {
				t.Errorf("permanent %v suppress %v, want %v %v (%v)", se.Permanent, se.Suppress, tt.wantPermanent, tt.wantSuppress, err)
			}
		})
	}
}

package phone

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/onair-live/onair/internal/notify"
)

func TestParsePolicy(t *testing.T) {
	for in, want := range map[string]string{"US": "US", " us, ca ,GB,us": "CA,GB,US", "*": "*", "GB,": "GB"} {
		p, err := ParsePolicy(in)
		if err != nil || p.String() != want {
			t.Errorf("ParsePolicy(%q) = %v, %v; want %s", in, p, err, want)
		}
	}
	for _, in := range []string{"", ",", "XX", "USA", "001", "US;CA", "*,US"} {
		if p, err := ParsePolicy(in); err == nil {
			t.Errorf("ParsePolicy(%q) = %v; want an error", in, p)
		}
	}
}

func TestCountryOf(t *testing.T) {
	for in, want := range map[string]string{"+15005550006": "US", "+442079460958": "GB", "+881612345678": "", "x": ""} {
		if got := CountryOf(in); got != want {
			t.Errorf("CountryOf(%s) = %q; want %q", in, got, want)
		}
	}
}

func TestCheck(t *testing.T) {
	us, _ := ParsePolicy("US")
	gb, _ := ParsePolicy("GB,US")
	all, _ := ParsePolicy("*")
	tests := []struct {
		name   string
		p      Policy
		number string
		ok     bool
		says   string
	}{
		{"a US number", us, "+14155550100", true, ""},
		{"a UK mobile", gb, "+447400123456", true, ""},
		{"a French mobile outside the list", gb, "+33612345678", false, "only numbers of GB, US"},
		{"a French mobile with every country allowed", all, "+33612345678", true, ""},
		{"US premium rate (900)", us, "+19005550100", false, "not a mobile number"},
		{"US toll free", us, "+18005551212", false, "not a mobile number"},
		{"UK premium rate (09)", gb, "+449123456789", false, "not a mobile number"},
		{"UK shared cost (084)", gb, "+448431234567", false, "not a mobile number"},
		{"UK personal number (070)", gb, "+447012345678", false, "not a mobile number"},
		{"a UK landline", gb, "+442079460958", false, "not a mobile number"},
		{"Latvian premium rate", all, "+37190000000", false, "not a mobile number"},
		{"Iridium", all, "+881612345678", false, "satellite"},
		{"Inmarsat", all, "+870772001899", false, "satellite"},
		{"Thuraya", all, "+88216123456", false, "satellite"},
		{"a Cuban mobile, Cuba not allowed", us, "+5352123456", false, "only numbers of US"},
		{"an Isle of Man mobile is not GB", gb, "+447624123456", false, "only numbers of GB, US"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Check(tt.number)
			if (err == nil) != tt.ok {
				t.Fatalf("Check(%s) = %v; want ok=%v", tt.number, err, tt.ok)
			}
			if err != nil && !strings.Contains(err.Error(), tt.says) {
				t.Errorf("Check(%s) = %q; want it to say %q", tt.number, err, tt.says)
			}
		})
	}
}

type recorder struct{ sent []string }

func (r *recorder) Name() string { return "test" }
func (r *recorder) Send(_ context.Context, m notify.Message) (string, error) {
	r.sent = append(r.sent, m.To)
	return "id", nil
}

func TestGuard(t *testing.T) {
	us, _ := ParsePolicy("US")
	rec := &recorder{}
	g := Guard{Provider: rec, Policy: us}
	if _, err := g.Send(t.Context(), notify.Message{To: "+14155550100"}); err != nil {
		t.Fatal(err)
	}
	_, err := g.Send(t.Context(), notify.Message{To: "+19005550100"})
	var se *notify.SendError
	if !errors.As(err, &se) || !se.Permanent {
		t.Errorf("a premium number: %v; want a permanent failure", err)
	}
	if strings.Contains(err.Error(), "9005550100") {
		t.Errorf("the error names the number: %v", err)
	}
	if len(rec.sent) != 1 || rec.sent[0] != "+14155550100" {
		t.Errorf("reached the provider: %v", rec.sent)
	}
}

package onair

import (
	"errors"
	"testing"
	"time"
)

func TestParseInterval(t *testing.T) {
	tests := []struct {
		in     string
		want   time.Duration
		echo   string
		wantOK bool
	}{
		{"2weeks", 14 * 24 * time.Hour, "2weeks", true},
		{"1week", 7 * 24 * time.Hour, "1week", true},
		{"3days", 72 * time.Hour, "3days", true},
		{"1day", 24 * time.Hour, "1day", true},
		{"12hours", 12 * time.Hour, "12hours", true},
		{"1hour", time.Hour, "1hour", true},
		{"15minutes", 15 * time.Minute, "15minutes", true},
		{"now", 0, "now", true},
		{" 1Day ", 24 * time.Hour, "1day", true},
		{"45m", 45 * time.Minute, "45m0s", true},
		{"90s", 90 * time.Second, "1m30s", true},
		{"2h30m", 150 * time.Minute, "2h30m0s", true},
		{"1s", time.Second, "1s", true},
		{"8784h", 366 * 24 * time.Hour, "8784h0m0s", true},
		{"999ms", 0, "", false},
		{"0s", 0, "", false},
		{"-1h", 0, "", false},
		{"8785h", 0, "", false},
		{"", 0, "", false},
		{"1fortnight", 0, "", false},
		{"soon", 0, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			iv, err := ParseInterval(tt.in)
			if (err == nil) != tt.wantOK {
				t.Fatalf("ParseInterval(%q) error = %v, want ok=%v", tt.in, err, tt.wantOK)
			}
			if !tt.wantOK {
				if !errors.Is(err, ErrUnprocessable) {
					t.Errorf("error %v is not a validation error", err)
				}
				return
			}
			if iv.Offset != tt.want || iv.String() != tt.echo {
				t.Errorf("ParseInterval(%q) = %v %q, want %v %q", tt.in, iv.Offset, iv.String(), tt.want, tt.echo)
			}
		})
	}
}

func TestParseIntervals(t *testing.T) {
	t.Run("keeps the host's order", func(t *testing.T) {
		ivs, err := ParseIntervals([]string{"now", "1week", "45m"})
		if err != nil || len(ivs) != 3 || ivs[0].Name != "now" || ivs[1].Name != "1week" || ivs[2].Offset != 45*time.Minute {
			t.Fatalf("got %v, %v", ivs, err)
		}
	})
	t.Run("an empty choice means no reminders", func(t *testing.T) {
		ivs, err := ParseIntervals([]string{})
		if err != nil || len(ivs) != 0 {
			t.Fatalf("got %v, %v", ivs, err)
		}
	})
	for _, dup := range [][]string{{"1hour", "60m"}, {"1day", "24h"}, {"now", "now"}, {"90s", "1m30s"}} {
		t.Run("refuses the same offset twice: "+dup[0]+" "+dup[1], func(t *testing.T) {
			if _, err := ParseIntervals(dup); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	t.Run("refuses more than the maximum", func(t *testing.T) {
		var many []string
		for i := 1; i <= MaxIntervals+1; i++ {
			many = append(many, (time.Duration(i) * time.Minute).String())
		}
		if _, err := ParseIntervals(many); err == nil {
			t.Fatal("accepted")
		}
	})
}

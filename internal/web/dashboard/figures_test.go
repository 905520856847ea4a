package dashboard

import (
	"testing"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

func TestMoney(t *testing.T) {
	for _, c := range []struct {
		minor    int64
		currency string
		want     string
	}{
		{1250, "USD", "$12.50"},
		{5, "USD", "$0.05"},
		{123456789, "USD", "$1,234,567.89"},
		{1250, "EUR", "12.50 EUR"},
		{1250, "CAD", "12.50 CAD"}, // a bare "$" would say US dollars
		{500, "JPY", "500 JPY"},    // no minor unit
		{1500, "KWD", "1.500 KWD"}, // a thousandth
	} {
		if got := money(c.minor, c.currency); got != c.want {
			t.Errorf("money(%d, %s) = %q; want %q", c.minor, c.currency, got, c.want)
		}
	}
}

func TestPercent(t *testing.T) {
	for rate, want := range map[float64]string{
		0: "0%", 1: "100%", 0.5: "50%", 2.0 / 3: "67%", 0.001: "<1%", 0.999: ">99%",
	} {
		if got := percent(rate); got != want {
			t.Errorf("percent(%v) = %q; want %q", rate, got, want)
		}
	}
}

func TestGrouped(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := grouped(n); got != want {
			t.Errorf("grouped(%d) = %q; want %q", n, got, want)
		}
	}
}

func TestFigures(t *testing.T) {
	started := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	shown := func(ev onair.Event, sum onair.EventSummary) map[string]figure {
		out := map[string]figure{}
		for _, f := range figures(ev, sum) {
			out[f.Label] = f
		}
		return out
	}
	t.Run("an upcoming event with nothing yet: every figure of nothing is a dash", func(t *testing.T) {
		f := shown(onair.Event{Status: onair.StatusScheduled}, onair.EventSummary{})
		for _, label := range []string{"Opened", "Clicked", "Attended", "Peak viewers", "Revenue"} {
			if f[label].Value != none || !f[label].None() || f[label].Spoken == "" {
				t.Errorf("%s = %+v; want a dash with words for screen readers", label, f[label])
			}
		}
		if f["Messages sent"].Value != "0" {
			t.Errorf("Messages sent = %+v; want 0", f["Messages sent"])
		}
	})
	t.Run("SMS only: messages and clicks, but no open rate", func(t *testing.T) {
		f := shown(onair.Event{Status: onair.StatusScheduled}, onair.EventSummary{NotificationsSent: 2, Registrations: 2})
		if f["Opened"].Value != none || f["Clicked"].Value != "0" || f["Messages sent"].Title != "0 by email, 2 by SMS" {
			t.Errorf("opened %+v, clicked %+v, sent %+v", f["Opened"], f["Clicked"], f["Messages sent"])
		}
	})
	t.Run("an early joiner counts before the start", func(t *testing.T) {
		f := shown(onair.Event{Status: onair.StatusScheduled}, onair.EventSummary{Registrations: 4, Attended: 1, PeakConcurrentViewers: 1})
		if f["Attended"].Value != "1" || f["Attended"].Note != "25%" || f["Peak viewers"].Value != "1" {
			t.Errorf("attended %+v, peak %+v", f["Attended"], f["Peak viewers"])
		}
	})
	t.Run("an ended event nobody attended: zero, not a dash", func(t *testing.T) {
		f := shown(onair.Event{Status: onair.StatusEnded}, onair.EventSummary{Registrations: 3})
		if f["Attended"].Value != "0" || f["Attended"].Note != "0%" || f["Peak viewers"].Value != "0" {
			t.Errorf("attended %+v, peak %+v", f["Attended"], f["Peak viewers"])
		}
	})
	t.Run("a live event nobody registered for: no rate of nothing", func(t *testing.T) {
		f := shown(onair.Event{Status: onair.StatusLive, StartedAt: &started}, onair.EventSummary{})
		if f["Attended"].Value != "0" || f["Attended"].Note != "" {
			t.Errorf("attended %+v; want 0 and no rate", f["Attended"])
		}
	})
	t.Run("cancelled before it went live", func(t *testing.T) {
		f := shown(onair.Event{Status: onair.StatusCancelled}, onair.EventSummary{Registrations: 2})
		if f["Attended"].Value != none || f["Attended"].Spoken != "none: the event never went live" {
			t.Errorf("attended %+v", f["Attended"])
		}
	})
	t.Run("cancelled while live keeps what happened", func(t *testing.T) {
		f := shown(onair.Event{Status: onair.StatusCancelled, StartedAt: &started}, onair.EventSummary{Registrations: 2})
		if f["Attended"].Value != "0" || f["Peak viewers"].Value != "0" {
			t.Errorf("attended %+v, peak %+v", f["Attended"], f["Peak viewers"])
		}
	})
	t.Run("revenue in one currency, and in several", func(t *testing.T) {
		one := shown(onair.Event{}, onair.EventSummary{RevenueCents: 1250, RevenueByCurrency: map[string]int64{"EUR": 1250}})
		if r := one["Revenue"]; r.Value != "12.50 EUR" || r.Note != "" {
			t.Errorf("one currency: %+v", r)
		}
		mixed := shown(onair.Event{}, onair.EventSummary{RevenueCents: 1750,
			RevenueByCurrency: map[string]int64{"USD": 500, "EUR": 1250}})
		if r := mixed["Revenue"]; r.Value != "1,750 cents" || r.Note != "in 2 currencies" || r.Title != "12.50 EUR + $5.00" {
			t.Errorf("several currencies: %+v", r)
		}
	})
}

package dashboard

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/onair-live/onair/internal/onair"
)

// figure is one key figure on an event's card.
type figure struct {
	Label string
	Value string // as shown; none when the figure does not apply (yet)
	Note  string // a smaller remark after the value: a rate, a qualifier
	Title string // the detail behind the value, on hover
	// Spoken replaces Value and Note for screen readers where they lean on
	// a symbol ("—", "≈") or on their layout.
	Spoken string
	// Wide gives the figure two columns of the card: an amount of money
	// is longer than a count.
	Wide bool
}

// None reports a figure that does not apply (yet).
func (f figure) None() bool { return f.Value == none }

// none stands for a figure that does not apply: a rate of nothing, the
// attendance of an event that has not started.
const none = "—"

// figures are the key figures of ev on its card, from its summary.
func figures(ev onair.Event, sum onair.EventSummary) []figure {
	// Attendance and viewers mean something once the event went live or
	// ended, or as soon as someone came (joining opens 15 minutes early).
	happened := ev.StartedAt != nil || ev.Status == onair.StatusLive || ev.Status == onair.StatusEnded
	notYet := "none: the event never went live"
	if ev.Status == onair.StatusScheduled {
		notYet = "not yet: the event has not started"
	}

	sent := figure{Label: "Messages sent", Value: count(sum.NotificationsSent)}
	if sms := sum.NotificationsSent - sum.EmailsSent; sms > 0 {
		sent.Title = fmt.Sprintf("%s by email, %s by SMS", count(sum.EmailsSent), count(sms))
	}

	opened := figure{Label: "Opened", Value: none, Spoken: "no email sent yet"}
	if rate, ok := sum.OpenRate(); ok {
		pct := percent(rate)
		opened = figure{Label: "Opened", Value: "≈" + pct,
			Spoken: "about " + pct + " of emails sent",
			Title: fmt.Sprintf("%s of %s emails opened (approximate: some mail clients fetch images before anyone reads, others never fetch them)",
				count(sum.NotificationsOpened), count(sum.EmailsSent))}
	}

	clicked := figure{Label: "Clicked", Value: count(sum.NotificationsClicked)}
	if sum.NotificationsSent == 0 && sum.NotificationsClicked == 0 {
		clicked = figure{Label: "Clicked", Value: none, Spoken: "no message sent yet"}
	}

	attended := figure{Label: "Attended", Value: none, Spoken: notYet}
	if happened || sum.Attended > 0 {
		attended = figure{Label: "Attended", Value: count(sum.Attended)}
		if rate, ok := sum.AttendanceRate(); ok {
			attended.Note = percent(rate)
			attended.Spoken = attended.Value + " (" + attended.Note + " of registrations)"
			attended.Title = fmt.Sprintf("%s of %s registrants attended", attended.Value, count(sum.Registrations))
		}
	}

	peak := figure{Label: "Peak viewers", Value: none, Spoken: notYet}
	if happened || sum.PeakConcurrentViewers > 0 {
		peak = figure{Label: "Peak viewers", Value: count(sum.PeakConcurrentViewers),
			Title: "the most viewers watching at the same time"}
	}

	return []figure{sent, opened, clicked, attended, peak, revenue(sum)}
}

// revenue is the revenue figure: the amount in its currency when every
// purchase was made in one, else the total of the minor units, said plainly.
func revenue(sum onair.EventSummary) figure {
	f := figure{Label: "Revenue", Wide: true}
	switch {
	case len(sum.RevenueByCurrency) == 0:
		f.Value, f.Spoken = none, "no purchases"
	case sum.Currency() != "":
		f.Value = money(sum.RevenueCents, sum.Currency())
	default:
		f.Value = grouped(sum.RevenueCents) + " cents"
		f.Note = "in " + strconv.Itoa(len(sum.RevenueByCurrency)) + " currencies"
		parts := make([]string, 0, len(sum.RevenueByCurrency))
		for _, c := range slices.Sorted(maps.Keys(sum.RevenueByCurrency)) {
			parts = append(parts, money(sum.RevenueByCurrency[c], c))
		}
		f.Title = strings.Join(parts, " + ")
	}
	return f
}

// count is a count with its thousands grouped: "12,345".
func count(n int) string { return grouped(int64(n)) }

// grouped writes n with a comma between groups of three digits.
func grouped(n int64) string {
	digits := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, digits = "-", digits[1:]
	}
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return sign + b.String()
}

// percent is a rate (0–1) as a whole percentage; a rate that rounds to
// 0 or 100 without being it says so, rather than "0%" of something.
func percent(rate float64) string {
	p := math.Round(rate * 100)
	switch {
	case rate > 0 && p == 0:
		return "<1%"
	case rate < 1 && p == 100:
		return ">99%"
	}
	return strconv.FormatFloat(p, 'f', 0, 64) + "%"
}

// minorDigits are the ISO 4217 currencies whose minor unit is not a
// hundredth: amounts are recorded in minor units, so ¥500 is 500.
var minorDigits = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
	"RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

// money is an amount in a currency's minor units, written with the
// currency: "$12.50" for US dollars, whom a bare "$" names; every other
// currency, other dollars included, by its code: "12.50 EUR", "500 JPY".
func money(minor int64, currency string) string {
	digits, ok := minorDigits[currency]
	if !ok {
		digits = 2
	}
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	unit := int64(math.Pow10(digits))
	s := grouped(minor / unit)
	if digits > 0 {
		s += fmt.Sprintf(".%0*d", digits, minor%unit)
	}
	if currency == "USD" {
		return sign + "$" + s
	}
	return sign + s + " " + currency
}

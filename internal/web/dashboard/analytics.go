package dashboard

import (
	"sort"

	"github.com/onair-live/onair/internal/onair"
)

// analytics is the analytics section of the event page: the figures,
// and two bar charts drawn as SVG on the server (numbers only, no script).
type analytics struct {
	onair.Analytics
	WatchMinutes float64
	Funnel       chart
	ByDay        chart
	Messages     []messageRow // the notifications that sent or failed anything
	Channels     []messageRow // the totals per channel
	AB           *abView      // the A/B test, if any
}

// messageRow is one row of the messages table: a notification's figures,
// or a channel's.
type messageRow struct {
	Label        string
	ChannelLabel string
	Tracked      bool // email: opens and clicks are counted; SMS are not tracked
	onair.MessageFigures
}

var channelLabels = map[onair.Channel]string{onair.ChannelEmail: "Email", onair.ChannelSMS: "SMS"}

func newMessageRow(label string, ch onair.Channel, f onair.MessageFigures) messageRow {
	return messageRow{Label: label, ChannelLabel: channelLabels[ch], Tracked: ch == onair.ChannelEmail, MessageFigures: f}
}

// chart is a horizontal bar chart.
type chart struct {
	Title  string
	Bars   []bar
	Height int
}

// bar is one bar: its label, value and geometry in SVG units.
type bar struct {
	Label         string
	Value         int
	Y, Width      int
	TextY, ValueX int
}

// Chart geometry: labels on the left, bars up to barMax wide.
const (
	chartLabelWidth = 130
	chartBarMax     = 300
	chartRow        = 28
)

func newChart(title string, labels []string, values []int) chart {
	top := 0
	for _, v := range values {
		top = max(top, v)
	}
	c := chart{Title: title, Height: max(len(values), 1) * chartRow}
	for i, v := range values {
		w := 0
		if top > 0 {
			w = v * chartBarMax / top
		}
		y := i * chartRow
		c.Bars = append(c.Bars, bar{Label: labels[i], Value: v, Y: y + 4, Width: w, TextY: y + 19,
			ValueX: chartLabelWidth + w + 6})
	}
	return c
}

func newAnalytics(a onair.Analytics) analytics {
	f := a.Funnel
	d := analytics{Analytics: a, WatchMinutes: a.AverageWatchSeconds / 60}
	for _, n := range a.Notifications {
		if n.Sent+n.Failed > 0 {
			label := kindLabel(n.Kind)
			if n.Interval != "" {
				label += ", " + intervalLabel(n.Interval)
			}
			if n.Arm != "" {
				label += " (arm " + n.Arm + ")"
			}
			d.Messages = append(d.Messages, newMessageRow(label, n.Channel, n.MessageFigures))
		}
	}
	for _, ch := range []onair.Channel{onair.ChannelEmail, onair.ChannelSMS} {
		if f := a.ByChannel[ch]; f.Sent+f.Failed > 0 {
			d.Channels = append(d.Channels, newMessageRow("", ch, f))
		}
	}
	d.Funnel = newChart("From registration to attendance",
		[]string{"Registered", "Notified", "Opened", "Clicked", "Attended"},
		[]int{f.Registered, f.Notified, f.Opened, f.Clicked, f.Attended})
	days := make([]string, 0, len(a.RegistrationsByDay))
	for day := range a.RegistrationsByDay {
		days = append(days, day)
	}
	sort.Strings(days)
	if len(days) > 14 {
		days = days[len(days)-14:] // the last two weeks with registrations
	}
	counts := make([]int, len(days))
	for i, day := range days {
		counts[i] = a.RegistrationsByDay[day]
	}
	d.ByDay = newChart("Registrations by day (UTC)", days, counts)
	return d
}

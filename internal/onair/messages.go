package onair

import (
	"slices"
	"strings"
	"time"
)

// MessageSample names one message of an event as a host previews it or
// sends it to themselves: its kind, the reminder's interval, the channel.
type MessageSample struct {
	Kind     NotificationKind
	Interval Interval // reminders only
	Channel  Channel
}

// Limits of test sends: a test goes to any address the host types, so it
// is bounded like every sender open to input.
const (
	MaxTestSendsPerHour = 10
	TestSendWindow      = time.Hour
)

// ErrTestSendLimit refuses a test send beyond MaxTestSendsPerHour.
var ErrTestSendLimit = Errorf(ErrTooManyRequests, "rate_limited",
	"at most %d test messages an hour; try again later", MaxTestSendsPerHour)

// ParseMessageSample reads the kind, interval and channel a host asks a
// sample of for ev: kind one of MessageKinds; interval for a reminder
// (default: the event's first), a named interval or a duration, where
// "now" makes it the starting-now message; channel email (the default) or
// sms. The errors name the fields.
func ParseMessageSample(ev Event, kind, interval, channel string) (MessageSample, error) {
	v := &ValidationError{}
	var ms MessageSample
	ms.Kind = NotificationKind(strings.TrimSpace(kind))
	if !slices.Contains(MessageKinds, ms.Kind) {
		names := make([]string, len(MessageKinds))
		for i, k := range MessageKinds {
			names[i] = string(k)
		}
		v.Add("kind", "must be one of "+strings.Join(names, ", "))
	}
	switch ch := Channel(strings.TrimSpace(channel)); ch {
	case "", ChannelEmail:
		ms.Channel = ChannelEmail
	case ChannelSMS:
		ms.Channel = ChannelSMS
	default:
		v.Add("channel", "must be email or sms")
	}
	interval = strings.TrimSpace(interval)
	if ms.Kind == KindReminder {
		switch {
		case interval == "" && len(ev.Intervals) > 0:
			ms.Interval = ev.Intervals[0]
		case interval == "":
			ms.Interval = NamedIntervals[3] // 1day: the event has none of its own
		default:
			iv, err := ParseInterval(interval)
			if err != nil {
				v.Add("interval", err.Error())
			}
			ms.Interval = iv
		}
		if ms.Interval.Offset == 0 && !v.Has("interval") {
			ms.Kind = KindStartingNow
		}
	} else if interval != "" {
		if ms.Kind == KindStartingNow {
			if iv, err := ParseInterval(interval); err != nil || iv.Offset != 0 {
				v.Add("interval", `the starting_now message has no interval but "now"`)
			}
		} else if !v.Has("kind") {
			v.Add("interval", "only a reminder has an interval")
		}
	}
	return ms, v.Err()
}

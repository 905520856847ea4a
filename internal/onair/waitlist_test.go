package onair

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestAdmit(t *testing.T) {
	open, _ := NewEvent("h1", validInput(), now)
	open.MaxRegistrations = 2
	with := func(f func(*Event)) Event { e := open; f(&e); return e }
	tests := []struct {
		name string
		ev   Event
		at   time.Time
		want RegistrationStatus
		err  error
	}{
		{"a spot left: a seat", with(func(e *Event) { e.RegistrationCount = 1; e.WaitlistEnabled = true }), now, RegRegistered, nil},
		{"full without a waitlist: refused", with(func(e *Event) { e.RegistrationCount = 2 }), now, "", ErrConflict},
		{"full with a waitlist: the waitlist", with(func(e *Event) { e.RegistrationCount = 2; e.WaitlistEnabled = true }), now, RegWaitlisted, nil},
		{"live and full with a waitlist: the waitlist", with(func(e *Event) {
			e.Status, e.RegistrationCount, e.WaitlistEnabled = StatusLive, 2, true
		}), open.ScheduledStart.Add(time.Minute), RegWaitlisted, nil},
		{"cancelled with a waitlist: gone", with(func(e *Event) { e.Status = StatusCancelled; e.WaitlistEnabled = true; e.RegistrationCount = 2 }), now, "", ErrGone},
		{"disabled with a waitlist: forbidden", with(func(e *Event) { e.RegistrationEnabled = false; e.WaitlistEnabled = true; e.RegistrationCount = 2 }), now, "", ErrForbidden},
		{"over with a waitlist: gone", with(func(e *Event) { e.WaitlistEnabled = true; e.RegistrationCount = 2 }), open.ScheduledEnd(), "", ErrGone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.ev.Admit(tt.at)
			if got != tt.want || (tt.err == nil) != (err == nil) || (tt.err != nil && !errors.Is(err, tt.err)) {
				t.Errorf("Admit = %q, %v; want %q, %v", got, err, tt.want, tt.err)
			}
		})
	}
}

func TestSeatsToPromote(t *testing.T) {
	ev := func(max, registered, waiting int, status EventStatus) Event {
		return Event{MaxRegistrations: max, RegistrationCount: registered, WaitlistCount: waiting, Status: status}
	}
	tests := []struct {
		name string
		ev   Event
		want int
	}{
		{"nobody waits", ev(10, 5, 0, StatusScheduled), 0},
		{"full: nobody moves", ev(10, 10, 3, StatusScheduled), 0},
		{"one seat freed: the first in line", ev(10, 9, 3, StatusScheduled), 1},
		{"capacity raised past the line: all of it", ev(20, 10, 3, StatusScheduled), 3},
		{"capacity raised by two: two", ev(12, 10, 5, StatusScheduled), 2},
		{"no limit any more: everyone", ev(0, 10, 7, StatusScheduled), 7},
		{"live: still promoted", ev(10, 9, 3, StatusLive), 1},
		{"ended: nobody", ev(10, 9, 3, StatusEnded), 0},
		{"cancelled: nobody", ev(10, 9, 3, StatusCancelled), 0},
		{"over capacity (a lower limit stored before): nobody", ev(5, 8, 3, StatusScheduled), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.ev.SeatsToPromote(); got != tt.want {
				t.Errorf("SeatsToPromote = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestCancelRegistration(t *testing.T) {
	erased := now
	scheduled := Event{Status: StatusScheduled}
	tests := []struct {
		name string
		ev   Event
		r    Registration
		want CancelOutcome
		err  error
	}{
		{"registered: cancelled, the seat freed", scheduled, Registration{Status: RegRegistered}, CancelOutcome{Cancel: true, FreesSeat: true}, nil},
		{"unsubscribed: still holds a seat, which frees", scheduled, Registration{Status: RegUnsubscribed}, CancelOutcome{Cancel: true, FreesSeat: true}, nil},
		{"waitlisted: leaves the line, frees no seat", scheduled, Registration{Status: RegWaitlisted}, CancelOutcome{Cancel: true, LeavesWaitlist: true}, nil},
		{"already cancelled: nothing, and no error", scheduled, Registration{Status: RegCancelled}, CancelOutcome{}, nil},
		{"already cancelled of an ended event: still no error", Event{Status: StatusEnded}, Registration{Status: RegCancelled}, CancelOutcome{}, nil},
		{"live event: may cancel", Event{Status: StatusLive}, Registration{Status: RegRegistered}, CancelOutcome{Cancel: true, FreesSeat: true}, nil},
		{"ended event: gone", Event{Status: StatusEnded}, Registration{Status: RegRegistered}, CancelOutcome{}, ErrGone},
		{"cancelled event: gone", Event{Status: StatusCancelled}, Registration{Status: RegWaitlisted}, CancelOutcome{}, ErrGone},
		{"erased: not found", scheduled, Registration{Status: RegUnsubscribed, ErasedAt: &erased}, CancelOutcome{}, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CancelRegistration(tt.ev, tt.r)
			if got != tt.want || (tt.err == nil) != (err == nil) || (tt.err != nil && !errors.Is(err, tt.err)) {
				t.Errorf("CancelRegistration = %+v, %v; want %+v, %v", got, err, tt.want, tt.err)
			}
		})
	}
}

func TestWaitlistMessages(t *testing.T) {
	ev := Event{Status: StatusScheduled, ScheduledStart: now.Add(48 * time.Hour), Version: 1,
		Notifications: NotificationSettings{EmailEnabled: true, SMSEnabled: true}}
	ev.Intervals, _ = ParseIntervals([]string{"1day", "1hour"})
	joined := now
	promoted := now.Add(30 * time.Hour) // after the 1-day reminder's time, before the 1-hour one's
	waiting := Registration{Status: RegWaitlisted, Email: "w@example.com", Phone: "+14155550100", CreatedAt: joined}
	seated := waiting
	seated.Status, seated.PromotedAt = RegRegistered, &promoted
	dayBefore := Notification{Kind: KindReminder, Interval: "1day", ScheduledTime: ev.ScheduledStart.Add(-24 * time.Hour), Status: NotifSending, EventVersion: 1}
	hourBefore := Notification{Kind: KindReminder, Interval: "1hour", ScheduledTime: ev.ScheduledStart.Add(-time.Hour), Status: NotifSending, EventVersion: 1}
	waitlisted := Notification{Kind: KindWaitlisted, ScheduledTime: joined, Status: NotifSending, EventVersion: 1}
	promotedNote := Notification{Kind: KindPromoted, ScheduledTime: promoted, Status: NotifSending, EventVersion: 1}
	tests := []struct {
		name string
		n    Notification
		r    Registration
		at   time.Time
		want string
	}{
		{"the waitlisted message reaches one who waits", waitlisted, waiting, joined, ""},
		{"a waiting registrant gets no reminder", hourBefore, waiting, hourBefore.ScheduledTime, ReasonWaitlisted},
		{"nor the promoted message while waiting", promotedNote, waiting, joined, ReasonWaitlisted},
		{"the waitlisted message is not sent once promoted", waitlisted, seated, promoted, ReasonNotWaitlisted},
		{"the promoted message reaches the promoted", promotedNote, seated, promoted, ""},
		{"a reminder whose time passed before the promotion is not sent, even late", dayBefore, seated, promoted.Add(time.Minute), ReasonRegisteredLate},
		{"a reminder still ahead of the promotion is", hourBefore, seated, hourBefore.ScheduledTime, ""},
		{"the promoted message survives a reschedule made since its row", func() Notification { n := promotedNote; n.EventVersion = 0; return n }(), seated, promoted, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SendBlockedReason(tt.n, ev, tt.r, ChannelEmail, false, tt.at); got != tt.want {
				t.Errorf("SendBlockedReason = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("a waitlisted registrant is sent the waitlisted message on the event's channels", func(t *testing.T) {
		if got := ConfirmationChannels(ev, waiting); !slices.Equal(got, []Channel{ChannelEmail, ChannelSMS}) {
			t.Errorf("got %v", got)
		}
		noPhone := waiting
		noPhone.Phone = ""
		if got := PromotedChannels(ev, noPhone); !slices.Equal(got, []Channel{ChannelEmail}) {
			t.Errorf("promoted without a phone: got %v", got)
		}
	})
	t.Run("SeatedAt is the promotion, or the registration", func(t *testing.T) {
		if !seated.SeatedAt().Equal(promoted) || !waiting.SeatedAt().Equal(joined) {
			t.Errorf("got %v and %v", seated.SeatedAt(), waiting.SeatedAt())
		}
	})
}

func TestCancelToken(t *testing.T) {
	id := NewID()
	tok := CancelToken("k1", id)
	if len(tok) != 32 {
		t.Fatalf("token %q is %d characters", tok, len(tok))
	}
	if got, ok := ParseCancelToken("k1", tok); !ok || got != id {
		t.Errorf("ParseCancelToken = %q, %v", got, ok)
	}
	for name, bad := range map[string]string{
		"another key":       CancelToken("k2", id),
		"the watch token":   WatchToken("k1", id),
		"the unsubscribe":   UnsubscribeToken("k1", id),
		"one character off": tok[:31] + map[bool]string{true: "A", false: "B"}[tok[31] != 'A'],
		"empty":             "",
	} {
		if _, ok := ParseCancelToken("k1", bad); ok {
			t.Errorf("%s: accepted", name)
		}
	}
	if CancelToken("k1", "not an id") != "" {
		t.Error("a token for a string that is not an id")
	}
}

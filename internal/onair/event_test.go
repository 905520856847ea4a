package onair

import (
	"errors"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func validInput() EventInput {
	return EventInput{Title: ptr("Launch"), ScheduledStart: ptr("2026-12-15T14:00:00Z")}
}

func TestNewEvent(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		ev, err := NewEvent("h1", validInput(), now)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Status != StatusScheduled || ev.Timezone != "UTC" || ev.DurationMinutes != 60 || ev.MaxRegistrations != 0 ||
			!ev.RegistrationEnabled || !ev.Notifications.EmailEnabled || ev.Notifications.SMSEnabled ||
			len(ev.Intervals) != 4 || ev.Intervals[0].Name != "1day" || ev.Version != 1 || ev.ID == "" {
			t.Errorf("got %+v", ev)
		}
		if !ev.ScheduledStart.Equal(time.Date(2026, 12, 15, 14, 0, 0, 0, time.UTC)) || ev.ScheduledStart.Location() != time.UTC {
			t.Errorf("start = %v", ev.ScheduledStart)
		}
	})
	t.Run("a start with an offset is kept as the same instant", func(t *testing.T) {
		in := validInput()
		in.ScheduledStart = ptr("2026-12-15T09:00:00-05:00")
		ev, err := NewEvent("h1", in, now)
		if err != nil || !ev.ScheduledStart.Equal(time.Date(2026, 12, 15, 14, 0, 0, 0, time.UTC)) {
			t.Errorf("got %v, %v", ev.ScheduledStart, err)
		}
	})
	t.Run("every problem is reported at once", func(t *testing.T) {
		_, err := NewEvent("h1", EventInput{
			Timezone: ptr("Nowhere"), DurationMinutes: ptr(0), MaxRegistrations: ptr(-5),
			StreamURL: ptr("ftp://x"), SelectedIntervals: &[]string{"bogus"},
		}, now)
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("got %v", err)
		}
		for _, f := range []string{"title", "scheduled_start", "timezone", "duration_minutes", "max_registrations", "stream_url", "selected_intervals"} {
			if !ve.Has(f) {
				t.Errorf("no problem reported for %s: %v", f, ve.Fields)
			}
		}
	})
	for _, start := range []string{"0001-01-01T00:00:00Z", "0001-01-01T01:00:00+01:00"} {
		t.Run("refused start "+start, func(t *testing.T) {
			in := validInput()
			in.ScheduledStart = ptr(start)
			if ev, err := NewEvent("h1", in, now); err == nil {
				t.Errorf("accepted, start %v", ev.ScheduledStart)
			}
		})
	}
	for _, tz := range []string{"Australia/Lord_Howe", "Asia/Kathmandu", "America/St_Johns", "Pacific/Chatham", "UTC", "Etc/GMT+12"} {
		t.Run("zone "+tz, func(t *testing.T) {
			in := validInput()
			in.Timezone = ptr(tz)
			if _, err := NewEvent("h1", in, now); err != nil {
				t.Error(err)
			}
		})
	}
	for _, tz := range []string{"Local", "../../etc/passwd", "America/Nowhere", "America/New York",
		"localtime", "posixrules", "posix/UTC", "America/./New_York", "America//New_York"} {
		t.Run("refused zone "+tz, func(t *testing.T) {
			in := validInput()
			in.Timezone = ptr(tz)
			if _, err := NewEvent("h1", in, now); err == nil {
				t.Error("accepted")
			}
		})
	}
}

func TestEventUpdate(t *testing.T) {
	base, err := NewEvent("h1", validInput(), now)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("reschedule raises version and sequence", func(t *testing.T) {
		next, ch, err := base.Update(EventInput{ScheduledStart: ptr("2026-12-16T14:00:00Z")}, now)
		if err != nil || !ch.Rescheduled || !ch.Replan || next.Version != 2 || next.Sequence != 1 {
			t.Errorf("got %+v %+v %v", next, ch, err)
		}
	})
	t.Run("sending back the same start is no reschedule", func(t *testing.T) {
		next, ch, err := base.Update(EventInput{ScheduledStart: ptr("2026-12-15T09:00:00-05:00"), Title: ptr("New")}, now)
		if err != nil || ch.Rescheduled || next.Version != 1 || next.Title != "New" {
			t.Errorf("got %+v %+v %v", next, ch, err)
		}
	})
	t.Run("changing the intervals replans without rescheduling", func(t *testing.T) {
		_, ch, err := base.Update(EventInput{SelectedIntervals: &[]string{"1week"}}, now)
		if err != nil || ch.Rescheduled || !ch.Replan {
			t.Errorf("got %+v %v", ch, err)
		}
	})
	t.Run("a live event cannot move", func(t *testing.T) {
		live, _ := base.Start(now)
		_, _, err := live.Update(EventInput{ScheduledStart: ptr("2026-12-16T14:00:00Z")}, now)
		if !errors.Is(err, ErrConflict) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("ended and cancelled events are gone", func(t *testing.T) {
		ended, _ := base.End(now)
		cancelled, _ := base.Cancel(now)
		for _, ev := range []Event{ended, cancelled} {
			if _, _, err := ev.Update(EventInput{Title: ptr("x")}, now); !errors.Is(err, ErrGone) {
				t.Errorf("%s: got %v", ev.Status, err)
			}
		}
	})
	t.Run("capacity not below the registrations made", func(t *testing.T) {
		ev := base
		ev.RegistrationCount = 10
		if _, _, err := ev.Update(EventInput{MaxRegistrations: ptr(9)}, now); err == nil {
			t.Error("accepted 9")
		}
		if next, _, err := ev.Update(EventInput{MaxRegistrations: ptr(0)}, now); err != nil || next.SpotsLeft() != nil {
			t.Errorf("unlimited: %v %v", next.SpotsLeft(), err)
		}
	})
}

func TestLifecycle(t *testing.T) {
	ev, _ := NewEvent("h1", validInput(), now)
	transitions := []struct {
		name string
		from func() Event
		do   func(Event) (Event, error)
		want EventStatus
		err  error
	}{
		{"start a scheduled event", func() Event { return ev }, func(e Event) (Event, error) { return e.Start(now) }, StatusLive, nil},
		{"start a live event", func() Event { e, _ := ev.Start(now); return e }, func(e Event) (Event, error) { return e.Start(now) }, "", ErrConflict},
		{"end a live event", func() Event { e, _ := ev.Start(now); return e }, func(e Event) (Event, error) { return e.End(now) }, StatusEnded, nil},
		{"end a scheduled event", func() Event { return ev }, func(e Event) (Event, error) { return e.End(now) }, StatusEnded, nil},
		{"cancel a live event", func() Event { e, _ := ev.Start(now); return e }, func(e Event) (Event, error) { return e.Cancel(now) }, StatusCancelled, nil},
		{"cancel an ended event", func() Event { e, _ := ev.End(now); return e }, func(e Event) (Event, error) { return e.Cancel(now) }, "", ErrGone},
		{"start a cancelled event", func() Event { e, _ := ev.Cancel(now); return e }, func(e Event) (Event, error) { return e.Start(now) }, "", ErrGone},
		{"end an ended event", func() Event { e, _ := ev.End(now); return e }, func(e Event) (Event, error) { return e.End(now) }, "", ErrGone},
	}
	for _, tt := range transitions {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.do(tt.from())
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Errorf("error = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil || got.Status != tt.want {
				t.Errorf("got %s, %v; want %s", got.Status, err, tt.want)
			}
		})
	}
	t.Run("cancel raises the version so pending work goes stale", func(t *testing.T) {
		c, _ := ev.Cancel(now)
		if c.Version != ev.Version+1 || c.Sequence != ev.Sequence+1 || c.CancelledAt == nil {
			t.Errorf("got %+v", c)
		}
	})
}

func TestRegistrationClosed(t *testing.T) {
	open, _ := NewEvent("h1", validInput(), now)
	open.MaxRegistrations = 2
	with := func(f func(*Event)) Event { e := open; f(&e); return e }
	tests := []struct {
		name   string
		ev     Event
		at     time.Time
		reason string
		kind   error
		code   string
	}{
		{"open", open, now, "", nil, ""},
		{"one spot left", with(func(e *Event) { e.RegistrationCount = 1 }), now, "", nil, ""},
		{"full", with(func(e *Event) { e.RegistrationCount = 2 }), now, ClosedFull, ErrConflict, "event_full"},
		{"disabled", with(func(e *Event) { e.RegistrationEnabled = false }), now, ClosedDisabled, ErrForbidden, "registration_closed"},
		{"at the start: late joiners are welcome", open, open.ScheduledStart, "", nil, ""},
		{"live: late joiners are welcome", with(func(e *Event) { e.Status = StatusLive }), open.ScheduledStart.Add(59 * time.Minute), "", nil, ""},
		{"live and full", with(func(e *Event) { e.Status = StatusLive; e.RegistrationCount = 2 }), now, ClosedFull, ErrConflict, "event_full"},
		{"full with a waitlist is still full", with(func(e *Event) { e.RegistrationCount = 2; e.WaitlistEnabled = true }), now, ClosedFull, ErrConflict, "event_full"},
		{"live past its scheduled end", with(func(e *Event) { e.Status = StatusLive }), open.ScheduledStart.Add(time.Hour), ClosedPast, ErrGone, "event_past"},
		{"at the scheduled end", open, open.ScheduledEnd(), ClosedPast, ErrGone, "event_past"},
		{"ended", with(func(e *Event) { e.Status = StatusEnded }), now, ClosedPast, ErrGone, "event_past"},
		{"cancelled beats full", with(func(e *Event) { e.Status = StatusCancelled; e.RegistrationCount = 2 }), now, ClosedCancelled, ErrGone, "event_cancelled"},
		{"past beats disabled", with(func(e *Event) { e.RegistrationEnabled = false }), open.ScheduledStart.Add(time.Hour), ClosedPast, ErrGone, "event_past"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reason, err := tt.ev.RegistrationClosed(tt.at)
			if reason != tt.reason {
				t.Errorf("reason = %q, want %q", reason, tt.reason)
			}
			if tt.kind == nil {
				if err != nil {
					t.Errorf("error = %v", err)
				}
				return
			}
			var oe *Error
			if !errors.Is(err, tt.kind) || !errors.As(err, &oe) || oe.Code != tt.code {
				t.Errorf("error = %v, want %v with code %s", err, tt.kind, tt.code)
			}
		})
	}
}

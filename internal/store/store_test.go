package store_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/store/storetest"
)

// now is the clock of every test: events start after it unless a test says
// otherwise.
var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func TestMigrate(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, databaseURL string) {
		ctx := t.Context()
		s := storetest.Open(t, databaseURL) // migrates once

		t.Run("running it twice is fine", func(t *testing.T) {
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("second Migrate: %v", err)
			}
		})
		t.Run("a second store on the same database migrates again without harm", func(t *testing.T) {
			again := storetest.Open(t, databaseURL)
			if err := again.Ping(ctx); err != nil {
				t.Fatalf("Ping: %v", err)
			}
			// Data written by the first store is still there.
			h := newHost(t, s, "kept@example.com")
			got, err := again.HostByEmail(ctx, "kept@example.com")
			if err != nil || got.ID != h.ID {
				t.Fatalf("HostByEmail through the second store = %+v, %v; want host %s", got, err, h.ID)
			}
		})
		t.Run("Ping answers", func(t *testing.T) {
			if err := s.Ping(ctx); err != nil {
				t.Fatalf("Ping: %v", err)
			}
		})
	})
}

func TestSetting(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()

		t.Run("first call stores the generated value", func(t *testing.T) {
			got, err := s.Setting(ctx, "secret_key", func() string { return "first" })
			if err != nil || got != "first" {
				t.Fatalf("Setting = %q, %v; want %q", got, err, "first")
			}
		})
		t.Run("later calls get the stored value without generating", func(t *testing.T) {
			got, err := s.Setting(ctx, "secret_key", func() string {
				t.Error("generate called although a value is stored")
				return "second"
			})
			if err != nil || got != "first" {
				t.Fatalf("Setting = %q, %v; want %q", got, err, "first")
			}
		})
		t.Run("keys are independent", func(t *testing.T) {
			got, err := s.Setting(ctx, "other_key", func() string { return "other" })
			if err != nil || got != "other" {
				t.Fatalf("Setting = %q, %v; want %q", got, err, "other")
			}
		})
		t.Run("20 concurrent callers on a fresh key all get the same value", func(t *testing.T) {
			const n = 20
			got := make([]string, n)
			errs := make([]error, n)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					<-start
					got[i], errs[i] = s.Setting(ctx, "fresh_key", func() string { return fmt.Sprintf("value-%d", i) })
				})
			}
			close(start)
			wg.Wait()
			for i := range n {
				if errs[i] != nil {
					t.Fatalf("caller %d: %v", i, errs[i])
				}
				if got[i] != got[0] {
					t.Fatalf("caller %d got %q, caller 0 got %q: every caller must get the first stored value", i, got[i], got[0])
				}
			}
			stored, err := s.Setting(ctx, "fresh_key", func() string { return "late" })
			if err != nil || stored != got[0] {
				t.Fatalf("Setting afterwards = %q, %v; want %q", stored, err, got[0])
			}
		})
	})
}

func TestHosts(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		ada := newHost(t, s, "Ada.Lovelace@Example.COM")

		t.Run("host is found by email in another letter case", func(t *testing.T) {
			got, err := s.HostByEmail(ctx, "  ada.lovelace@example.com ")
			if err != nil {
				t.Fatalf("HostByEmail: %v", err)
			}
			assertSame(t, got, ada)
		})
		t.Run("unknown email is not found", func(t *testing.T) {
			_, err := s.HostByEmail(ctx, "nobody@example.com")
			if !errors.Is(err, onair.ErrNotFound) {
				t.Fatalf("HostByEmail = %v; want ErrNotFound", err)
			}
		})
		t.Run("duplicate email in another case is a conflict", func(t *testing.T) {
			err := s.CreateHost(ctx, onair.Host{ID: onair.NewID(), Email: "ADA.LOVELACE@example.com", PasswordHash: "x", CreatedAt: now})
			assertError(t, err, onair.ErrConflict, "email_taken")
		})
	})
}

func TestTokens(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		host := newHost(t, s, "tokens@example.com")
		later := func(d time.Duration) *time.Time { at := now.Add(d); return &at }

		tests := []struct {
			name    string
			kind    string        // kind the token is stored with
			expires *time.Time    // nil: never
			ask     string        // kind asked for
			at      time.Duration // asked at now+at
			deleted bool
			want    error // nil: the host is found
		}{
			{name: "API token without expiry is found years later", kind: store.TokenAPI, ask: store.TokenAPI, at: 10 * 365 * 24 * time.Hour},
			{name: "session token is found before it expires", kind: store.TokenSession, expires: later(time.Hour), ask: store.TokenSession, at: time.Hour - time.Microsecond},
			{name: "session token at its expiry time is unauthorized", kind: store.TokenSession, expires: later(time.Hour), ask: store.TokenSession, at: time.Hour, want: onair.ErrUnauthorized},
			{name: "expired session token is unauthorized", kind: store.TokenSession, expires: later(time.Hour), ask: store.TokenSession, at: 2 * time.Hour, want: onair.ErrUnauthorized},
			{name: "API token asked for as a session is unauthorized", kind: store.TokenAPI, ask: store.TokenSession, want: onair.ErrUnauthorized},
			{name: "session token asked for as an API token is unauthorized", kind: store.TokenSession, expires: later(time.Hour), ask: store.TokenAPI, want: onair.ErrUnauthorized},
			{name: "deleted token is unauthorized", kind: store.TokenSession, expires: later(time.Hour), ask: store.TokenSession, deleted: true, want: onair.ErrUnauthorized},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				token, hash := onair.NewAPIToken()
				if err := s.CreateToken(ctx, hash, host.ID, tt.kind, now, tt.expires); err != nil {
					t.Fatalf("CreateToken: %v", err)
				}
				if tt.deleted {
					if err := s.DeleteToken(ctx, hash); err != nil {
						t.Fatalf("DeleteToken: %v", err)
					}
				}
				got, err := s.HostByToken(ctx, onair.HashToken(token), tt.ask, now.Add(tt.at))
				if tt.want != nil {
					if !errors.Is(err, tt.want) {
						t.Fatalf("HostByToken = %+v, %v; want %v", got, err, tt.want)
					}
					return
				}
				if err != nil {
					t.Fatalf("HostByToken: %v", err)
				}
				assertSame(t, got, host)
			})
		}
		t.Run("unknown token is unauthorized", func(t *testing.T) {
			_, err := s.HostByToken(ctx, onair.HashToken("onair_never-issued"), store.TokenAPI, now)
			if !errors.Is(err, onair.ErrUnauthorized) {
				t.Fatalf("HostByToken = %v; want ErrUnauthorized", err)
			}
		})
		t.Run("deleting one token keeps the others", func(t *testing.T) {
			_, keep := onair.NewAPIToken()
			_, drop := onair.NewAPIToken()
			for _, hash := range []string{keep, drop} {
				if err := s.CreateToken(ctx, hash, host.ID, store.TokenAPI, now, nil); err != nil {
					t.Fatalf("CreateToken: %v", err)
				}
			}
			if err := s.DeleteToken(ctx, drop); err != nil {
				t.Fatalf("DeleteToken: %v", err)
			}
			if _, err := s.HostByToken(ctx, keep, store.TokenAPI, now); err != nil {
				t.Fatalf("the other token: %v", err)
			}
		})
	})
}

func TestEventRoundTrip(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		host := newHost(t, s, "events@example.com")
		other := newHost(t, s, "other@example.com")
		at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
		intervals := func(names ...string) []onair.Interval {
			ivs, err := onair.ParseIntervals(names)
			if err != nil {
				t.Fatal(err)
			}
			return ivs
		}
		full := onair.Event{
			HostID:              host.ID,
			Title:               "Launch ☕ day — “quotes” & <tags>",
			Description:         "Line one\nLine two\twith a tab\r\nand 100% of _that_",
			Status:              onair.StatusScheduled,
			ScheduledStart:      time.Date(2026, 12, 15, 14, 30, 15, 123456000, time.UTC),
			Timezone:            "Australia/Lord_Howe",
			DurationMinutes:     95,
			MaxRegistrations:    250,
			RegistrationEnabled: false,
			StreamURL:           "https://stream.example.com/live?id=42&x=y",
			Notifications:       onair.NotificationSettings{EmailEnabled: false, SMSEnabled: true, CustomMessage: "Bring questions!\nSee you there."},
			Intervals:           intervals("1week", "45m", "1day", "90s", "now"),
			RegistrationCount:   7,
			Version:             3,
			Sequence:            2,
			CreatedAt:           now.Add(-48*time.Hour + 1*time.Microsecond),
			UpdatedAt:           now.Add(-time.Microsecond),
		}

		tests := []struct {
			name   string
			modify func(*onair.Event)
		}{
			{name: "every field set, started_at nil", modify: func(*onair.Event) {}},
			{name: "live with started_at set", modify: func(e *onair.Event) {
				e.Status = onair.StatusLive
				e.StartedAt = at(-(90*time.Minute + 999*time.Microsecond))
			}},
			{name: "ended with started_at and ended_at set", modify: func(e *onair.Event) {
				e.Status = onair.StatusEnded
				e.StartedAt, e.EndedAt = at(-2*time.Hour), at(-time.Hour+1*time.Microsecond)
			}},
			{name: "cancelled with cancelled_at set", modify: func(e *onair.Event) {
				e.Status = onair.StatusCancelled
				e.CancelledAt = at(-time.Minute)
			}},
			{name: "defaults: unlimited, open, email only, no custom message", modify: func(e *onair.Event) {
				e.Description, e.StreamURL, e.Timezone = "", "", "UTC"
				e.MaxRegistrations, e.RegistrationEnabled, e.RegistrationCount = 0, true, 0
				e.Notifications = onair.NotificationSettings{EmailEnabled: true}
				e.Intervals = intervals(onair.DefaultIntervals...)
				e.Version, e.Sequence = 1, 0
			}},
			{name: "a single custom interval", modify: func(e *onair.Event) { e.Intervals = intervals("45m") }},
			{name: "times given in another zone come back as the same instant in UTC", modify: func(e *onair.Event) {
				kathmandu, err := time.LoadLocation("Asia/Kathmandu")
				if err != nil {
					t.Fatal(err)
				}
				e.ScheduledStart = time.Date(2026, 12, 24, 9, 15, 0, 654321000, kathmandu)
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				want := full
				want.ID = onair.NewID()
				tt.modify(&want)
				if err := s.CreateEvent(ctx, want); err != nil {
					t.Fatalf("CreateEvent: %v", err)
				}
				want = inUTC(want)
				got, err := s.Event(ctx, want.ID)
				if err != nil {
					t.Fatalf("Event: %v", err)
				}
				assertSame(t, got, want)
				got, err = s.HostEvent(ctx, host.ID, want.ID)
				if err != nil {
					t.Fatalf("HostEvent: %v", err)
				}
				assertSame(t, got, want)
				if got.ScheduledStart.Location() != time.UTC {
					t.Errorf("ScheduledStart in %v; want UTC", got.ScheduledStart.Location())
				}
			})
		}

		t.Run("an event made by NewEvent round-trips", func(t *testing.T) {
			want := newEvent(t, s, host.ID, nil)
			got, err := s.Event(ctx, want.ID)
			if err != nil {
				t.Fatalf("Event: %v", err)
			}
			assertSame(t, got, want)
		})
		t.Run("HostEvent with another host's id is not found", func(t *testing.T) {
			ev := newEvent(t, s, host.ID, nil)
			_, err := s.HostEvent(ctx, other.ID, ev.ID)
			if !errors.Is(err, onair.ErrNotFound) {
				t.Fatalf("HostEvent = %v; want ErrNotFound", err)
			}
		})
		t.Run("unknown id is not found", func(t *testing.T) {
			if _, err := s.Event(ctx, onair.NewID()); !errors.Is(err, onair.ErrNotFound) {
				t.Fatalf("Event = %v; want ErrNotFound", err)
			}
			if _, err := s.HostEvent(ctx, host.ID, onair.NewID()); !errors.Is(err, onair.ErrNotFound) {
				t.Fatalf("HostEvent = %v; want ErrNotFound", err)
			}
		})
		t.Run("the same id twice is a conflict", func(t *testing.T) {
			ev := newEvent(t, s, host.ID, nil)
			if err := s.CreateEvent(ctx, ev); !errors.Is(err, onair.ErrConflict) {
				t.Fatalf("CreateEvent again = %v; want ErrConflict", err)
			}
		})
	})
}

func TestFindEvents(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		host := newHost(t, s, "find@example.com")
		other := newHost(t, s, "find-other@example.com")
		h := time.Hour
		for _, e := range []struct {
			title, description string
			status             onair.EventStatus
			start              time.Duration // from now
		}{
			{"Weekly Standup", "Status and plans", onair.StatusScheduled, 48 * h},
			{"Launch: 50% OFF", "Big sale", onair.StatusScheduled, 24 * h},
			{"Snake_case talk", "Naming things", onair.StatusScheduled, 72 * h},
			{"Make Coffee", "Beans, 500 grams", onair.StatusScheduled, 96 * h},
			{`Paths like C:\Users`, "Windows", onair.StatusScheduled, 120 * h},
			{"Live Q&A", "Ask me anything", onair.StatusLive, -30 * time.Minute},
			{"Early live", "", onair.StatusLive, -2 * h},
			{"Old standup", "", onair.StatusEnded, -72 * h},
			{"Yesterday's show", "The STANDUP recap", onair.StatusEnded, -24 * h},
			{"Called off soon", "", onair.StatusCancelled, 30 * h},
			{"Called off later", "", onair.StatusCancelled, 144 * h},
		} {
			newEvent(t, s, host.ID, func(ev *onair.Event) {
				ev.Title, ev.Description, ev.Status = e.title, e.description, e.status
				ev.ScheduledStart = now.Add(e.start)
			})
		}
		newEvent(t, s, other.ID, func(ev *onair.Event) { ev.Title = "Weekly Standup" })

		all := []string{
			`Called off later`, `Paths like C:\Users`, `Make Coffee`, `Snake_case talk`, `Weekly Standup`,
			`Called off soon`, `Launch: 50% OFF`, `Live Q&A`, `Early live`, `Yesterday's show`, `Old standup`,
		}
		tests := []struct {
			name      string
			filter    onair.EventFilter
			want      []string
			wantTotal int
		}{
			{name: "every status: latest start first", filter: onair.EventFilter{}, want: all, wantTotal: 11},
			{name: "scheduled: soonest first", filter: onair.EventFilter{Status: onair.StatusScheduled},
				want: []string{`Launch: 50% OFF`, `Weekly Standup`, `Snake_case talk`, `Make Coffee`, `Paths like C:\Users`}, wantTotal: 5},
			{name: "live: soonest first", filter: onair.EventFilter{Status: onair.StatusLive},
				want: []string{`Early live`, `Live Q&A`}, wantTotal: 2},
			{name: "ended: latest first", filter: onair.EventFilter{Status: onair.StatusEnded},
				want: []string{`Yesterday's show`, `Old standup`}, wantTotal: 2},
			{name: "cancelled: latest first", filter: onair.EventFilter{Status: onair.StatusCancelled},
				want: []string{`Called off later`, `Called off soon`}, wantTotal: 2},
			{name: "search ignores case in the title and the description", filter: onair.EventFilter{Query: "sTaNdUp"},
				want: []string{`Weekly Standup`, `Yesterday's show`, `Old standup`}, wantTotal: 3},
			{name: "search finds words in the description only", filter: onair.EventFilter{Query: "BEANS"},
				want: []string{`Make Coffee`}, wantTotal: 1},
			{name: "search is trimmed", filter: onair.EventFilter{Query: "  coffee \t"},
				want: []string{`Make Coffee`}, wantTotal: 1},
			{name: "search combines with the status", filter: onair.EventFilter{Status: onair.StatusEnded, Query: "standup"},
				want: []string{`Yesterday's show`, `Old standup`}, wantTotal: 2},
			{name: "% in the query matches a literal percent sign", filter: onair.EventFilter{Query: "50%"},
				want: []string{`Launch: 50% OFF`}, wantTotal: 1},
			{name: "_ in the query matches a literal underscore", filter: onair.EventFilter{Query: "e_c"},
				want: []string{`Snake_case talk`}, wantTotal: 1},
			{name: "a lone % matches only a percent sign", filter: onair.EventFilter{Query: "%"},
				want: []string{`Launch: 50% OFF`}, wantTotal: 1},
			{name: `\ in the query matches a literal backslash`, filter: onair.EventFilter{Query: `c:\users`},
				want: []string{`Paths like C:\Users`}, wantTotal: 1},
			{name: "no match is an empty page", filter: onair.EventFilter{Query: "nothing like this"},
				want: []string{}, wantTotal: 0},
			{name: "first page", filter: onair.EventFilter{Status: onair.StatusScheduled, Limit: 2},
				want: []string{`Launch: 50% OFF`, `Weekly Standup`}, wantTotal: 5},
			{name: "second page", filter: onair.EventFilter{Status: onair.StatusScheduled, Limit: 2, Offset: 2},
				want: []string{`Snake_case talk`, `Make Coffee`}, wantTotal: 5},
			{name: "last, partial page", filter: onair.EventFilter{Status: onair.StatusScheduled, Limit: 2, Offset: 4},
				want: []string{`Paths like C:\Users`}, wantTotal: 5},
			{name: "page past the end is empty but keeps the total", filter: onair.EventFilter{Limit: 20, Offset: 20},
				want: []string{}, wantTotal: 11},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.filter.HostID = host.ID
				if tt.filter.Limit == 0 {
					tt.filter.Limit = 100
				}
				got, total, err := s.FindEvents(ctx, tt.filter)
				if err != nil {
					t.Fatalf("FindEvents: %v", err)
				}
				if titles := eventTitles(got); !reflect.DeepEqual(titles, tt.want) {
					t.Errorf("titles = %q\nwant     %q", titles, tt.want)
				}
				if total != tt.wantTotal {
					t.Errorf("total = %d; want %d", total, tt.wantTotal)
				}
				for _, e := range got {
					if e.HostID != host.ID {
						t.Errorf("event %q of host %s listed for host %s", e.Title, e.HostID, host.ID)
					}
				}
			})
		}
		t.Run("another host sees only its own events", func(t *testing.T) {
			got, total, err := s.FindEvents(ctx, onair.EventFilter{HostID: other.ID, Limit: 100})
			if err != nil {
				t.Fatalf("FindEvents: %v", err)
			}
			if titles := eventTitles(got); total != 1 || !reflect.DeepEqual(titles, []string{"Weekly Standup"}) {
				t.Fatalf("FindEvents = %q, total %d; want only the other host's one event", titles, total)
			}
		})
		t.Run("search folds the case of non-ASCII letters like PostgreSQL does", func(t *testing.T) {
			unicodeHost := newHost(t, s, "find-unicode@example.com")
			newEvent(t, s, unicodeHost.ID, func(ev *onair.Event) {
				ev.Title, ev.Description = "CAFÉ CRÈME", "Übung macht den Meister"
			})
			for _, q := range []string{"CAFÉ CRÈME", "café crème", "Café", "ÜBUNG", "übung"} {
				t.Run(q, func(t *testing.T) {
					got, total, err := s.FindEvents(ctx, onair.EventFilter{HostID: unicodeHost.ID, Query: q, Limit: 10})
					if err != nil {
						t.Fatalf("FindEvents: %v", err)
					}
					if total != 1 || len(got) != 1 {
						t.Errorf("query %q found %d (total %d); want the event \"CAFÉ CRÈME\"", q, len(got), total)
					}
				})
			}
		})
		t.Run("listed events are complete", func(t *testing.T) {
			got, _, err := s.FindEvents(ctx, onair.EventFilter{HostID: host.ID, Query: "coffee", Limit: 1})
			if err != nil || len(got) != 1 {
				t.Fatalf("FindEvents = %v, %v; want one event", got, err)
			}
			want, err := s.Event(ctx, got[0].ID)
			if err != nil {
				t.Fatalf("Event: %v", err)
			}
			assertSame(t, got[0], want)
		})
	})
}

func TestUpdateEvent(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		host := newHost(t, s, "update@example.com")
		other := newHost(t, s, "update-other@example.com")
		edited := now.Add(time.Hour)

		t.Run("applies the change and returns the stored event", func(t *testing.T) {
			ev := newEvent(t, s, host.ID, nil)
			var change onair.Change
			got, err := s.UpdateEvent(ctx, host.ID, ev.ID, func(cur onair.Event) (onair.Event, error) {
				assertSame(t, cur, ev)
				next, ch, err := cur.Update(onair.EventInput{
					Title:             ptr("Renamed"),
					Description:       ptr("New description"),
					ScheduledStart:    ptr(now.Add(10 * 24 * time.Hour).Format(time.RFC3339)),
					Timezone:          ptr("Asia/Kathmandu"),
					MaxRegistrations:  ptr(42),
					StreamURL:         ptr("https://example.com/watch"),
					SelectedIntervals: &[]string{"1day", "45m"},
					NotificationSettings: &onair.NotificationSettingsInput{
						SMSEnabled: ptr(true), CustomMessage: ptr("hello"),
					},
				}, edited)
				change = ch
				return next, err
			})
			if err != nil {
				t.Fatalf("UpdateEvent: %v", err)
			}
			if !change.Rescheduled || got.Version != 2 || got.Sequence != 1 {
				t.Errorf("reschedule: change %+v, version %d, sequence %d; want rescheduled, 2, 1", change, got.Version, got.Sequence)
			}
			if got.Title != "Renamed" || got.MaxRegistrations != 42 || !got.UpdatedAt.Equal(edited) || len(got.Intervals) != 2 {
				t.Errorf("returned event does not carry the change: %+v", got)
			}
			stored, err := s.Event(ctx, ev.ID)
			if err != nil {
				t.Fatalf("Event: %v", err)
			}
			assertSame(t, stored, got)
		})
		t.Run("a stale copy does not overwrite registration_count", func(t *testing.T) {
			ev := newEvent(t, s, host.ID, nil)
			stale := ev // read before the registrations below
			mustRegister(t, s, ev, "one@example.com", now)
			mustRegister(t, s, ev, "two@example.com", now)
			_, err := s.UpdateEvent(ctx, host.ID, ev.ID, func(onair.Event) (onair.Event, error) {
				stale.Title = "Edited from a stale copy"
				return stale, nil
			})
			if err != nil {
				t.Fatalf("UpdateEvent: %v", err)
			}
			stored, err := s.Event(ctx, ev.ID)
			if err != nil {
				t.Fatalf("Event: %v", err)
			}
			if stored.Title != "Edited from a stale copy" {
				t.Errorf("title = %q; the update was not applied", stored.Title)
			}
			if stored.RegistrationCount != 2 {
				t.Errorf("registration_count = %d after the update; want 2", stored.RegistrationCount)
			}
		})
		t.Run("an error from the change func leaves the row untouched", func(t *testing.T) {
			ev := newEvent(t, s, host.ID, nil)
			refused := errors.New("refused")
			_, err := s.UpdateEvent(ctx, host.ID, ev.ID, func(cur onair.Event) (onair.Event, error) {
				cur.Title, cur.Status, cur.Version = "Must not be stored", onair.StatusCancelled, 99
				return cur, refused
			})
			if !errors.Is(err, refused) {
				t.Fatalf("UpdateEvent = %v; want the change func's error", err)
			}
			stored, err := s.Event(ctx, ev.ID)
			if err != nil {
				t.Fatalf("Event: %v", err)
			}
			assertSame(t, stored, ev)
		})
		t.Run("a domain error from Update passes through unchanged", func(t *testing.T) {
			ev := newEvent(t, s, host.ID, func(e *onair.Event) { e.Status = onair.StatusEnded })
			_, err := s.UpdateEvent(ctx, host.ID, ev.ID, func(cur onair.Event) (onair.Event, error) {
				next, _, err := cur.Update(onair.EventInput{Title: ptr("Too late")}, edited)
				return next, err
			})
			assertError(t, err, onair.ErrGone, "event_ended")
		})
		t.Run("another host's event is not found and not changed", func(t *testing.T) {
			ev := newEvent(t, s, host.ID, nil)
			_, err := s.UpdateEvent(ctx, other.ID, ev.ID, func(cur onair.Event) (onair.Event, error) {
				t.Error("change called for another host's event")
				cur.Title = "Hijacked"
				return cur, nil
			})
			if !errors.Is(err, onair.ErrNotFound) {
				t.Fatalf("UpdateEvent = %v; want ErrNotFound", err)
			}
			stored, err := s.Event(ctx, ev.ID)
			if err != nil {
				t.Fatalf("Event: %v", err)
			}
			assertSame(t, stored, ev)
		})
	})
}

func TestRegister(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		host := newHost(t, s, "register@example.com")

		t.Run("success counts the registration and stores it", func(t *testing.T) {
			ev := newEvent(t, s, host.ID, nil)
			r := newRegistration(t, ev, onair.RegistrationInput{
				FirstName: "Grace", LastName: "Hopper", Email: "Grace@Example.com", Phone: "+14155550100",
				Company: "Navy", Source: "Social", Timezone: "America/New_York",
			}, now)
			got, err := s.Register(ctx, r, now)
			if err != nil {
				t.Fatalf("Register: %v", err)
			}
			if got.ID != ev.ID || got.RegistrationCount != 1 {
				t.Errorf("returned event %s with count %d; want %s with 1", got.ID, got.RegistrationCount, ev.ID)
			}
			assertCount(t, s, ev.ID, 1)
			regs := registrations(t, s, store.RegistrationFilter{EventID: ev.ID})
			if len(regs) != 1 {
				t.Fatalf("%d registrations stored; want 1", len(regs))
			}
			want := r
			want.ViewerID = regs[0].ViewerID
			if want.ViewerID == "" {
				t.Error("stored registration has no viewer")
			}
			assertSame(t, regs[0], want)
		})
		t.Run("duplicate email in another case is refused and not counted", func(t *testing.T) {
			ev := newEvent(t, s, host.ID, nil)
			mustRegister(t, s, ev, "dup@example.com", now)
			_, err := s.Register(ctx, newRegistration(t, ev, onair.RegistrationInput{Email: " DUP@Example.COM "}, now), now)
			if !errors.Is(err, onair.ErrAlreadyRegistered) {
				t.Fatalf("Register = %v; want ErrAlreadyRegistered", err)
			}
			assertError(t, err, onair.ErrConflict, "already_registered")
			assertCount(t, s, ev.ID, 1)
		})
		t.Run("duplicate email on a full event is already registered, not full", func(t *testing.T) {
			ev := newEvent(t, s, host.ID, func(e *onair.Event) { e.MaxRegistrations = 1 })
			mustRegister(t, s, ev, "first@example.com", now)
			_, err := s.Register(ctx, newRegistration(t, ev, onair.RegistrationInput{Email: "first@example.com"}, now), now)
			if !errors.Is(err, onair.ErrAlreadyRegistered) {
				t.Fatalf("Register = %v; want ErrAlreadyRegistered", err)
			}
		})
		t.Run("the last spot can be taken", func(t *testing.T) {
			ev := newEvent(t, s, host.ID, func(e *onair.Event) { e.MaxRegistrations = 2 })
			mustRegister(t, s, ev, "a@example.com", now)
			if got := mustRegister(t, s, ev, "b@example.com", now); got.RegistrationCount != 2 {
				t.Fatalf("count = %d; want 2", got.RegistrationCount)
			}
		})

		closed := []struct {
			name   string
			modify func(*onair.Event)
			before int           // registrations made before the attempt
			at     time.Duration // the attempt is at now+at
			kind   error
			code   string
		}{
			{name: "full event is a conflict", modify: func(e *onair.Event) { e.MaxRegistrations = 2 }, before: 2,
				kind: onair.ErrConflict, code: "event_full"},
			{name: "cancelled event is gone", modify: func(e *onair.Event) { *e, _ = e.Cancel(now) },
				kind: onair.ErrGone, code: "event_cancelled"},
			{name: "ended event is gone", modify: func(e *onair.Event) { *e, _ = e.End(now) },
				kind: onair.ErrGone, code: "event_past"},
			{name: "live event past its scheduled end is gone", modify: func(e *onair.Event) {
				e.ScheduledStart, e.DurationMinutes = now.Add(time.Hour), 30
				*e, _ = e.Start(now.Add(time.Hour))
			}, at: 90 * time.Minute, kind: onair.ErrGone, code: "event_past"},
			{name: "event at its scheduled end is gone", modify: func(e *onair.Event) { e.ScheduledStart, e.DurationMinutes = now.Add(time.Hour), 30 },
				at: 90 * time.Minute, kind: onair.ErrGone, code: "event_past"},
			{name: "event past its scheduled end is gone", modify: func(e *onair.Event) { e.ScheduledStart, e.DurationMinutes = now.Add(time.Hour), 30 },
				at: 90*time.Minute + time.Microsecond, kind: onair.ErrGone, code: "event_past"},
			{name: "event with registration disabled is forbidden", modify: func(e *onair.Event) { e.RegistrationEnabled = false },
				kind: onair.ErrForbidden, code: "registration_closed"},
			{name: "cancelled beats full", modify: func(e *onair.Event) { e.MaxRegistrations = 1; *e, _ = e.Cancel(now) }, before: 1,
				kind: onair.ErrGone, code: "event_cancelled"},
		}
		for _, tt := range closed {
			t.Run(tt.name, func(t *testing.T) {
				ev := newEvent(t, s, host.ID, nil)
				for i := range tt.before {
					mustRegister(t, s, ev, fmt.Sprintf("early%d@example.com", i), now)
				}
				if _, err := s.UpdateEvent(ctx, host.ID, ev.ID, func(cur onair.Event) (onair.Event, error) {
					tt.modify(&cur)
					return cur, nil
				}); err != nil {
					t.Fatalf("UpdateEvent: %v", err)
				}
				_, err := s.Register(ctx, newRegistration(t, ev, onair.RegistrationInput{Email: "late@example.com"}, now), now.Add(tt.at))
				assertError(t, err, tt.kind, tt.code)
				assertCount(t, s, ev.ID, tt.before)
				if regs := registrations(t, s, store.RegistrationFilter{EventID: ev.ID, Query: "late@"}); len(regs) != 0 {
					t.Errorf("a refused registration was stored: %+v", regs)
				}
			})
		}
		t.Run("unknown event is not found", func(t *testing.T) {
			ev := newEvent(t, s, host.ID, nil)
			ev.ID = onair.NewID() // never stored
			_, err := s.Register(ctx, newRegistration(t, ev, onair.RegistrationInput{Email: "ghost@example.com"}, now), now)
			if !errors.Is(err, onair.ErrNotFound) {
				t.Fatalf("Register = %v; want ErrNotFound", err)
			}
		})

		t.Run("one viewer profile per host and email", func(t *testing.T) {
			first := newEvent(t, s, host.ID, nil)
			second := newEvent(t, s, host.ID, nil)
			elsewhere := newEvent(t, s, newHost(t, s, "another-host@example.com").ID, nil)
			mustRegister(t, s, first, "Viewer@Example.com", now)
			mustRegister(t, s, second, "viewer@example.COM", now.Add(time.Minute))
			mustRegister(t, s, elsewhere, "viewer@example.com", now)
			a := registrations(t, s, store.RegistrationFilter{EventID: first.ID})[0]
			b := registrations(t, s, store.RegistrationFilter{EventID: second.ID})[0]
			c := registrations(t, s, store.RegistrationFilter{EventID: elsewhere.ID})[0]
			if a.ViewerID == "" || a.ViewerID != b.ViewerID {
				t.Errorf("two events of one host: viewer ids %q and %q; want the same one", a.ViewerID, b.ViewerID)
			}
			if c.ViewerID == a.ViewerID {
				t.Errorf("another host's event shares viewer %q; want a profile of its own", c.ViewerID)
			}
		})
	})
}

func TestRegistrations(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		host := newHost(t, s, "list@example.com")
		ev := newEvent(t, s, host.ID, nil)
		otherEvent := newEvent(t, s, host.ID, nil)
		people := []onair.RegistrationInput{
			{FirstName: "Zoe", LastName: "Adams", Email: "zoe@example.com", Company: "Acme"},
			{FirstName: "Yann", LastName: "Baker", Email: "yann@Example.org", Company: "100% Pure"},
			{FirstName: "Xia", LastName: "Clark", Email: "x_c@example.com", Company: "Initech"},
			{FirstName: "Walt", LastName: "Davis", Email: "walt@example.com", Company: "ACME labs"},
			{FirstName: "Vera", LastName: "Evans", Email: "vera@example.net", Company: "1000 Widgets"},
		}
		// Registered in reverse alphabetical order, a second apart, so that
		// oldest first is not also by name or by id.
		var want []onair.Registration
		for i, p := range people {
			at := now.Add(time.Duration(i) * time.Second)
			r := newRegistration(t, ev, p, at)
			if _, err := s.Register(ctx, r, at); err != nil {
				t.Fatalf("Register %s: %v", p.Email, err)
			}
			want = append(want, r)
		}
		mustRegister(t, s, otherEvent, "zoe@example.com", now)

		t.Run("every registration, oldest first, complete", func(t *testing.T) {
			got, total, err := s.Registrations(ctx, store.RegistrationFilter{EventID: ev.ID})
			if err != nil {
				t.Fatalf("Registrations: %v", err)
			}
			if total != len(want) || len(got) != len(want) {
				t.Fatalf("%d registrations, total %d; want %d", len(got), total, len(want))
			}
			for i := range want {
				w := want[i]
				w.ViewerID = got[i].ViewerID
				assertSame(t, got[i], w)
			}
		})

		t.Run("search folds the case of non-ASCII letters like PostgreSQL does", func(t *testing.T) {
			intl := newEvent(t, s, host.ID, nil)
			r := newRegistration(t, intl, onair.RegistrationInput{FirstName: "Émile", LastName: "Çelik", Email: "emile@example.com"}, now)
			if _, err := s.Register(ctx, r, now); err != nil {
				t.Fatalf("Register: %v", err)
			}
			for _, q := range []string{"Émile", "émile", "ÇELIK", "çelik"} {
				t.Run(q, func(t *testing.T) {
					_, total, err := s.Registrations(ctx, store.RegistrationFilter{EventID: intl.ID, Query: q})
					if err != nil {
						t.Fatalf("Registrations: %v", err)
					}
					if total != 1 {
						t.Errorf("query %q found %d; want Émile Çelik", q, total)
					}
				})
			}
		})

		names := func(firsts ...string) []string { return append([]string{}, firsts...) }
		tests := []struct {
			name      string
			filter    store.RegistrationFilter
			want      []string
			wantTotal int
		}{
			{name: "first page", filter: store.RegistrationFilter{Limit: 2},
				want: names("Zoe", "Yann"), wantTotal: 5},
			{name: "second page", filter: store.RegistrationFilter{Limit: 2, Offset: 2},
				want: names("Xia", "Walt"), wantTotal: 5},
			{name: "last, partial page", filter: store.RegistrationFilter{Limit: 2, Offset: 4},
				want: names("Vera"), wantTotal: 5},
			{name: "page past the end is empty but keeps the total", filter: store.RegistrationFilter{Limit: 2, Offset: 10},
				want: names(), wantTotal: 5},
			{name: "search by first name ignores case", filter: store.RegistrationFilter{Query: "yANN"},
				want: names("Yann"), wantTotal: 1},
			{name: "search by last name", filter: store.RegistrationFilter{Query: "clark"},
				want: names("Xia"), wantTotal: 1},
			{name: "search by email ignores case", filter: store.RegistrationFilter{Query: "EXAMPLE.ORG"},
				want: names("Yann"), wantTotal: 1},
			{name: "search by company, oldest first", filter: store.RegistrationFilter{Query: "acme"},
				want: names("Zoe", "Walt"), wantTotal: 2},
			{name: "search with paging", filter: store.RegistrationFilter{Query: "acme", Limit: 1, Offset: 1},
				want: names("Walt"), wantTotal: 2},
			{name: "% in the search matches a literal percent sign", filter: store.RegistrationFilter{Query: "100%"},
				want: names("Yann"), wantTotal: 1},
			{name: "_ in the search matches a literal underscore", filter: store.RegistrationFilter{Query: "x_c"},
				want: names("Xia"), wantTotal: 1},
			{name: "no match", filter: store.RegistrationFilter{Query: "nobody"},
				want: names(), wantTotal: 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.filter.EventID = ev.ID
				got, total, err := s.Registrations(ctx, tt.filter)
				if err != nil {
					t.Fatalf("Registrations: %v", err)
				}
				firsts := []string{}
				for _, r := range got {
					firsts = append(firsts, r.FirstName)
					if r.EventID != ev.ID {
						t.Errorf("registration of event %s listed for %s", r.EventID, ev.ID)
					}
				}
				if !reflect.DeepEqual(firsts, tt.want) {
					t.Errorf("first names = %q; want %q", firsts, tt.want)
				}
				if total != tt.wantTotal {
					t.Errorf("total = %d; want %d", total, tt.wantTotal)
				}
			})
		}
	})
}

// testSecret is the secret key the tests derive watch tokens with.
const testSecret = "a-secret-key-of-the-tests-32-chars-or-more"

func TestRegistrationByToken(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		host := newHost(t, s, "token@example.com")
		ev := newEvent(t, s, host.ID, nil)
		mustRegister(t, s, ev, "other-viewer@example.com", now)
		r := newRegistration(t, ev, onair.RegistrationInput{FirstName: "Tok", Email: "tok@example.com"}, now)
		if _, err := s.Register(ctx, r, now); err != nil {
			t.Fatalf("Register: %v", err)
		}
		token := onair.WatchToken(testSecret, r.ID)

		t.Run("the token finds its registration", func(t *testing.T) {
			got, err := s.RegistrationByToken(ctx, testSecret, token)
			if err != nil {
				t.Fatalf("RegistrationByToken: %v", err)
			}
			want := r
			want.ViewerID = got.ViewerID
			assertSame(t, got, want)
		})
		for _, tt := range []struct {
			name          string
			secret, token string
		}{
			{"one character changed in the id", testSecret, changeChar(token, 0)},
			{"one character changed in the signature", testSecret, changeChar(token, len(token)-1)},
			{"one character changed just after the id", testSecret, changeChar(token, 22)},
			{"too short", testSecret, token[:len(token)-1]},
			{"too long", testSecret, token + "A"},
			{"only the id", testSecret, token[:22]},
			{"different case", testSecret, strings.ToUpper(token)},
			{"another key", testSecret + "x", token},
			{"an old-style token no registration has", testSecret, onair.RandomString(24)},
			{"empty", testSecret, ""},
		} {
			t.Run(tt.name+" is not found", func(t *testing.T) {
				if tt.token == token && tt.secret == testSecret {
					t.Fatalf("test token equals the real one")
				}
				got, err := s.RegistrationByToken(ctx, tt.secret, tt.token)
				if !errors.Is(err, onair.ErrNotFound) {
					t.Fatalf("RegistrationByToken = %+v, %v; want ErrNotFound", got, err)
				}
			})
		}
		t.Run("no token is stored", func(t *testing.T) {
			var n int
			err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM registrations
				WHERE id = $1 AND legacy_token_hash IS NULL`, r.ID).Scan(&n)
			if err != nil || n != 1 {
				t.Fatalf("a new registration keeps a token hash: %d, %v", n, err)
			}
		})
		t.Run("an erased registration's token finds nothing", func(t *testing.T) {
			if _, err := s.EraseViewer(ctx, host.ID, "tok@example.com", now); err != nil {
				t.Fatal(err)
			}
			if got, err := s.RegistrationByToken(ctx, testSecret, token); !errors.Is(err, onair.ErrNotFound) {
				t.Fatalf("RegistrationByToken = %+v, %v; want ErrNotFound", got, err)
			}
		})
	})
}

// Watch links handed out before tokens were derived held a random token,
// stored in clear; migration 00006 keeps only its hash, and the link still
// works.
func TestLegacyWatchTokensSurviveTheMigration(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, databaseURL string) {
		ctx := t.Context()
		s, err := store.Open(ctx, databaseURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.MigrateTo(ctx, 3); err != nil {
			t.Fatalf("MigrateTo 3: %v", err)
		}
		old := onair.RandomString(24) // a token as NewAccessToken made them
		hostID, eventID, viewerID, regID := onair.NewID(), onair.NewID(), onair.NewID(), onair.NewID()
		at := now.UnixMicro()
		for _, q := range []struct {
			query string
			args  []any
		}{
			{`INSERT INTO hosts (id, email, email_norm, password_hash, created_at) VALUES ($1, 'old@example.com', 'old@example.com', 'x', $2)`,
				[]any{hostID, at}},
			{`INSERT INTO events (id, host_id, title, status, scheduled_start, timezone, duration_minutes, created_at, updated_at)
				VALUES ($1, $2, 'Before', 'scheduled', $3, 'UTC', 60, $3, $3)`, []any{eventID, hostID, at}},
			{`INSERT INTO viewers (id, host_id, email, email_norm, created_at, updated_at)
				VALUES ($1, $2, 'ada@example.com', 'ada@example.com', $3, $3)`, []any{viewerID, hostID, at}},
			{`INSERT INTO registrations (id, event_id, host_id, viewer_id, email, email_norm, timezone, status,
				access_token, token_selector, created_at, updated_at)
				VALUES ($1, $2, $3, $4, 'ada@example.com', 'ada@example.com', 'UTC', 'registered', $5, $6, $7, $7)`,
				[]any{regID, eventID, hostID, viewerID, old, old[:12], at}},
		} {
			if _, err := s.DB().ExecContext(ctx, q.query, q.args...); err != nil {
				t.Fatalf("%s: %v", q.query, err)
			}
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("Migrate: %v", err)
		}

		for name, token := range map[string]string{"the old token": old, "the derived token": onair.WatchToken(testSecret, regID)} {
			got, err := s.RegistrationByToken(ctx, testSecret, token)
			if err != nil || got.ID != regID {
				t.Errorf("%s finds %+v, %v; want registration %s", name, got, err, regID)
			}
		}
		if got, err := s.RegistrationByToken(ctx, testSecret, changeChar(old, 31)); !errors.Is(err, onair.ErrNotFound) {
			t.Errorf("the old token one character off finds %+v, %v", got, err)
		}
		var hash string
		if err := s.DB().QueryRowContext(ctx, `SELECT legacy_token_hash FROM registrations WHERE id = $1`, regID).Scan(&hash); err != nil || hash != onair.HashToken(old) {
			t.Errorf("legacy_token_hash = %q, %v; want the SHA-256 of the token", hash, err)
		}
		if _, err := s.DB().ExecContext(ctx, `SELECT access_token FROM registrations`); err == nil {
			t.Error("the clear tokens are still stored")
		}
	})
}

func TestRegisterConcurrently(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		host := newHost(t, s, "race@example.com")

		t.Run("1000 viewers race for 100 spots: exactly 100 get one", func(t *testing.T) {
			const viewers, spots = 1000, 100
			ev := newEvent(t, s, host.ID, func(e *onair.Event) { e.MaxRegistrations = spots })
			errs := registerAll(t, s, ev, viewers, func(i int) string { return fmt.Sprintf("viewer%04d@example.com", i) })
			ok, full := 0, 0
			for _, err := range errs {
				var oe *onair.Error
				switch {
				case err == nil:
					ok++
				case errors.As(err, &oe) && errors.Is(err, onair.ErrConflict) && oe.Code == "event_full":
					full++
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}
			if ok != spots || full != viewers-spots {
				t.Errorf("%d registered, %d full; want %d and %d", ok, full, spots, viewers-spots)
			}
			assertCount(t, s, ev.ID, spots)
			if _, total, err := s.Registrations(ctx, store.RegistrationFilter{EventID: ev.ID, Limit: 1}); err != nil || total != spots {
				t.Errorf("Registrations total = %d, %v; want %d", total, err, spots)
			}
		})
		t.Run("50 requests with one email: exactly one registers", func(t *testing.T) {
			const n = 50
			ev := newEvent(t, s, host.ID, nil)
			errs := registerAll(t, s, ev, n, func(i int) string {
				if i%2 == 0 {
					return "Same@Example.com"
				}
				return "same@example.com"
			})
			ok, dup := 0, 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case errors.Is(err, onair.ErrAlreadyRegistered):
					dup++
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}
			if ok != 1 || dup != n-1 {
				t.Errorf("%d registered, %d already registered; want 1 and %d", ok, dup, n-1)
			}
			assertCount(t, s, ev.ID, 1)
			if _, total, err := s.Registrations(ctx, store.RegistrationFilter{EventID: ev.ID}); err != nil || total != 1 {
				t.Errorf("Registrations total = %d, %v; want 1", total, err)
			}
		})
	})
}

// registerAll registers n viewers for ev at once, the i-th with email(i),
// and returns each attempt's error.
func registerAll(t *testing.T, s *store.Store, ev onair.Event, n int, email func(i int) string) []error {
	t.Helper()
	regs := make([]onair.Registration, n)
	for i := range n {
		regs[i] = newRegistration(t, ev, onair.RegistrationInput{Email: email(i)}, now)
	}
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = s.Register(t.Context(), regs[i], now)
		})
	}
	close(start) // all at once, to make the race as tight as it gets
	wg.Wait()
	return errs
}

// newHost stores a host with email.
func newHost(t *testing.T, s *store.Store, email string) onair.Host {
	t.Helper()
	h := onair.Host{ID: onair.NewID(), Email: email, PasswordHash: "argon2id$not-a-real-hash", CreatedAt: now.Add(-24 * time.Hour)}
	if err := s.CreateHost(t.Context(), h); err != nil {
		t.Fatalf("CreateHost %s: %v", email, err)
	}
	return h
}

// newEvent stores a scheduled event of host starting a week after now, as
// NewEvent makes it, after modify (when not nil) has changed it.
func newEvent(t *testing.T, s *store.Store, hostID string, modify func(*onair.Event)) onair.Event {
	t.Helper()
	ev, err := onair.NewEvent(hostID, onair.EventInput{
		Title:          ptr("An event"),
		ScheduledStart: ptr(now.Add(7 * 24 * time.Hour).Format(time.RFC3339)),
	}, now)
	if err != nil {
		t.Fatalf("NewEvent: %v", err)
	}
	if modify != nil {
		modify(&ev)
	}
	if err := s.CreateEvent(t.Context(), ev); err != nil {
		t.Fatalf("CreateEvent: %v", err)
	}
	return ev
}

// keepPhone is a phone normalizer for numbers the tests already give in E.164.
func keepPhone(raw string) (string, error) { return raw, nil }

// newRegistration builds a valid registration for ev at at.
func newRegistration(t *testing.T, ev onair.Event, in onair.RegistrationInput, at time.Time) onair.Registration {
	t.Helper()
	r, err := onair.NewRegistration(ev, in, keepPhone, at)
	if err != nil {
		t.Fatalf("NewRegistration %+v: %v", in, err)
	}
	return r
}

// mustRegister registers email for ev at at and returns the event after it.
func mustRegister(t *testing.T, s *store.Store, ev onair.Event, email string, at time.Time) onair.Event {
	t.Helper()
	got, err := s.Register(t.Context(), newRegistration(t, ev, onair.RegistrationInput{Email: email}, at), at)
	if err != nil {
		t.Fatalf("Register %s: %v", email, err)
	}
	return got
}

// registrations lists the registrations f selects.
func registrations(t *testing.T, s *store.Store, f store.RegistrationFilter) []onair.Registration {
	t.Helper()
	regs, _, err := s.Registrations(t.Context(), f)
	if err != nil {
		t.Fatalf("Registrations: %v", err)
	}
	return regs
}

// assertCount checks the stored registration count of an event.
func assertCount(t *testing.T, s *store.Store, eventID string, want int) {
	t.Helper()
	ev, err := s.Event(t.Context(), eventID)
	if err != nil {
		t.Fatalf("Event: %v", err)
	}
	if ev.RegistrationCount != want {
		t.Errorf("stored registration_count = %d; want %d", ev.RegistrationCount, want)
	}
}

// assertError checks that err is an *onair.Error of kind with code.
func assertError(t *testing.T, err, kind error, code string) {
	t.Helper()
	var oe *onair.Error
	switch {
	case err == nil:
		t.Fatalf("no error; want %v (%s)", kind, code)
	case !errors.Is(err, kind):
		t.Fatalf("error %v is not %v", err, kind)
	case !errors.As(err, &oe):
		t.Fatalf("error %v (%T) is no *onair.Error", err, err)
	case oe.Code != code:
		t.Fatalf("error code %q (%v); want %q", oe.Code, err, code)
	}
}

// assertSame checks two structs field by field, times by instant, and names
// every field that differs.
func assertSame[T any](t *testing.T, got, want T) {
	t.Helper()
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range g.NumField() {
		if !sameValue(g.Field(i), w.Field(i)) {
			t.Errorf("%s = %+v; want %+v", g.Type().Field(i).Name, deref(g.Field(i)), deref(w.Field(i)))
		}
	}
}

var timeType = reflect.TypeFor[time.Time]()

func sameValue(a, b reflect.Value) bool {
	switch {
	case a.Type() == timeType:
		return a.Interface().(time.Time).Equal(b.Interface().(time.Time))
	case a.Kind() == reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return sameValue(a.Elem(), b.Elem())
	case a.Kind() == reflect.Slice && a.Len() == 0 && b.Len() == 0:
		return true // nil and empty are the same list
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

func deref(v reflect.Value) any {
	if v.Kind() == reflect.Pointer && !v.IsNil() {
		return v.Elem().Interface()
	}
	return v.Interface()
}

// inUTC is e with every time in UTC, as the store gives them back.
func inUTC(e onair.Event) onair.Event {
	utc := func(p *time.Time) *time.Time {
		if p == nil {
			return nil
		}
		t := p.UTC()
		return &t
	}
	e.ScheduledStart, e.CreatedAt, e.UpdatedAt = e.ScheduledStart.UTC(), e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	e.StartedAt, e.EndedAt, e.CancelledAt = utc(e.StartedAt), utc(e.EndedAt), utc(e.CancelledAt)
	return e
}

func eventTitles(events []onair.Event) []string {
	titles := []string{}
	for _, e := range events {
		titles = append(titles, e.Title)
	}
	return titles
}

// changeChar returns s with its i-th character replaced by another one of
// the token alphabet.
func changeChar(s string, i int) string {
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

func ptr[T any](v T) *T { return &v }

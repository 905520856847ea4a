package store_test

import (
	"testing"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/store/storetest"
)

func TestLanguagesAreStored(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		host := newHost(t, s, "languages@example.com")
		ev := newEvent(t, s, host.ID, func(e *onair.Event) { e.Language = onair.Spanish })
		if got, err := s.Event(ctx, ev.ID); err != nil || got.Language != onair.Spanish {
			t.Fatalf("stored event language %q, %v; want es", got.Language, err)
		}
		ev, err := s.UpdateEvent(ctx, host.ID, ev.ID, func(e onair.Event) (onair.Event, error) {
			e.Language = onair.French
			return e, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Event(ctx, ev.ID); got.Language != onair.French {
			t.Errorf("updated event language %q; want fr", got.Language)
		}
		for email, lang := range map[string]string{"de@example.com": "de", "none@example.com": ""} {
			if _, _, err := s.RegisterOrWaitlist(ctx, ev, newRegistration(t, ev, onair.RegistrationInput{Email: email, Language: lang}, now), now); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range registrations(t, s, store.RegistrationFilter{EventID: ev.ID}) {
			want := map[string]onair.Language{"de@example.com": onair.German, "none@example.com": ""}[r.Email]
			if r.Language != want {
				t.Errorf("%s: stored language %q; want %q", r.Email, r.Language, want)
			}
		}
	})
}

package store_test

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/store/storetest"
)

// TestQuestionsAndAnswers: an event's cover and questions are stored and
// changed with it; the answers of registrations made together in one
// batch each come back as given, and an erasure empties them.
func TestQuestionsAndAnswers(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		host := newHost(t, s, "questions@example.com")
		questions := []onair.QuestionInput{
			{Key: "role", Label: "Your role “here”", Required: true},
			{Key: "size", Label: "Team size", Type: "select", Options: []string{"1-10", "11-50", "<b>51+</b>"}},
			{Key: "newsletter", Label: "News", Type: "checkbox"},
		}
		ev, err := onair.NewEvent(host.ID, onair.EventInput{Title: ptr("Questions"),
			ScheduledStart: ptr(now.Add(7 * 24 * time.Hour).Format(time.RFC3339)),
			CoverImageURL:  ptr("https://cdn.example/cover.jpg?w=1200&h=630"), RegistrationFields: &questions}, now)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.CreateEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
		got, err := s.Event(ctx, ev.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.CoverImageURL != ev.CoverImageURL || !reflect.DeepEqual(got.RegistrationFields, ev.RegistrationFields) {
			t.Fatalf("stored %q %+v, want %q %+v", got.CoverImageURL, got.RegistrationFields, ev.CoverImageURL, ev.RegistrationFields)
		}

		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				in := onair.RegistrationInput{Email: fmt.Sprintf("q%d@example.com", i),
					Answers: map[string]any{"role": fmt.Sprintf("Role %d ☕", i), "newsletter": i%2 == 0}}
				if i%3 == 0 {
					in.Answers["size"] = "<b>51+</b>"
				}
				_, errs[i] = s.Register(ctx, newRegistration(t, got, in, now), now)
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("registration %d: %v", i, err)
			}
		}
		regs := registrations(t, s, store.RegistrationFilter{EventID: ev.ID, Limit: 100})
		if len(regs) != n {
			t.Fatalf("got %d registrations", len(regs))
		}
		for _, r := range regs {
			var i int
			fmt.Sscanf(r.Email, "q%d@", &i)
			want := onair.Answers{"role": fmt.Sprintf("Role %d ☕", i), "newsletter": i%2 == 0}
			if i%3 == 0 {
				want["size"] = "<b>51+</b>"
			}
			if !reflect.DeepEqual(r.Answers, want) {
				t.Errorf("%s: answers %v, want %v", r.Email, r.Answers, want)
			}
		}

		// Answers validated against questions that have changed since are
		// not stored: the caller validates them again.
		changed, err := s.UpdateEvent(ctx, host.ID, ev.ID, func(e onair.Event) (onair.Event, error) {
			qs := append(questions[:1:1], onair.QuestionInput{Key: "size", Label: "Team size", Type: "select", Options: []string{"1-10"}})
			e, _, err := e.Update(onair.EventInput{RegistrationFields: &qs}, now)
			return e, err
		})
		if err != nil {
			t.Fatal(err)
		}
		stale := newRegistration(t, got, onair.RegistrationInput{Email: "stale@example.com",
			Answers: map[string]any{"role": "x", "size": "<b>51+</b>"}}, now)
		if _, err := s.RegisterAgainst(ctx, got, stale, now); !errors.Is(err, store.ErrEventChanged) {
			t.Errorf("a registration against the old questions: %v, want ErrEventChanged", err)
		}
		if _, err := s.RegisterAgainst(ctx, changed, newRegistration(t, changed, onair.RegistrationInput{Email: "fresh@example.com",
			Answers: map[string]any{"role": "x", "size": "1-10"}}, now), now); err != nil {
			t.Errorf("a registration against the questions as they are: %v", err)
		}

		none := []onair.QuestionInput{}
		updated, err := s.UpdateEvent(ctx, host.ID, ev.ID, func(e onair.Event) (onair.Event, error) {
			e, _, err := e.Update(onair.EventInput{RegistrationFields: &none, CoverImageURL: ptr("")}, now)
			return e, err
		})
		if err != nil || updated.CoverImageURL != "" || len(updated.RegistrationFields) != 0 {
			t.Fatalf("update: %+v, %v", updated, err)
		}
		if got, _ := s.Event(ctx, ev.ID); got.CoverImageURL != "" || got.RegistrationFields != nil {
			t.Errorf("after the update: %q %+v", got.CoverImageURL, got.RegistrationFields)
		}

		if _, err := s.EraseViewer(ctx, host.ID, "q3@example.com", now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if found := traces(t, s, host.ID, []string{"role 3"}); len(found) != 0 {
			t.Errorf("after the erasure, the answers remain: %v", found)
		}
		if found := traces(t, s, host.ID, []string{"role 4"}); len(found) != 1 {
			t.Errorf("the answers of another registrant: %v", found)
		}
	})
}

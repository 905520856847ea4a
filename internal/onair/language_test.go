package onair

import (
	"errors"
	"testing"
)

func TestEventLanguage(t *testing.T) {
	ev, err := NewEvent("h1", validInput(), now)
	if err != nil || ev.Language != English {
		t.Fatalf("default language %q, %v; want en", ev.Language, err)
	}
	for in, want := range map[string]Language{"es": Spanish, " DE ": German, "fr": French, "pt": Portuguese, "en": English} {
		got, _, err := ev.Update(EventInput{Language: ptr(in)}, now)
		if err != nil || got.Language != want {
			t.Errorf("language %q: got %q, %v; want %q", in, got.Language, err, want)
		}
	}
	for _, in := range []string{"", "it", "pt-BR", "english", "zz"} {
		_, _, err := ev.Update(EventInput{Language: ptr(in)}, now)
		var ve *ValidationError
		if !errors.As(err, &ve) || !ve.Has("language") {
			t.Errorf("language %q: err %v; want a validation error on language", in, err)
		}
	}
	in := validInput()
	in.Language = ptr("es")
	es, err := NewEvent("h1", in, now)
	if err != nil || es.Language != Spanish {
		t.Fatalf("created with es: %q, %v", es.Language, err)
	}
	dup, err := es.Duplicate(ptr("2026-12-20T14:00:00Z"), now)
	if err != nil || dup.Language != Spanish {
		t.Errorf("duplicate language %q, %v; want es", dup.Language, err)
	}
}

func TestRegistrationLanguage(t *testing.T) {
	ev, _ := NewEvent("h1", validInput(), now)
	ev.Language = Spanish
	noPhone := func(string) (string, error) { return "", errors.New("no phones here") }
	r, err := NewRegistration(ev, RegistrationInput{Email: "a@example.com"}, noPhone, now)
	if err != nil || r.Language != "" || MessageLanguage(ev, r) != Spanish {
		t.Errorf("no language: stored %q, speaks %q, %v; want none stored and the event's", r.Language, MessageLanguage(ev, r), err)
	}
	r, err = NewRegistration(ev, RegistrationInput{Email: "a@example.com", Language: "de"}, noPhone, now)
	if err != nil || r.Language != German || MessageLanguage(ev, r) != German {
		t.Errorf("de: stored %q, speaks %q, %v; want de to win over the event's es", r.Language, MessageLanguage(ev, r), err)
	}
	_, err = NewRegistration(ev, RegistrationInput{Email: "a@example.com", Language: "klingon"}, noPhone, now)
	var ve *ValidationError
	if !errors.As(err, &ve) || !ve.Has("language") {
		t.Errorf("klingon: %v; want a validation error on language", err)
	}
	if got := MessageLanguage(Event{}, Registration{}); got != English {
		t.Errorf("nothing set speaks %q; want en", got)
	}
}

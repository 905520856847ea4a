package onair

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func questionsEvent(t *testing.T, qs []QuestionInput) (Event, error) {
	t.Helper()
	return NewEvent("h1", EventInput{Title: ptr("T"), ScheduledStart: ptr("2026-12-15T14:00:00Z"), RegistrationFields: &qs}, now)
}

func TestRegistrationFieldsAreValidated(t *testing.T) {
	tests := []struct {
		name  string
		in    []QuestionInput
		field string // the field named in the error; "" when valid
	}{
		{"a text, a select and a checkbox", []QuestionInput{
			{Key: "role", Label: "Your role", Type: "text", Required: true},
			{Key: "size", Label: "Team size", Type: "select", Options: []string{"1-10", "11-50"}},
			{Key: "newsletter", Label: "Send me news", Type: "checkbox"},
		}, ""},
		{"no type is text", []QuestionInput{{Key: "role", Label: "Role"}}, ""},
		{"key missing", []QuestionInput{{Key: "a", Label: "A"}, {Label: "B"}}, "registration_fields[1].key"},
		{"key with an upper-case letter", []QuestionInput{{Key: "Role", Label: "Role"}}, "registration_fields[0].key"},
		{"key with a dot", []QuestionInput{{Key: "a.b", Label: "A"}}, "registration_fields[0].key"},
		{"key starting with a digit", []QuestionInput{{Key: "1st", Label: "A"}}, "registration_fields[0].key"},
		{"key too long", []QuestionInput{{Key: strings.Repeat("k", 41), Label: "A"}}, "registration_fields[0].key"},
		{"keys twice", []QuestionInput{{Key: "a", Label: "A"}, {Key: "b", Label: "B"}, {Key: "a", Label: "C"}}, "registration_fields[2].key"},
		{"label missing", []QuestionInput{{Key: "a", Label: "  "}}, "registration_fields[0].label"},
		{"label on two lines", []QuestionInput{{Key: "a", Label: "A\nB"}}, "registration_fields[0].label"},
		{"unknown type", []QuestionInput{{Key: "a", Label: "A", Type: "radio"}}, "registration_fields[0].type"},
		{"select without options", []QuestionInput{{Key: "a", Label: "A", Type: "select"}}, "registration_fields[0].options"},
		{"options on a text", []QuestionInput{{Key: "a", Label: "A", Options: []string{"x"}}}, "registration_fields[0].options"},
		{"options on a checkbox", []QuestionInput{{Key: "a", Label: "A", Type: "checkbox", Options: []string{"x"}}}, "registration_fields[0].options"},
		{"an empty option", []QuestionInput{{Key: "a", Label: "A", Type: "select", Options: []string{"x", " "}}}, "registration_fields[0].options[1]"},
		{"an option twice", []QuestionInput{{Key: "a", Label: "A", Type: "select", Options: []string{"x", "x"}}}, "registration_fields[0].options[1]"},
		{"eleven questions", func() []QuestionInput {
			qs := make([]QuestionInput, 11)
			for i := range qs {
				qs[i] = QuestionInput{Key: "q" + string(rune('a'+i)), Label: "Q"}
			}
			return qs
		}(), "registration_fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := questionsEvent(t, tt.in)
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(ev.RegistrationFields) != len(tt.in) {
					t.Fatalf("got %d questions", len(ev.RegistrationFields))
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || !ve.Has(tt.field) {
				t.Fatalf("got %v, want a problem with %s", err, tt.field)
			}
		})
	}
}

func TestRegistrationFieldsSurviveDuplicateAndPatch(t *testing.T) {
	ev, err := questionsEvent(t, []QuestionInput{{Key: "size", Label: "Size", Type: "select", Options: []string{"S", "M"}}})
	if err != nil {
		t.Fatal(err)
	}
	if ev.RegistrationFields[0].Type != QuestionSelect || ev.RegistrationFields[0].Required {
		t.Errorf("got %+v", ev.RegistrationFields[0])
	}
	d, err := ev.Duplicate(ptr("2026-12-20T14:00:00Z"), now)
	if err != nil {
		t.Fatal(err)
	}
	d.RegistrationFields[0].Options[0] = "XL"
	if ev.RegistrationFields[0].Options[0] != "S" {
		t.Error("the duplicate shares its options with the original")
	}
	cover := "https://cdn.example/cover.jpg"
	next, _, err := ev.Update(EventInput{CoverImageURL: &cover}, now)
	if err != nil || next.CoverImageURL != cover || len(next.RegistrationFields) != 1 {
		t.Fatalf("got %+v, %v", next, err)
	}
	none := []QuestionInput{}
	if next, _, err = next.Update(EventInput{RegistrationFields: &none}, now); err != nil || len(next.RegistrationFields) != 0 {
		t.Fatalf("got %+v, %v", next.RegistrationFields, err)
	}
}

func TestCoverImageURLIsHTTPS(t *testing.T) {
	for url, ok := range map[string]bool{
		"https://cdn.example/cover.jpg": true,
		"http://localhost:8080/c.png":   true,
		"http://127.0.0.1/c.png":        true,
		"":                              true,
		"http://cdn.example/cover.jpg":  false,
		"javascript:alert(1)":           false,
		"data:image/png;base64,AAAA":    false,
		"//cdn.example/c.png":           false,
		`https://x.example/"onerror=x`:  false,
	} {
		_, err := NewEvent("h1", EventInput{Title: ptr("T"), ScheduledStart: ptr("2026-12-15T14:00:00Z"), CoverImageURL: &url}, now)
		var ve *ValidationError
		switch {
		case ok && err != nil:
			t.Errorf("%q: %v", url, err)
		case !ok && (!errors.As(err, &ve) || !ve.Has("cover_image_url")):
			t.Errorf("%q: got %v, want a problem with cover_image_url", url, err)
		}
	}
}

func TestAnswersAreValidated(t *testing.T) {
	ev, err := questionsEvent(t, []QuestionInput{
		{Key: "role", Label: "Your role", Required: true},
		{Key: "size", Label: "Team size", Type: "select", Options: []string{"1-10", "11-50"}},
		{Key: "newsletter", Label: "News", Type: "checkbox"},
		{Key: "terms", Label: "I agree", Type: "checkbox", Required: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	register := func(answers map[string]any) (Registration, error) {
		return NewRegistration(ev, RegistrationInput{Email: "ada@example.com", Answers: answers}, e164Only, now)
	}
	t.Run("stored as given, an unticked box as false", func(t *testing.T) {
		r, err := register(map[string]any{"role": " Engineer ", "size": "11-50", "terms": true})
		if err != nil {
			t.Fatal(err)
		}
		want := Answers{"role": "Engineer", "size": "11-50", "newsletter": false, "terms": true}
		if !reflect.DeepEqual(r.Answers, want) {
			t.Errorf("got %v, want %v", r.Answers, want)
		}
		if r.Answers.Answer("terms") != "yes" || r.Answers.Answer("newsletter") != "no" || r.Answers.Answer("size") != "11-50" {
			t.Errorf("as text: %q %q %q", r.Answers.Answer("terms"), r.Answers.Answer("newsletter"), r.Answers.Answer("size"))
		}
	})
	tests := []struct {
		name    string
		answers map[string]any
		field   string
	}{
		{"required text missing", map[string]any{"terms": true}, "answers.role"},
		{"required text blank", map[string]any{"role": "  ", "terms": true}, "answers.role"},
		{"required text null", map[string]any{"role": nil, "terms": true}, "answers.role"},
		{"required box unticked", map[string]any{"role": "x", "terms": false}, "answers.terms"},
		{"unknown key", map[string]any{"role": "x", "terms": true, "colour": "red"}, "answers.colour"},
		{"select not an option", map[string]any{"role": "x", "terms": true, "size": "500"}, "answers.size"},
		{"text too long", map[string]any{"role": strings.Repeat("x", MaxAnswerLen+1), "terms": true}, "answers.role"},
		{"text on two lines", map[string]any{"role": "a\r\nBcc: x", "terms": true}, "answers.role"},
		{"text a number", map[string]any{"role": 3.0, "terms": true}, "answers.role"},
		{"box a string", map[string]any{"role": "x", "terms": "yes"}, "answers.terms"},
		{"text an object", map[string]any{"role": map[string]any{"a": 1}, "terms": true}, "answers.role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := register(tt.answers)
			var ve *ValidationError
			if !errors.As(err, &ve) || !ve.Has(tt.field) {
				t.Fatalf("got %v, want a problem with %s", err, tt.field)
			}
		})
	}
	t.Run("an event without questions takes none", func(t *testing.T) {
		plain, _ := NewEvent("h1", EventInput{Title: ptr("T"), ScheduledStart: ptr("2026-12-15T14:00:00Z")}, now)
		r, err := NewRegistration(plain, RegistrationInput{Email: "ada@example.com"}, e164Only, now)
		if err != nil || r.Answers != nil {
			t.Fatalf("got %v, %v", r.Answers, err)
		}
		_, err = NewRegistration(plain, RegistrationInput{Email: "ada@example.com", Answers: map[string]any{"x": "y"}}, e164Only, now)
		var ve *ValidationError
		if !errors.As(err, &ve) || !ve.Has("answers.x") {
			t.Fatalf("got %v", err)
		}
	})
}

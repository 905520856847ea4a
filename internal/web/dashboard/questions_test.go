package dashboard

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

func TestQuestionsTextRoundTrip(t *testing.T) {
	qs := []onair.Question{
		{Key: "role", Label: "Your role", Type: onair.QuestionText, Required: true},
		{Key: "team_size", Label: "Team size", Type: onair.QuestionSelect, Options: []string{"1-10", "11, or more"}},
		{Key: "news", Label: "Send me news: weekly", Type: onair.QuestionCheckbox},
	}
	text := questionsText(qs)
	want := "role: Your role *\nteam_size: Team size [1-10 | 11, or more]\nnews: Send me news: weekly [checkbox]\n"
	if text != want {
		t.Fatalf("questionsText:\n%s\nwant\n%s", text, want)
	}
	form := &onair.ValidationError{}
	in := parseQuestionsText(form, strings.ReplaceAll(text, "\n", "\r\n")+"\r\n  \r\n")
	if form.Err() != nil {
		t.Fatal(form)
	}
	ev, err := onair.NewEvent("h", onair.EventInput{Title: ptr("T"), ScheduledStart: ptr("2030-01-01T10:00:00Z"),
		RegistrationFields: &in}, mustTime("2029-12-01T10:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ev.RegistrationFields, qs) {
		t.Errorf("read back %+v, want %+v", ev.RegistrationFields, qs)
	}
}

func TestQuestionsTextProblems(t *testing.T) {
	form := &onair.ValidationError{}
	parseQuestionsText(form, "role: Role\njust a label")
	if got := form.Fields["registration_fields"]; !strings.Contains(got, "line 2") {
		t.Errorf("got %q", got)
	}
	got := questionProblems(map[string]string{"registration_fields[1].key": "is used by another question",
		"registration_fields[0].options[2]": "is listed twice", "title": "is required"})
	want := []string{"Question 1: choice 3 is listed twice", "Question 2: the key is used by another question"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func ptr[T any](v T) *T { return &v }

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

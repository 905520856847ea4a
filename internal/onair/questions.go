package onair

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// QuestionType is the kind of answer a registration question takes.
type QuestionType string

// The kinds of question: a line of text, one of a list of options, or a
// box to tick (answered true or false).
const (
	QuestionText     QuestionType = "text"
	QuestionSelect   QuestionType = "select"
	QuestionCheckbox QuestionType = "checkbox"
)

// Question is one of the host's own questions on an event's registration
// page. Options are the choices of a select, and only of a select.
type Question struct {
	Key      string       `json:"key"`
	Label    string       `json:"label"`
	Type     QuestionType `json:"type"`
	Required bool         `json:"required"`
	Options  []string     `json:"options"`
}

// Limits of the registration questions and their answers.
const (
	MaxQuestions      = 10
	MaxQuestionKeyLen = 40
	MaxQuestionLabel  = 200
	MaxOptions        = 30
	MaxOptionLen      = 100
	MaxAnswerLen      = 500
)

// QuestionInput is a question as a host writes it; a missing type is text.
type QuestionInput struct {
	Key      string   `json:"key"`
	Label    string   `json:"label"`
	Type     string   `json:"type"`
	Required bool     `json:"required"`
	Options  []string `json:"options"`
}

// parseQuestions validates the questions of an event, each problem named
// by its place, e.g. registration_fields[2].key.
func parseQuestions(v *ValidationError, field string, in []QuestionInput) []Question {
	if len(in) > MaxQuestions {
		v.Add(field, "may hold at most "+strconv.Itoa(MaxQuestions)+" questions")
		return nil
	}
	out := make([]Question, 0, len(in))
	seen := map[string]bool{}
	for i, q := range in {
		at := field + "[" + strconv.Itoa(i) + "]"
		key := strings.TrimSpace(q.Key)
		switch {
		case key == "":
			v.Add(at+".key", "is required")
		case !validQuestionKey(key):
			v.Add(at+".key", "must start with a lower-case letter and hold only a-z, 0-9 and _, at most 40 characters")
		case seen[key]:
			v.Add(at+".key", "is used by another question: keys must be unique")
		}
		seen[key] = true
		label := cleanLine(v, at+".label", q.Label, MaxQuestionLabel, true)
		typ := QuestionType(strings.TrimSpace(q.Type))
		if typ == "" {
			typ = QuestionText
		}
		var options []string
		switch typ {
		case QuestionText, QuestionCheckbox:
			if len(q.Options) > 0 {
				v.Add(at+".options", "are only for a question of type select")
			}
		case QuestionSelect:
			options = parseOptions(v, at+".options", q.Options)
		default:
			v.Add(at+".type", "must be text, select or checkbox")
		}
		out = append(out, Question{Key: key, Label: label, Type: typ, Required: q.Required, Options: options})
	}
	return out
}

// parseOptions validates the choices of a select: at least one, each a
// non-empty line, none twice.
func parseOptions(v *ValidationError, field string, in []string) []string {
	switch {
	case len(in) == 0:
		v.Add(field, "are required for a question of type select: at least one")
		return nil
	case len(in) > MaxOptions:
		v.Add(field, "may hold at most "+strconv.Itoa(MaxOptions)+" choices")
		return nil
	}
	out := make([]string, 0, len(in))
	for i, o := range in {
		at := field + "[" + strconv.Itoa(i) + "]"
		o = cleanLine(v, at, o, MaxOptionLen, true)
		if slices.Contains(out, o) && !v.Has(at) {
			v.Add(at, "is listed twice")
		}
		out = append(out, o)
	}
	return out
}

// validQuestionKey reports whether s can be a question's key: it names a
// form field, a CSV column and a JSON key, so it stays plain.
func validQuestionKey(s string) bool {
	if len(s) > MaxQuestionKeyLen || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// SameQuestions reports whether a and b ask the same: answers validated
// against one are valid against the other.
func SameQuestions(a, b []Question) bool {
	return slices.EqualFunc(a, b, func(x, y Question) bool {
		return x.Key == y.Key && x.Label == y.Label && x.Type == y.Type && x.Required == y.Required &&
			slices.Equal(x.Options, y.Options)
	})
}

// CloneQuestions copies qs, options and all.
func CloneQuestions(qs []Question) []Question {
	if qs == nil {
		return nil
	}
	out := make([]Question, len(qs))
	for i, q := range qs {
		q.Options = slices.Clone(q.Options)
		out[i] = q
	}
	return out
}

// Answers are a registrant's answers to the event's questions, by key: a
// string for text and select, a bool for a checkbox.
type Answers map[string]any

// Answer is the answer to the question key as text: the string, "yes" or
// "no" for a checkbox, "" when there is none.
func (a Answers) Answer(key string) string {
	switch v := a[key].(type) {
	case string:
		return v
	case bool:
		if v {
			return "yes"
		}
		return "no"
	}
	return ""
}

// parseAnswers validates in against the event's questions: every key a
// question of the event, every required one answered, a select's answer
// one of its options, a text at most MaxAnswerLen characters on one line,
// a checkbox true or false. An unticked checkbox is stored as false, an
// empty text not at all.
func parseAnswers(v *ValidationError, qs []Question, in map[string]any) Answers {
	for key := range in {
		if !slices.ContainsFunc(qs, func(q Question) bool { return q.Key == key }) {
			name := key
			if !utf8.ValidString(name) || len(name) > 2*MaxQuestionKeyLen {
				name = "" // not a key anyone wrote: the whole object is named
			}
			v.Add(joinField("answers", name), "is not a question of this event")
		}
	}
	if len(qs) == 0 {
		return nil
	}
	out := Answers{}
	for _, q := range qs {
		field := "answers." + q.Key
		raw, given := in[q.Key]
		if raw == nil {
			given = false
		}
		switch q.Type {
		case QuestionCheckbox:
			b, ok := raw.(bool)
			switch {
			case given && !ok:
				v.Add(field, "must be true or false")
			case q.Required && !b:
				v.Add(field, "must be ticked")
			default:
				out[q.Key] = b
			}
		default:
			s, ok := raw.(string)
			if given && !ok {
				v.Add(field, "must be a string")
				continue
			}
			s = cleanLine(v, field, s, MaxAnswerLen, q.Required)
			if v.Has(field) || s == "" {
				continue
			}
			if q.Type == QuestionSelect && !slices.Contains(q.Options, s) {
				v.Add(field, "must be one of: "+strings.Join(q.Options, ", "))
				continue
			}
			out[q.Key] = s
		}
	}
	return out
}

func joinField(path, key string) string {
	if key == "" {
		return path
	}
	return path + "." + key
}

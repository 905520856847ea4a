package dashboard

import (
	"html"
	"slices"
	"strconv"
	"strings"

	"github.com/onair-live/onair/internal/onair"
)

// The event page edits the host's questions as lines of text, one
// question a line, which a host can write without learning a form
// builder:
//
//	role: Your role *
//	team_size: Team size [1-10 | 11-50 | 51+]
//	newsletter: Send me the newsletter [checkbox]
//
// "key: label", then a list of choices in brackets for a select (or
// [checkbox] for a box to tick), and a final * for a required question.

// questionsText writes qs in the lines the form edits.
func questionsText(qs []onair.Question) string {
	var b strings.Builder
	for _, q := range qs {
		b.WriteString(q.Key + ": " + q.Label)
		switch q.Type {
		case onair.QuestionSelect:
			b.WriteString(" [" + strings.Join(q.Options, " | ") + "]")
		case onair.QuestionCheckbox:
			b.WriteString(" [checkbox]")
		}
		if q.Required {
			b.WriteString(" *")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// parseQuestionsText reads the lines of the form as the API's questions;
// a line without "key: label" is a problem of the form's field,
// "registration_fields", naming the line. The domain checks the rest.
func parseQuestionsText(form *onair.ValidationError, text string) []onair.QuestionInput {
	out := []onair.QuestionInput{}
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		var q onair.QuestionInput
		if rest, ok := strings.CutSuffix(line, "*"); ok {
			q.Required, line = true, strings.TrimSpace(rest)
		}
		if strings.HasSuffix(line, "]") {
			if open := strings.LastIndexByte(line, '['); open >= 0 {
				inside := strings.TrimSpace(line[open+1 : len(line)-1])
				line = strings.TrimSpace(line[:open])
				if strings.EqualFold(inside, "checkbox") {
					q.Type = string(onair.QuestionCheckbox)
				} else {
					q.Type = string(onair.QuestionSelect)
					for _, o := range strings.Split(inside, "|") {
						q.Options = append(q.Options, strings.TrimSpace(o))
					}
				}
			}
		}
		key, label, ok := strings.Cut(line, ":")
		if !ok {
			form.Add("registration_fields", "line "+strconv.Itoa(i+1)+" needs a key and a label, written key: label")
			continue
		}
		q.Key, q.Label = strings.TrimSpace(key), strings.TrimSpace(label)
		out = append(out, q)
	}
	return out
}

// questionProblems words the domain's problems with the questions
// (registration_fields[2].key …) for the one field of the form, by the
// question's number: "Question 3: the key must …".
func questionProblems(fields map[string]string) []string {
	var out []string
	for k, m := range fields {
		rest, ok := strings.CutPrefix(k, "registration_fields")
		if !ok {
			continue
		}
		if rest == "" {
			out = append(out, "The questions "+m)
			continue
		}
		idx, part, _ := strings.Cut(strings.TrimPrefix(rest, "["), "]")
		n, _ := strconv.Atoi(idx)
		part = strings.TrimPrefix(part, ".")
		what := map[string]string{"key": "the key", "label": "the label", "type": "the type", "options": "the choices"}[part]
		if c, ok := strings.CutPrefix(part, "options["); ok {
			c, _ = strings.CutSuffix(c, "]")
			ci, _ := strconv.Atoi(c)
			what = "choice " + strconv.Itoa(ci+1)
		}
		out = append(out, "Question "+strconv.Itoa(n+1)+": "+what+" "+m)
	}
	slices.Sort(out)
	return out
}

// embedSnippet is the <iframe> a host pastes into a page of their own
// site to show the registration form there (the page at url?embed=1).
func embedSnippet(registerURL, title string) string {
	return `<iframe src="` + html.EscapeString(registerURL+"?embed=1") + `" title="` + html.EscapeString(title) +
		`" width="100%" height="760" frameborder="0" loading="lazy"></iframe>`
}

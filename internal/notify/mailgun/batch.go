package mailgun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/mail"
	"strings"

	"github.com/onair-live/onair/internal/notify"
)

// MaxBatch is the most recipients Mailgun takes in one call.
const MaxBatch = 1000

// Batch sending: one POST /v3/{domain}/messages carries up to MaxBatch
// addresses in "to" and, in "recipient-variables", a JSON object with each
// address's values. Mailgun sends every address a message of its own,
// with %recipient.NAME% replaced by that address's NAME wherever it
// appears: in the subject, the parts, h: headers and v: variables. So the
// delivery id still reaches the webhooks per recipient, as
// v:onair-delivery = %recipient.delivery%. Mailgun answers one id for the
// call; every recipient of it is reported sent with that id.

// refVar is Mailgun's reference to a recipient variable.
func refVar(name string) string { return "%recipient." + name + "%" }

// CanBatch reports whether t's emails can go out as batches: not when each
// carries its own calendar file, which a batch cannot vary by recipient.
func (p *Provider) CanBatch(t *notify.EmailTemplate) bool { return !t.HasAttachment() }

// SendBatch sends t to ps, up to MaxBatch recipients per call, and says
// what became of each (results[i] is ps[i]'s). A recipient whose message
// cannot be rendered, or whose address is not one, fails on its own. A
// call Mailgun refuses for what it holds (a 400) is sent again one
// message at a time, so that one bad address does not fail the others; a
// call that fails otherwise fails all its recipients alike. Recipients of
// emails that cannot be batched go one by one through Send.
func (p *Provider) SendBatch(ctx context.Context, t *notify.EmailTemplate, ps []notify.Personal) []notify.Result {
	results := make([]notify.Result, len(ps))
	if !p.CanBatch(t) {
		for i := range ps {
			results[i] = p.sendOne(ctx, t, ps[i])
		}
		return results
	}
	batches, errs := t.Batch(ps, refVar)
	for i, err := range errs {
		if err != nil {
			results[i].Err = notify.Permanent(fmt.Errorf("rendering: %w", err))
		}
	}
	for bi := range batches {
		b := &batches[bi]
		// A host's text that reads like a variable would be filled in
		// too: such an email goes one message at a time.
		if b.Mentions("%recipient") {
			for _, r := range b.Recipients {
				results[r.Index] = p.sendOne(ctx, t, ps[r.Index])
			}
			continue
		}
		for _, call := range p.calls(b, results) {
			id, status, err := p.sendCall(ctx, b, call)
			switch {
			case err == nil:
				for _, r := range call {
					results[r.Index] = notify.Result{ProviderID: id}
				}
			case status == http.StatusBadRequest && len(call) > 1:
				for _, r := range call {
					results[r.Index] = p.sendOne(ctx, t, ps[r.Index])
				}
			default:
				for _, r := range call {
					results[r.Index].Err = err
				}
			}
		}
	}
	return results
}

// sendOne sends t to one recipient through Send.
func (p *Provider) sendOne(ctx context.Context, t *notify.EmailTemplate, ps notify.Personal) notify.Result {
	m, err := t.Fill(ps)
	if err != nil {
		return notify.Result{Err: notify.Permanent(fmt.Errorf("rendering: %w", err))}
	}
	id, err := p.Send(ctx, m)
	return notify.Result{ProviderID: id, Err: err}
}

// calls splits b's recipients into Mailgun calls: at most MaxBatch each,
// and no address twice in one, since recipient-variables holds one entry
// per address. A recipient whose address Mailgun would refuse fails in
// results instead, on its own.
func (p *Provider) calls(b *notify.BatchEmail, results []notify.Result) [][]notify.BatchRecipient {
	var calls [][]notify.BatchRecipient
	var seen []map[string]bool
	for _, r := range b.Recipients {
		if a, err := mail.ParseAddress(r.To); err != nil || a.Address != r.To || a.Name != "" {
			results[r.Index].Err = notify.Permanent(fmt.Errorf("mailgun: recipient %q is not a plain email address", r.To))
			continue
		}
		key := strings.ToLower(r.To)
		k := 0
		for k < len(calls) && (len(calls[k]) >= MaxBatch || seen[k][key]) {
			k++
		}
		if k == len(calls) {
			calls = append(calls, nil)
			seen = append(seen, map[string]bool{})
		}
		calls[k] = append(calls[k], r)
		seen[k][key] = true
	}
	return calls
}

// sendCall posts one batch call.
func (p *Provider) sendCall(ctx context.Context, b *notify.BatchEmail, call []notify.BatchRecipient) (string, int, error) {
	body, contentType, err := p.batchForm(b, call)
	if err != nil {
		return "", 0, notify.Permanent(fmt.Errorf("mailgun: %w", err))
	}
	return p.post(ctx, body, contentType)
}

// batchForm is the multipart body of one batch call.
func (p *Provider) batchForm(b *notify.BatchEmail, call []notify.BatchRecipient) (io.Reader, string, error) {
	fields, err := p.fields(b.Message, refVar("delivery"))
	if err != nil {
		return nil, "", err
	}
	vars := make(map[string]map[string]string, len(call))
	for _, r := range call {
		v := make(map[string]string, len(b.Vars)+1)
		for i, name := range b.Vars {
			v[name] = r.Values[i]
		}
		v["delivery"] = fmt.Sprint(r.DeliveryID)
		vars[r.To] = v
	}
	// The HTML values are full of & and <: escaping them again for JSON
	// would only make the body longer.
	var recipientVars bytes.Buffer
	enc := json.NewEncoder(&recipientVars)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(vars); err != nil {
		return nil, "", err
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	// One "to" of comma-separated addresses, as Mailgun takes it: a form
	// of a thousand "to" fields is past what some servers parse. The
	// addresses are plain (calls checked), so none holds a comma.
	to := make([]string, len(call))
	for i, r := range call {
		to[i] = r.To
	}
	if err := w.WriteField("to", strings.Join(to, ", ")); err != nil {
		return nil, "", err
	}
	fields = append(fields, [2]string{"recipient-variables", strings.TrimSuffix(recipientVars.String(), "\n")})
	for _, f := range fields {
		if err := w.WriteField(f[0], f[1]); err != nil {
			return nil, "", err
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return &buf, w.FormDataContentType(), nil
}

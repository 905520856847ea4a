package notify

import (
	"context"
	"errors"
	"strings"
)

// BatchProvider is a Provider that can also send one prepared email to many
// recipients per call (Mailgun's batch sending). A caller checks CanBatch
// and sends the messages of a template it refuses one by one through Send.
type BatchProvider interface {
	Provider
	// CanBatch reports whether SendBatch takes t's messages: false when
	// each carries something the batch form cannot vary by recipient,
	// such as the calendar file holding the viewer's own link.
	CanBatch(t *EmailTemplate) bool
	// SendBatch sends t to every recipient of ps in as few calls as the
	// provider allows, and says what became of each: results[i] is ps[i]'s.
	// A recipient's Err is nil when sent, else classified as Send's are:
	// a recipient whose message cannot be rendered fails permanently on
	// its own; a call that fails transiently fails all its recipients
	// alike, with the provider's RetryAfter. ProviderID is the id the
	// provider gave the call, shared by all its recipients.
	SendBatch(ctx context.Context, t *EmailTemplate, ps []Personal) []Result
}

// Result is what became of one recipient's message.
type Result struct {
	ProviderID string
	Err        error
}

// ErrAttachment is why a template whose messages carry an attachment of
// their own cannot be sent as a batch.
var ErrAttachment = errors.New("notify: each of these emails carries its own calendar file: send them one by one")

// BatchEmail is one email to many recipients with what differs between them
// left as variables, for a provider that fills them in itself.
type BatchEmail struct {
	// Message is the email with a reference to a variable wherever a
	// recipient's own value goes (in Text, HTML and Headers). Its To and
	// DeliveryID are empty, and it has no attachments.
	Message
	// Vars name the variables, in the order of each recipient's Values.
	// A name ending in _html holds the HTML part's value, already escaped
	// for its place; the others hold plain text.
	Vars       []string
	Recipients []BatchRecipient

	t      *EmailTemplate
	layout *emailLayout
}

// BatchRecipient is one recipient of a BatchEmail.
type BatchRecipient struct {
	// Index is the recipient's place in the slice given to Batch.
	Index      int
	To         string
	DeliveryID int64
	// Values are the recipient's values of the email's Vars, to be put in
	// as they are.
	Values []string
}

// Batch groups the recipients ps into the emails a batch-sending provider
// sends: one for each zone and shape of message, with each variable written
// as ref(name) (Mailgun's "%recipient.name%"). errs[i] says why ps[i]
// could not be rendered; such recipients are in no batch. A template with
// an attachment of its own refuses every recipient with ErrAttachment.
func (t *EmailTemplate) Batch(ps []Personal, ref func(name string) string) (batches []BatchEmail, errs []error) {
	errs = make([]error, len(ps))
	if t.attach {
		for i := range errs {
			errs[i] = ErrAttachment
		}
		return nil, errs
	}
	byLayout := map[*emailLayout]int{}
	for i, p := range ps {
		pv, err := t.personalize(p)
		if err != nil {
			errs[i] = err
			continue
		}
		l, err := t.layout(&pv)
		if err != nil {
			errs[i] = err
			continue
		}
		k, ok := byLayout[l]
		if !ok {
			b, err := t.batchEmail(l, ref)
			if err != nil {
				errs[i] = err
				continue
			}
			k = len(batches)
			byLayout[l] = k
			batches = append(batches, b)
		}
		b := &batches[k]
		r := BatchRecipient{Index: i, To: pv.to, DeliveryID: p.DeliveryID, Values: make([]string, 0, len(b.Vars))}
		for _, v := range b.Vars {
			s, html := slotByVar(v)
			if !html {
				r.Values = append(r.Values, pv.text[s])
				continue
			}
			var sb strings.Builder
			htmlSlotEscapers[s](&sb, pv.html[s])
			r.Values = append(r.Values, sb.String())
		}
		b.Recipients = append(b.Recipients, r)
	}
	return batches, errs
}

// batchEmail is the email of layout l with its slots as variables.
func (t *EmailTemplate) batchEmail(l *emailLayout, ref func(string) string) (BatchEmail, error) {
	var vars []string
	uses := map[string]bool{}
	use := func(name string) {
		if !uses[name] {
			uses[name] = true
			vars = append(vars, name)
		}
	}
	use(slotNames[slotUnsubscribe]) // the List-Unsubscribe header's
	var text, html [numSlots]string
	for _, s := range l.text.slots {
		use(slotNames[s])
		text[s] = ref(slotNames[s])
	}
	for _, s := range l.html.slots {
		use(slotNames[s] + "_html")
		html[s] = ref(slotNames[s] + "_html")
	}
	m, err := t.message(&personalView{}, Personal{UnsubscribeURL: ref(slotNames[slotUnsubscribe])},
		l.subject, l.text.fill(&text, false), l.html.fillRaw(&html))
	if err != nil {
		return BatchEmail{}, err
	}
	return BatchEmail{Message: m, Vars: vars, t: t, layout: l}, nil
}

// slotByVar is the slot a variable of Batch holds, and whether it is the
// HTML part's.
func slotByVar(name string) (slot, bool) {
	base, html := strings.CutSuffix(name, "_html")
	for s, n := range slotNames {
		if n == base {
			return slot(s), html
		}
	}
	panic("notify: no slot is named " + name)
}

// Mentions reports whether s occurs, ignoring ASCII case, in what the
// email says outside its variables: in the subject, the sender's name, the
// headers or the literal text of either part. A provider whose variable
// syntax a host's text could imitate ("%recipient.") sends such an email
// one by one, or it would fill in the host's text too.
func (b *BatchEmail) Mentions(s string) bool {
	s = strings.ToLower(s)
	texts := []string{b.Subject, b.FromName, b.t.replyTo}
	texts = append(texts, b.layout.text.lits...)
	texts = append(texts, b.layout.html.lits...)
	for _, t := range texts {
		if strings.Contains(strings.ToLower(t), s) {
			return true
		}
	}
	return false
}

// fillRaw writes c with vals in its slots as they are.
func (c *chunks) fillRaw(vals *[numSlots]string) string { return c.fill(vals, false) }

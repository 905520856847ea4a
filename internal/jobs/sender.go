package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/onair-live/onair/internal/links"
	"github.com/onair-live/onair/internal/metrics"
	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
)

// Sender renders messages and hands them to the providers, within each
// channel's rate limit.
type Sender struct {
	providers   map[onair.Channel]notify.Provider
	limits      map[onair.Channel]*rate.Limiter
	links       links.Links // the viewer's own URLs in each message
	emailFrom   string
	metrics     *metrics.Metrics
	concurrency int
	log         *slog.Logger
	now         func() time.Time
	outages     outages
	// templates are the prepared messages of the notifications being sent.
	templatesMu sync.Mutex
	templates   map[templateKey]prepared
}

// SenderConfig configures a Sender.
type SenderConfig struct {
	Email, SMS notify.Provider
	// EmailRate and SMSRate are messages per second in this process; 0 is
	// no limit.
	EmailRate, SMSRate float64
	// AppURL is the public base URL of every link in a message.
	AppURL string
	// EmailFrom is EMAIL_FROM: its address is the organizer of the
	// calendar files, its name the sender's when a host gave none.
	EmailFrom string
	// Concurrency is how many messages of a batch are in flight at once.
	Concurrency int
	// Secret is ONAIR_SECRET_KEY: it signs the watch and unsubscribe links.
	Secret string
	// Metrics count deliveries and the queue lag; nil counts nothing.
	Metrics *metrics.Metrics
	Logger  *slog.Logger
	// Now is the clock that retry times, the queue lag and the outage log
	// are told by; nil means time.Now.
	Now func() time.Time
}

// NewSender builds a Sender.
func NewSender(cfg SenderConfig) *Sender {
	s := &Sender{
		providers:   map[onair.Channel]notify.Provider{onair.ChannelEmail: cfg.Email, onair.ChannelSMS: cfg.SMS},
		limits:      map[onair.Channel]*rate.Limiter{},
		links:       links.New(cfg.AppURL, cfg.Secret),
		emailFrom:   cfg.EmailFrom,
		metrics:     cfg.Metrics,
		concurrency: max(cfg.Concurrency, 1),
		log:         cfg.Logger,
		now:         cfg.Now,
		outages:     outages{byProvider: map[string]*outage{}},
		templates:   map[templateKey]prepared{},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	for ch, r := range map[onair.Channel]float64{onair.ChannelEmail: cfg.EmailRate, onair.ChannelSMS: cfg.SMSRate} {
		if r > 0 {
			s.limits[ch] = rate.NewLimiter(rate.Limit(r), max(1, int(r)))
		}
	}
	return s
}

// batcher is the email provider when it takes many recipients of one
// message per call and no rate limit asks for them one at a time.
func (s *Sender) batcher() notify.BatchProvider {
	b, ok := s.providers[onair.ChannelEmail].(notify.BatchProvider)
	if !ok || s.limits[onair.ChannelEmail] != nil {
		return nil
	}
	return b
}

// deliverBatch sends items, all of one notification on email, through b:
// in calls of many recipients where the prepared message allows, one by
// one otherwise.
func (s *Sender) deliverBatch(ctx context.Context, b notify.BatchProvider, items []store.SendItem) []store.Outcome {
	outcomes := make([]store.Outcome, len(items))
	t, err := s.prepare(items[0])
	if err != nil || !b.CanBatch(t.email) {
		for i, it := range items {
			msg, renderErr := s.render(it)
			outcomes[i], _ = s.deliver(ctx, it, msg, renderErr)
		}
		return outcomes
	}
	ps := make([]notify.Personal, len(items))
	for i, it := range items {
		ps[i] = s.personal(it)
	}
	results := b.SendBatch(ctx, t.email, ps)
	for i, it := range items {
		out, transient := s.outcomeOf(it, store.Outcome{DeliveryID: it.Delivery.ID, Provider: b.Name()}, results[i].ProviderID, results[i].Err)
		s.count(it, out, transient)
		outcomes[i] = out
	}
	return outcomes
}

// rate is the channel's limit in messages per second; 0 is none.
func (s *Sender) rate(ch onair.Channel) float64 {
	if l := s.limits[ch]; l != nil {
		return float64(l.Limit())
	}
	return 0
}

// deliver hands msg, the rendered message of it (or the error rendering
// it gave), to its provider within the channel's rate limit, and says what
// became of it. A transient failure comes back pending, with the provider's
// error.
func (s *Sender) deliver(ctx context.Context, it store.SendItem, msg notify.Message, renderErr error) (store.Outcome, error) {
	out, transient := s.attempt(ctx, it, msg, renderErr)
	s.count(it, out, transient)
	return out, transient
}

// count tells the metrics and the outage log what became of it.
func (s *Sender) count(it store.SendItem, out store.Outcome, transient error) {
	status := string(out.Status)
	if out.Status == onair.DeliveryPending {
		status = "retry"
	}
	// Confirmations are due the moment they are queued; their lag
	// would only say how long ago the first registration came.
	hasLag := !it.Notification.Kind.Personal()
	s.metrics.Delivered(string(it.Delivery.Channel), out.Provider, status, s.now().Sub(it.Notification.ScheduledTime), hasLag)
	s.noteOutages([]store.SendItem{it}, []store.Outcome{out}, []error{transient})
}

func (s *Sender) attempt(ctx context.Context, it store.SendItem, msg notify.Message, renderErr error) (store.Outcome, error) {
	out := store.Outcome{DeliveryID: it.Delivery.ID}
	p := s.providers[it.Delivery.Channel]
	if p == nil {
		out.Status, out.Error = onair.DeliveryFailed, "no provider for "+string(it.Delivery.Channel)
		return out, nil
	}
	out.Provider = p.Name()
	if renderErr != nil {
		out.Status, out.Error = onair.DeliveryFailed, "rendering: "+renderErr.Error()
		return out, nil
	}
	if l := s.limits[it.Delivery.Channel]; l != nil {
		if err := l.Wait(ctx); err != nil {
			out.Status, out.Error = onair.DeliveryPending, "not sent: "+err.Error()
			return out, nil
		}
	}
	id, err := p.Send(ctx, msg)
	return s.outcomeOf(it, out, id, err)
}

// outcomeOf is what the provider's answer (id, err) to it's message makes
// of out: sent, failed for good, or pending again with the transient error.
func (s *Sender) outcomeOf(it store.SendItem, out store.Outcome, id string, err error) (store.Outcome, error) {
	switch {
	case err == nil:
		out.Status, out.ProviderID = onair.DeliverySent, id
		return out, nil
	case notify.IsPermanent(err):
		out.Status, out.Error = onair.DeliveryFailed, err.Error()
		var se *notify.SendError
		if errors.As(err, &se) {
			out.Suppress = se.Suppress
		}
		return out, nil
	case it.Delivery.Attempts >= maxDeliveryAttempts:
		out.Status, out.Error = onair.DeliveryFailed, fmt.Sprintf("gave up after %d attempts: %v", it.Delivery.Attempts, err)
		return out, nil
	}
	wait := max(notify.RetryAfter(err), backoff(it.Delivery.Attempts))
	out.Status, out.Error, out.RetryAt = onair.DeliveryPending, err.Error(), s.now().Add(wait)
	return out, err
}

// backoff is the wait after a delivery's n-th transient failure: 1 s, 2 s,
// 4 s, … up to 30 minutes, so that an outage of the provider is ridden out
// (about 4 hours over maxDeliveryAttempts) instead of failing everything
// in it. A reminder that goes stale meanwhile is skipped, not sent late.
func backoff(n int) time.Duration {
	return min(time.Second<<min(max(n-1, 0), 11), 30*time.Minute)
}

// prepared is a notification's message made once for all its
// recipients, on one channel.
type prepared struct {
	email *notify.EmailTemplate
	sms   *notify.SMSTemplate
}

// templateKey names what a prepared message was made from: a change to the
// event or to the host's settings makes another one.
type templateKey struct {
	notification string
	channel      onair.Channel
	eventVersion int
	eventUpdated int64
	host         onair.HostSettings
	live         bool
}

// maxTemplates bounds the cache of prepared messages; it is emptied when
// full (a busy node sends a few notifications at a time).
const maxTemplates = 256

// prepare gives the prepared message of it's notification, from the cache
// or made now.
func (s *Sender) prepare(it store.SendItem) (prepared, error) {
	// A confirmation to a late joiner says the event is live now.
	live := it.Notification.Kind == onair.KindConfirmation && it.Event.LiveAt(s.now())
	key := templateKey{notification: it.Notification.ID, channel: it.Delivery.Channel,
		eventVersion: it.Event.Version, eventUpdated: it.Event.UpdatedAt.UnixNano(), host: it.Host.HostSettings, live: live}
	s.templatesMu.Lock()
	t, ok := s.templates[key]
	s.templatesMu.Unlock()
	if ok {
		return t, nil
	}
	n := notify.Notice{
		Kind:          it.Notification.Kind,
		Event:         it.Event,
		PreviousStart: derefTime(it.Notification.PreviousStart),
		From:          notify.NewSender(it.Host.HostSettings, s.emailFrom),
		Live:          live,
	}
	if it.Notification.IsReminder() {
		iv, err := onair.ParseInterval(it.Notification.Interval)
		if err != nil {
			return prepared{}, err
		}
		n.Interval = iv
	}
	var err error
	if it.Delivery.Channel == onair.ChannelSMS {
		t.sms, err = notify.PrepareSMS(n)
	} else {
		t.email, err = notify.PrepareEmail(n)
	}
	if err != nil {
		return prepared{}, err
	}
	s.templatesMu.Lock()
	if len(s.templates) >= maxTemplates {
		clear(s.templates)
	}
	s.templates[key] = t
	s.templatesMu.Unlock()
	return t, nil
}

// personal is what it's message says to its registrant alone.
func (s *Sender) personal(it store.SendItem) notify.Personal {
	p := notify.Personal{Registration: it.Registration, DeliveryID: it.Delivery.ID}
	v := s.links.Viewer(it.Registration)
	p.WatchURL, p.CalendarURL, p.UnsubscribeURL, p.CancelURL = v.Watch, v.Calendar, v.Unsubscribe, v.Cancel
	if it.Delivery.Channel == onair.ChannelEmail {
		p.Track, p.OpenPixelURL = s.links.Tracking(it.Notification.ID, it.Delivery.ID)
	}
	return p
}

// render builds the message of one delivery: its notification's prepared
// message, filled in for its registrant.
func (s *Sender) render(it store.SendItem) (notify.Message, error) {
	t, err := s.prepare(it)
	if err != nil {
		return notify.Message{}, err
	}
	var m notify.Message
	if t.sms != nil {
		m, err = t.sms.Fill(s.personal(it))
	} else {
		m, err = t.email.Fill(s.personal(it))
	}
	m.DeliveryID = it.Delivery.ID
	return m, err
}

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// SendNow hands m straight to its channel's provider, within the channel's
// rate limit, outside every delivery: a host's test send, which nothing
// records but the provider (the outbox keeps it under m.EventID).
func (s *Sender) SendNow(ctx context.Context, m notify.Message) (string, error) {
	p := s.providers[m.Channel]
	if p == nil {
		return "", fmt.Errorf("no provider for %s", m.Channel)
	}
	if l := s.limits[m.Channel]; l != nil {
		if err := l.Wait(ctx); err != nil {
			return "", err
		}
	}
	return p.Send(ctx, m)
}

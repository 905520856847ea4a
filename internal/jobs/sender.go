package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"golang.org/x/time/rate"

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
	appURL      string
	emailFrom   string
	secret      string
	metrics     *metrics.Metrics
	concurrency int
	log         *slog.Logger
	outages     outages
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
}

// NewSender builds a Sender.
func NewSender(cfg SenderConfig) *Sender {
	s := &Sender{
		providers:   map[onair.Channel]notify.Provider{onair.ChannelEmail: cfg.Email, onair.ChannelSMS: cfg.SMS},
		limits:      map[onair.Channel]*rate.Limiter{},
		appURL:      cfg.AppURL,
		emailFrom:   cfg.EmailFrom,
		secret:      cfg.Secret,
		metrics:     cfg.Metrics,
		concurrency: max(cfg.Concurrency, 1),
		log:         cfg.Logger,
		outages:     outages{byProvider: map[string]*outage{}},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for ch, r := range map[onair.Channel]float64{onair.ChannelEmail: cfg.EmailRate, onair.ChannelSMS: cfg.SMSRate} {
		if r > 0 {
			s.limits[ch] = rate.NewLimiter(rate.Limit(r), max(1, int(r)))
		}
	}
	return s
}

// RateDelay is how long sending items would wait for their channels' rate
// limits, were they sent now.
func (s *Sender) RateDelay(items []store.SendItem) time.Duration {
	per := map[onair.Channel]int{}
	for _, it := range items {
		per[it.Delivery.Channel]++
	}
	var longest time.Duration
	now := time.Now()
	for ch, n := range per {
		l := s.limits[ch]
		if l == nil {
			continue
		}
		r := l.ReserveN(now, n)
		if !r.OK() {
			longest = max(longest, time.Duration(float64(n)/float64(l.Limit())*float64(time.Second)))
			continue
		}
		longest = max(longest, r.DelayFrom(now))
		r.CancelAt(now)
	}
	return longest
}

// Links are the viewer's own URLs that every message carries: the watch
// link and calendar file (with the watch token) and the unsubscribe link,
// each derived from the registration's id with the secret key.
func Links(appURL, secret string, r onair.Registration) (watch, calendar, unsubscribe string) {
	token := onair.WatchToken(secret, r.ID)
	return appURL + "/watch/" + r.EventID + "?token=" + token,
		appURL + "/api/registrations/ics?token=" + token,
		appURL + "/u/" + onair.UnsubscribeToken(secret, r.ID)
}

// TrackingLinks are an email delivery's tracked links: track wraps a link
// of the message in the signed click redirect, pixel is the open pixel.
func TrackingLinks(appURL, secret, notificationID string, deliveryID int64) (track func(target string) string, pixel string) {
	base := appURL + "/api/track/notification/" + url.PathEscape(notificationID)
	track = func(target string) string {
		return base + "/click?d=" + onair.ClickTrackingData(secret, notificationID, deliveryID, target)
	}
	return track, base + "/open?d=" + onair.OpenTrackingData(secret, notificationID, deliveryID)
}

// Send sends every item and says what became of each. Items whose sending
// failed transiently come back pending, and the longest wait any provider
// asked for is returned (at least a second when there are any).
func (s *Sender) Send(ctx context.Context, items []store.SendItem) ([]store.Outcome, time.Duration) {
	outcomes := make([]store.Outcome, len(items))
	waits := make([]time.Duration, len(items))
	transientErrs := make([]error, len(items))
	sem := make(chan struct{}, s.concurrency)
	var wg sync.WaitGroup
	for i, it := range items {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			outcomes[i], waits[i], transientErrs[i] = s.sendOne(ctx, it)
			o := outcomes[i]
			status := string(o.Status)
			if o.Status == onair.DeliveryPending {
				status = "retry"
			}
			// Confirmations are due the moment they are queued; their lag
			// would only say how long ago the first registration came.
			hasLag := it.Notification.Kind != onair.KindConfirmation
			s.metrics.Delivered(string(it.Delivery.Channel), o.Provider, status, time.Since(it.Notification.ScheduledTime), hasLag)
		}()
	}
	wg.Wait()
	s.noteOutages(items, outcomes, transientErrs)
	var retryIn time.Duration
	for i, o := range outcomes {
		if o.Status == onair.DeliveryPending {
			retryIn = max(retryIn, waits[i], time.Second)
		}
	}
	return outcomes, retryIn
}

// sendOne sends one item. A transient failure comes back pending, with
// the wait before its retry and the provider's error.
func (s *Sender) sendOne(ctx context.Context, it store.SendItem) (store.Outcome, time.Duration, error) {
	out := store.Outcome{DeliveryID: it.Delivery.ID}
	p := s.providers[it.Delivery.Channel]
	if p == nil {
		out.Status, out.Error = onair.DeliveryFailed, "no provider for "+string(it.Delivery.Channel)
		return out, 0, nil
	}
	out.Provider = p.Name()
	msg, err := s.render(it)
	if err != nil {
		out.Status, out.Error = onair.DeliveryFailed, "rendering: "+err.Error()
		return out, 0, nil
	}
	if l := s.limits[it.Delivery.Channel]; l != nil {
		if err := l.Wait(ctx); err != nil {
			out.Status, out.Error = onair.DeliveryPending, "not sent: "+err.Error()
			return out, 0, nil
		}
	}
	id, err := p.Send(ctx, msg)
	switch {
	case err == nil:
		out.Status, out.ProviderID = onair.DeliverySent, id
		return out, 0, nil
	case notify.IsPermanent(err):
		out.Status, out.Error = onair.DeliveryFailed, err.Error()
		var se *notify.SendError
		if errors.As(err, &se) {
			out.Suppress = se.Suppress
		}
		return out, 0, nil
	case it.Delivery.Attempts >= maxDeliveryAttempts:
		out.Status, out.Error = onair.DeliveryFailed, fmt.Sprintf("gave up after %d attempts: %v", it.Delivery.Attempts, err)
		return out, 0, nil
	}
	wait := max(notify.RetryAfter(err), backoff(it.Delivery.Attempts))
	out.Status, out.Error, out.RetryAt = onair.DeliveryPending, err.Error(), time.Now().Add(wait)
	return out, wait, err
}

// backoff is the wait after a delivery's n-th transient failure: 1 s, 2 s,
// 4 s, … up to 30 minutes, so that an outage of the provider is ridden out
// (about 4 hours over maxDeliveryAttempts) instead of failing everything
// in it. A reminder that goes stale meanwhile is skipped, not sent late.
func backoff(n int) time.Duration {
	return min(time.Second<<min(max(n-1, 0), 11), 30*time.Minute)
}

// render builds the message of one delivery.
func (s *Sender) render(it store.SendItem) (notify.Message, error) {
	c := notify.Content{
		Kind:          it.Notification.Kind,
		Event:         it.Event,
		Registration:  it.Registration,
		PreviousStart: derefTime(it.Notification.PreviousStart),
		From:          notify.NewSender(it.Host.HostSettings, s.emailFrom),
	}
	if it.Notification.IsReminder() {
		iv, err := onair.ParseInterval(it.Notification.Interval)
		if err != nil {
			return notify.Message{}, err
		}
		c.Interval = iv
	}
	c.WatchURL, c.CalendarURL, c.UnsubscribeURL = Links(s.appURL, s.secret, it.Registration)
	var m notify.Message
	var err error
	if it.Delivery.Channel == onair.ChannelSMS {
		m, err = notify.RenderSMS(c)
	} else {
		c.Track, c.OpenPixelURL = TrackingLinks(s.appURL, s.secret, it.Notification.ID, it.Delivery.ID)
		m, err = notify.RenderEmail(c)
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

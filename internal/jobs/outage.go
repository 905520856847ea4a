package jobs

import (
	"sync"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/redact"
	"github.com/onair-live/onair/internal/store"
)

// outageLogEvery is how often a provider that keeps failing is logged
// again. An outage is a few lines, whatever the number of deliveries and
// retries in it: one when it begins, one every outageLogEvery while it
// lasts, one when a message goes through again. A provider that fails for
// some recipients only (a mailbox full for a while, greylisting) flips
// between failing and sending with every batch: it too is logged at most
// once every outageLogEvery, with the count of what was not.
const outageLogEvery = time.Minute

// outages is what the sender knows of each provider's transient failures.
type outages struct {
	mu         sync.Mutex
	byProvider map[string]*outage
}

// outage is one provider's recent trouble.
type outage struct {
	failing   bool      // the last group it sent had transient failures
	since     time.Time // the first of them
	announced bool      // this run of failures was logged
	lastLine  time.Time
	failures  int // since the last line
	total     int // since the run of failures began
}

// noteOutages logs what a group of sends says of its providers' health:
// transient failures begin or prolong an outage, a group that went through
// without any ends it. Error texts are redacted: providers echo the
// recipient in them.
func (s *Sender) noteOutages(items []store.SendItem, outcomes []store.Outcome, errs []error) {
	type tally struct {
		failed, sent int
		first        error
		channel      onair.Channel
	}
	byProvider := map[string]*tally{}
	for i, o := range outcomes {
		if o.Provider == "" {
			continue
		}
		t := byProvider[o.Provider]
		if t == nil {
			t = &tally{channel: items[i].Delivery.Channel}
			byProvider[o.Provider] = t
		}
		switch {
		case errs[i] != nil:
			t.failed++
			if t.first == nil {
				t.first = errs[i]
			}
		case o.Status == onair.DeliverySent:
			t.sent++
		}
	}
	now := s.now()
	s.outages.mu.Lock()
	defer s.outages.mu.Unlock()
	for provider, t := range byProvider {
		o := s.outages.byProvider[provider]
		if o == nil {
			if t.failed == 0 {
				continue // healthy, as it was
			}
			o = &outage{}
			s.outages.byProvider[provider] = o
		}
		switch {
		case t.failed > 0:
			if !o.failing {
				o.failing, o.since, o.announced, o.total = true, now, false, 0
			}
			o.failures += t.failed
			o.total += t.failed
			if o.lastLine.IsZero() || now.Sub(o.lastLine) >= outageLogEvery {
				s.log.Warn("provider failing; its messages will be retried", "provider", provider, "channel", t.channel,
					"failures", o.failures, "since", o.since.UTC().Format(time.RFC3339), "err", redact.String(t.first.Error()))
				o.lastLine, o.failures, o.announced = now, 0, true
			}
		case o.failing && t.sent > 0:
			o.failing = false
			if o.announced {
				s.log.Info("provider sending again", "provider", provider, "channel", t.channel,
					"failures", o.total, "outage", now.Sub(o.since).Round(time.Second).String())
				o.lastLine, o.failures = now, 0
			}
		}
		if !o.failing && o.failures == 0 && now.Sub(o.lastLine) >= outageLogEvery {
			delete(s.outages.byProvider, provider)
		}
	}
}

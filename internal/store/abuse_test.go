package store_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/store/storetest"
)

func TestEngagementCapHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		ev, regs := attendanceFixture(t, s, now.Add(time.Hour), 2)
		// 990 actions already, written at once.
		if _, err := s.DB().ExecContext(ctx, `WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 990)
			INSERT INTO engagement_actions (event_id, registration_id, action, created_at) SELECT $1, $2, 'chat', $3 FROM n`,
			ev.ID, regs[0].ID, now.UnixMicro()); err != nil {
			t.Fatal(err)
		}
		// 20 more at once, as from several nodes: 10 fit.
		var ok, capped atomic.Int32
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				switch err := s.RecordEngagement(ctx, ev.ID, regs[0].ID, "reaction", now); {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, onair.ErrEngagementCap) && errors.Is(err, onair.ErrTooManyRequests):
					capped.Add(1)
				default:
					t.Errorf("RecordEngagement: %v", err)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 10 || capped.Load() != 10 {
			t.Errorf("of 20 engagements past 990, %d were recorded and %d capped; want 10 and 10", ok.Load(), capped.Load())
		}
		if err := s.RecordEngagement(ctx, ev.ID, regs[0].ID, "chat", now); !errors.Is(err, onair.ErrEngagementCap) {
			t.Errorf("the 1,001st engagement: %v", err)
		}
		if err := s.RecordEngagement(ctx, ev.ID, regs[1].ID, "chat", now); err != nil {
			t.Errorf("another viewer's first engagement: %v", err)
		}
		a, err := s.EventAnalytics(ctx, ev.ID)
		if err != nil || a.EngagementActions != 1001 {
			t.Errorf("analytics count %d engagement actions (%v); want 1001", a.EngagementActions, err)
		}
		var ve *onair.ValidationError
		if err := s.RecordEngagement(ctx, ev.ID, regs[1].ID, "like", now); !errors.As(err, &ve) || !ve.Has("action") {
			t.Errorf("an unknown action: %v", err)
		}
		other := newEvent(t, s, ev.HostID, nil)
		if err := s.RecordEngagement(ctx, other.ID, regs[1].ID, "chat", now); !errors.Is(err, onair.ErrNotFound) {
			t.Errorf("a registration of another event: %v", err)
		}
	})
}

func TestFirstWebhookIsFirstOnce(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		const keep = 30 * time.Minute
		var firsts atomic.Int32
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				first, err := s.FirstWebhook(ctx, "mailgun:tok-1", now, keep)
				if err != nil {
					t.Errorf("FirstWebhook: %v", err)
				}
				if first {
					firsts.Add(1)
				}
			}()
		}
		wg.Wait()
		if firsts.Load() != 1 {
			t.Errorf("of 20 copies of one webhook, %d were first; want 1", firsts.Load())
		}
		first := func(token string, at time.Time) bool {
			t.Helper()
			ok, err := s.FirstWebhook(ctx, token, at, keep)
			if err != nil {
				t.Fatalf("FirstWebhook: %v", err)
			}
			return ok
		}
		if first("mailgun:tok-1", now.Add(time.Minute)) {
			t.Error("a later copy is first")
		}
		if !first("mailgun:tok-2", now) {
			t.Error("another webhook is not first")
		}
		if err := s.ForgetWebhook(ctx, "mailgun:tok-1"); err != nil {
			t.Fatal(err)
		}
		if !first("mailgun:tok-1", now.Add(time.Minute)) {
			t.Error("a forgotten webhook's next copy is not first")
		}
		// Past keep, a token is forgotten (the age check refuses its copies).
		if !first("mailgun:tok-2", now.Add(keep+time.Second)) {
			t.Error("a token older than keep is still remembered")
		}
	})
}

package store_test

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/store/storetest"
)

// queueFixture registers n viewers for one email-only event at now and
// returns the event and the ids of their n pending confirmations.
func queueFixture(t *testing.T, s *store.Store, n int) (onair.Event, []int64) {
	t.Helper()
	h := newHost(t, s, "queue@example.com")
	ev := newEvent(t, s, h.ID, nil)
	for i := range n {
		mustRegister(t, s, ev, fmt.Sprintf("viewer%d@example.com", i), now)
	}
	ids, err := s.PendingDeliveries(t.Context(), now, 10*n)
	if err != nil || len(ids) != n {
		t.Fatalf("PendingDeliveries = %d ids, %v; want %d confirmations", len(ids), err, n)
	}
	return ev, ids
}

// deliveryIDs lists the ids of items in order.
func deliveryIDs(items []store.SendItem) []int64 {
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.Delivery.ID
	}
	slices.Sort(ids)
	return ids
}

// claimAllDue claims, as owner, every email delivery due at now, all at once.
func claimAllDue(t *testing.T, s *store.Store, owner string) []store.SendItem {
	t.Helper()
	items, err := s.ClaimDue(t.Context(), owner, onair.ChannelEmail, now, now, 1000)
	if err != nil {
		t.Fatalf("ClaimDue %s: %v", owner, err)
	}
	return items
}

// sentFigures is how many messages of ev's notifications are counted sent
// and failed.
func sentFigures(t *testing.T, s *store.Store, ev onair.Event) (sent, failed int) {
	t.Helper()
	figures, err := s.NotificationFigures(t.Context(), ev.ID)
	if err != nil {
		t.Fatalf("NotificationFigures: %v", err)
	}
	for _, f := range figures {
		sent += f.Sent
		failed += f.Failed
	}
	return sent, failed
}

// TestClaimersNeverShare: two owners claiming the same due deliveries at
// the same time, by page or by id, never both get one, and together they
// get them all.
func TestClaimersNeverShare(t *testing.T) {
	t.Parallel()
	const n = 40
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		_, want := queueFixture(t, s, n)
		ctx := t.Context()
		claimBoth := func(claim func(owner string) ([]store.SendItem, error)) map[string][]int64 {
			t.Helper()
			got := map[string][]int64{}
			var mu sync.Mutex
			var wg sync.WaitGroup
			errs := make(chan error, 2)
			for _, owner := range []string{"claimer-a", "claimer-b"} {
				wg.Go(func() {
					items, err := claim(owner)
					if err != nil {
						errs <- fmt.Errorf("%s: %w", owner, err)
						return
					}
					mu.Lock()
					got[owner] = append(got[owner], deliveryIDs(items)...)
					mu.Unlock()
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			return got
		}
		assertShared := func(what string, got map[string][]int64) {
			t.Helper()
			owners := map[int64]string{}
			for owner, ids := range got {
				for _, id := range ids {
					if other, ok := owners[id]; ok {
						t.Fatalf("%s: delivery %d claimed by %s and by %s", what, id, other, owner)
					}
					owners[id] = owner
				}
			}
			all := slices.Sorted(maps.Keys(owners))
			if !slices.Equal(all, want) {
				t.Fatalf("%s: claimed %d of the %d deliveries: %v", what, len(all), len(want), all)
			}
		}

		// By page, each owner taking a few at a time until nothing is left.
		byPage := claimBoth(func(owner string) ([]store.SendItem, error) {
			var all []store.SendItem
			for {
				items, err := s.ClaimDue(ctx, owner, onair.ChannelEmail, now, now, 3)
				if err != nil || len(items) == 0 {
					return all, err
				}
				all = append(all, items...)
			}
		})
		assertShared("ClaimDue", byPage)
		if rest := claimAllDue(t, s, "claimer-c"); len(rest) != 0 {
			t.Fatalf("a third owner claimed %v after the two; want nothing left", deliveryIDs(rest))
		}

		// Handed back, then claimed by id, both owners naming every one.
		for owner, ids := range byPage {
			if err := s.ReleaseClaims(ctx, owner, ids); err != nil {
				t.Fatalf("ReleaseClaims %s: %v", owner, err)
			}
		}
		byID := claimBoth(func(owner string) ([]store.SendItem, error) {
			return s.ClaimDeliveries(ctx, want, owner, now)
		})
		assertShared("ClaimDeliveries", byID)
	})
}

// TestClaimAfterCrash: what an owner claimed and did not record before it
// died comes back: to the same owner claiming again under its name, to
// anyone after ReleaseClaimsOf its name's prefix, and to anyone after
// ReleaseNodes once its heart stopped; the claims of a node that beat
// since it was seen stay its own.
func TestClaimAfterCrash(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		_, ids := queueFixture(t, s, 6)

		// The same owner, back after a crash, takes its own claims again,
		// each as one more attempt; nobody else can.
		first, err := s.ClaimDeliveries(ctx, ids[:2], "proc-1/email", now)
		if err != nil || !slices.Equal(deliveryIDs(first), ids[:2]) {
			t.Fatalf("ClaimDeliveries = %v, %v; want %v", deliveryIDs(first), err, ids[:2])
		}
		if other, err := s.ClaimDeliveries(ctx, ids[:2], "proc-2/email", now); err != nil || len(other) != 0 {
			t.Fatalf("another owner claimed %v, %v; want none of a living claim", deliveryIDs(other), err)
		}
		again, err := s.ClaimDeliveries(ctx, ids[:2], "proc-1/email", now)
		if err != nil || !slices.Equal(deliveryIDs(again), ids[:2]) {
			t.Fatalf("the same owner again = %v, %v; want %v", deliveryIDs(again), err, ids[:2])
		}
		for _, it := range again {
			if it.Delivery.Status != onair.DeliverySending || it.Delivery.Attempts != 2 {
				t.Errorf("delivery %d claimed again: status %s, %d attempts; want sending, 2",
					it.Delivery.ID, it.Delivery.Status, it.Delivery.Attempts)
			}
		}

		// A process that died: its claims, whatever the owner's suffix, go
		// back; another process's stay.
		if _, err := s.ClaimDeliveries(ctx, ids[2:3], "proc-1/sms", now); err != nil {
			t.Fatalf("ClaimDeliveries: %v", err)
		}
		if _, err := s.ClaimDeliveries(ctx, ids[3:4], "proc-2/email", now); err != nil {
			t.Fatalf("ClaimDeliveries: %v", err)
		}
		if n, err := s.ReleaseClaimsOf(ctx, "proc-1/"); err != nil || n != 3 {
			t.Fatalf("ReleaseClaimsOf = %d, %v; want proc-1's 3 claims", n, err)
		}
		if got := deliveryIDs(claimAllDue(t, s, "proc-3/email")); !slices.Equal(got, slices.Concat(ids[:3], ids[4:])) {
			t.Fatalf("after the release proc-3 claimed %v; want all but proc-2's %d", got, ids[3])
		}

		// Nodes: the one whose heartbeat is still the one seen gives its
		// claims back and is forgotten; the live one keeps its.
		if err := s.ReleaseClaims(ctx, "proc-3/email", slices.Concat(ids[:3], ids[4:])); err != nil {
			t.Fatalf("ReleaseClaims: %v", err)
		}
		if err := s.NodeAlive(ctx, "node-dead", now); err != nil {
			t.Fatalf("NodeAlive: %v", err)
		}
		if err := s.NodeAlive(ctx, "node-live", now.Add(time.Minute)); err != nil {
			t.Fatalf("NodeAlive: %v", err)
		}
		if _, err := s.ClaimDeliveries(ctx, ids[:3], "node-dead", now); err != nil {
			t.Fatalf("ClaimDeliveries: %v", err)
		}
		if _, err := s.ClaimDeliveries(ctx, ids[4:], "node-live", now); err != nil {
			t.Fatalf("ClaimDeliveries: %v", err)
		}
		beats, err := s.Heartbeats(ctx)
		if err != nil || !beats["node-dead"].Equal(now) || !beats["node-live"].Equal(now.Add(time.Minute)) {
			t.Fatalf("Heartbeats = %v, %v; want node-dead at %v, node-live a minute later", beats, err, now)
		}
		// node-live beat again since it was seen: it keeps its claims.
		if err := s.NodeAlive(ctx, "node-live", now.Add(2*time.Minute)); err != nil {
			t.Fatalf("NodeAlive: %v", err)
		}
		if n, err := s.ReleaseNodes(ctx, beats); err != nil || n != 3 {
			t.Fatalf("ReleaseNodes = %d, %v; want the dead node's 3 claims", n, err)
		}
		if got := deliveryIDs(claimAllDue(t, s, "node-other")); !slices.Equal(got, ids[:3]) {
			t.Fatalf("after the release another node claimed %v; want the dead node's %v", got, ids[:3])
		}
		if n, err := s.ReleaseNodes(ctx, beats); err != nil || n != 0 {
			t.Fatalf("ReleaseNodes again = %d, %v; want nothing: the dead node is forgotten", n, err)
		}
		if beats, err = s.Heartbeats(ctx); err != nil || len(beats) != 1 || !beats["node-live"].Equal(now.Add(2*time.Minute)) {
			t.Fatalf("Heartbeats after the release = %v, %v; want node-live's latest alone", beats, err)
		}
	})
}

// TestStaleClaimsOfLiveNodesStay: a claim long unrecorded goes back to
// pending when its owner is no node; a beating node's stays with it,
// however old the claim.
func TestStaleClaimsOfLiveNodesStay(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		_, ids := queueFixture(t, s, 3)
		if err := s.NodeAlive(ctx, "node-a", now); err != nil {
			t.Fatalf("NodeAlive: %v", err)
		}
		for owner, id := range map[string]int64{"node-a": ids[0], "sweep-1": ids[1]} {
			if got, err := s.ClaimDeliveries(ctx, []int64{id}, owner, now); err != nil || len(got) != 1 {
				t.Fatalf("ClaimDeliveries(%d, %s) = %d items, %v", id, owner, len(got), err)
			}
		}
		if n, err := s.ReleaseStaleClaims(ctx, now.Add(time.Hour)); err != nil || n != 1 {
			t.Fatalf("ReleaseStaleClaims = %d, %v; want the sweep's 1 claim", n, err)
		}
		if got := deliveryIDs(claimAllDue(t, s, "node-b")); !slices.Equal(got, ids[1:]) {
			t.Fatalf("after the release node-b claimed %v; want %v, not node-a's %d", got, ids[1:], ids[0])
		}
	})
}

// TestRecordByFormerOwner: a record by an owner that no longer holds the
// delivery (its claim was released, and maybe taken by another) changes
// and counts nothing, suppresses nothing; the holder's record counts once.
func TestRecordByFormerOwner(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		ev, ids := queueFixture(t, s, 2)
		if _, err := s.ClaimDeliveries(ctx, ids, "proc-1/email", now); err != nil {
			t.Fatalf("ClaimDeliveries: %v", err)
		}
		if n, err := s.ReleaseClaimsOf(ctx, "proc-1/"); err != nil || n != 2 {
			t.Fatalf("ReleaseClaimsOf = %d, %v; want 2", n, err)
		}
		late := []store.Outcome{
			{DeliveryID: ids[0], Status: onair.DeliverySent, Provider: "smtp"},
			{DeliveryID: ids[1], Status: onair.DeliveryFailed, Provider: "smtp", Error: "550 no such mailbox", Suppress: true},
		}
		record := func(owner string, outcomes []store.Outcome) {
			t.Helper()
			if err := s.RecordOutcomes(ctx, owner, outcomes, now.Add(time.Second)); err != nil {
				t.Fatalf("RecordOutcomes %s: %v", owner, err)
			}
		}

		// Released and not yet taken again.
		record("proc-1/email", late)
		if sent, failed := sentFigures(t, s, ev); sent != 0 || failed != 0 {
			t.Fatalf("after a record of released claims: %d sent, %d failed; want nothing counted", sent, failed)
		}

		// Taken by another owner: the late record still counts nothing, and
		// its suppression did not happen (the address would block the claim).
		items, err := s.ClaimDeliveries(ctx, ids, "proc-2/email", now.Add(2*time.Second))
		if err != nil || !slices.Equal(deliveryIDs(items), ids) {
			t.Fatalf("proc-2 claimed %v, %v; want %v pending again", deliveryIDs(items), err, ids)
		}
		for _, it := range items {
			if it.Delivery.Attempts != 2 {
				t.Errorf("delivery %d: %d attempts; want 2", it.Delivery.ID, it.Delivery.Attempts)
			}
		}
		record("proc-1/email", late)
		if sent, failed := sentFigures(t, s, ev); sent != 0 || failed != 0 {
			t.Fatalf("after a former owner's record: %d sent, %d failed; want nothing counted", sent, failed)
		}

		// The holder's record counts, once, however often it comes.
		record("proc-2/email", late)
		record("proc-2/email", late)
		if sent, failed := sentFigures(t, s, ev); sent != 1 || failed != 1 {
			t.Fatalf("after the holder's record: %d sent, %d failed; want 1 and 1", sent, failed)
		}
		if rest := claimAllDue(t, s, "proc-3/email"); len(rest) != 0 {
			t.Fatalf("claimed %v after the record; want nothing pending", deliveryIDs(rest))
		}
	})
}

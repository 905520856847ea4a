package onair

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestTimelineEntries(t *testing.T) {
	at := func(minutes int) time.Time { return now.Add(time.Duration(minutes) * time.Minute) }
	ptrAt := func(minutes int) *time.Time { t := at(minutes); return &t }
	// describe names each entry by kind, time and what it refers to.
	describe := func(es []TimelineEntry) []string {
		var out []string
		for _, e := range es {
			s := fmt.Sprintf("%s@%d", e.Kind, int(e.At.Sub(now)/time.Minute))
			switch {
			case e.Message != nil:
				s += fmt.Sprintf(" d%d", e.Message.DeliveryID)
			case e.Engagement != nil:
				s += " " + e.Engagement.Action
			case e.Purchase != nil:
				s += fmt.Sprintf(" %d%s", e.Purchase.AmountCents, e.Purchase.Currency)
			}
			out = append(out, s)
		}
		return out
	}

	tests := []struct {
		name string
		tl   Timeline
		want []string
	}{
		{
			name: "a registrant who did nothing else",
			tl:   Timeline{Registration: Registration{CreatedAt: at(0)}},
			want: []string{"registered@0"},
		},
		{
			name: "each message stands at its sent, settled or queued time",
			tl: Timeline{Registration: Registration{CreatedAt: at(0)}, Messages: []TimelineMessage{
				{DeliveryID: 1, Status: DeliverySent, QueuedAt: at(0), SentAt: ptrAt(2), SettledAt: at(30)}, // a bounce noted later
				{DeliveryID: 2, Status: DeliveryFailed, QueuedAt: at(0), SettledAt: at(1)},
				{DeliveryID: 3, Status: DeliverySkipped, QueuedAt: at(3), SettledAt: at(5)},
				{DeliveryID: 4, Status: DeliveryPending, QueuedAt: at(4), SettledAt: at(4), NextAttemptAt: ptrAt(9)},
				{DeliveryID: 5, Status: DeliverySending, QueuedAt: at(3), SettledAt: at(6)},
			}},
			want: []string{"registered@0", "message@1 d2", "message@2 d1", "message@3 d5", "message@4 d4", "message@5 d3"},
		},
		{
			name: "opens and clicks at their first time; a join before the session it opens",
			tl: Timeline{
				Registration:  Registration{CreatedAt: at(0)},
				FirstJoinedAt: ptrAt(50),
				Messages: []TimelineMessage{{DeliveryID: 7, Status: DeliverySent, SentAt: ptrAt(1),
					OpenedAt: ptrAt(60), OpenCount: 3, ClickedAt: ptrAt(10), ClickCount: 1}},
				Sessions: []ViewingSession{{StartedAt: at(50), Seconds: 55}, {StartedAt: at(53), Seconds: 30}},
			},
			want: []string{"registered@0", "message@1 d7", "clicked@10 d7", "joined@50", "session@50", "session@53", "opened@60 d7"},
		},
		{
			name: "engagement at its first time, purchases, and the unsubscription",
			tl: Timeline{
				Registration:   Registration{CreatedAt: at(0)},
				UnsubscribedAt: ptrAt(20),
				Engagement: []EngagementTally{{Action: "reaction", Count: 1, First: at(12), Last: at(12)},
					{Action: "chat", Count: 4, First: at(11), Last: at(19)}},
				Purchases: []Purchase{{AmountCents: 4900, Currency: "EUR", At: at(15)}, {AmountCents: 100, Currency: "USD", At: at(15)}},
			},
			want: []string{"registered@0", "engagement@11 chat", "engagement@12 reaction", "purchase@15 4900EUR",
				"purchase@15 100USD", "unsubscribed@20"},
		},
		{
			name: "everything at one instant keeps the order of the kinds",
			tl: Timeline{
				Registration:   Registration{CreatedAt: at(0)},
				FirstJoinedAt:  ptrAt(0),
				UnsubscribedAt: ptrAt(0),
				Messages: []TimelineMessage{{DeliveryID: 1, Status: DeliverySent, SentAt: ptrAt(0),
					OpenedAt: ptrAt(0), ClickedAt: ptrAt(0)}},
				Sessions:   []ViewingSession{{StartedAt: at(0)}},
				Engagement: []EngagementTally{{Action: "poll", Count: 1, First: at(0), Last: at(0)}},
				Purchases:  []Purchase{{AmountCents: 1, Currency: "USD", At: at(0)}},
			},
			want: []string{"registered@0", "message@0 d1", "opened@0 d1", "clicked@0 d1", "joined@0", "session@0",
				"engagement@0 poll", "purchase@0 1USD", "unsubscribed@0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := describe(tt.tl.Entries()); !slices.Equal(got, tt.want) {
				t.Errorf("entries\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestTimelineSpent(t *testing.T) {
	tl := Timeline{Purchases: []Purchase{
		{AmountCents: 4900, Currency: "USD"}, {AmountCents: 1000, Currency: "EUR"}, {AmountCents: 100, Currency: "USD"},
	}}
	want := []Purchase{{AmountCents: 1000, Currency: "EUR"}, {AmountCents: 5000, Currency: "USD"}}
	if got := tl.Spent(); !slices.Equal(got, want) {
		t.Errorf("Spent = %v, want %v", got, want)
	}
	if got := (Timeline{}).Spent(); len(got) != 0 {
		t.Errorf("Spent of no purchase = %v", got)
	}
}

package onair

import (
	"cmp"
	"slices"
	"time"
)

// Timeline is what one registrant of an event received and did, read from
// the raw rows: the registration, each message, each viewing session, each
// purchase, and the engagement by action. Entries puts it in time order.
type Timeline struct {
	Registration Registration
	// FirstJoinedAt is the visit of the watch page that first counted as
	// attendance; nil when the registrant never joined.
	FirstJoinedAt *time.Time
	// WatchSeconds is the registrant's watch time in all, as analytics
	// count it.
	WatchSeconds int64
	// UnsubscribedAt is when the registrant unsubscribed; nil while the
	// registration still receives messages.
	UnsubscribedAt *time.Time
	Messages       []TimelineMessage // by delivery, in the order they were queued
	Sessions       []ViewingSession  // by start
	Purchases      []Purchase        // by time
	Engagement     []EngagementTally // one per action, by its first time
}

// TimelineMessage is one delivery to the registrant, with what tracking
// counted of it.
type TimelineMessage struct {
	DeliveryID int64
	Kind       NotificationKind
	Interval   string // the reminder's interval name, "" for other kinds
	Channel    Channel
	Seq        int // 0, or the number of a confirmation sent again on request
	Status     DeliveryStatus
	// Error is why a failed or skipped message did not leave, the last
	// transient error of a pending one, or what the provider reported of a
	// sent one later (a bounce, a complaint).
	Error string
	// QueuedAt is when the delivery was created for the registrant;
	// SettledAt is when its status last changed (or an error was noted).
	QueuedAt, SettledAt time.Time
	SentAt              *time.Time
	BouncedAt           *time.Time // a sent message the provider reported undeliverable
	NextAttemptAt       *time.Time // a pending retry: not before this
	DueAt               *time.Time // a pending one: when it may go
	OpenedAt            *time.Time // the first open
	OpenCount           int
	ClickedAt           *time.Time // the first click
	ClickCount          int
}

// HeldUntil is, for an SMS held by the viewer's quiet hours
// (SMSQuietHold), when it goes.
func (m TimelineMessage) HeldUntil() (time.Time, bool) {
	if m.Status != DeliveryPending || m.DueAt == nil || m.Error != HeldReason(*m.DueAt) {
		return time.Time{}, false
	}
	return *m.DueAt, true
}

// At is where the message stands on the timeline: when it was sent; when
// it failed or was skipped; when it was queued while it is still pending.
func (m TimelineMessage) At() time.Time {
	switch {
	case m.Status == DeliverySent && m.SentAt != nil:
		return *m.SentAt
	case m.Status == DeliveryFailed || m.Status == DeliverySkipped:
		return m.SettledAt
	}
	return m.QueuedAt
}

// ViewingSession is a run of heartbeats from one viewer, each less than a
// presence timeout after the one before.
type ViewingSession struct {
	StartedAt  time.Time
	LastSeenAt time.Time
	Seconds    int64
}

// Purchase is one purchase recorded for a registrant.
type Purchase struct {
	AmountCents int64
	Currency    string // ISO 4217
	At          time.Time
}

// EngagementTally counts a registrant's engagement actions of one kind.
type EngagementTally struct {
	Action      string
	Count       int
	First, Last time.Time
}

// EngagementAction is one engagement action of a registrant, as stored.
type EngagementAction struct {
	Action string
	At     time.Time
}

// EntryKind names what a timeline entry records.
type EntryKind string

// The kinds of timeline entry, in the order entries at the same instant
// are shown (a join and the viewing session it opens share their time).
const (
	EntryRegistered   EntryKind = "registered"
	EntryMessage      EntryKind = "message"
	EntryOpened       EntryKind = "opened"
	EntryClicked      EntryKind = "clicked"
	EntryJoined       EntryKind = "joined"
	EntrySession      EntryKind = "session"
	EntryEngagement   EntryKind = "engagement"
	EntryPurchase     EntryKind = "purchase"
	EntryUnsubscribed EntryKind = "unsubscribed"
)

var timelineRank = map[EntryKind]int{
	EntryRegistered: 0, EntryMessage: 1, EntryOpened: 2, EntryClicked: 3, EntryJoined: 4,
	EntrySession: 5, EntryEngagement: 6, EntryPurchase: 7, EntryUnsubscribed: 8,
}

// TimelineEntry is one step of a timeline. Message is set for message,
// opened and clicked entries; Session, Purchase and Engagement for their
// kinds.
type TimelineEntry struct {
	Kind       EntryKind
	At         time.Time
	Message    *TimelineMessage
	Session    *ViewingSession
	Purchase   *Purchase
	Engagement *EngagementTally
}

// Entries lists the timeline's steps in time order: the registration, each
// message at its At, its first open and first click, the first join, each
// viewing session at its start, each engagement action at its first time,
// each purchase, and the unsubscription. Steps at the same instant keep
// the order of the kinds above, then the order of t's lists.
func (t Timeline) Entries() []TimelineEntry {
	out := []TimelineEntry{{Kind: EntryRegistered, At: t.Registration.CreatedAt}}
	for i := range t.Messages {
		m := &t.Messages[i]
		out = append(out, TimelineEntry{Kind: EntryMessage, At: m.At(), Message: m})
		if m.OpenedAt != nil {
			out = append(out, TimelineEntry{Kind: EntryOpened, At: *m.OpenedAt, Message: m})
		}
		if m.ClickedAt != nil {
			out = append(out, TimelineEntry{Kind: EntryClicked, At: *m.ClickedAt, Message: m})
		}
	}
	if t.FirstJoinedAt != nil {
		out = append(out, TimelineEntry{Kind: EntryJoined, At: *t.FirstJoinedAt})
	}
	for i := range t.Sessions {
		out = append(out, TimelineEntry{Kind: EntrySession, At: t.Sessions[i].StartedAt, Session: &t.Sessions[i]})
	}
	for i := range t.Engagement {
		out = append(out, TimelineEntry{Kind: EntryEngagement, At: t.Engagement[i].First, Engagement: &t.Engagement[i]})
	}
	for i := range t.Purchases {
		out = append(out, TimelineEntry{Kind: EntryPurchase, At: t.Purchases[i].At, Purchase: &t.Purchases[i]})
	}
	if t.UnsubscribedAt != nil {
		out = append(out, TimelineEntry{Kind: EntryUnsubscribed, At: *t.UnsubscribedAt})
	}
	slices.SortStableFunc(out, func(a, b TimelineEntry) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return cmp.Compare(timelineRank[a.Kind], timelineRank[b.Kind])
	})
	return out
}

// Spent sums the timeline's purchases per currency, in the order of the
// currency codes; the sums have no time (At is zero).
func (t Timeline) Spent() []Purchase {
	var out []Purchase
	for _, p := range t.Purchases {
		i, found := slices.BinarySearchFunc(out, p.Currency, func(q Purchase, c string) int { return cmp.Compare(q.Currency, c) })
		if !found {
			out = slices.Insert(out, i, Purchase{Currency: p.Currency})
		}
		out[i].AmountCents += p.AmountCents
	}
	return out
}

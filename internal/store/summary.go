package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/onair-live/onair/internal/onair"
)

// MaxSummaryEvents is how many events one EventSummaries call counts: the
// longest page of events the API and the dashboard list.
const MaxSummaryEvents = 100

// EventSummaries counts the key figures of the events eventIDs (at most
// MaxSummaryEvents), by event id, in one read-only snapshot. It runs five
// queries however many events there are, each grouped by event, and counts
// every figure from the raw rows exactly as EventAnalytics does, so that a
// card and its event's analytics agree. An id of no event has no entry; no
// id at all is an empty map, without touching the database.
func (s *Store) EventSummaries(ctx context.Context, eventIDs []string) (map[string]onair.EventSummary, error) {
	ids := slices.Compact(slices.Sorted(slices.Values(eventIDs)))
	if len(ids) == 0 {
		return map[string]onair.EventSummary{}, nil
	}
	if len(ids) > MaxSummaryEvents {
		return nil, fmt.Errorf("summaries of %d events asked at once; at most %d", len(ids), MaxSummaryEvents)
	}
	tx, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	c := &summaryCount{s: s, ctx: ctx, tx: tx, in: "IN (" + placeholders(1, len(ids)) + ")",
		sums: map[string]*onair.EventSummary{}}
	for _, id := range ids {
		c.args = append(c.args, id)
	}
	// The events themselves decide which ids have a summary; when none of
	// the ids is an event, there is nothing more to count.
	if err := c.events(); err != nil {
		return nil, err
	}
	if len(c.sums) == 0 {
		return map[string]onair.EventSummary{}, nil
	}
	for _, step := range []func() error{c.registrations, c.sent, c.engagement, c.revenue} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	out := make(map[string]onair.EventSummary, len(c.sums))
	for id, sum := range c.sums {
		out[id] = *sum
	}
	return out, nil
}

// summaryCount is one EventSummaries call: the snapshot it reads, the ids
// as query arguments, and the summaries counted so far. Each step is one
// query grouped by event.
type summaryCount struct {
	s    *Store
	ctx  context.Context
	tx   *sql.Tx
	in   string // "IN ($1, …)" of the ids
	args []any
	sums map[string]*onair.EventSummary
}

// each runs query with the ids and hands scan each row.
func (c *summaryCount) each(query string, scan func(rows *sql.Rows) error) error {
	return c.s.eachRow(c.ctx, c.tx, scan, query, c.args...)
}

// at is the summary of event id. Every step after events selects the same
// ids, whose rows reference existing events: a row of an unlisted event
// cannot come, and would go to a summary nobody reads.
func (c *summaryCount) at(id string) *onair.EventSummary {
	if sum := c.sums[id]; sum != nil {
		return sum
	}
	return &onair.EventSummary{RevenueByCurrency: map[string]int64{}}
}

func (c *summaryCount) events() error {
	return c.each(`SELECT id, peak_viewers FROM events WHERE id `+c.in, func(rows *sql.Rows) error {
		var id string
		var peak int
		if err := rows.Scan(&id, &peak); err != nil {
			return err
		}
		c.sums[id] = &onair.EventSummary{PeakConcurrentViewers: peak, RevenueByCurrency: map[string]int64{}}
		return nil
	})
}

func (c *summaryCount) registrations() error {
	return c.each(`SELECT event_id, COUNT(*), COUNT(CASE WHEN attended = TRUE THEN 1 END)
		FROM registrations WHERE event_id `+c.in+` GROUP BY event_id`, func(rows *sql.Rows) error {
		var id string
		var registered, attended int
		if err := rows.Scan(&id, &registered, &attended); err != nil {
			return err
		}
		sum := c.at(id)
		sum.Registrations, sum.Attended = registered, attended
		return nil
	})
}

func (c *summaryCount) sent() error {
	return c.each(`SELECT event_id, channel, COALESCE(SUM(sent_count), 0)
		FROM notifications WHERE event_id `+c.in+` GROUP BY event_id, channel`, func(rows *sql.Rows) error {
		var id, channel string
		var sent int
		if err := rows.Scan(&id, &channel, &sent); err != nil {
			return err
		}
		sum := c.at(id)
		sum.NotificationsSent += sent
		if onair.Channel(channel) == onair.ChannelEmail {
			sum.EmailsSent += sent
		}
		return nil
	})
}

// engagement counts opens and clicks. A delivery neither opened nor
// clicked counts for neither: those are left out before grouping.
func (c *summaryCount) engagement() error {
	return c.each(`SELECT n.event_id, COUNT(d.opened_at), COUNT(d.clicked_at)
		FROM deliveries d JOIN notifications n ON n.id = d.notification_id
		WHERE n.event_id `+c.in+` AND (d.opened_at IS NOT NULL OR d.clicked_at IS NOT NULL)
		GROUP BY n.event_id`, func(rows *sql.Rows) error {
		var id string
		var opened, clicked int
		if err := rows.Scan(&id, &opened, &clicked); err != nil {
			return err
		}
		sum := c.at(id)
		sum.NotificationsOpened, sum.NotificationsClicked = opened, clicked
		return nil
	})
}

// revenue sums the purchases by currency. The SUM of a BIGINT is a NUMERIC
// on PostgreSQL: cast back.
func (c *summaryCount) revenue() error {
	return c.each(`SELECT event_id, currency, CAST(SUM(amount_cents) AS BIGINT)
		FROM purchases WHERE event_id `+c.in+` GROUP BY event_id, currency`, func(rows *sql.Rows) error {
		var id, currency string
		var cents int64
		if err := rows.Scan(&id, &currency, &cents); err != nil {
			return err
		}
		sum := c.at(id)
		sum.RevenueCents += cents
		sum.RevenueByCurrency[currency] += cents
		return nil
	})
}

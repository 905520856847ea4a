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
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	in := "IN (" + placeholders(1, len(ids)) + ")"

	tx, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	// each runs query with the ids and hands it each row.
	each := func(query string, scan func(rows *sql.Rows) error) error {
		return s.eachRow(ctx, tx, scan, query, args...)
	}

	// The events themselves decide which ids have a summary.
	sums := map[string]*onair.EventSummary{}
	err = each(`SELECT id, peak_viewers FROM events WHERE id `+in, func(rows *sql.Rows) error {
		var id string
		var peak int
		if err := rows.Scan(&id, &peak); err != nil {
			return err
		}
		sums[id] = &onair.EventSummary{PeakConcurrentViewers: peak, RevenueByCurrency: map[string]int64{}}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// at is the summary of event id. Every later query selects the same
	// ids, whose rows reference existing events: a row of an unlisted event
	// cannot come, and would go to a summary nobody reads.
	at := func(id string) *onair.EventSummary {
		if sum := sums[id]; sum != nil {
			return sum
		}
		return &onair.EventSummary{RevenueByCurrency: map[string]int64{}}
	}
	steps := []struct {
		query string
		scan  func(rows *sql.Rows) error
	}{
		{`SELECT event_id, COUNT(*), COUNT(CASE WHEN attended = TRUE THEN 1 END)
			FROM registrations WHERE event_id ` + in + ` GROUP BY event_id`,
			func(rows *sql.Rows) error {
				var id string
				var registered, attended int
				if err := rows.Scan(&id, &registered, &attended); err != nil {
					return err
				}
				sum := at(id)
				sum.Registrations, sum.Attended = registered, attended
				return nil
			}},
		{`SELECT event_id, channel, COALESCE(SUM(sent_count), 0)
			FROM notifications WHERE event_id ` + in + ` GROUP BY event_id, channel`,
			func(rows *sql.Rows) error {
				var id, channel string
				var sent int
				if err := rows.Scan(&id, &channel, &sent); err != nil {
					return err
				}
				sum := at(id)
				sum.NotificationsSent += sent
				if onair.Channel(channel) == onair.ChannelEmail {
					sum.EmailsSent += sent
				}
				return nil
			}},
		// A delivery neither opened nor clicked counts for neither: those
		// are left out before grouping.
		{`SELECT n.event_id, COUNT(d.opened_at), COUNT(d.clicked_at)
			FROM deliveries d JOIN notifications n ON n.id = d.notification_id
			WHERE n.event_id ` + in + ` AND (d.opened_at IS NOT NULL OR d.clicked_at IS NOT NULL)
			GROUP BY n.event_id`,
			func(rows *sql.Rows) error {
				var id string
				var opened, clicked int
				if err := rows.Scan(&id, &opened, &clicked); err != nil {
					return err
				}
				sum := at(id)
				sum.NotificationsOpened, sum.NotificationsClicked = opened, clicked
				return nil
			}},
		// The SUM of a BIGINT is a NUMERIC on PostgreSQL: cast back.
		{`SELECT event_id, currency, CAST(SUM(amount_cents) AS BIGINT)
			FROM purchases WHERE event_id ` + in + ` GROUP BY event_id, currency`,
			func(rows *sql.Rows) error {
				var id, currency string
				var cents int64
				if err := rows.Scan(&id, &currency, &cents); err != nil {
					return err
				}
				sum := at(id)
				sum.RevenueCents += cents
				sum.RevenueByCurrency[currency] += cents
				return nil
			}},
	}
	for _, st := range steps {
		if len(sums) == 0 {
			break // none of the ids is an event
		}
		if err := each(st.query, st.scan); err != nil {
			return nil, err
		}
	}
	out := make(map[string]onair.EventSummary, len(sums))
	for id, sum := range sums {
		out[id] = *sum
	}
	return out, nil
}

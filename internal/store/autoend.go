package store

import (
	"context"
	"errors"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// errNotOverdue turns down the auto-end of an event that changed since it
// was found (its host ended it, say).
var errNotOverdue = errors.New("the event is no longer overdue")

// EndOverdueEvents ends every event still live onair.AutoEndAfter after its
// scheduled end, at now, each in a transaction of its own that plans its
// follow-ups as the host's End would (UpdateEvent). It returns how many it
// ended.
func (s *Store) EndOverdueEvents(ctx context.Context, now time.Time) (int, error) {
	cutoff := dbTime(now.Add(-onair.AutoEndAfter))
	rows, err := s.read.QueryContext(ctx, `SELECT host_id, id FROM events WHERE status = 'live'
		AND scheduled_start + CAST(duration_minutes AS BIGINT) * 60000000 <= $1 ORDER BY id LIMIT 500`, cutoff)
	if err != nil {
		return 0, s.normalize(err)
	}
	var due [][2]string
	for rows.Next() {
		var host, id string
		if err := rows.Scan(&host, &id); err != nil {
			rows.Close()
			return 0, s.normalize(err)
		}
		due = append(due, [2]string{host, id})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, s.normalize(err)
	}
	ended := 0
	for _, d := range due {
		_, err := s.UpdateEvent(ctx, d[0], d[1], func(ev onair.Event) (onair.Event, error) {
			next, ok := ev.AutoEnd(now)
			if !ok {
				return ev, errNotOverdue
			}
			return next, nil
		})
		switch {
		case errors.Is(err, errNotOverdue) || errors.Is(err, onair.ErrNotFound):
		case err != nil:
			return ended, err
		default:
			ended++
		}
	}
	return ended, nil
}

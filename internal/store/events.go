package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

const eventColumns = `id, host_id, title, description, status, scheduled_start, timezone,
	duration_minutes, max_registrations, registration_enabled, stream_url, email_enabled,
	sms_enabled, custom_message, selected_intervals, registration_count, version, ics_sequence,
	started_at, ended_at, cancelled_at, created_at, updated_at, waitlist_enabled, waitlist_count, waitlist_seq,
	replay_url, follow_ups, sms_message, sms_quiet_hours, ab_test, ab_seq, cover_image_url, registration_fields,
	language`

func scanEvent(row scanner) (onair.Event, error) {
	var e onair.Event
	var start, created, updated int64
	var started, ended, cancelled sql.NullInt64
	var intervals, followUps, quiet, abTest, questions string
	err := row.Scan(&e.ID, &e.HostID, &e.Title, &e.Description, &e.Status, &start, &e.Timezone,
		&e.DurationMinutes, &e.MaxRegistrations, &e.RegistrationEnabled, &e.StreamURL,
		&e.Notifications.EmailEnabled, &e.Notifications.SMSEnabled, &e.Notifications.CustomMessage,
		&intervals, &e.RegistrationCount, &e.Version, &e.Sequence,
		&started, &ended, &cancelled, &created, &updated, &e.WaitlistEnabled, &e.WaitlistCount, &e.WaitlistSeq,
		&e.ReplayURL, &followUps, &e.Notifications.SMSMessage, &quiet, &abTest, &e.ABSeq, &e.CoverImageURL, &questions,
		&e.Language)
	if err != nil {
		return e, err
	}
	if e.Notifications.SMSQuietHours, err = parseQuietHours(quiet); err != nil {
		return e, fmt.Errorf("event %s: stored quiet hours: %w", e.ID, err)
	}
	if e.ABTest, err = parseABTest(abTest); err != nil {
		return e, fmt.Errorf("event %s: stored A/B test: %w", e.ID, err)
	}
	if questions != "" {
		if err := json.Unmarshal([]byte(questions), &e.RegistrationFields); err != nil {
			return e, fmt.Errorf("event %s: stored registration fields: %w", e.ID, err)
		}
	}
	if e.FollowUps, err = parseFollowUps(followUps); err != nil {
		return e, fmt.Errorf("event %s: stored follow-ups: %w", e.ID, err)
	}
	e.ScheduledStart, e.CreatedAt, e.UpdatedAt = fromDB(start), fromDB(created), fromDB(updated)
	e.StartedAt, e.EndedAt, e.CancelledAt = fromDBPtr(started), fromDBPtr(ended), fromDBPtr(cancelled)
	var names []string
	if err := json.Unmarshal([]byte(intervals), &names); err != nil {
		return e, fmt.Errorf("event %s: stored intervals: %w", e.ID, err)
	}
	if e.Intervals, err = onair.ParseIntervals(names); err != nil {
		return e, fmt.Errorf("event %s: stored intervals: %w", e.ID, err)
	}
	return e, nil
}

// questionsJSON is an event's questions as the events table keeps them:
// JSON, or the empty string for none.
func questionsJSON(qs []onair.Question) string {
	if len(qs) == 0 {
		return ""
	}
	b, _ := json.Marshal(qs)
	return string(b)
}

// answersJSON is a registration's answers as the registrations table keeps
// them: JSON, or the empty string for none.
func answersJSON(a onair.Answers) string {
	if len(a) == 0 {
		return ""
	}
	b, _ := json.Marshal(a)
	return string(b)
}

// parseAnswers reads stored answers: strings and booleans, as JSON gives them.
func parseAnswers(s string) (onair.Answers, error) {
	if s == "" {
		return nil, nil
	}
	var a onair.Answers
	err := json.Unmarshal([]byte(s), &a)
	return a, err
}

func intervalsJSON(ivs []onair.Interval) string {
	names := make([]string, len(ivs))
	for i, iv := range ivs {
		names[i] = iv.String()
	}
	b, _ := json.Marshal(names)
	return string(b)
}

// quietHoursText is how the events table keeps quiet hours: "21:00-08:00",
// or "" when they are off.
func quietHoursText(q *onair.QuietHours) string {
	if q == nil {
		return ""
	}
	return q.Start.String() + "-" + q.End.String()
}

func parseQuietHours(s string) (*onair.QuietHours, error) {
	if s == "" {
		return nil, nil
	}
	start, end, ok := strings.Cut(s, "-")
	if !ok {
		return nil, fmt.Errorf("%q is not HH:MM-HH:MM", s)
	}
	var q onair.QuietHours
	var err error
	if q.Start, err = onair.ParseClock(start); err != nil {
		return nil, err
	}
	if q.End, err = onair.ParseClock(end); err != nil {
		return nil, err
	}
	return &q, nil
}

// abTestText is how the events table keeps an A/B test: arm b's intervals
// as a JSON array, "" without a test.
func abTestText(t *onair.ABTest) string {
	if t == nil {
		return ""
	}
	return intervalsJSON(t.IntervalsB)
}

func parseABTest(s string) (*onair.ABTest, error) {
	if s == "" {
		return nil, nil
	}
	var names []string
	if err := json.Unmarshal([]byte(s), &names); err != nil {
		return nil, err
	}
	ivs, err := onair.ParseIntervals(names)
	if err != nil {
		return nil, err
	}
	return &onair.ABTest{IntervalsB: ivs}, nil
}

// storedFollowUp is a follow-up as the events table keeps it (JSON): the
// delay in microseconds, like every time there.
type storedFollowUp struct {
	Enabled bool   `json:"enabled"`
	After   int64  `json:"after"`
	Message string `json:"message"`
}

func followUpsJSON(fs onair.FollowUps) string {
	if fs == (onair.FollowUps{}) {
		return ""
	}
	one := func(f onair.FollowUp) storedFollowUp {
		return storedFollowUp{Enabled: f.Enabled, After: f.After.Microseconds(), Message: f.Message}
	}
	b, _ := json.Marshal(map[string]storedFollowUp{"attended": one(fs.Attended), "missed": one(fs.Missed)})
	return string(b)
}

func parseFollowUps(s string) (onair.FollowUps, error) {
	if s == "" {
		return onair.FollowUps{}, nil
	}
	var m map[string]storedFollowUp
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return onair.FollowUps{}, err
	}
	one := func(f storedFollowUp) onair.FollowUp {
		return onair.FollowUp{Enabled: f.Enabled, After: time.Duration(f.After) * time.Microsecond, Message: f.Message}
	}
	return onair.FollowUps{Attended: one(m["attended"]), Missed: one(m["missed"])}, nil
}

var errNoSuchEvent = onair.Errorf(onair.ErrNotFound, "not_found", "no such event")

// CreateEvent stores a new event with its reminder plan, and queues each
// reminder's dispatch and the event.created webhooks, in one transaction.
func (s *Store) CreateEvent(ctx context.Context, e onair.Event) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.insertEvent(ctx, tx, e); err != nil {
			return err
		}
		if err := s.applyPlan(ctx, tx, onair.PlanChange{Insert: onair.PlanReminders(e, e.CreatedAt)}); err != nil {
			return err
		}
		return s.QueueHook(ctx, tx, HookFact{Type: onair.HookEventCreated, HostID: e.HostID, At: e.CreatedAt, Event: &e})
	})
}

func (s *Store) insertEvent(ctx context.Context, tx *sql.Tx, e onair.Event) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO events (`+eventColumns+`, search_text)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,
			$24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36)`,
		e.ID, e.HostID, e.Title, e.Description, e.Status, dbTime(e.ScheduledStart), e.Timezone,
		e.DurationMinutes, e.MaxRegistrations, e.RegistrationEnabled, e.StreamURL,
		e.Notifications.EmailEnabled, e.Notifications.SMSEnabled, e.Notifications.CustomMessage,
		intervalsJSON(e.Intervals), e.RegistrationCount, e.Version, e.Sequence,
		dbTimePtr(e.StartedAt), dbTimePtr(e.EndedAt), dbTimePtr(e.CancelledAt),
		dbTime(e.CreatedAt), dbTime(e.UpdatedAt), e.WaitlistEnabled, e.WaitlistCount, e.WaitlistSeq,
		e.ReplayURL, followUpsJSON(e.FollowUps), e.Notifications.SMSMessage,
		quietHoursText(e.Notifications.SMSQuietHours), abTestText(e.ABTest), e.ABSeq, e.CoverImageURL,
		questionsJSON(e.RegistrationFields), e.Language, searchText(e.Title, e.Description))
	return s.normalize(err)
}

// Event finds any event by id, for the public pages.
func (s *Store) Event(ctx context.Context, id string) (onair.Event, error) {
	if !onair.ValidID(id) {
		return onair.Event{}, errNoSuchEvent
	}
	e, err := scanEvent(s.readQueryRow(ctx, `SELECT `+eventColumns+` FROM events WHERE id = $1`, id))
	if err == nil {
		s.recent.put(e)
	}
	return e, s.normalize(err)
}

// RecentEvent is Event, or the event as Event read it less than
// recentEventAge ago: for a caller that decides nothing on it alone. The
// registration handler reads its event for every request; what it decides
// on that event is decided again on the stored event (RegisterAgainst), or
// read again before a refusal.
func (s *Store) RecentEvent(ctx context.Context, id string) (onair.Event, error) {
	if ev, ok := s.recent.get(id); ok {
		return ev, nil
	}
	return s.Event(ctx, id)
}

// recentEventAge bounds how old an event RecentEvent answers with is;
// recentEventsMax, how many it keeps.
const (
	recentEventAge  = 2 * time.Second
	recentEventsMax = 1024
)

// recentEvents are the events Event read last, with when.
type recentEvents struct {
	mu sync.Mutex
	m  map[string]recentEvent
}

type recentEvent struct {
	ev onair.Event
	at time.Time
}

func (c *recentEvents) get(id string) (onair.Event, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || time.Since(e.at) >= recentEventAge {
		return onair.Event{}, false
	}
	return e.ev, true
}

func (c *recentEvents) put(ev onair.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= recentEventsMax {
		c.m = map[string]recentEvent{}
	}
	c.m[ev.ID] = recentEvent{ev: ev, at: time.Now()}
}

// HostEvent finds one of host's events; another host's event is not found.
func (s *Store) HostEvent(ctx context.Context, hostID, id string) (onair.Event, error) {
	if !onair.ValidID(id) {
		return onair.Event{}, errNoSuchEvent
	}
	e, err := scanEvent(s.read.QueryRowContext(ctx,
		`SELECT `+eventColumns+` FROM events WHERE id = $1 AND host_id = $2`, id, hostID))
	return e, s.normalize(err)
}

// FindEvents lists a host's events matching f, and how many match in all.
// Upcoming and live events come soonest first, the others latest first.
func (s *Store) FindEvents(ctx context.Context, f onair.EventFilter) ([]onair.Event, int, error) {
	where := []string{"host_id = $1"}
	args := []any{f.HostID}
	if f.Status != "" {
		args = append(args, string(f.Status))
		where = append(where, fmt.Sprintf("status = $%d", len(args)))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		args = append(args, likePattern(q))
		n := len(args)
		where = append(where, fmt.Sprintf(`search_text LIKE $%d ESCAPE '\'`, n))
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, s.normalize(err)
	}
	order := "scheduled_start DESC, id"
	if f.Status == onair.StatusScheduled || f.Status == onair.StatusLive {
		order = "scheduled_start ASC, id"
	}
	args = append(args, f.Limit, f.Offset)
	rows, err := s.read.QueryContext(ctx, fmt.Sprintf(`SELECT %s FROM events WHERE %s ORDER BY %s LIMIT $%d OFFSET $%d`,
		eventColumns, cond, order, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, s.normalize(err)
	}
	defer rows.Close()
	events := []onair.Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, 0, err
		}
		events = append(events, e)
	}
	return events, total, s.normalize(rows.Err())
}

// UpdateEvent changes one of host's events: change gets the event as it is
// now, locked against every other writer, and returns it as it must be. The
// event's notifications follow in the same transaction (onair.Replan):
// reminders move, notices are planned, pending work is cancelled.
// Registration counts are written here only by the promotion of waitlisted
// registrants into seats the change freed, under the event's lock, so a
// registration that commits meanwhile is not lost. The webhooks of what
// changed (a new start, the start, end or cancellation) are queued in the
// same transaction.
func (s *Store) UpdateEvent(ctx context.Context, hostID, id string, change func(onair.Event) (onair.Event, error)) (onair.Event, error) {
	if !onair.ValidID(id) {
		return onair.Event{}, errNoSuchEvent
	}
	var out onair.Event
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := scanEvent(tx.QueryRowContext(ctx,
			`SELECT `+eventColumns+` FROM events WHERE id = $1 AND host_id = $2`+s.forUpdate, id, hostID))
		if err != nil {
			return s.normalize(err)
		}
		e, err := change(cur)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE events SET title = $1, description = $2, status = $3,
			scheduled_start = $4, timezone = $5, duration_minutes = $6, max_registrations = $7,
			registration_enabled = $8, stream_url = $9, email_enabled = $10, sms_enabled = $11,
			custom_message = $12, selected_intervals = $13, version = $14, ics_sequence = $15,
			started_at = $16, ended_at = $17, cancelled_at = $18, updated_at = $19, search_text = $20,
			waitlist_enabled = $21, replay_url = $22, follow_ups = $23, sms_message = $24,
			sms_quiet_hours = $25, ab_test = $26, cover_image_url = $27, registration_fields = $28, language = $29
			WHERE id = $30`,
			e.Title, e.Description, e.Status, dbTime(e.ScheduledStart), e.Timezone, e.DurationMinutes,
			e.MaxRegistrations, e.RegistrationEnabled, e.StreamURL, e.Notifications.EmailEnabled,
			e.Notifications.SMSEnabled, e.Notifications.CustomMessage, intervalsJSON(e.Intervals),
			e.Version, e.Sequence, dbTimePtr(e.StartedAt), dbTimePtr(e.EndedAt), dbTimePtr(e.CancelledAt),
			dbTime(e.UpdatedAt), searchText(e.Title, e.Description), e.WaitlistEnabled,
			e.ReplayURL, followUpsJSON(e.FollowUps), e.Notifications.SMSMessage,
			quietHoursText(e.Notifications.SMSQuietHours), abTestText(e.ABTest),
			e.CoverImageURL, questionsJSON(e.RegistrationFields), e.Language, e.ID)
		if err != nil {
			return s.normalize(err)
		}
		if e, err = s.assignArms(ctx, tx, cur, e); err != nil {
			return err
		}
		existing, err := s.lockEventNotifications(ctx, tx, e.ID)
		if err != nil {
			return err
		}
		if err := s.applyPlan(ctx, tx, onair.Replan(cur, e, existing, e.UpdatedAt)); err != nil {
			return err
		}
		// A higher capacity, or none, gives its seats to the waitlist in
		// this transaction.
		if out, err = s.promoteWaitlisted(ctx, tx, e, e.UpdatedAt); err != nil {
			return err
		}
		var facts []HookFact
		for _, typ := range onair.EventChangeHooks(cur, out) {
			facts = append(facts, HookFact{Type: typ, HostID: out.HostID, At: out.UpdatedAt, Event: &out})
		}
		return s.queueHooks(ctx, tx, facts)
	})
	return out, err
}

// ErrEventNotOver refuses to delete an event that is not over.
var ErrEventNotOver = onair.Errorf(onair.ErrConflict, "event_not_over",
	"only an ended or cancelled event can be deleted: end or cancel it first")

// DeleteEvent deletes one of host's events that is over (ended or
// cancelled) with everything of it: registrations, notifications,
// deliveries, viewing sessions, engagement, purchases, outbox entries and
// the queued dispatch of its notifications, in one transaction. The rows
// that hang on a registration go first, by event, so that the cascades
// find nothing left to look for. A viewer profile that no other
// registration needs is erased (not deleted: erased registrations of other
// events still point to it).
func (s *Store) DeleteEvent(ctx context.Context, hostID, id string, now time.Time) error {
	if !onair.ValidID(id) {
		return errNoSuchEvent
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var status onair.EventStatus
		err := tx.QueryRowContext(ctx, `SELECT status FROM events WHERE id = $1 AND host_id = $2`+s.forUpdate,
			id, hostID).Scan(&status)
		if err != nil {
			return s.normalize(err)
		}
		if !(onair.Event{Status: status}).Deletable() {
			return ErrEventNotOver
		}
		nids, err := s.ids(ctx, tx, `SELECT id FROM notifications WHERE event_id = $1 ORDER BY id`, id)
		if err != nil {
			return err
		}
		if s.enq != nil && len(nids) > 0 {
			if err := s.enq.ForgetDispatch(ctx, tx, nids); err != nil {
				return fmt.Errorf("removing the queued dispatch of event %s: %w", id, err)
			}
		}
		viewers, err := s.ids(ctx, tx, `SELECT DISTINCT viewer_id FROM registrations WHERE event_id = $1 ORDER BY viewer_id`, id)
		if err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM outbox_messages WHERE event_id = $1`,
			`DELETE FROM engagement_actions WHERE event_id = $1`,
			`DELETE FROM purchases WHERE event_id = $1`,
			`DELETE FROM viewer_sessions WHERE event_id = $1`,
			`DELETE FROM deliveries WHERE notification_id IN (SELECT id FROM notifications WHERE event_id = $1)`,
			`DELETE FROM notifications WHERE event_id = $1`,
			`DELETE FROM webhook_deliveries WHERE registration_id IN (SELECT id FROM registrations WHERE event_id = $1)`,
			`DELETE FROM registrations WHERE event_id = $1`,
			`DELETE FROM events WHERE id = $1`,
		} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return s.normalize(err)
			}
		}
		for start := 0; start < len(viewers); start += eraseBatch {
			if err := s.eraseProfiles(ctx, tx, viewers[start:min(start+eraseBatch, len(viewers))], now); err != nil {
				return err
			}
		}
		return nil
	})
}

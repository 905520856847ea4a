package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// The webhook queue. Every fact a webhook may report is queued, one row of
// webhook_deliveries per webhook that takes its type, inside the
// transaction of the fact (QueueHook): the row exists if and only if the
// fact committed. Senders claim due rows with a lease (ClaimHooks) and
// record each attempt (RecordHookAttempt); a sender that dies leaves its
// rows to come due again when their lease ends. A receiver may thus see a
// message twice, never not at all.

// HookViews are the API's JSON shapes of an event and a registration, which
// webhook bodies carry (internal/web has them).
type HookViews interface {
	Event(onair.Event) any
	Registration(onair.Registration) any
}

// SetHookViews gives the store the shapes of webhook bodies. A store
// without them refuses to queue a fact that carries an event or a
// registration to a webhook.
func (s *Store) SetHookViews(v HookViews) { s.hookViews = v }

// FailedDelivery is the data of a delivery.failed event.
type FailedDelivery struct {
	NotificationID string        `json:"notification_id"`
	RegistrationID string        `json:"registration_id"`
	Channel        onair.Channel `json:"channel"`
	Error          string        `json:"error"`
}

// HookFact is one fact for the host's webhooks: its type, when it
// happened, and what it is about (data.event, data.registration,
// data.delivery: the ones set).
type HookFact struct {
	Type         string
	HostID       string
	At           time.Time
	Event        *onair.Event
	Registration *onair.Registration
	Delivery     *FailedDelivery
}

// QueueHook queues f for every webhook of its host that takes its type,
// in tx: call it in the transaction of the fact.
func (s *Store) QueueHook(ctx context.Context, tx *sql.Tx, f HookFact) error {
	return s.queueHooks(ctx, tx, []HookFact{f})
}

// queueHooks is QueueHook for many facts, reading each host's webhooks once.
func (s *Store) queueHooks(ctx context.Context, tx *sql.Tx, facts []HookFact) error {
	byHost := map[string][]onair.Webhook{}
	queued := false
	for _, f := range facts {
		hooks, ok := byHost[f.HostID]
		if !ok {
			var err error
			if hooks, err = s.hostHooks(ctx, tx, f.HostID); err != nil {
				return err
			}
			byHost[f.HostID] = hooks
		}
		var body []byte
		for _, w := range hooks {
			if !w.Wants(f.Type) {
				continue
			}
			if body == nil {
				var err error
				if body, err = s.hookBody(f); err != nil {
					return err
				}
			}
			var regID sql.NullString
			if f.Registration != nil {
				regID = sql.NullString{String: f.Registration.ID, Valid: true}
			} else if f.Delivery != nil {
				regID = sql.NullString{String: f.Delivery.RegistrationID, Valid: true}
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (id, webhook_id, type, body,
				registration_id, status, created_at, due_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6)`,
				onair.NewID(), w.ID, f.Type, string(body), regID, dbTime(f.At))
			if err != nil {
				return s.normalize(err)
			}
			queued = true
		}
	}
	if queued {
		s.hooksReadyAfterCommit(tx)
	}
	return nil
}

// hostHooks reads a host's webhooks in tx.
func (s *Store) hostHooks(ctx context.Context, tx *sql.Tx, hostID string) ([]onair.Webhook, error) {
	var hooks []onair.Webhook
	err := s.eachRow(ctx, tx, func(rows *sql.Rows) error {
		w, err := scanWebhook(rows)
		hooks = append(hooks, w)
		return err
	}, `SELECT `+webhookColumns+` FROM webhooks w WHERE w.host_id = $1 ORDER BY w.id`, hostID)
	return hooks, err
}

// errNoHookViews is a store asked to queue a body it cannot shape.
var errNoHookViews = errors.New("webhook bodies need the API's views: the store has none (SetHookViews)")

// hookBody is the body every attempt of f's deliveries sends.
func (s *Store) hookBody(f HookFact) ([]byte, error) {
	data := map[string]any{}
	if f.Event != nil || f.Registration != nil {
		if s.hookViews == nil {
			return nil, errNoHookViews
		}
		if f.Event != nil {
			data["event"] = s.hookViews.Event(*f.Event)
		}
		if f.Registration != nil {
			data["registration"] = s.hookViews.Registration(*f.Registration)
		}
	}
	if f.Delivery != nil {
		data["delivery"] = f.Delivery
	}
	return json.Marshal(struct {
		Type      string         `json:"type"`
		Timestamp string         `json:"timestamp"`
		Data      map[string]any `json:"data"`
	}{f.Type, f.At.UTC().Format(time.RFC3339Nano), data})
}

// hooksReadyAfterCommit has the enqueuer told, once tx commits, that
// webhook deliveries are due.
func (s *Store) hooksReadyAfterCommit(tx *sql.Tx) { s.hooksReady.Store(tx, struct{}{}) }

// HooksWaker is an Enqueuer that also sends webhooks: it is told when a
// transaction that queued some commits.
type HooksWaker interface{ HooksReady() }

// HookSend is a claimed webhook delivery with what its attempt needs.
type HookSend struct {
	ID        string
	WebhookID string
	Type      string
	URL       string
	Secret    string
	Body      []byte
	// Attempts counts this one.
	Attempts int
	// RetryBase is the attempts made before the retry schedule last began.
	RetryBase int
}

// ClaimHooks claims up to limit webhook deliveries that are pending and
// due at now, oldest first, for lease: until now+lease no other claim
// takes them, and after it (the sender died, say) they are due again.
func (s *Store) ClaimHooks(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]HookSend, error) {
	lock := ""
	if s.dialect == Postgres {
		lock = " FOR UPDATE OF d SKIP LOCKED"
	}
	var claimed []HookSend
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		claimed = claimed[:0]
		err := s.eachRow(ctx, tx, func(rows *sql.Rows) error {
			var h HookSend
			var body string
			if err := rows.Scan(&h.ID, &h.WebhookID, &h.Type, &body, &h.Attempts, &h.RetryBase, &h.URL, &h.Secret); err != nil {
				return err
			}
			h.Body, h.Attempts = []byte(body), h.Attempts+1
			claimed = append(claimed, h)
			return nil
		}, `SELECT d.id, d.webhook_id, d.type, d.body, d.attempts, d.retry_base, w.url, w.secret
			FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
			WHERE d.status = 'pending' AND d.due_at <= $1 ORDER BY d.due_at, d.id LIMIT CAST($2 AS INTEGER)`+lock,
			dbTime(now), limit)
		if err != nil {
			return err
		}
		for _, h := range claimed {
			if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET attempts = $1, due_at = $2 WHERE id = $3`,
				h.Attempts, dbTime(now.Add(lease)), h.ID); err != nil {
				return s.normalize(err)
			}
		}
		return nil
	})
	return claimed, err
}

// HasDueHooks tells whether any webhook delivery is pending and due at now.
func (s *Store) HasDueHooks(ctx context.Context, now time.Time) (bool, error) {
	var one int
	err := s.read.QueryRowContext(ctx, `SELECT 1 FROM webhook_deliveries WHERE status = 'pending' AND due_at <= $1 LIMIT 1`,
		dbTime(now)).Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return err == nil, s.normalize(err)
}

// HookAttempt is what became of one attempt of a claimed delivery.
type HookAttempt struct {
	Send HookSend
	// Status is the receiver's answer, 0 when none came.
	Status int
	// Err says why the attempt failed: no answer, or not a 2xx.
	Err string
}

// RecordHookAttempt records an attempt at now: a 2xx answer delivers it; a
// failure schedules the next attempt, or fails it for good when the
// schedule is over (onair.HookRetryAt). An attempt whose claim was taken
// over since (its lease ended) is not recorded.
func (s *Store) RecordHookAttempt(ctx context.Context, a HookAttempt, now time.Time) (onair.HookDeliveryStatus, error) {
	status, due := onair.HookSucceeded, now
	var delivered sql.NullInt64
	if a.Status >= 200 && a.Status < 300 {
		delivered = sql.NullInt64{Int64: dbTime(now), Valid: true}
		a.Err = ""
	} else if at, ok := onair.HookRetryAt(a.Send.Attempts-a.Send.RetryBase, now); ok {
		status, due = onair.HookPending, at
	} else {
		status = onair.HookFailed
	}
	if a.Err == "" && !delivered.Valid {
		a.Err = fmt.Sprintf("the receiver answered %d %s", a.Status, http.StatusText(a.Status))
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = $1, response_status = $2,
			last_error = $3, delivered_at = COALESCE(CAST($4 AS BIGINT), delivered_at), due_at = $5
			WHERE id = $6 AND status = 'pending' AND attempts = $7`,
			status, a.Status, dbText(a.Err, 1000), delivered, dbTime(due), a.Send.ID, a.Send.Attempts)
		return s.normalize(err)
	})
	return status, err
}

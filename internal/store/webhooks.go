package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// A host's outgoing webhooks and the log of what was sent to each. The
// queue they are sent from is hookqueue.go.

const webhookColumns = `w.id, w.host_id, w.url, w.events, w.description, w.secret, w.created_at`

func scanWebhook(row scanner) (onair.Webhook, error) {
	var w onair.Webhook
	var events string
	var created int64
	if err := row.Scan(&w.ID, &w.HostID, &w.URL, &events, &w.Description, &w.Secret, &created); err != nil {
		return w, err
	}
	w.CreatedAt = fromDB(created)
	if err := json.Unmarshal([]byte(events), &w.Events); err != nil {
		return w, fmt.Errorf("webhook %s: stored event types: %w", w.ID, err)
	}
	return w, nil
}

var errNoSuchWebhook = onair.Errorf(onair.ErrNotFound, "not_found", "no such webhook")

// ErrTooManyWebhooks refuses a webhook beyond onair.MaxHooksPerHost.
var ErrTooManyWebhooks = &onair.ValidationError{Fields: map[string]string{
	"url": fmt.Sprintf("a host has at most %d webhooks: delete one first", onair.MaxHooksPerHost)}}

// CreateWebhook stores a host's new webhook.
func (s *Store) CreateWebhook(ctx context.Context, w onair.Webhook) error {
	events, err := json.Marshal(w.Events)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		// The host row is locked so that two creations cannot both pass
		// the count.
		var id string
		if err := tx.QueryRowContext(ctx, `SELECT id FROM hosts WHERE id = $1`+s.forUpdate, w.HostID).Scan(&id); err != nil {
			return s.normalize(err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhooks WHERE host_id = $1`, w.HostID).Scan(&n); err != nil {
			return s.normalize(err)
		}
		if n >= onair.MaxHooksPerHost {
			return ErrTooManyWebhooks
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO webhooks (id, host_id, url, events, description, secret, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			w.ID, w.HostID, w.URL, string(events), w.Description, w.Secret, dbTime(w.CreatedAt))
		return s.normalize(err)
	})
}

// Webhooks lists a host's webhooks, oldest first.
func (s *Store) Webhooks(ctx context.Context, hostID string) ([]onair.Webhook, error) {
	hooks := []onair.Webhook{}
	err := s.eachRow(ctx, s.read, func(rows *sql.Rows) error {
		w, err := scanWebhook(rows)
		hooks = append(hooks, w)
		return err
	}, `SELECT `+webhookColumns+` FROM webhooks w WHERE w.host_id = $1 ORDER BY w.created_at, w.id`, hostID)
	return hooks, err
}

// Webhook finds one of a host's webhooks; another host's is not found.
func (s *Store) Webhook(ctx context.Context, hostID, id string) (onair.Webhook, error) {
	if !onair.ValidID(id) {
		return onair.Webhook{}, errNoSuchWebhook
	}
	w, err := scanWebhook(s.read.QueryRowContext(ctx,
		`SELECT `+webhookColumns+` FROM webhooks w WHERE w.id = $1 AND w.host_id = $2`, id, hostID))
	if err == sql.ErrNoRows {
		return w, errNoSuchWebhook
	}
	return w, s.normalize(err)
}

// DeleteWebhook deletes one of a host's webhooks with its deliveries: what
// was still to be sent to it is not sent.
func (s *Store) DeleteWebhook(ctx context.Context, hostID, id string) error {
	if !onair.ValidID(id) {
		return errNoSuchWebhook
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE webhook_id IN
			(SELECT id FROM webhooks WHERE id = $1 AND host_id = $2)`, id, hostID); err != nil {
			return s.normalize(err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM webhooks WHERE id = $1 AND host_id = $2`, id, hostID)
		if err != nil {
			return s.normalize(err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errNoSuchWebhook
		}
		return nil
	})
}

const hookDeliveryColumns = `d.id, d.webhook_id, d.type, d.status, d.attempts, d.response_status, d.last_error,
	d.created_at, d.delivered_at, d.due_at`

func scanHookDelivery(row scanner) (onair.HookDelivery, error) {
	var d onair.HookDelivery
	var created, due int64
	var delivered sql.NullInt64
	err := row.Scan(&d.ID, &d.WebhookID, &d.Type, &d.Status, &d.Attempts, &d.ResponseStatus, &d.LastError,
		&created, &delivered, &due)
	d.CreatedAt, d.DeliveredAt, d.NextAttemptAt = fromDB(created), fromDBPtr(delivered), fromDB(due)
	return d, err
}

// HookDeliveries lists the latest deliveries (at most limit) of one of a
// host's webhooks, newest first.
func (s *Store) HookDeliveries(ctx context.Context, hostID, webhookID string, limit int) ([]onair.HookDelivery, error) {
	if _, err := s.Webhook(ctx, hostID, webhookID); err != nil {
		return nil, err
	}
	list := []onair.HookDelivery{}
	err := s.eachRow(ctx, s.read, func(rows *sql.Rows) error {
		d, err := scanHookDelivery(rows)
		list = append(list, d)
		return err
	}, `SELECT `+hookDeliveryColumns+` FROM webhook_deliveries d WHERE d.webhook_id = $1
		ORDER BY d.created_at DESC, d.id DESC LIMIT CAST($2 AS INTEGER)`, webhookID, limit)
	return list, err
}

var errNoSuchHookDelivery = onair.Errorf(onair.ErrNotFound, "not_found", "no such delivery of this webhook")

// RetryHookDelivery sends a delivery of one of a host's webhooks again, at
// now, whatever its status: with the same webhook-id and body, and the
// retry schedule started over. It returns the delivery as it now is.
func (s *Store) RetryHookDelivery(ctx context.Context, hostID, webhookID, deliveryID string, now time.Time) (onair.HookDelivery, error) {
	if !onair.ValidID(webhookID) || !onair.ValidID(deliveryID) {
		return onair.HookDelivery{}, errNoSuchHookDelivery
	}
	var d onair.HookDelivery
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = 'pending', due_at = $1,
			retry_base = attempts
			WHERE id = $2 AND webhook_id IN (SELECT id FROM webhooks WHERE id = $3 AND host_id = $4)`,
			dbTime(now), deliveryID, webhookID, hostID)
		if err != nil {
			return s.normalize(err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errNoSuchHookDelivery
		}
		d, err = scanHookDelivery(tx.QueryRowContext(ctx, `SELECT `+hookDeliveryColumns+`
			FROM webhook_deliveries d WHERE d.id = $1`, deliveryID))
		if err != nil {
			return s.normalize(err)
		}
		s.hooksReadyAfterCommit(tx)
		return nil
	})
	return d, err
}

package store

import (
	"context"
	"io/fs"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/onair-live/onair/internal/onair"
)

// MigrateTo applies the embedded migrations up to version only, so that a
// test can write rows as an older onair did and then migrate them.
func (s *Store) MigrateTo(ctx context.Context, version int64) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(s.dialect))
	if err != nil {
		return err
	}
	dialect := goose.DialectSQLite3
	if s.dialect == Postgres {
		dialect = goose.DialectPostgres
	}
	p, err := goose.NewProvider(dialect, s.write, sub)
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// RegisterCall is one registration for RegisterTogether.
type RegisterCall struct {
	Reg    onair.Registration
	Now    time.Time
	Limits []Limit
}

// RegisterResult is the answer to one RegisterCall.
type RegisterResult struct {
	Event onair.Event
	Err   error
}

// RegisterTogether queues every call at once, so that the committer takes
// them into one batch, and returns each answer.
func (s *Store) RegisterTogether(ctx context.Context, calls []RegisterCall) []RegisterResult {
	reqs := make([]*registerRequest, len(calls))
	c := s.committer
	c.mu.Lock()
	for i, call := range calls {
		reqs[i] = &registerRequest{ctx: ctx, reg: call.Reg, now: call.Now, limits: call.Limits,
			answer: make(chan registerResult, 1)}
	}
	c.waiting = append(c.waiting, reqs...)
	c.cond.Signal()
	c.mu.Unlock()
	out := make([]RegisterResult, len(reqs))
	for i, req := range reqs {
		out[i].Event, out[i].Err = req.wait()
	}
	return out
}

// QueuedRegistrations is how many registrations wait for a batch.
func (s *Store) QueuedRegistrations() int {
	s.committer.mu.Lock()
	defer s.committer.mu.Unlock()
	return len(s.committer.waiting)
}

// SQLRule is what the store's SQL of the domain's rules says of one
// registration on one channel.
type SQLRule struct {
	Address         string // addressSQL, as onair.Address
	DeliveryAddress string // deliveryAddressSQL of a delivery on that channel
	Recipient       bool   // recipientSQL, as onair.RecipientReason == ""
}

// RulesInSQL evaluates the SQL of the domain's rules for every registration
// of eventID on ch, by registration id.
func (s *Store) RulesInSQL(ctx context.Context, eventID string, ch onair.Channel) (map[string]SQLRule, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT r.id, `+addressSQL(channelLiteral(ch))+`, `+deliveryAddressSQL+`,
		CASE WHEN `+recipientSQL(ch)+` THEN 1 ELSE 0 END
		FROM registrations r CROSS JOIN (SELECT CAST($2 AS TEXT) AS channel) d WHERE r.event_id = $1`, eventID, string(ch))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]SQLRule{}
	for rows.Next() {
		var id string
		var rule SQLRule
		var recipient int
		if err := rows.Scan(&id, &rule.Address, &rule.DeliveryAddress, &recipient); err != nil {
			return nil, err
		}
		rule.Recipient = recipient == 1
		out[id] = rule
	}
	return out, rows.Err()
}

// AudienceInSQL evaluates audienceSQL(kind) for every registration of
// eventID, by registration id.
func (s *Store) AudienceInSQL(ctx context.Context, eventID string, kind onair.NotificationKind) (map[string]bool, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT r.id, CASE WHEN `+audienceSQL(kind)+` THEN 1 ELSE 0 END
		FROM registrations r WHERE r.event_id = $1`, eventID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		var in int
		if err := rows.Scan(&id, &in); err != nil {
			return nil, err
		}
		out[id] = in == 1
	}
	return out, rows.Err()
}

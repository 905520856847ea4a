package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// Limit is one abuse limit on a registration: at most Rate hits for Key.
// Refused is the error a hit beyond it returns (Retry-After is added).
type Limit struct {
	Key     string
	Rate    onair.RateLimit
	Refused error
}

// LimitKey names what a limit counts without keeping it: kind and value
// hashed, so that the table of limits holds no address.
func LimitKey(kind, value string) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + value))
	return hex.EncodeToString(sum[:])
}

// errEmailLimit is the answer to the sixth new registration of one email
// address within the hour.
var errEmailLimit = onair.Errorf(onair.ErrTooManyRequests, "rate_limited",
	"this email address has registered for too many events in the last hour; try again later")

// emailLimit is the limit on new registrations of one email address, across
// all events and hosts.
func emailLimit(email string) Limit {
	return Limit{Key: LimitKey("email", onair.NormalizeEmail(email)),
		Rate:    onair.RateLimit{N: onair.MaxNewRegistrationsPerEmail, Window: onair.EmailLimitWindow},
		Refused: errEmailLimit}
}

// takeHit counts one hit of l at now on the hits stored as raw, and returns
// them as they are to be stored with when the row may be pruned, or refuses
// the hit with l.Refused and when to try again. The caller holds the key's
// row (locked on PostgreSQL; on SQLite the one writer does that), so that
// concurrent hits of one key are counted one after the other, on every node
// alike.
func takeHit(raw string, l Limit, now time.Time) (hits string, expires int64, err error) {
	kept, ok, retry := onair.TakeHit(parseHits(raw), l.Rate, now)
	if !ok {
		return raw, 0, onair.RetryAfter(l.Refused, retry)
	}
	return formatHits(kept), dbTime(kept[len(kept)-1].Add(l.Rate.Window)), nil
}

func parseHits(raw string) []time.Time {
	if raw == "" {
		return nil
	}
	parts := strings.Split(raw, ",")
	hits := make([]time.Time, 0, len(parts))
	for _, p := range parts {
		if us, err := strconv.ParseInt(p, 10, 64); err == nil {
			hits = append(hits, fromDB(us))
		}
	}
	return hits
}

func formatHits(hits []time.Time) string {
	b := make([]byte, 0, len(hits)*17)
	for i, h := range hits {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, dbTime(h), 10)
	}
	return string(b)
}

// PruneRateLimits deletes the limits whose every hit has left its window
// before now.
func (s *Store) PruneRateLimits(ctx context.Context, now time.Time) (int, error) {
	res, err := s.write.ExecContext(ctx, `DELETE FROM rate_limits WHERE expires_at < $1`, dbTime(now))
	if err != nil {
		return 0, s.normalize(err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

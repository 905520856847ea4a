package store

import (
	"context"
)

// Setting returns the value stored under key, storing generate() first when
// there is none. Every node that asks gets the value that was stored first,
// so a secret generated on first start is the same everywhere.
func (s *Store) Setting(ctx context.Context, key string, generate func() string) (string, error) {
	var value string
	err := s.read.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&value)
	if err == nil {
		return value, nil
	}
	if _, err := s.write.ExecContext(ctx,
		`INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, generate()); err != nil {
		return "", s.normalize(err)
	}
	err = s.write.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&value)
	return value, s.normalize(err)
}

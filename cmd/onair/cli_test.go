package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onair-live/onair/internal/store/storetest"
)

// runCLI runs onair with args and env, returning its outputs and error.
func runCLI(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

func TestHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"help"}, {"--help"}, {"serve", "--help"}, {"migrate", "-h"}, {"host", "create", "--help"}, {"host", "--help"},
		{"viewer", "--help"}, {"viewer", "export", "--help"}, {"viewer", "erase", "--help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out, _, err := runCLI(t, nil, args...)
			if err != nil || !strings.Contains(out, "Usage") {
				t.Errorf("err %v, stdout %q", err, out)
			}
		})
	}
	t.Run("no command is a usage error", func(t *testing.T) {
		_, stderr, err := runCLI(t, nil)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(stderr, "serve") {
			t.Errorf("err %v, stderr %q", err, stderr)
		}
	})
	t.Run("an unknown command is a usage error", func(t *testing.T) {
		_, _, err := runCLI(t, nil, "launch")
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "launch") {
			t.Errorf("err %v", err)
		}
	})
	t.Run("an unknown flag is a usage error", func(t *testing.T) {
		_, _, err := runCLI(t, nil, "serve", "--port", "80")
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("err %v", err)
		}
	})
	t.Run("version", func(t *testing.T) {
		out, _, err := runCLI(t, nil, "version")
		if err != nil || !strings.HasPrefix(out, "onair ") || !strings.Contains(out, "go1.") {
			t.Errorf("err %v, stdout %q", err, out)
		}
	})
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"unknown database", map[string]string{"DATABASE_URL": "mysql://root@localhost/onair"}, nil, []string{"DATABASE_URL"}},
		{"sqlite without a path", map[string]string{"DATABASE_URL": "sqlite:"}, nil, []string{"DATABASE_URL", "path"}},
		{"sqlite in a missing folder", map[string]string{"DATABASE_URL": "sqlite:" + filepath.Join(dir, "nope", "x.db")}, nil, []string{"does not exist"}},
		{"postgres that does not answer", map[string]string{"DATABASE_URL": "postgres://postgres:secret@127.0.0.1:1/onair?connect_timeout=2"}, nil, []string{"cannot reach the database"}},
		{"bad listen address", map[string]string{"ONAIR_ADDR": "eighty"}, nil, []string{"ONAIR_ADDR"}},
		{"bad port", map[string]string{"ONAIR_ADDR": ":99999"}, nil, []string{"ONAIR_ADDR"}},
		{"bad profiles address", map[string]string{"ONAIR_PPROF_ADDR": "6060"}, nil, []string{"ONAIR_PPROF_ADDR"}},
		{"relative app URL", map[string]string{"APP_URL": "events.example.com"}, nil, []string{"APP_URL"}},
		{"short secret", map[string]string{"ONAIR_SECRET_KEY": "short"}, nil, []string{"ONAIR_SECRET_KEY"}},
		{"bad sender", map[string]string{"EMAIL_FROM": "nobody"}, nil, []string{"EMAIL_FROM"}},
		{"bad SMTP URL", map[string]string{"SMTP_URL": "http://mail.example.com"}, nil, []string{"SMTP_URL"}},
		{"half of Mailgun", map[string]string{"MAILGUN_API_KEY": "key"}, nil, []string{"MAILGUN_DOMAIN"}},
		{"part of Twilio", map[string]string{"TWILIO_ACCOUNT_SID": "AC1"}, nil, []string{"TWILIO_AUTH_TOKEN"}},
		{"negative rate", map[string]string{"ONAIR_SMS_RATE": "-1"}, nil, []string{"ONAIR_SMS_RATE"}},
		{"zero SMTP connections", map[string]string{"ONAIR_SMTP_CONNS": "0"}, nil, []string{"ONAIR_SMTP_CONNS"}},
		{"an SMTP timeout without a unit", map[string]string{"ONAIR_SMTP_TIMEOUT": "30"}, nil, []string{"ONAIR_SMTP_TIMEOUT", "duration"}},
		{"an SMTP timeout too short", map[string]string{"ONAIR_SMTP_TIMEOUT": "10ms"}, nil, []string{"ONAIR_SMTP_TIMEOUT", "from 1s"}},
		{"sign-up neither open nor closed", map[string]string{"ONAIR_SIGNUP": "invite-only"}, nil, []string{"ONAIR_SIGNUP", "onair host create"}},
		{"negative outbox days", map[string]string{"ONAIR_OUTBOX_DAYS": "-1"}, nil, []string{"ONAIR_OUTBOX_DAYS", "0 keeps"}},
		{"outbox days that are not days", map[string]string{"ONAIR_OUTBOX_DAYS": "30d"}, nil, []string{"ONAIR_OUTBOX_DAYS", "whole number"}},
		{"every problem at once", map[string]string{"ONAIR_ADDR": "x", "APP_URL": "y", "ONAIR_EMAIL_RATE": "fast"}, nil,
			[]string{"ONAIR_ADDR", "APP_URL", "ONAIR_EMAIL_RATE"}},
		{"a flag overrides the environment", map[string]string{"DATABASE_URL": "sqlite:" + filepath.Join(dir, "ok.db")},
			[]string{"--database-url", "oracle://x"}, []string{"DATABASE_URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"ONAIR_ADDR": "127.0.0.1:0", "DATABASE_URL": "sqlite:" + filepath.Join(dir, "onair.db")}
			for k, v := range tt.env {
				env[k] = v
			}
			_, _, err := runCLI(t, env, append([]string{"serve"}, tt.args...)...)
			if err == nil {
				t.Fatal("serve started")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "secret@") {
				t.Errorf("the error shows the database password: %q", err)
			}
		})
	}
}

func TestMigrateAndHostCreate(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		env := map[string]string{"DATABASE_URL": dbURL}
		for range 2 {
			out, _, err := runCLI(t, env, "migrate")
			if err != nil || !strings.Contains(out, "up to date") {
				t.Fatalf("migrate: %v %q", err, out)
			}
		}
		out, _, err := runCLI(t, env, "host", "create", "--email", "cli@example.com", "--password", "a long password")
		if err != nil {
			t.Fatal(err)
		}
		token := strings.TrimSpace(out)
		if !strings.HasPrefix(token, "onair_") || strings.Contains(token, "\n") {
			t.Fatalf("stdout %q is not just a token", out)
		}
		a := startApp(t, dbURL, nil)
		a.expect(http.StatusOK, "GET", "/api/events", token, nil)
		a.expect(http.StatusOK, "POST", "/api/auth/login", "", map[string]string{"email": "cli@example.com", "password": "a long password"})

		t.Run("the same email again", func(t *testing.T) {
			_, _, err := runCLI(t, env, "host", "create", "--email", "CLI@example.com", "--password", "a long password")
			if err == nil || !strings.Contains(err.Error(), "already exists") {
				t.Errorf("err %v", err)
			}
		})
		t.Run("a short password", func(t *testing.T) {
			_, _, err := runCLI(t, env, "host", "create", "--email", "new@example.com", "--password", "short")
			if err == nil || !strings.Contains(err.Error(), "password") {
				t.Errorf("err %v", err)
			}
		})
		t.Run("missing flags", func(t *testing.T) {
			_, _, err := runCLI(t, env, "host", "create", "--email", "new@example.com")
			var ue usageError
			if !errors.As(err, &ue) {
				t.Errorf("err %v", err)
			}
		})
	})
}

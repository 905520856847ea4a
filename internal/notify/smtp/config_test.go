package smtp_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/onair-live/onair/internal/notify/smtp"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    smtp.Config
		wantErr string
	}{
		{name: "STARTTLS with credentials and port", raw: "smtp://user:pass@mail.example.com:2525",
			want: smtp.Config{Host: "mail.example.com", Port: 2525, Username: "user", Password: "pass"}},
		{name: "smtp defaults to the submission port", raw: "smtp://mail.example.com",
			want: smtp.Config{Host: "mail.example.com", Port: 587}},
		{name: "smtps is implicit TLS on 465", raw: "smtps://u:p@mail.example.com",
			want: smtp.Config{Host: "mail.example.com", Port: 465, Username: "u", Password: "p", ImplicitTLS: true}},
		{name: "percent-encoded password", raw: "smtp://apikey:p%40ss%3Aw%2Frd@127.0.0.1:25",
			want: smtp.Config{Host: "127.0.0.1", Port: 25, Username: "apikey", Password: "p@ss:w/rd"}},
		{name: "IPv6 host", raw: "smtp://[::1]:1025", want: smtp.Config{Host: "::1", Port: 1025}},
		{name: "scheme is case-insensitive", raw: "SMTPS://mail.example.com",
			want: smtp.Config{Host: "mail.example.com", Port: 465, ImplicitTLS: true}},
		{name: "other scheme", raw: "http://mail.example.com", wantErr: "scheme"},
		{name: "no host", raw: "smtp://user:pass@:25", wantErr: "no host"},
		{name: "bad port", raw: "smtp://mail.example.com:0", wantErr: "port"},
		{name: "a path", raw: "smtp://mail.example.com/x", wantErr: "path"},
		{name: "unencoded password does not leak", raw: "smtp://u:s3cr/et@mail.example.com", wantErr: "percent-encode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := smtp.ParseURL(tt.raw)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3cr") {
					t.Errorf("error reveals the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestConfigFromEnv(t *testing.T) {
	t.Run("unset SMTP_URL is not configured", func(t *testing.T) {
		if _, err := smtp.ConfigFromEnv(env{}.get); !errors.Is(err, smtp.ErrNotConfigured) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("EMAIL_FROM and ONAIR_SMTP_CONNS", func(t *testing.T) {
		cfg, err := smtp.ConfigFromEnv(env{"SMTP_URL": "smtp://relay:25", "EMAIL_FROM": "Live <live@example.com>",
			"ONAIR_SMTP_CONNS": "4"}.get)
		if err != nil || cfg.From != "Live <live@example.com>" || cfg.Conns != 4 || cfg.Host != "relay" {
			t.Errorf("cfg %+v, err %v", cfg, err)
		}
	})
	t.Run("defaults", func(t *testing.T) {
		cfg, err := smtp.ConfigFromEnv(env{"SMTP_URL": "smtp://relay"}.get)
		if err != nil || cfg.From != "" || cfg.Conns != 0 {
			t.Errorf("cfg %+v, err %v: zero fields are filled by New", cfg, err)
		}
		if _, err := smtp.New(cfg); err != nil {
			t.Errorf("New with defaults: %v", err)
		}
	})
	for _, bad := range []env{
		{"SMTP_URL": "smtp://relay", "ONAIR_SMTP_CONNS": "0"},
		{"SMTP_URL": "smtp://relay", "ONAIR_SMTP_CONNS": "ten"},
		{"SMTP_URL": "smtp://relay", "EMAIL_FROM": "not an address"},
		{"SMTP_URL": "smtp://relay", "EMAIL_FROM": "a@b.example\r\nBcc: x@y.example"},
	} {
		t.Run("refuses "+bad["ONAIR_SMTP_CONNS"]+bad["EMAIL_FROM"], func(t *testing.T) {
			if _, err := smtp.ConfigFromEnv(bad.get); err == nil {
				t.Error("no error")
			}
		})
	}
}

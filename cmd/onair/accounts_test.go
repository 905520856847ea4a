package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/onair-live/onair/internal/store/storetest"
)

func TestAccounts(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, nil)
		creds := map[string]string{"email": "Host@Example.com", "password": "correct horse"}

		t.Run("signup returns the host and a working token", func(t *testing.T) {
			out := a.expect(http.StatusCreated, "POST", "/api/auth/signup", "", creds)
			host := out["host"].(map[string]any)
			if host["email"] != "Host@Example.com" || host["id"] == "" {
				t.Errorf("host = %v", host)
			}
			if _, ok := host["password_hash"]; ok {
				t.Error("the password hash is shown")
			}
			a.expect(http.StatusOK, "GET", "/api/events", out["token"].(string), nil)
		})
		t.Run("the same email in another case is a conflict", func(t *testing.T) {
			out := a.expect(http.StatusConflict, "POST", "/api/auth/signup", "",
				map[string]string{"email": "host@EXAMPLE.com", "password": "another one"})
			if errCode(out) != "email_taken" {
				t.Errorf("code = %q", errCode(out))
			}
		})
		t.Run("signup validates every field at once", func(t *testing.T) {
			out := a.expect(http.StatusUnprocessableEntity, "POST", "/api/auth/signup", "",
				map[string]string{"email": "not an email", "password": "short"})
			if errField(out, "email") == "" || errField(out, "password") == "" {
				t.Errorf("fields = %v", out)
			}
		})
		t.Run("login with the right password", func(t *testing.T) {
			out := a.expect(http.StatusOK, "POST", "/api/auth/login", "",
				map[string]string{"email": "host@example.com", "password": "correct horse"})
			a.expect(http.StatusOK, "GET", "/api/events", out["token"].(string), nil)
		})
		t.Run("login failures say nothing about the account", func(t *testing.T) {
			wrong := a.expect(http.StatusUnauthorized, "POST", "/api/auth/login", "",
				map[string]string{"email": "host@example.com", "password": "wrong password"})
			unknown := a.expect(http.StatusUnauthorized, "POST", "/api/auth/login", "",
				map[string]string{"email": "nobody@example.com", "password": "wrong password"})
			if errCode(wrong) != "invalid_credentials" || wrong["error"].(map[string]any)["message"] != unknown["error"].(map[string]any)["message"] {
				t.Errorf("wrong password: %v; unknown email: %v", wrong, unknown)
			}
		})
		t.Run("repeated failed logins are rate limited", func(t *testing.T) {
			body := map[string]string{"email": "victim@example.com", "password": "guess guess"}
			for range 10 {
				a.expect(http.StatusUnauthorized, "POST", "/api/auth/login", "", body)
			}
			status, _, header := a.raw("POST", "/api/auth/login", "", body)
			if status != http.StatusTooManyRequests || header.Get("Retry-After") == "" {
				t.Errorf("11th failed login: %d, Retry-After %q", status, header.Get("Retry-After"))
			}
		})
		t.Run("an unknown token is refused", func(t *testing.T) {
			a.expect(http.StatusUnauthorized, "GET", "/api/events", "onair_not-a-token", nil)
		})
	})
}

// ONAIR_SIGNUP=closed: a public instance is no free bulk-mail service;
// only `onair host create` makes hosts, and they sign in as ever.
func TestSignupClosed(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dbURL string) {
		a := startApp(t, dbURL, map[string]string{"ONAIR_SIGNUP": "closed"})
		creds := map[string]string{"email": "new@example.com", "password": "correct horse"}

		out := a.expect(http.StatusForbidden, "POST", "/api/auth/signup", "", creds)
		if e := out["error"].(map[string]any); e["code"] != "signup_closed" || !strings.Contains(e["message"].(string), "onair host create") {
			t.Errorf("sign-up answered %v", out)
		}
		b := newViewerBrowser(t, a)
		if status, body, _ := b.get("/signup"); status != http.StatusForbidden || !strings.Contains(body, "onair host create") {
			t.Errorf("GET /signup: %d\n%s", status, body)
		}
		_, login, _ := b.get("/login")
		if strings.Contains(login, `href="/signup"`) {
			t.Errorf("the login page links to the closed sign-up")
		}
		if status, _, _ := b.post("/signup", url.Values{"csrf_token": {b.csrf()}, "email": {"page@example.com"},
			"password": {"correct horse"}}); status != http.StatusForbidden {
			t.Errorf("POST /signup: %d", status)
		}
		if status, _ := a.do("POST", "/api/auth/login", "", map[string]string{"email": "page@example.com", "password": "correct horse"}); status != http.StatusUnauthorized {
			t.Errorf("the page made a host: login %d", status)
		}

		if _, _, err := runCLI(t, map[string]string{"DATABASE_URL": dbURL}, "host", "create", "--email", creds["email"], "--password", creds["password"]); err != nil {
			t.Fatalf("onair host create: %v", err)
		}
		a.expect(http.StatusOK, "POST", "/api/auth/login", "", creds)

		// Open, the default: the login page offers sign-up.
		a.Stop()
		open := startApp(t, dbURL, nil)
		if _, body, _ := newViewerBrowser(t, open).get("/login"); !strings.Contains(body, `href="/signup"`) {
			t.Errorf("the login page of an open instance does not link to sign-up")
		}
	})
}

package notifytest_test

import (
	"crypto/tls"
	"errors"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify/notifytest"
)

// The tests drive the server with the standard library's net/smtp, a
// client that shares no code with onair's provider.

const sample = "From: Host <host@example.com>\r\n" +
	"To: viewer@example.com\r\n" +
	"Subject: =?UTF-8?q?R=C3=A9union_demain?=\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
	"\r\n" +
	"--outer\r\n" +
	"Content-Type: multipart/alternative; boundary=\"inner\"\r\n" +
	"\r\n" +
	"--inner\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Caf=C3=A9 at nine\r\n" +
	"--inner\r\n" +
	"Content-Type: text/html; charset=UTF-8\r\n" +
	"\r\n" +
	"<p>Caf\xc3\xa9 at nine</p>\r\n" +
	"--inner--\r\n" +
	"--outer\r\n" +
	"Content-Type: text/calendar; charset=utf-8; method=REQUEST; name=\"invite.ics\"\r\n" +
	"Content-Disposition: attachment; filename=\"invite.ics\"\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"QkVHSU46VkNBTEVOREFSDQpF\r\n" +
	"TkQ6VkNBTEVOREFSDQo=\r\n" +
	"--outer--\r\n"

func send(t *testing.T, addr string, auth smtp.Auth, to string) error {
	t.Helper()
	return smtp.SendMail(addr, auth, "host@example.com", []string{to}, []byte(sample))
}

func smtpCode(err error) int {
	var tpErr *textproto.Error
	if errors.As(err, &tpErr) {
		return tpErr.Code
	}
	return 0
}

func TestSMTPServerRecordsMessages(t *testing.T) {
	srv := notifytest.NewSMTPServer(t)
	if err := send(t, srv.Addr(), nil, "viewer@example.com"); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(1, 5*time.Second)[0]

	t.Run("envelope and header", func(t *testing.T) {
		if got.From != "host@example.com" || len(got.To) != 1 || got.To[0] != "viewer@example.com" {
			t.Errorf("envelope = %q → %q", got.From, got.To)
		}
		if s := got.Subject(); s != "Réunion demain" {
			t.Errorf("Subject() = %q", s)
		}
		if got.Conn != 1 || srv.Connections() != 1 || got.TLS || got.Username != "" {
			t.Errorf("Conn %d, Connections %d, TLS %v, Username %q", got.Conn, srv.Connections(), got.TLS, got.Username)
		}
	})
	t.Run("parts are decoded", func(t *testing.T) {
		parts, err := got.Parts()
		if err != nil {
			t.Fatal(err)
		}
		if len(parts) != 3 {
			t.Fatalf("%d parts, want 3", len(parts))
		}
		if p := parts[0]; p.MediaType != "text/plain" || strings.TrimSpace(string(p.Body)) != "Café at nine" ||
			strings.Join(p.Within, ",") != "multipart/mixed,multipart/alternative" {
			t.Errorf("text part = %+v", p)
		}
		if p, ok := got.PartOf("text/html"); !ok || !strings.Contains(string(p.Body), "Café") {
			t.Errorf("html part = %+v", p)
		}
		ics := parts[2]
		if ics.Filename != "invite.ics" || ics.Disposition != "attachment" || ics.Params["method"] != "REQUEST" ||
			string(ics.Body) != "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n" {
			t.Errorf("ics part = %+v, body %q", ics, ics.Body)
		}
	})
}

func TestSMTPServerAuth(t *testing.T) {
	tests := []struct {
		name       string
		mechanisms []string
		auth       smtp.Auth
		wantCode   int
	}{
		{"PLAIN with the right password", nil, smtp.PlainAuth("", "relay", "pw", "127.0.0.1"), 0},
		{"LOGIN with the right password", []string{"LOGIN"}, loginAuth{"relay", "pw"}, 0},
		{"wrong password is 535", nil, smtp.PlainAuth("", "relay", "nope", "127.0.0.1"), 535},
		{"no authentication is refused at MAIL", nil, nil, 502},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := []notifytest.SMTPOption{notifytest.WithAuth("relay", "pw")}
			if tt.mechanisms != nil {
				opts = append(opts, notifytest.WithAuthMechanisms(tt.mechanisms...))
			}
			srv := notifytest.NewSMTPServer(t, opts...)
			err := send(t, srv.Addr(), tt.auth, "viewer@example.com")
			if code := smtpCode(err); code != tt.wantCode {
				t.Fatalf("err = %v (code %d), want code %d", err, code, tt.wantCode)
			}
			if tt.wantCode == 0 {
				if got := srv.WaitFor(1, 5*time.Second)[0]; got.Username != "relay" {
					t.Errorf("Username = %q", got.Username)
				}
			}
		})
	}
}

// loginAuth is the client side of AUTH LOGIN, which net/smtp lacks.
type loginAuth struct{ user, pass string }

func (a loginAuth) Start(*smtp.ServerInfo) (string, []byte, error) { return "LOGIN", nil, nil }
func (a loginAuth) Next(challenge []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	if strings.HasPrefix(string(challenge), "User") {
		return []byte(a.user), nil
	}
	return []byte(a.pass), nil
}

func TestSMTPServerFailures(t *testing.T) {
	t.Run("a failed recipient gets its code", func(t *testing.T) {
		srv := notifytest.NewSMTPServer(t)
		srv.FailRecipient("Bad@Example.com", 550)
		if code := smtpCode(send(t, srv.Addr(), nil, "bad@example.com")); code != 550 {
			t.Errorf("code %d, want 550", code)
		}
		if err := send(t, srv.Addr(), nil, "good@example.com"); err != nil {
			t.Errorf("good recipient: %v", err)
		}
	})
	t.Run("all recipients can fail", func(t *testing.T) {
		srv := notifytest.NewSMTPServer(t)
		srv.FailAllRecipients(452)
		if code := smtpCode(send(t, srv.Addr(), nil, "any@example.com")); code != 452 {
			t.Errorf("code %d, want 452", code)
		}
		srv.ClearFailures()
		if err := send(t, srv.Addr(), nil, "any@example.com"); err != nil {
			t.Errorf("after ClearFailures: %v", err)
		}
	})
	t.Run("the next transactions answer 421", func(t *testing.T) {
		srv := notifytest.NewSMTPServer(t)
		srv.FailNext(2)
		for i := range 2 {
			if code := smtpCode(send(t, srv.Addr(), nil, "v@example.com")); code != 421 {
				t.Errorf("attempt %d: code %d, want 421", i, code)
			}
		}
		if err := send(t, srv.Addr(), nil, "v@example.com"); err != nil {
			t.Errorf("third attempt: %v", err)
		}
		if srv.Count() != 1 {
			t.Errorf("Count = %d", srv.Count())
		}
	})
}

func TestSMTPServerTLS(t *testing.T) {
	t.Run("STARTTLS", func(t *testing.T) {
		srv := notifytest.NewSMTPServer(t, notifytest.WithSTARTTLS())
		c, err := smtp.Dial(srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if ok, _ := c.Extension("STARTTLS"); !ok {
			t.Fatal("STARTTLS not offered")
		}
		if err := c.StartTLS(srv.ClientTLSConfig()); err != nil {
			t.Fatal(err)
		}
		transact(t, c)
		if got := srv.WaitFor(1, 5*time.Second)[0]; !got.TLS {
			t.Error("message not marked TLS")
		}
	})
	t.Run("implicit TLS", func(t *testing.T) {
		srv := notifytest.NewSMTPServer(t, notifytest.WithImplicitTLS())
		if !strings.HasPrefix(srv.URL(), "smtps://") {
			t.Errorf("URL = %s", srv.URL())
		}
		conn, err := tls.Dial("tcp", srv.Addr(), srv.ClientTLSConfig())
		if err != nil {
			t.Fatal(err)
		}
		c, err := smtp.NewClient(conn, srv.Host())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		transact(t, c)
		if got := srv.WaitFor(1, 5*time.Second)[0]; !got.TLS || got.Conn != 1 {
			t.Errorf("TLS %v, Conn %d", got.TLS, got.Conn)
		}
	})
}

func transact(t *testing.T, c *smtp.Client) {
	t.Helper()
	if err := c.Mail("host@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("viewer@example.com"); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(sample)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestSMTPServerConnections(t *testing.T) {
	srv := notifytest.NewSMTPServer(t)
	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	transact(t, c)
	transact(t, c)
	if srv.Connections() != 1 || srv.OpenConnections() != 1 {
		t.Fatalf("Connections %d, open %d; want 1, 1", srv.Connections(), srv.OpenConnections())
	}
	srv.DropConnections()
	if err := c.Noop(); err == nil {
		t.Error("NOOP succeeded on a dropped connection")
	}
	if n := srv.OpenConnections(); n != 0 {
		t.Errorf("open connections after drop = %d", n)
	}
}

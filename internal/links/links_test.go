package links

import (
	"net/url"
	"strings"
	"testing"

	"github.com/onair-live/onair/internal/onair"
)

// The exact form of every viewer URL, pinned: messages already sent carry
// these links, and the routes of internal/web answer them.
func TestLinksExactForm(t *testing.T) {
	const (
		secret = "pinned-secret"
		nid    = "3d6f0a2b-5c4e-4f8a-9b1c-2d3e4f5a6b7c"
	)
	reg := onair.Registration{ID: "0f8e2d4c-1b3a-4c5d-8e9f-a0b1c2d3e4f5", EventID: "7c9e6679-7425-40de-944b-e07fc1f90ae7"}
	l := New("https://events.example.com/", secret) // the trailing slash is dropped
	v := l.Viewer(reg)
	sample := l.Sample(reg.EventID, "sample-token")
	click, pixel := l.Tracking(nid, 42)
	const watchToken = "D44tTBs6TF2On6CxwtPk9QX6hBCdv2K59d5XA0hShRWQ"
	tests := []struct {
		name, got, want string
	}{
		{"watch", l.Watch(reg),
			"https://events.example.com/watch/7c9e6679-7425-40de-944b-e07fc1f90ae7?token=" + watchToken},
		{"viewer's watch", v.Watch,
			"https://events.example.com/watch/7c9e6679-7425-40de-944b-e07fc1f90ae7?token=" + watchToken},
		{"viewer's calendar", v.Calendar,
			"https://events.example.com/api/registrations/ics?token=" + watchToken},
		{"calendar path of a page", l.CalendarPath(reg),
			"/api/registrations/ics?token=" + watchToken},
		{"viewer's unsubscribe", v.Unsubscribe,
			"https://events.example.com/u/D44tTBs6TF2On6CxwtPk9Q.NwCqDoW-jb45ROPH5yJaRw"},
		{"register", l.Register(reg.EventID),
			"https://events.example.com/register/7c9e6679-7425-40de-944b-e07fc1f90ae7"},
		{"watch path", WatchPath(reg.EventID), "/watch/7c9e6679-7425-40de-944b-e07fc1f90ae7"},
		{"open pixel", l.OpenPixel(nid, 42),
			"https://events.example.com/api/track/notification/3d6f0a2b-5c4e-4f8a-9b1c-2d3e4f5a6b7c/open?d=42.0DlKDPwAHHtMubEWMa-PIw"},
		{"tracking's pixel", pixel,
			"https://events.example.com/api/track/notification/3d6f0a2b-5c4e-4f8a-9b1c-2d3e4f5a6b7c/open?d=42.0DlKDPwAHHtMubEWMa-PIw"},
		{"click", l.Click(nid, 42, "https://events.example.com/watch/x?token=y"),
			"https://events.example.com/api/track/notification/3d6f0a2b-5c4e-4f8a-9b1c-2d3e4f5a6b7c/click?d=42.aHR0cHM6Ly9ldmVudHMuZXhhbXBsZS5jb20vd2F0Y2gveD90b2tlbj15.pkQw8U6g9pUDDh7ngqbaAw"},
		{"tracking's click", click("https://events.example.com/watch/x?token=y"),
			"https://events.example.com/api/track/notification/3d6f0a2b-5c4e-4f8a-9b1c-2d3e4f5a6b7c/click?d=42.aHR0cHM6Ly9ldmVudHMuZXhhbXBsZS5jb20vd2F0Y2gveD90b2tlbj15.pkQw8U6g9pUDDh7ngqbaAw"},
		{"click of a notification id that needs escaping", l.Click("n/1 ?", 7, "https://stream.example.com/live"),
			"https://events.example.com/api/track/notification/n%2F1%20%3F/click?d=7.aHR0cHM6Ly9zdHJlYW0uZXhhbXBsZS5jb20vbGl2ZQ.gF1DTjvvRBMtrbuEN6jn-Q"},
		{"sample watch", sample.Watch,
			"https://events.example.com/watch/7c9e6679-7425-40de-944b-e07fc1f90ae7?token=sample-token"},
		{"sample calendar", sample.Calendar, "https://events.example.com/api/registrations/ics?token=sample-token"},
		{"sample unsubscribe", sample.Unsubscribe, "https://events.example.com/u/sample-token"},
		{"base without a trailing slash", New("http://localhost:8080", secret).Register("e"),
			"http://localhost:8080/register/e"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got  %s\nwant %s", tt.got, tt.want)
			}
		})
	}
}

// The tokens that the links carry are the ones the routes accept for that
// registration and that delivery, under that secret alone.
func TestLinksCarryTheirTokens(t *testing.T) {
	const secret, nid, target = "another-secret", "notification-1", "https://stream.example.com/live?x=1"
	reg := onair.Registration{ID: onair.NewID(), EventID: onair.NewID()}
	l := New("https://onair.example.org", secret)
	v := l.Viewer(reg)
	query := func(t *testing.T, raw, key string) string {
		t.Helper()
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		return u.Query().Get(key)
	}
	t.Run("watch and calendar carry the watch token", func(t *testing.T) {
		for _, raw := range []string{v.Watch, v.Calendar, l.Watch(reg)} {
			tok := query(t, raw, "token")
			if id, ok := onair.ParseWatchToken(secret, tok); !ok || id != reg.ID {
				t.Errorf("%s: token names %q (valid %v), want %s", raw, id, ok, reg.ID)
			}
			if _, ok := onair.ParseWatchToken("other", tok); ok {
				t.Errorf("%s: token verifies under another secret", raw)
			}
		}
	})
	t.Run("unsubscribe carries the unsubscribe token", func(t *testing.T) {
		tok, ok := strings.CutPrefix(v.Unsubscribe, "https://onair.example.org/u/")
		if !ok {
			t.Fatalf("unsubscribe link %s", v.Unsubscribe)
		}
		if id, ok := onair.ParseUnsubscribeToken(secret, tok); !ok || id != reg.ID {
			t.Errorf("token names %q (valid %v), want %s", id, ok, reg.ID)
		}
		if _, ok := onair.ParseWatchToken(secret, tok); ok {
			t.Error("the unsubscribe token is a watch token")
		}
	})
	t.Run("click names the delivery and the target", func(t *testing.T) {
		d := query(t, l.Click(nid, 9, target), "d")
		if id, got, ok := onair.ParseClickTrackingData(secret, nid, d); !ok || id != 9 || got != target {
			t.Errorf("d gives delivery %d, target %q (valid %v)", id, got, ok)
		}
	})
	t.Run("open pixel names the delivery", func(t *testing.T) {
		d := query(t, l.OpenPixel(nid, 9), "d")
		if id, ok := onair.ParseOpenTrackingData(secret, nid, d); !ok || id != 9 {
			t.Errorf("d gives delivery %d (valid %v)", id, ok)
		}
	})
}

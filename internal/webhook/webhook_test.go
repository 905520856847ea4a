package webhook

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// receiver is a test server on 127.0.0.1 that counts what reaches it.
func receiver(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// onName is srv's URL with its host replaced by name (and its port kept).
func onName(t *testing.T, srv *httptest.Server, name string) string {
	t.Helper()
	u, _ := url.Parse(srv.URL)
	u.Host = net.JoinHostPort(name, u.Port())
	return u.String() + "/hook"
}

func TestTheDialerRefusesAPublicLookingNameThatResolvesToLoopback(t *testing.T) {
	srv, hits := receiver(t, func(w http.ResponseWriter, r *http.Request) {})
	loopback := func(context.Context, string) ([]netip.Addr, error) {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	}
	m := Message{URL: onName(t, srv, "hooks.example.com"), Secret: onair.NewHookSecret(), ID: "msg_1", Body: []byte(`{}`)}

	guarded := Guard{Lookup: loopback}
	status, err := Post(context.Background(), guarded.Client(), m, time.Now())
	if !errors.Is(err, ErrPrivateAddress) || status != 0 {
		t.Errorf("Post to a name on 127.0.0.1: %d, %v; want the guard's refusal", status, err)
	}
	if hits.Load() != 0 {
		t.Errorf("the receiver on 127.0.0.1 was reached %d times", hits.Load())
	}

	// The same address where private addresses are allowed: it is the
	// guard that refused, not the test's plumbing.
	open := Guard{AllowPrivate: true, Lookup: loopback}
	if status, err := Post(context.Background(), open.Client(), m, time.Now()); err != nil || status != http.StatusOK {
		t.Errorf("with private addresses allowed: %d, %v", status, err)
	}
	if hits.Load() != 1 {
		t.Errorf("the receiver was reached %d times, want 1", hits.Load())
	}
}

func TestDNSRebindingIsCaughtWhenConnecting(t *testing.T) {
	srv, hits := receiver(t, func(w http.ResponseWriter, r *http.Request) {})
	var lookups atomic.Int64
	// Public when the URL is checked, loopback when it is dialled.
	rebinding := func(context.Context, string) ([]netip.Addr, error) {
		if lookups.Add(1) == 1 {
			return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil
		}
		return []netip.Addr{netip.MustParseAddr("::ffff:127.0.0.1")}, nil
	}
	g := Guard{Lookup: rebinding}
	m := Message{URL: onName(t, srv, "rebind.example.com"), Secret: onair.NewHookSecret(), ID: "msg_2", Body: []byte(`{}`)}
	if err := g.CheckURL(context.Background(), m.URL); err != nil {
		t.Fatalf("CheckURL with a public address: %v", err)
	}
	if _, err := Post(context.Background(), g.Client(), m, time.Now()); !errors.Is(err, ErrPrivateAddress) {
		t.Errorf("Post after the name moved to loopback: %v; want the guard's refusal", err)
	}
	if hits.Load() != 0 {
		t.Errorf("the receiver was reached")
	}
}

func TestTheSystemResolverIsGuardedToo(t *testing.T) {
	srv, hits := receiver(t, func(w http.ResponseWriter, r *http.Request) {})
	m := Message{URL: onName(t, srv, "localhost"), Secret: onair.NewHookSecret(), ID: "msg_3", Body: []byte(`{}`)}
	if _, err := Post(context.Background(), Guard{}.Client(), m, time.Now()); !errors.Is(err, ErrPrivateAddress) {
		t.Errorf("Post to localhost: %v; want the guard's refusal", err)
	}
	m.URL = srv.URL
	if _, err := Post(context.Background(), Guard{}.Client(), m, time.Now()); !errors.Is(err, ErrPrivateAddress) {
		t.Errorf("Post to 127.0.0.1: %v; want the guard's refusal", err)
	}
	if hits.Load() != 0 {
		t.Errorf("the receiver was reached")
	}
}

func TestCheckURL(t *testing.T) {
	lookup := func(_ context.Context, host string) ([]netip.Addr, error) {
		switch host {
		case "public.example.com":
			return []netip.Addr{netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("2606:2800:220:1::1")}, nil
		case "mixed.example.com":
			return []netip.Addr{netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("10.0.0.7")}, nil
		case "inside.example.com":
			return []netip.Addr{netip.MustParseAddr("fd00::7")}, nil
		}
		return nil, errors.New("no such host")
	}
	g := Guard{Lookup: lookup}
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://public.example.com/hook", true},
		{"https://93.184.216.34/hook", true},
		{"https://mixed.example.com/hook", false},
		{"https://inside.example.com/hook", false},
		{"https://nowhere.example.com/hook", false},
		{"https://127.0.0.1/hook", false},
		{"https://[::1]/hook", false},
		{"https://[::ffff:127.0.0.1]/hook", false},
		{"https://169.254.169.254/latest/meta-data", false},
		{"https://10.1.2.3/hook", false},
		{"https://0.0.0.0/hook", false},
		{"https://localhost/hook", false},
		{"https://app.localhost/hook", false},
	} {
		err := g.CheckURL(context.Background(), tc.url)
		var ve *onair.ValidationError
		switch {
		case tc.ok && err != nil:
			t.Errorf("%s: %v", tc.url, err)
		case !tc.ok && (!errors.As(err, &ve) || !ve.Has("url")):
			t.Errorf("%s: %v; want a problem with url", tc.url, err)
		}
	}
	if err := (Guard{AllowPrivate: true, Lookup: lookup}).CheckURL(context.Background(), "http://10.1.2.3/hook"); err != nil {
		t.Errorf("with private addresses allowed: %v", err)
	}
}

func TestPostSignsAndFollowsNoRedirect(t *testing.T) {
	secret := onair.NewHookSecret()
	elsewhere, elsewhereHits := receiver(t, func(w http.ResponseWriter, r *http.Request) {})
	var got http.Header
	srv, _ := receiver(t, func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		http.Redirect(w, r, elsewhere.URL, http.StatusFound)
	})
	now := time.Unix(1_800_000_000, 0)
	status, err := Post(context.Background(), Guard{AllowPrivate: true}.Client(),
		Message{URL: srv.URL, Secret: secret, ID: "msg_4", Body: []byte(`{"a":1}`)}, now)
	if status != http.StatusFound || err == nil {
		t.Errorf("a redirect: %d, %v; want 302 as a failure", status, err)
	}
	if elsewhereHits.Load() != 0 {
		t.Error("the redirect was followed")
	}
	want, _ := onair.SignHook(secret, "msg_4", now.Unix(), []byte(`{"a":1}`))
	if got.Get("webhook-id") != "msg_4" || got.Get("webhook-timestamp") != "1800000000" || got.Get("webhook-signature") != want ||
		got.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", got)
	}
}

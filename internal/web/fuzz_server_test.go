package web

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/accounts"
	"github.com/onair-live/onair/internal/metrics"
	"github.com/onair-live/onair/internal/notify/twilio"
	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/store/storetest"
)

// The whole-server fuzz targets send requests to one Server on a SQLite
// store that holds a host and an upcoming event with SMS and email on, with
// one registration. Requests name the fixtures by placeholders, expanded
// anywhere in the path, the query, the headers and the body:
//
//	$E event id       $R registration id     $T viewer's watch token
//	$A API token      $S session token       $C CSRF token (cookie and form)
//	$U unsubscribe    $N email confirmation  $D its delivery to $R
//	$O open d, $K click d of $D              $CRON cron secret
//	$TS now, unix     $TK a fresh Mailgun token, $MGSIG its signature
//	$TWSIG the Twilio signature of the request
//
// Whatever the request, the answer is never a 5xx, nothing is logged as an
// error, and an error of the API is its JSON shape. A request that ends,
// cancels, fills or closes the event, or unsubscribes the registration,
// leaves the next one a new event and registration (and a logout, a new
// session), so that every input meets the fixtures as they were made.

// fuzzNow is the fixed clock of the fuzzed server.
var fuzzNow = time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)

const (
	fuzzAppURL     = "http://onair.test"
	fuzzSecret     = "fuzz-secret-key"
	fuzzCron       = "fuzz-cron-secret"
	fuzzTwilio     = "fuzz-twilio-token"
	fuzzMailgunKey = "fuzz-mailgun-key"
)

// fuzzServer is a Server with its fixtures and what it logged.
type fuzzServer struct {
	srv    *Server
	store  *store.Store
	hostID string
	vars   map[string]string
	log    *errorLog
	seq    int // makes each $TK unique: Mailgun tokens are single-use
}

// errorLog keeps the records of level Error and above.
type errorLog struct {
	mu   sync.Mutex
	recs []string
}

func (l *errorLog) Enabled(_ context.Context, level slog.Level) bool { return level >= slog.LevelError }
func (l *errorLog) WithAttrs([]slog.Attr) slog.Handler               { return l }
func (l *errorLog) WithGroup(string) slog.Handler                    { return l }

func (l *errorLog) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool { fmt.Fprintf(&b, " %s=%v", a.Key, a.Value); return true })
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs = append(l.recs, b.String())
	return nil
}

// take returns the records since the last call, and forgets them.
func (l *errorLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	recs := l.recs
	l.recs = nil
	return recs
}

// newFuzzServer builds the server, its host and its first fixtures once per
// fuzz target.
func newFuzzServer(f *testing.F) *fuzzServer {
	f.Helper()
	ctx := context.Background()
	st := storetest.Open(f, storetest.URL(f, "sqlite"))
	host, err := accounts.SignUp(ctx, st, onair.Credentials{Email: "host@example.com", Password: "correct horse"}, fuzzNow)
	if err != nil {
		f.Fatal(err)
	}
	apiToken, err := accounts.NewToken(ctx, st, host.ID, fuzzNow)
	if err != nil {
		f.Fatal(err)
	}
	log := &errorLog{}
	fs := &fuzzServer{store: st, hostID: host.ID, log: log,
		srv: New(Config{Store: st, AppURL: fuzzAppURL, Logger: slog.New(log), Now: func() time.Time { return fuzzNow },
			Sweep: func(context.Context) (int, error) { return 0, nil }, CronSecret: fuzzCron,
			TwilioAuthToken: fuzzTwilio, MailgunSigningKey: fuzzMailgunKey, Secret: fuzzSecret, Metrics: metrics.New()}),
		vars: map[string]string{"$A": apiToken, "$C": strings.Repeat("c", csrfTokenLen),
			"$CRON": fuzzCron, "$TS": strconv.FormatInt(fuzzNow.Unix(), 10)},
	}
	if err := fs.makeSession(ctx); err != nil {
		f.Fatal(err)
	}
	if err := fs.makeFixtures(ctx); err != nil {
		f.Fatal(err)
	}
	return fs
}

// makeSession signs the host in: $S is the session cookie.
func (fs *fuzzServer) makeSession(ctx context.Context) error {
	session := onair.RandomString(32)
	expires := fuzzNow.Add(sessionTTL)
	fs.vars["$S"] = session
	return fs.store.CreateToken(ctx, onair.HashToken(session), fs.hostID, store.TokenSession, fuzzNow, &expires)
}

// makeFixtures creates an upcoming event and a registration to it, and
// points the placeholders at them.
func (fs *fuzzServer) makeFixtures(ctx context.Context) error {
	title, start, zone, on := "Launch", fuzzNow.Add(7*24*time.Hour).Format(time.RFC3339), "America/New_York", true
	ev, err := onair.NewEvent(fs.hostID, onair.EventInput{Title: &title, ScheduledStart: &start, Timezone: &zone,
		NotificationSettings: &onair.NotificationSettingsInput{EmailEnabled: &on, SMSEnabled: &on}}, fuzzNow)
	if err != nil {
		return err
	}
	if err := fs.store.CreateEvent(ctx, ev); err != nil {
		return err
	}
	// One address per fixture (the random end of its event's id: ids begin
	// with their time): the store allows one address only a few new
	// registrations an hour, and every seed's fixtures are made at fuzzNow.
	reg, err := onair.NewRegistration(ev, onair.RegistrationInput{FirstName: "Ada", Email: "ada-" + ev.ID[24:] + "@example.com",
		Phone: "+1 415 555 0100"}, normalizePhone, fuzzNow)
	if err != nil {
		return err
	}
	if _, err := fs.store.Register(ctx, reg, fuzzNow); err != nil {
		return err
	}
	ns, err := fs.store.EventNotifications(ctx, ev.ID)
	if err != nil {
		return err
	}
	tl, err := fs.store.RegistrantTimeline(ctx, ev.ID, reg.ID)
	if err != nil {
		return err
	}
	var nid string
	var did int64
	for _, n := range ns {
		if n.Kind == onair.KindConfirmation && n.Channel == onair.ChannelEmail {
			nid = n.ID
		}
	}
	for _, m := range tl.Messages {
		if m.Kind == onair.KindConfirmation && m.Channel == onair.ChannelEmail {
			did = m.DeliveryID
		}
	}
	if nid == "" || did == 0 {
		return fmt.Errorf("the registration made no email confirmation: %+v, %+v", ns, tl.Messages)
	}
	v := fs.vars
	v["$E"], v["$R"], v["$T"], v["$U"] = ev.ID, reg.ID, onair.WatchToken(fuzzSecret, reg.ID), onair.UnsubscribeToken(fuzzSecret, reg.ID)
	v["$N"], v["$D"] = nid, strconv.FormatInt(did, 10)
	v["$O"] = onair.OpenTrackingData(fuzzSecret, nid, did)
	v["$K"] = onair.ClickTrackingData(fuzzSecret, nid, did, fuzzAppURL+"/watch/"+ev.ID)
	return nil
}

// refresh makes new fixtures when the last request changed them past what
// the seeds expect, and a new session after a logout.
func (fs *fuzzServer) refresh(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if _, err := fs.store.HostByToken(ctx, onair.HashToken(fs.vars["$S"]), store.TokenSession, fuzzNow); err != nil {
		if err := fs.makeSession(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// The event may have been deleted, the viewer erased.
	ev, err := fs.store.Event(ctx, fs.vars["$E"])
	if err != nil && !errors.Is(err, onair.ErrNotFound) {
		t.Fatal(err)
	}
	reg, regErr := fs.store.RegistrationByToken(ctx, fuzzSecret, fs.vars["$T"])
	if regErr != nil && !errors.Is(regErr, onair.ErrNotFound) {
		t.Fatal(regErr)
	}
	if err == nil && regErr == nil && ev.Status == onair.StatusScheduled && ev.RegistrationEnabled && ev.MaxRegistrations == 0 &&
		ev.ScheduledStart.After(fuzzNow) && reg.Status == onair.RegRegistered {
		return
	}
	if err := fs.makeFixtures(ctx); err != nil {
		t.Fatal(err)
	}
}

// expander replaces the placeholders in a request, with a fresh $TK and
// the Mailgun signature that goes with it.
func (fs *fuzzServer) expander() *strings.Replacer {
	fs.seq++
	tk := fmt.Sprintf("fuzz-token-%d-%s", fs.seq, onair.RandomString(8))
	mac := hmac.New(sha256.New, []byte(fuzzMailgunKey))
	mac.Write([]byte(fs.vars["$TS"] + tk))
	// Longer names first: a Replacer tries them in this order. $TWSIG
	// stays until the rest of the request is known.
	pairs := []string{"$TWSIG", "$TWSIG", "$MGSIG", hex.EncodeToString(mac.Sum(nil)), "$CRON", fs.vars["$CRON"],
		"$TS", fs.vars["$TS"], "$TK", tk}
	for _, k := range []string{"$E", "$R", "$T", "$A", "$S", "$C", "$U", "$N", "$D", "$O", "$K"} {
		pairs = append(pairs, k, fs.vars[k])
	}
	return strings.NewReplacer(pairs...)
}

// fuzzMethods are the methods a fuzzed request may use.
var fuzzMethods = []string{"GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS"}

// serve sends one request built from fuzzed parts: route is "METHOD
// /pattern/{with}/{wildcards}" (a route of routes.go, or any other), seg1
// and seg2 fill its wildcards (escaped unless raw), headers are "Name:
// value" lines. It returns the request as the server saw it and the
// answer, or nils when the parts make no request a client could send.
func (fs *fuzzServer) serve(t *testing.T, route, seg1, seg2 string, raw bool, query, headers string, body []byte) (*http.Request, *httptest.ResponseRecorder) {
	t.Helper()
	fs.refresh(t)
	rep := fs.expander()
	method, pattern, _ := strings.Cut(route, " ")
	if !slices.Contains(fuzzMethods, method) {
		method = fuzzMethods[len(method)%len(fuzzMethods)]
	}
	path := fillPattern(pattern, []string{rep.Replace(seg1), rep.Replace(seg2)}, raw)
	target := path
	if query != "" {
		target += "?" + rep.Replace(query)
	}
	if !strings.HasPrefix(target, "/") || strings.ContainsAny(target, " \t\r\n") {
		return nil, nil
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil, nil // the server answers 400 before any handler
	}
	body = []byte(rep.Replace(string(body)))
	r, err := http.NewRequest(method, "/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.URL, r.RequestURI, r.Host, r.RemoteAddr = u, target, "onair.test", "192.0.2.1:1234"
	for _, line := range strings.Split(headers, "\n") {
		name, value, ok := strings.Cut(line, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(rep.Replace(value))
		if !ok || !validHeader(name, value) {
			continue
		}
		switch http.CanonicalHeaderKey(name) {
		case "Host", "Content-Length", "Transfer-Encoding":
			continue // the server sets these from the request itself
		}
		if strings.Contains(value, "$TWSIG") {
			form, _ := url.ParseQuery(string(body))
			value = strings.ReplaceAll(value, "$TWSIG", twilio.Signature(fuzzTwilio, fuzzAppURL+u.RequestURI(), form))
		}
		r.Header.Add(name, value)
	}
	w := httptest.NewRecorder()
	fs.srv.ServeHTTP(w, r)
	return r, w
}

// check fails t unless w is an answer to r that the contract allows: no
// 5xx, no error logged (a panic after the headers went out shows only
// there), and an error of the API (every route under /api/ and /webhooks/
// but the click redirect, a page) in the API's JSON shape.
func (fs *fuzzServer) check(t *testing.T, r *http.Request, w *httptest.ResponseRecorder, what string) {
	t.Helper()
	logged := fs.log.take()
	if w.Code >= 500 || len(logged) > 0 {
		t.Fatalf("%s: %d %s\nlogged: %q", what, w.Code, w.Body.String(), logged)
	}
	if w.Code < 400 {
		return
	}
	api := (strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/webhooks/")) &&
		r.Pattern != "GET /api/track/notification/{id}/click"
	if !api && !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		return
	}
	var e errorBody
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("%s: %d with a body that is not an API error: %q", what, w.Code, w.Body.String())
	}
	if w.Code == http.StatusTooManyRequests && w.Header().Get("Retry-After") == "" {
		t.Fatalf("%s: 429 without Retry-After", what)
	}
	if w.Code == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		t.Fatalf("%s: 401 without WWW-Authenticate", what)
	}
}

// fillPattern turns a mux pattern into a path: each {wildcard} takes the
// next segment, {$} nothing, and a pattern ending in / takes one more.
func fillPattern(pattern string, segs []string, raw bool) string {
	next := func() string {
		if len(segs) == 0 {
			return ""
		}
		s := segs[0]
		segs = segs[1:]
		if raw {
			return s
		}
		return url.PathEscape(s)
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(pattern, '{')
		j := strings.IndexByte(pattern[max(i, 0):], '}')
		if i < 0 || j < 0 {
			break
		}
		b.WriteString(pattern[:i])
		if pattern[i:i+j+1] != "{$}" {
			b.WriteString(next())
		}
		pattern = pattern[i+j+1:]
	}
	b.WriteString(pattern)
	if strings.HasSuffix(pattern, "/") {
		b.WriteString(next())
	}
	return b.String()
}

// validHeader reports whether a client could send the header at all:
// servers refuse names that are not tokens and values with control bytes.
func validHeader(name, value string) bool {
	if name == "" {
		return false
	}
	for _, c := range []byte(name) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	for _, c := range []byte(value) {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// routePatterns reads the routes of routes.go, so that a route added there
// is fuzzed, with a seed, without a change here.
func routePatterns(f *testing.F) []string {
	f.Helper()
	src, err := os.ReadFile("routes.go")
	if err != nil {
		f.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile(`m\.Handle\("([A-Z]+ /[^"]*)"`).FindAllSubmatch(src, -1) {
		out = append(out, string(m[1]))
	}
	if len(out) < 40 {
		f.Fatalf("found %d routes in routes.go; the pattern that reads them is out of date", len(out))
	}
	return out
}

// Headers the seeds send.
const (
	jsonHeaders    = "Content-Type: application/json"
	apiHeaders     = "Content-Type: application/json\nAuthorization: Bearer $A"
	sessionHeaders = "Content-Type: application/x-www-form-urlencoded\nCookie: onair_session=$S; onair_csrf=$C\nX-CSRF-Token: $C"
	formHeaders    = "Content-Type: application/x-www-form-urlencoded\nCookie: onair_csrf=$C"
	twilioHeaders  = "Content-Type: application/x-www-form-urlencoded\nX-Twilio-Signature: $TWSIG"
)

// fuzzSeed is a request of the seed corpus.
type fuzzSeed struct {
	seg1, seg2     string
	raw            bool
	query, headers string
	body           string
}

// routeSeeds are requests that reach each route's code; a route not
// listed gets the fixtures' ids and an API token.
var routeSeeds = map[string][]fuzzSeed{
	"POST /api/auth/signup": {{headers: jsonHeaders, body: `{"email": "new@example.com", "password": "correct horse"}`}},
	"POST /api/auth/login":  {{headers: jsonHeaders, body: `{"email": "host@example.com", "password": "correct horse"}`}},
	"POST /api/events": {{headers: apiHeaders, body: `{"title": "Fuzz", "scheduled_start": "2030-12-15T14:00:00Z",
		"timezone": "Asia/Kathmandu", "selected_intervals": ["1day", "45m", "now"],
		"notification_settings": {"sms_enabled": true, "custom_message": "Hi"}}`}},
	"GET /api/events": {{query: "status=upcoming&q=launch&limit=5&offset=0", headers: apiHeaders},
		{query: "limit=-1", headers: apiHeaders}, {headers: "Authorization: Bearer nope"}},
	"PATCH /api/events/{id}": {{seg1: "$E", headers: apiHeaders, body: `{"title": "Renamed", "max_registrations": 10}`},
		{seg1: "$E", headers: apiHeaders, body: `{"scheduled_start": "2030-01-01T10:00:00+05:45"}`}},
	"GET /api/events/{id}/registrations": {{seg1: "$E", query: "format=csv", headers: apiHeaders},
		{seg1: "$E", query: "q=ada&limit=1000&offset=1", headers: apiHeaders}},
	"GET /api/outbox": {{query: "event_id=$E&limit=10", headers: apiHeaders}},
	"PATCH /api/host": {{headers: apiHeaders, body: `{"name": "Acme, Inc.", "brand_color": "#0F766E", "logo_url": "https://cdn.example.com/l.png", "reply_to": "team@example.com"}`},
		{headers: apiHeaders, body: `{"name": null, "colour": 5, "id": "x"}`}},
	"DELETE /api/events/{id}": {{seg1: "$E", headers: apiHeaders}},
	"GET /api/viewers/export": {{query: "email=ADA%40example.com", headers: apiHeaders},
		{query: "email=%00%40x", headers: apiHeaders}, {headers: apiHeaders}},
	"DELETE /api/viewers": {{query: "email=ada%40example.com", headers: apiHeaders}, {query: "email=x", headers: apiHeaders}},
	"POST /api/events/{id}/register": {{seg1: "$E", headers: jsonHeaders,
		body: `{"first_name": "Grace", "email": "grace@example.com", "phone": "+44 20 7946 0000", "timezone": "Europe/London", "source": "social"}`},
		{seg1: "$E", headers: jsonHeaders, body: `{"email": "ada@example.com"}`}},
	"GET /events/{file}":                {{seg1: "$E.ics"}, {seg1: "$E"}},
	"GET /api/registrations/ics":        {{query: "token=$T"}},
	"GET /u/{token}":                    {{seg1: "$U"}},
	"POST /u/{token}":                   {{seg1: "$U", headers: "Content-Type: application/x-www-form-urlencoded", body: "List-Unsubscribe=One-Click"}},
	"POST /api/cron/send-notifications": {{headers: "Authorization: Bearer $CRON"}, {headers: "Authorization: Bearer wrong"}},
	"GET /static/":                      {{seg1: "style.css"}, {seg1: "..%2F..%2Fgo.mod", raw: true}},
	"POST /signup":                      {{headers: formHeaders, body: "email=page%40example.com&password=correct+horse&csrf_token=$C"}},
	"POST /login": {{headers: formHeaders, body: "email=host%40example.com&password=correct+horse&next=%2Fdashboard%2Foutbox&csrf_token=$C"},
		{headers: formHeaders, body: "email=host%40example.com&password=wrong&csrf_token=$C"}},
	"GET /login":                 {{query: "next=/dashboard/events/$E"}},
	"POST /logout":               {{headers: formHeaders, body: "csrf_token=$C"}},
	"GET /dashboard/events":      {{query: "status=completed&q=x&page=2", headers: sessionHeaders}},
	"GET /dashboard/events/{id}": {{seg1: "$E", query: "q=ada&page=1&done=updated", headers: sessionHeaders}},
	"POST /dashboard/events/{id}/{action}": {
		{seg1: "$E", seg2: "edit", headers: sessionHeaders, body: "title=Renamed&max_registrations=x&stream_url=https%3A%2F%2Fexample.com"},
		{seg1: "$E", seg2: "edit", headers: sessionHeaders, body: "title=Big&max_registrations=9223372036854775807&registration_enabled=on"},
		{seg1: "$E", seg2: "reschedule", headers: sessionHeaders, body: "start=2027-03-14T02%3A30&timezone=America%2FNew_York"},
		{seg1: "$E", seg2: "reschedule", headers: sessionHeaders, body: "start=2027-01-05+10%3A00"},
		{seg1: "$E", seg2: "start", headers: sessionHeaders, body: "next=%2Fdashboard%2Fevents%3Fstatus%3Dlive"},
	},
	"GET /dashboard/events/{id}/registrants/{rid}": {{seg1: "$E", seg2: "$R", headers: sessionHeaders}},
	"GET /dashboard/outbox":                        {{query: "event_id=$E&page=1", headers: sessionHeaders}},
	"POST /dashboard/settings": {{headers: sessionHeaders, body: "name=Acme&brand_color=%23db2777&logo_url=https%3A%2F%2Fcdn.example.com%2Fl.png&reply_to=team%40example.com"},
		{headers: sessionHeaders, body: "name=A%0D%0AB&brand_color=red&logo_url=javascript%3Ax"}},
	"GET /dashboard/events/create": {{headers: sessionHeaders}},
	"POST /dashboard/events/create": {
		{headers: sessionHeaders, body: "step=1&action=next&title=Wizard&description=d&max_registrations=5"},
		{headers: sessionHeaders, body: "step=2&action=next&title=Wizard&date=2027-03-14&time=02%3A30&timezone=America%2FNew_York&duration_minutes=60"},
		{headers: sessionHeaders, body: "step=3&action=refresh&title=Wizard&date=2027-01-05&time=10%3A00&notify_set=1&intervals=1day&custom_intervals=45m%2C+2h30m&email_enabled=1&sms_enabled=1&custom_message=Hi"},
		{headers: sessionHeaders, body: "step=4&action=create&draft=$E&title=Wizard&date=2027-01-05&time=10%3A00&timezone_other=Asia%2FKathmandu"},
		{headers: sessionHeaders, body: "step=9&action=edit3"},
		{headers: sessionHeaders, body: "step=3&action=refresh&title=%3Cb%3E&date=2027-01-05&time=10%3A00&notify_set=1&sms_enabled=1" +
			"&custom_intervals=2562047h47m16.854775807s%2C1ns%2C-1h%2C0s%2C1e9h%2C%2C&custom_message=" + strings.Repeat("%F0%9F%8E%89%E2%80%AE", 120)},
		{headers: sessionHeaders, body: "step=4&action=create&title=Max&date=9999-12-31&time=23%3A59%3A59&max_registrations=9223372036854775807&duration_minutes=2147483648"},
	},
	"POST /api/watch/{id}/heartbeat":   {{seg1: "$E", query: "token=$T", headers: jsonHeaders, body: "{}"}},
	"POST /watch/{id}/heartbeat":       {{seg1: "$E", headers: "Cookie: onair_watch=$T"}},
	"POST /watch/{id}/join":            {{seg1: "$E", headers: "Cookie: onair_watch=$T"}},
	"POST /api/events/{id}/engagement": {{seg1: "$E", headers: jsonHeaders, body: `{"token": "$T", "action": "poll"}`}},
	"POST /api/events/{id}/revenue": {{seg1: "$E", headers: apiHeaders, body: `{"token": "$T", "amount_cents": 1250, "currency": "EUR"}`},
		{seg1: "$E", headers: apiHeaders, body: `{"token": "$T", "amount_cents": 9223372036854775807, "currency": "USD"}`},
		{seg1: "$E", headers: jsonHeaders, body: `{"token": "$T", "amount_cents": 1250, "currency": "EUR"}`}},
	"GET /api/track/notification/{id}/open":  {{seg1: "$N", query: "d=$O"}, {seg1: "$N", query: "d=1.x"}},
	"GET /api/track/notification/{id}/click": {{seg1: "$N", query: "d=$K"}, {seg1: "$N", query: "d=1.aHR0cDovL2V2aWwuZXhhbXBsZQ.x"}},
	"GET /register/{id}":                     {{seg1: "$E", query: "utm_source=newsletter"}},
	"POST /register/{id}": {{seg1: "$E", headers: formHeaders,
		body: "csrf_token=$C&first_name=Alan&email=alan%40example.com&phone=020+7946+0000&timezone=Mars%2FBase&source=x"}},
	"GET /watch/{id}": {{seg1: "$E", query: "token=$T"}, {seg1: "$E", headers: "Cookie: onair_watch=$T"}},
	"POST /webhooks/twilio/inbound": {{headers: twilioHeaders, body: "From=%2B14155550100&Body=STOP"},
		{headers: twilioHeaders, body: "From=%2B14155550100&Body=start+please"},
		{headers: twilioHeaders, body: "From=12&Body=HELP"}},
	"POST /webhooks/mailgun": {{headers: jsonHeaders, body: mailgunSeed("failed", "permanent", `"$D"`)},
		{headers: jsonHeaders, body: mailgunSeed("opened", "", `$D`)}, {headers: jsonHeaders, body: mailgunSeed("clicked", "", `"x"`)}},
}

// mailgunSeed is a signed Mailgun event about delivery id.
func mailgunSeed(event, severity, id string) string {
	return `{"signature": {"timestamp": "$TS", "token": "$TK", "signature": "$MGSIG"}, "event-data": {"event": "` + event +
		`", "severity": "` + severity + `", "reason": "bounce", "user-variables": {"onair-delivery": ` + id +
		`}, "delivery-status": {"code": 550, "message": "no such user"}}}`
}

// FuzzServer sends any request to a whole server: the answer is never a
// 5xx, nothing is logged as an error, and API errors keep their shape.
func FuzzServer(f *testing.F) {
	routes := routePatterns(f)
	for _, route := range routes {
		seeds, ok := routeSeeds[route]
		if !ok {
			seeds = []fuzzSeed{{seg1: "$E", seg2: "$R", headers: apiHeaders + "\nCookie: onair_session=$S; onair_csrf=$C\nX-CSRF-Token: $C"}}
		}
		for _, s := range seeds {
			f.Add(route, s.seg1, s.seg2, s.raw, s.query, s.headers, []byte(s.body))
		}
		// The same route with an unknown id, no credentials and a body of
		// the wrong kind.
		f.Add(route, "00000000-0000-4000-8000-000000000000", "x", false, "", "Content-Type: text/plain", []byte("{"))
	}
	for route := range routeSeeds {
		if !slices.Contains(routes, route) {
			f.Fatalf("routeSeeds has seeds for %q, which routes.go does not serve", route)
		}
	}
	// Paging and searching at their limits.
	for _, c := range [][2]string{
		{"GET /api/events", "limit=100&offset=9223372036854775807&q=%25_%5C"},
		{"GET /api/events", "status=live&q=" + strings.Repeat("%C3%A9", 201)},
		{"GET /api/events/{id}/registrations", "offset=9223372036854775807&q=%5C"},
		{"GET /api/outbox", "event_id=%00&offset=9223372036854775807"},
		{"GET /dashboard/events", "page=1000000&q=%5C&status=all"},
		{"GET /dashboard/events/{id}", "page=99999999999999999999&q=a%0Ab"},
		{"GET /dashboard/outbox", "event_id=+$E+&page=-1"},
	} {
		f.Add(c[0], "$E", "", false, c[1], apiHeaders+"\nCookie: onair_session=$S", []byte(nil))
	}
	f.Add("GET /nowhere/{x}", "%zz", "", true, "", "", []byte(nil))
	f.Add("PUT /api/events/{id}", "$E", "", false, "", apiHeaders, []byte(`{}`))
	f.Add("GET /dashboard/events/{id}", "$E", "", false, "", "", []byte(nil))

	fs := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, route, seg1, seg2 string, raw bool, query, headers string, body []byte) {
		r, w := fs.serve(t, route, seg1, seg2, raw, query, headers, body)
		if w == nil {
			return
		}
		fs.check(t, r, w, fmt.Sprintf("%s (%q, %q) ?%s", route, seg1, seg2, query))
	})
}

// FuzzTwilioInbound fuzzes the body of Twilio's inbound SMS webhook,
// signed or not: the answer is never a 5xx; an unsigned request is never
// believed; a 200 is TwiML.
func FuzzTwilioInbound(f *testing.F) {
	for _, body := range []string{
		"From=%2B14155550100&Body=STOP", "From=%2B14155550100&Body=stop+all+of+it", "From=%2B14155550100&Body=START",
		"From=%2B14155550100&Body=HELP", "From=%2B14155550100&Body=", "From=%2B14155550100&Body=Thanks!",
		"From=+1+415+555+0100&Body=UNSUBSCRIBE", "From=%2B490000&Body=STOP", "From=&Body=STOP", "Body=STOP",
		"From=%2B14155550100&From=%2B442079460000&Body=STOP", "From=%zz&Body=STOP", "%", "a=1;b=2", "",
	} {
		f.Add([]byte(body), true, "application/x-www-form-urlencoded")
		f.Add([]byte(body), false, "application/x-www-form-urlencoded")
	}
	f.Add([]byte("From=%2B14155550100&Body=STOP"), true, "text/plain")
	f.Add([]byte("--x\r\nContent-Disposition: form-data; name=\"From\"\r\n\r\n+14155550100\r\n--x--\r\n"), true, "multipart/form-data; boundary=x")
	fs := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte, signed bool, contentType string) {
		headers := "Content-Type: " + contentType
		if signed {
			headers += "\nX-Twilio-Signature: $TWSIG"
		}
		r, w := fs.serve(t, "POST /webhooks/twilio/inbound", "", "", false, "", headers, body)
		if w == nil {
			return
		}
		fs.check(t, r, w, fmt.Sprintf("Twilio inbound %q (signed: %v)", body, signed))
		if !signed && w.Code < 400 {
			t.Fatalf("an unsigned request was answered %d: %s", w.Code, w.Body.String())
		}
		if w.Code == http.StatusOK {
			var twiml struct {
				XMLName  xml.Name `xml:"Response"`
				Messages []string `xml:"Message"`
			}
			if err := xml.Unmarshal(w.Body.Bytes(), &twiml); err != nil {
				t.Fatalf("200 with a body that is not TwiML: %v: %q", err, w.Body.String())
			}
		}
	})
}

// FuzzMailgunWebhook fuzzes Mailgun's event webhook body, with $TS, $TK
// and $MGSIG to sign it: the answer is never a 5xx, and only a signed
// event is ever answered 200.
func FuzzMailgunWebhook(f *testing.F) {
	for _, event := range []string{"delivered", "failed", "complained", "unsubscribed", "opened", "clicked", "other"} {
		for _, id := range []string{`"$D"`, `$D`, `"2"`, `"999999"`, `"0"`, `-1`, `1e300`, `"x"`, `null`, `[1]`} {
			f.Add([]byte(mailgunSeed(event, "permanent", id)))
		}
	}
	f.Add([]byte(`{"signature": {"timestamp": "$TS", "token": "$TK", "signature": "00"}}`))
	f.Add([]byte(`{"signature": {"timestamp": "1", "token": "$TK", "signature": "$MGSIG"}}`))
	f.Add([]byte(`{"signature": {"timestamp": "$TS", "token": "$TK", "signature": "$MGSIG"}, "event-data": []}`))
	f.Add([]byte(`{"signature": {"timestamp": "$TS", "token": "$TK", "signature": "$MGSIG"}, "event-data": {"user-variables": {"onair-delivery": {"a": 1}}, "delivery-status": {"code": "550"}}}`))
	f.Add([]byte(`{}`))
	fs := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		r, w := fs.serve(t, "POST /webhooks/mailgun", "", "", false, "", jsonHeaders, body)
		if w == nil {
			return
		}
		fs.check(t, r, w, fmt.Sprintf("Mailgun webhook %q", body))
		if w.Code == http.StatusOK && !bytes.Contains(body, []byte("$MGSIG")) {
			t.Fatalf("an unsigned webhook was answered 200: %s", w.Body.String())
		}
	})
}

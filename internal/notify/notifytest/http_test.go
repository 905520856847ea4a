package notifytest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify/notifytest"
)

func post(t *testing.T, target, user, pass, contentType string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

func postForm(t *testing.T, target, user, pass string, form url.Values) (*http.Response, []byte) {
	t.Helper()
	return post(t, target, user, pass, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

func TestMailgunDouble(t *testing.T) {
	mg := notifytest.NewMailgun(t, "key-1", "mg.example.com")
	endpoint := mg.URL() + "/v3/mg.example.com/messages"
	valid := url.Values{"from": {"Host <host@mg.example.com>"}, "to": {"viewer@example.com"},
		"subject": {"Hi"}, "text": {"hello"}}

	t.Run("multipart with files and h: and v: fields", func(t *testing.T) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, v := range map[string]string{"from": "host@mg.example.com", "to": "a@example.com, b@example.com",
			"subject": "Hi", "html": "<p>hi</p>", "h:List-Unsubscribe": "<https://x/u/1>", "v:onair-delivery": "42"} {
			_ = mw.WriteField(k, v)
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="attachment"; filename="invite.ics"`)
		h.Set("Content-Type", "text/calendar; method=REQUEST")
		fw, _ := mw.CreatePart(h)
		_, _ = fw.Write([]byte("BEGIN:VCALENDAR"))
		_ = mw.Close()
		resp, data := post(t, endpoint, "api", "key-1", mw.FormDataContentType(), &body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, data)
		}
		var ok struct{ ID, Message string }
		_ = json.Unmarshal(data, &ok)
		reqs := mg.Requests()
		got := reqs[len(reqs)-1]
		if ok.Message != "Queued. Thank you." || ok.ID != got.ID || !strings.HasSuffix(ok.ID, "@mg.example.com>") {
			t.Errorf("answer %s, recorded id %q", data, got.ID)
		}
		if len(got.To) != 2 || got.Headers["List-Unsubscribe"] != "<https://x/u/1>" || got.Variables["onair-delivery"] != "42" {
			t.Errorf("recorded %+v", got)
		}
		if len(got.Attachments) != 1 || got.Attachments[0].Filename != "invite.ics" ||
			got.Attachments[0].ContentType != "text/calendar; method=REQUEST" || string(got.Attachments[0].Data) != "BEGIN:VCALENDAR" {
			t.Errorf("attachments %+v", got.Attachments)
		}
	})

	errorsTests := []struct {
		name       string
		user, key  string
		path       string
		drop       string
		wantStatus int
		wantBody   string
	}{
		{"wrong key is a bare Forbidden", "api", "nope", "", "", 401, "Forbidden"},
		{"wrong user is a bare Forbidden", "key-1", "key-1", "", "", 401, "Forbidden"},
		{"unknown domain", "api", "key-1", "/v3/other.example.com/messages", "", 404, `{"message":"Domain not found: other.example.com"}`},
		{"missing from", "api", "key-1", "", "from", 400, `{"message":"from parameter is missing"}`},
		{"missing to", "api", "key-1", "", "to", 400, `{"message":"to parameter is missing"}`},
		{"missing subject", "api", "key-1", "", "subject", 400, `{"message":"subject parameter is missing"}`},
		{"missing body", "api", "key-1", "", "text", 400,
			`{"message":"Need at least one of 'text', 'html', 'amp-html' or 'template' parameters specified"}`},
	}
	for _, tt := range errorsTests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{}
			for k, v := range valid {
				if k != tt.drop {
					form[k] = v
				}
			}
			target := endpoint
			if tt.path != "" {
				target = mg.URL() + tt.path
			}
			resp, data := postForm(t, target, tt.user, tt.key, form)
			if resp.StatusCode != tt.wantStatus || strings.TrimSpace(string(data)) != tt.wantBody {
				t.Errorf("got %d %s, want %d %s", resp.StatusCode, data, tt.wantStatus, tt.wantBody)
			}
		})
	}

	t.Run("throttled, failed, then accepted", func(t *testing.T) {
		mg.ThrottleNext(1, 7*time.Second)
		mg.FailNext(1, 500)
		resp, _ := postForm(t, endpoint, "api", "key-1", valid)
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" {
			t.Errorf("first: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		if resp, _ := postForm(t, endpoint, "api", "key-1", valid); resp.StatusCode != 500 {
			t.Errorf("second: %d", resp.StatusCode)
		}
		if resp, _ := postForm(t, endpoint, "api", "key-1", valid); resp.StatusCode != 200 {
			t.Errorf("third: %d", resp.StatusCode)
		}
	})
	t.Run("a rejected recipient is 400", func(t *testing.T) {
		mg.RejectRecipient("Viewer@example.com")
		if resp, data := postForm(t, endpoint, "api", "key-1", valid); resp.StatusCode != 400 {
			t.Errorf("got %d %s", resp.StatusCode, data)
		}
	})
}

func TestTwilioDouble(t *testing.T) {
	const sid = "AC0123456789abcdef0123456789abcdef"
	tw := notifytest.NewTwilio(t, sid, "token-1")
	endpoint := tw.URL() + "/2010-04-01/Accounts/" + sid + "/Messages.json"
	valid := url.Values{"To": {"+14155550100"}, "From": {"+14155550199"}, "Body": {"See you at 9"}}

	t.Run("created", func(t *testing.T) {
		resp, data := postForm(t, endpoint, sid, "token-1", valid)
		var msg map[string]any
		_ = json.Unmarshal(data, &msg)
		sidOut, _ := msg["sid"].(string)
		if resp.StatusCode != 201 || len(sidOut) != 34 || !strings.HasPrefix(sidOut, "SM") || msg["status"] != "queued" ||
			msg["to"] != "+14155550100" || msg["from"] != "+14155550199" || msg["body"] != "See you at 9" {
			t.Errorf("got %d %s", resp.StatusCode, data)
		}
		if reqs := tw.Requests(); reqs[len(reqs)-1].SID != sidOut {
			t.Errorf("recorded sid %q", reqs[len(reqs)-1].SID)
		}
	})

	tests := []struct {
		name       string
		user, pass string
		change     url.Values
		setup      func()
		wantStatus int
		wantCode   int
	}{
		{"wrong token", sid, "nope", nil, nil, 401, 20003},
		{"missing To", sid, "token-1", url.Values{"To": {""}}, nil, 400, 21604},
		{"missing From", sid, "token-1", url.Values{"From": {""}}, nil, 400, 21603},
		{"missing Body", sid, "token-1", url.Values{"Body": {""}}, nil, 400, 21602},
		{"To not E.164", sid, "token-1", url.Values{"To": {"555-0100"}}, nil, 400, 21211},
		{"To declared invalid", sid, "token-1", url.Values{"To": {"+14155550111"}},
			func() { tw.InvalidNumber("+14155550111") }, 400, 21211},
		{"To sent STOP", sid, "token-1", url.Values{"To": {"+14155550122"}},
			func() { tw.Unsubscribe("+14155550122") }, 400, 21610},
		{"throttled", sid, "token-1", nil, func() { tw.ThrottleNext(1, 3*time.Second) }, 429, 20429},
		{"server error", sid, "token-1", nil, func() { tw.FailNext(1, 503) }, 503, 20500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			form := url.Values{}
			for k, v := range valid {
				form[k] = v
			}
			for k, v := range tt.change {
				form[k] = v
			}
			resp, data := postForm(t, endpoint, tt.user, tt.pass, form)
			var e notifytest.TwilioError
			if err := json.Unmarshal(data, &e); err != nil {
				t.Fatalf("body %s: %v", data, err)
			}
			if resp.StatusCode != tt.wantStatus || e.Code != tt.wantCode || e.Status != tt.wantStatus ||
				e.Message == "" || !strings.HasSuffix(e.MoreInfo, "/errors/"+strconv.Itoa(tt.wantCode)) {
				t.Errorf("got %d %s", resp.StatusCode, data)
			}
			if tt.wantStatus == 429 && resp.Header.Get("Retry-After") != "3" {
				t.Errorf("Retry-After %q", resp.Header.Get("Retry-After"))
			}
		})
	}
	t.Run("authentication failure body is Twilio's", func(t *testing.T) {
		_, data := postForm(t, endpoint, sid, "nope", valid)
		want := `{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}`
		if strings.TrimSpace(string(data)) != want {
			t.Errorf("got %s", data)
		}
	})
}

func TestMailgunDoubleBatch(t *testing.T) {
	mg := notifytest.NewMailgun(t, "key-1", "mg.example.com")
	endpoint := mg.URL() + "/v3/mg.example.com/messages"
	batch := func(to []string, vars string) url.Values {
		f := url.Values{"from": {"Host <host@mg.example.com>"}, "to": to,
			"subject": {"Hi %recipient.name%"}, "text": {"Hello %recipient.name%, see %recipient.link%"},
			"html":               {"<p>Hello %recipient.name_html%</p>"},
			"h:List-Unsubscribe": {"<%recipient.link%>"}, "v:onair-delivery": {"%recipient.delivery%"}}
		if vars != "" {
			f.Set("recipient-variables", vars)
		}
		return f
	}

	t.Run("each recipient gets their own message", func(t *testing.T) {
		vars := `{"a@example.com": {"name": "Ann & Co", "name_html": "Ann &amp; Co", "link": "https://x/u/1", "delivery": 7},
			"b@example.com": {"name": "Bob", "name_html": "Bob", "link": "https://x/u/2", "delivery": "8"}}`
		resp, data := postForm(t, endpoint, "api", "key-1", batch([]string{"a@example.com", "Bob <b@example.com>"}, vars))
		if resp.StatusCode != 200 {
			t.Fatalf("got %d %s", resp.StatusCode, data)
		}
		got := mg.Messages()
		if len(got) != 2 {
			t.Fatalf("%d messages delivered, want 2", len(got))
		}
		a, b := got[0], got[1]
		if a.Subject != "Hi Ann & Co" || a.Text != "Hello Ann & Co, see https://x/u/1" || a.HTML != "<p>Hello Ann &amp; Co</p>" ||
			a.Headers["List-Unsubscribe"] != "<https://x/u/1>" || a.Variables["onair-delivery"] != "7" {
			t.Errorf("a@ received %+v", a)
		}
		if b.To != "Bob <b@example.com>" || b.Subject != "Hi Bob" || b.Variables["onair-delivery"] != "8" || b.ID != a.ID || a.ID == "" {
			t.Errorf("b@ received %+v", b)
		}
	})

	for name, tt := range map[string]struct {
		to   []string
		vars string
		want string
	}{
		"not JSON":             {[]string{"a@example.com"}, `{"a@example.com": `, "not a valid JSON"},
		"not an object":        {[]string{"a@example.com"}, `["a@example.com"]`, "not a valid JSON"},
		"an address left out":  {[]string{"a@example.com", "c@example.com"}, `{"a@example.com": {"name": "A", "name_html": "A", "link": "l", "delivery": 1}}`, "no entry for c@example.com"},
		"a variable left out":  {[]string{"a@example.com"}, `{"a@example.com": {"name": "A", "link": "l", "delivery": 1}}`, "name_html"},
		"over 1,000 addresses": {manyAddresses(1001), `{}`, "at most 1000"},
	} {
		t.Run(name+" is 400", func(t *testing.T) {
			before := len(mg.Messages())
			resp, data := postForm(t, endpoint, "api", "key-1", batch(tt.to, tt.vars))
			if resp.StatusCode != 400 || !strings.Contains(string(data), tt.want) {
				t.Errorf("got %d %s, want 400 saying %q", resp.StatusCode, data, tt.want)
			}
			if len(mg.Messages()) != before {
				t.Error("a refused call delivered messages")
			}
		})
	}
	t.Run("1,000 addresses are taken", func(t *testing.T) {
		to := manyAddresses(1000)
		vars := map[string]map[string]string{}
		for _, a := range to {
			vars[a] = map[string]string{"name": a, "name_html": a, "link": "https://x/u/" + a, "delivery": "1"}
		}
		js, _ := json.Marshal(vars)
		if resp, data := postForm(t, endpoint, "api", "key-1", batch(to, string(js))); resp.StatusCode != 200 {
			t.Errorf("got %d %s", resp.StatusCode, data)
		}
	})
	t.Run("no Retry-After when told", func(t *testing.T) {
		mg.ThrottleNextWithoutRetryAfter(1)
		resp, _ := postForm(t, endpoint, "api", "key-1", batch([]string{"a@example.com"}, `{"a@example.com": {"name": "A", "name_html": "A", "link": "l", "delivery": 1}}`))
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "" {
			t.Errorf("got %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	})
}

func manyAddresses(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "viewer" + strconv.Itoa(i) + "@example.com"
	}
	return out
}

func TestDoublesRecordRequestTimes(t *testing.T) {
	const sid = "AC0123456789abcdef0123456789abcdef"
	tw := notifytest.NewTwilio(t, sid, "token-1")
	clock := notifytest.NewClock(time.Date(2026, 12, 15, 9, 0, 0, 0, time.UTC))
	tw.SetClock(clock.Now)
	endpoint := tw.URL() + "/2010-04-01/Accounts/" + sid + "/Messages.json"
	form := url.Values{"To": {"+14155550100"}, "From": {"+14155550199"}, "Body": {"See you at 9"}}
	postForm(t, endpoint, sid, "token-1", form)
	clock.Advance(90 * time.Second)
	postForm(t, endpoint, sid, "token-1", form)
	reqs := tw.Requests()
	if len(reqs) != 2 || reqs[1].Time.Sub(reqs[0].Time) != 90*time.Second {
		t.Errorf("recorded %+v", reqs)
	}
}

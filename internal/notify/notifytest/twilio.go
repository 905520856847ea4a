package notifytest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// TwilioRequest is one request the Twilio double received.
type TwilioRequest struct {
	// Status is the HTTP status the double answered.
	Status int
	// Time is when the request arrived, by the double's clock.
	Time time.Time
	// SID is the message sid answered on success ("SM" + 32 hex digits).
	SID string
	// AccountSID is the {AccountSid} of the path.
	AccountSID          string
	To                  string
	From                string
	MessagingServiceSID string
	Body                string
	// Form is every field as sent.
	Form url.Values
}

// TwilioError is the JSON body of a Twilio API error.
type TwilioError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

// Twilio is a double of Twilio's POST
// /2010-04-01/Accounts/{AccountSid}/Messages.json.
type Twilio struct {
	faultScript
	srv                   *httptest.Server
	accountSID, authToken string

	mu           sync.Mutex
	requests     []TwilioRequest
	unsubscribed map[string]bool
	invalid      map[string]bool
	delay        time.Duration
}

// e164 is the shape Twilio accepts for a To number.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// NewTwilio starts a Twilio double for one account, closed when the test
// ends. Point a client at its URL as TWILIO_API_BASE.
func NewTwilio(t testing.TB, accountSID, authToken string) *Twilio {
	t.Helper()
	tw := &Twilio{
		accountSID: accountSID, authToken: authToken,
		unsubscribed: make(map[string]bool), invalid: make(map[string]bool),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2010-04-01/Accounts/{AccountSid}/Messages.json", tw.messages)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, twilioError(20404,
			fmt.Sprintf("The requested resource %s was not found", r.URL.Path), http.StatusNotFound))
	})
	tw.srv = httptest.NewServer(mux)
	t.Cleanup(tw.srv.Close)
	return tw
}

// URL is the double's base URL, e.g. http://127.0.0.1:PORT.
func (tw *Twilio) URL() string { return tw.srv.URL }

// Requests returns every request received so far, failed ones included.
func (tw *Twilio) Requests() []TwilioRequest {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	return append([]TwilioRequest(nil), tw.requests...)
}

// Unsubscribe makes messages to number answer 400, error 21610: the
// number replied STOP.
func (tw *Twilio) Unsubscribe(number string) {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	tw.unsubscribed[number] = true
}

// InvalidNumber makes messages to number answer 400, error 21211, though
// it is shaped like E.164 (Twilio also refuses numbers that do not exist).
func (tw *Twilio) InvalidNumber(number string) {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	tw.invalid[number] = true
}

// Delay makes every request wait d before its answer, to test a client's
// timeout; the wait ends early when the client goes away.
func (tw *Twilio) Delay(d time.Duration) {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	tw.delay = d
}

func twilioError(code int, message string, status int) TwilioError {
	return TwilioError{
		Code: code, Message: message, Status: status,
		MoreInfo: "https://www.twilio.com/docs/errors/" + strconv.Itoa(code),
	}
}

func (tw *Twilio) messages(w http.ResponseWriter, r *http.Request) {
	tw.mu.Lock()
	delay := tw.delay
	tw.mu.Unlock()
	wait(r, delay)

	req := TwilioRequest{AccountSID: r.PathValue("AccountSid"), Time: tw.now()}
	answer := func(status int, body any) {
		req.Status = status
		tw.mu.Lock()
		tw.requests = append(tw.requests, req)
		tw.mu.Unlock()
		writeJSON(w, status, body)
	}
	fail := func(code int, message string, status int) {
		answer(status, twilioError(code, message, status))
	}

	sid, token, ok := r.BasicAuth()
	if !ok || sid != tw.accountSID || token != tw.authToken {
		w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
		fail(20003, "Authenticate", http.StatusUnauthorized)
		return
	}
	if req.AccountSID != tw.accountSID {
		fail(20404, fmt.Sprintf("The requested resource %s was not found", r.URL.Path), http.StatusNotFound)
		return
	}
	if err := r.ParseForm(); err != nil {
		fail(20001, "Invalid request body", http.StatusBadRequest)
		return
	}
	req.Form = r.PostForm
	req.To, req.From = r.PostForm.Get("To"), r.PostForm.Get("From")
	req.MessagingServiceSID, req.Body = r.PostForm.Get("MessagingServiceSid"), r.PostForm.Get("Body")

	tw.mu.Lock()
	var inj *injected
	inj = tw.next()
	unsubscribed, invalid := tw.unsubscribed[req.To], tw.invalid[req.To]
	tw.mu.Unlock()
	if inj != nil {
		if inj.status == http.StatusTooManyRequests {
			setRetryAfter(w, inj)
			fail(20429, "Too Many Requests", inj.status)
			return
		}
		fail(20500, "An internal server error has occurred", inj.status)
		return
	}

	switch {
	case req.To == "":
		fail(21604, "A 'To' phone number is required.", http.StatusBadRequest)
	case req.From == "" && req.MessagingServiceSID == "":
		fail(21603, "A 'From' phone number is required.", http.StatusBadRequest)
	case req.Body == "" && r.PostForm.Get("MediaUrl") == "" && r.PostForm.Get("ContentSid") == "":
		fail(21602, "Message body is required.", http.StatusBadRequest)
	case !e164.MatchString(req.To) || invalid:
		fail(21211, fmt.Sprintf("The 'To' number %s is not a valid phone number.", req.To), http.StatusBadRequest)
	case utf8.RuneCountInString(req.Body) > 1600:
		fail(21617, "The concatenated message body exceeds the 1600 character limit.", http.StatusBadRequest)
	case unsubscribed:
		fail(21610, "Attempt to send to unsubscribed recipient", http.StatusBadRequest)
	default:
		tw.created(&req, answer)
	}
}

// created answers 201 with the Message resource, as Twilio does.
func (tw *Twilio) created(req *TwilioRequest, answer func(int, any)) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	req.SID = "SM" + hex.EncodeToString(b[:])
	now := time.Now().UTC().Format(time.RFC1123Z)
	status := "queued"
	var from, service any = req.From, nil
	if req.MessagingServiceSID != "" {
		service = req.MessagingServiceSID
		if req.From == "" {
			// Twilio picks the sender later from the service's pool.
			status, from = "accepted", nil
		}
	}
	uri := fmt.Sprintf("/2010-04-01/Accounts/%s/Messages/%s", tw.accountSID, req.SID)
	answer(http.StatusCreated, map[string]any{
		"sid": req.SID, "account_sid": tw.accountSID, "messaging_service_sid": service,
		"to": req.To, "from": from, "body": req.Body, "status": status,
		"num_segments": "1", "num_media": "0", "direction": "outbound-api",
		"api_version": "2010-04-01", "price": nil, "price_unit": "USD",
		"error_code": nil, "error_message": nil,
		"date_created": now, "date_updated": now, "date_sent": nil,
		"uri":              uri + ".json",
		"subresource_uris": map[string]string{"media": uri + "/Media.json"},
	})
}

package links

import (
	"strings"
	"testing"

	"github.com/onair-live/onair/internal/onair"
)

func TestUntrackDropsThePixelAndUnwrapsLinks(t *testing.T) {
	l := New("https://events.example.com", "preview-secret")
	const nid = "3f2c1a9e-8d7b-4c6a-9e5f-1b2a3c4d5e6f"
	watch := "https://events.example.com/watch/ev?token=abc&x=1"
	base := "https://events.example.com/api/track/notification/" + nid
	click := base + "/click?d=" + onair.ClickTrackingData(l.secret, nid, 42, watch)
	forged := base + "/click?d=" + onair.ClickTrackingData("another-secret", nid, 42, "https://evil.example/")
	pixel := base + "/open?d=" + onair.OpenTrackingData(l.secret, nid, 42)
	body := `<p><a href="` + click + `" style="color:#fff">Join</a> <a href="` + forged + `">x</a>` +
		` <a href="https://events.example.com/u/tok">Unsubscribe</a></p>` +
		`<img src="https://events.example.com/logo.png" alt="logo">` +
		`<img src="` + pixel + `" width="1" height="1" alt="" style="display:block">`

	got := l.Untrack(body)
	if strings.Contains(got, "/api/track/") {
		t.Errorf("tracking left in the preview: %s", got)
	}
	for _, want := range []string{`<a href="https://events.example.com/watch/ev?token=abc&amp;x=1" style="color:#fff">Join</a>`,
		`<a href="#">x</a>`, `href="https://events.example.com/u/tok"`, `<img src="https://events.example.com/logo.png" alt="logo">`} {
		if !strings.Contains(got, want) {
			t.Errorf("the preview lacks %s:\n%s", want, got)
		}
	}
}

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's chromium, which .ci/run installs.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("ONAIR_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is missing: CI must run the browser tests (apt-get install chromium)")
	}
	t.Skip("chromium is not installed: skipping the browser tests (apt-get install chromium)")
	return ""
}

// newBrowser starts a headless chromium for the test, with a window of the
// given size, and returns a context to drive it with chromedp.
func newBrowser(t *testing.T, width, height int) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests run as root
		chromedp.Flag("disable-gpu", true),
		// This machine has no network: without these, chromium keeps
		// trying to reach Google's services.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	// A bound for a journey that hangs, not a measure of speed: a whole
	// journey takes 20–40 s on a quiet machine, and above 90 s beside a
	// second copy of the tests.
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	failOnPolicyViolations(t, ctx)
	return ctx
}

// failOnPolicyViolations fails t when the browser refuses anything a page
// of onair asks for under its Content-Security-Policy: a refused script or
// style breaks the page's features without a word on the page itself.
func failOnPolicyViolations(t *testing.T, ctx context.Context) {
	t.Helper()
	messages := chromedp.Console(ctx)
	var mu sync.Mutex
	var refused []string
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if strings.Contains(m.Text, "Content Security Policy") || strings.Contains(m.Text, "Content-Security-Policy") {
				mu.Lock()
				refused = append(refused, m.Text)
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range refused {
			t.Errorf("the browser refused, under the Content-Security-Policy: %s", r)
		}
	})
}

// screenshot saves the page, whole, at the given width as
// docs/screenshots/NAME.png when ONAIR_SCREENSHOTS is set (the README shows
// them); otherwise it only checks that one can be taken. The window is made
// as tall as the page first: parts below a window are not always painted
// (iframes above all).
func screenshot(t *testing.T, ctx context.Context, name string, width int64) {
	t.Helper()
	fitHeight := func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		height, err := chromedp.Evaluate[int64]("document.documentElement.scrollHeight")(ctx, tg)
		if err != nil {
			return chromedp.Void{}, err
		}
		return chromedp.EmulateViewport(width, max(height, 600))(ctx, tg)
	}
	capture(t, ctx, name, chromedp.Steps(chromedp.EmulateViewport(width, 900), chromedp.Sleep(200*time.Millisecond),
		fitHeight, chromedp.Sleep(400*time.Millisecond)), chromedp.CaptureScreenshot())
}

// screenshotTop is screenshot of the first width × height pixels of the
// page only: the head of a page too long to show whole.
func screenshotTop(t *testing.T, ctx context.Context, name string, width, height int64) {
	t.Helper()
	capture(t, ctx, name, chromedp.Steps(chromedp.EmulateViewport(width, height),
		chromedp.Evaluate[chromedp.Void]("window.scrollTo(0, 0)"), chromedp.Sleep(300*time.Millisecond)),
		chromedp.CaptureScreenshot())
}

// screenshotOf is screenshot of the first element matching css alone, in
// a window width wide: one part of a long page.
func screenshotOf(t *testing.T, ctx context.Context, name string, width int64, css string) {
	t.Helper()
	capture(t, ctx, name, chromedp.Steps(chromedp.EmulateViewport(width, 900), chromedp.Sleep(200*time.Millisecond)),
		chromedp.Screenshot(chromedp.CSS(css)))
}

// capture lays the window out with prepare, takes the picture with take,
// puts the window back to 1280 × 900 and saves the picture as name.
func capture(t *testing.T, ctx context.Context, name string, prepare chromedp.Action[chromedp.Void], take chromedp.Action[[]byte]) {
	t.Helper()
	if err := chromedp.Do(ctx, prepare); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	png, err := chromedp.Run(ctx, take)
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	saveScreenshot(t, name, png)
}

// saveScreenshot writes png as docs/screenshots/NAME.png when
// ONAIR_SCREENSHOTS is set.
func saveScreenshot(t *testing.T, name string, png []byte) {
	t.Helper()
	if os.Getenv("ONAIR_SCREENSHOTS") == "" {
		return
	}
	dir := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

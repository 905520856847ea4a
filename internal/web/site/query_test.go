package site

import "testing"

func TestSafeNextStaysOnTheDashboard(t *testing.T) {
	tests := map[string]string{
		"":                              "/dashboard/events",
		"/dashboard/events/abc?page=2":  "/dashboard/events/abc?page=2",
		"/dashboard/outbox":             "/dashboard/outbox",
		"https://evil.example/":         "/dashboard/events",
		"//evil.example/dashboard/x":    "/dashboard/events",
		"/\t/evil.example":              "/dashboard/events",
		"/dashboard/\t/evil.example":    "/dashboard/events",
		"/\\evil.example":               "/dashboard/events",
		"/dashboard/x\r\nSet-Cookie: a": "/dashboard/events",
		"javascript:alert(1)":           "/dashboard/events",
		"/login":                        "/dashboard/events",
		"/dashboard/../login":           "/dashboard/../login",
	}
	for in, want := range tests {
		if got := SafeNext(in); got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

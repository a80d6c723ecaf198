package eval

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHostileInput sends requests no browser sends. Each must be denied,
// never panic, reflect nothing the client sent, and allocate no more than
// an ordinary request (the one slice of header values).
func TestHostileInput(t *testing.T) {
	tab := loadTable(t, "testdata/api.cors", "api")
	h := NewMiddleware(tab).Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	preflight := func(origin string, acrh ...string) http.Header {
		return http.Header{"Origin": {origin}, "Access-Control-Request-Method": {"PUT"}, "Access-Control-Request-Headers": acrh}
	}
	manyNames := strings.TrimSuffix(strings.Repeat("x-a,", 10000), ",")
	tests := []struct {
		name   string
		method string
		header http.Header
	}{
		{"an Origin of 64 KiB", "GET", http.Header{"Origin": {"https://" + strings.Repeat("a", 64<<10) + ".example.com"}}},
		{"10,000 request header names", "OPTIONS", preflight(app, manyNames)},
		{"10,000 request header lines", "OPTIONS", preflight(app, strings.Split(manyNames, ",")...)},
		{"a NUL byte in the Origin", "GET", http.Header{"Origin": {app + "\x00"}}},
		{"a NUL byte in a header name", "OPTIONS", preflight(app, "content-type\x00")},
		{"invalid UTF-8 in the Origin", "GET", http.Header{"Origin": {"https://app.\xff.example.com"}}},
		{"invalid UTF-8 in a header name", "OPTIONS", preflight(app, "x-\xc3")},
		{"two Origin headers", "GET", http.Header{"Origin": {app, "https://evil.example.org"}}},
		{"CR LF in the Origin", "GET", http.Header{"Origin": {app + "\r\nSet-Cookie: a=b"}}},
		{"CR LF in a header name", "OPTIONS", preflight(app, "content-type\r\nx-evil")},
		{"upper-case scheme", "GET", http.Header{"Origin": {"HTTPS://app.example.com"}}},
		{"an empty Origin", "GET", http.Header{"Origin": {""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/api/items", nil)
			r.Header = tt.header
			w := &headerOnly{h: http.Header{}}
			h.ServeHTTP(w, r)
			if v := w.h.Get("Access-Control-Allow-Origin"); v != "" {
				t.Errorf("Access-Control-Allow-Origin = %q; want none", v)
			}
			for k, vs := range w.h {
				for _, v := range vs {
					if strings.ContainsAny(v, "\r\n\x00") || len(v) > 200 {
						t.Errorf("%s reflects the request: %q", k, v)
					}
				}
			}
			if n := testing.AllocsPerRun(20, func() { clear(w.h); h.ServeHTTP(w, r) }); n > 1 {
				t.Errorf("%v allocations per request, want at most 1", n)
			}
		})
	}
}

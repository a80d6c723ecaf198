package eval

import (
	"net/http"
	"net/http/httptest"
	"slices"
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

// TestHostileEcho sends hostile preflights where the answer names the
// requested method and echoes the requested headers (methods any and
// headers any with credentials): only a single method token is ever
// echoed, every header line counts against the bounds, and lines without a
// name are not echoed.
func TestHostileEcho(t *testing.T) {
	tab := loadTable(t, "testdata/api.cors", "api")
	h := NewMiddleware(tab).Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	tests := []struct {
		name    string
		acrm    []string
		acrh    []string
		allowed bool
		methods string   // Access-Control-Allow-Methods when allowed
		headers []string // Access-Control-Allow-Headers lines when allowed
	}{
		{"a method that is not a token", []string{"<script>"}, nil, false, "", nil},
		{"a method of 60 KB", []string{strings.Repeat("A", 60<<10)}, nil, false, "", nil},
		{"a list of methods", []string{"GET, DELETE, PATCH"}, nil, false, "", nil},
		{"two method lines", []string{"GET", "DELETE"}, nil, false, "", nil},
		{"a method of 64 bytes", []string{strings.Repeat("M", 64)}, nil, true, strings.Repeat("M", 64), nil},
		{"a method of 65 bytes", []string{strings.Repeat("M", 65)}, nil, false, "", nil},
		{"100,000 empty header lines", []string{"PUT"}, make([]string, 100000), false, "", nil},
		{"65 empty header lines", []string{"PUT"}, make([]string, 65), false, "", nil},
		{"empty lines among names are not echoed", []string{"PUT"}, []string{"", "x-a", " , ", "x-b"}, true, "PUT", []string{"x-a", "x-b"}},
		{"64 names over 64 lines", []string{"PUT"}, strings.Split(strings.TrimSuffix(strings.Repeat("x-a,", 64), ","), ","), true, "PUT",
			strings.Split(strings.TrimSuffix(strings.Repeat("x-a,", 64), ","), ",")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("OPTIONS", "/echo/x", nil)
			r.Header = http.Header{"Origin": {app}, "Access-Control-Request-Method": tt.acrm}
			if tt.acrh != nil {
				r.Header["Access-Control-Request-Headers"] = tt.acrh
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			allowed := w.Code == 204
			if allowed != tt.allowed {
				t.Fatalf("status %d, want allowed = %v", w.Code, tt.allowed)
			}
			if !allowed {
				if len(w.Header()) != 1 || w.Header().Get("Vary") == "" {
					t.Errorf("a denied preflight carries %v; want Vary alone", w.Header())
				}
				return
			}
			if got := w.Header().Get("Access-Control-Allow-Methods"); got != tt.methods {
				t.Errorf("Access-Control-Allow-Methods = %.80q, want %.80q", got, tt.methods)
			}
			if got := w.Header()["Access-Control-Allow-Headers"]; !slices.Equal(got, tt.headers) {
				t.Errorf("Access-Control-Allow-Headers = %q, want %q", got, tt.headers)
			}
		})
	}
}

// TestRequestHeaderBounds puts Access-Control-Request-Headers at each of
// its bounds (SPEC.md, "Preflight": more than 64 lines, more than 64 names,
// or more than 4096 bytes once the lines are joined with commas is denied)
// and one past it, on one line and over several, with a name the rule
// grants: the bound itself is allowed, one more is denied with the check
// header. Reference, which counts in its own way, must agree.
func TestRequestHeaderBounds(t *testing.T) {
	tab := loadTable(t, "testdata/api.cors", "api")
	names := func(n int) []string { return strings.Split(strings.Repeat("content-type,", n-1)+"content-type", ",") }
	// padded returns one name padded with blanks to n bytes.
	padded := func(n int) string { return "content-type" + strings.Repeat(" ", n-len("content-type")) }
	for _, tc := range []struct {
		name    string
		lines   []string
		allowed bool
	}{
		{"64 names on one line", []string{strings.Join(names(64), ",")}, true},
		{"65 names on one line", []string{strings.Join(names(65), ",")}, false},
		{"64 names, one a line", names(64), true},
		{"65 names, one a line", names(65), false},
		{"64 names over two lines", []string{strings.Join(names(32), ","), strings.Join(names(32), ",")}, true},
		{"65 names over two lines", []string{strings.Join(names(32), ","), strings.Join(names(33), ",")}, false},
		{"64 names and an empty name", []string{strings.Join(names(64), ",") + ", ,"}, true},
		{"64 lines, one of them empty", append(names(63), ""), true},
		{"65 lines, one of them empty", append(names(64), ""), false},
		{"one line of 4096 bytes", []string{padded(4096)}, true},
		{"one line of 4097 bytes", []string{padded(4097)}, false},
		{"two lines of 4096 bytes joined", []string{padded(2000), padded(2095)}, true},
		{"two lines of 4097 bytes joined", []string{padded(2000), padded(2096)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Request{Method: "OPTIONS", Path: "/api/items", Origin: []string{app}, RequestMethod: []string{"PUT"}, RequestHeaders: tc.lines}
			d := Evaluate(tab, &r)
			if d.Allowed != tc.allowed || !tc.allowed && d.Failed != CheckHeader {
				t.Errorf("allowed %v (check %v, %s); want allowed %v, or else the check header", d.Allowed, d.Failed, d.Detail, tc.allowed)
			}
			if ref := Reference(tab, &r); ref.Allowed != d.Allowed || ref.Failed != d.Failed {
				t.Errorf("Reference: allowed %v (check %v); Evaluate: allowed %v (check %v)", ref.Allowed, ref.Failed, d.Allowed, d.Failed)
			}
		})
	}
}

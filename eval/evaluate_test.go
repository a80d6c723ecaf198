package eval

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/compile/pathset"
	"github.com/google/go-cmp/cmp"
)

func loadTable(t testing.TB, file, policy string) *compile.Table {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := compile.CompileSource(file, src, compile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tab, err := prog.Policy(policy)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

const (
	app       = "https://app.example.com"
	varyPre   = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network"
	appMethod = "DELETE, GET, PATCH, POST, PUT"
	appHeader = "authorization, content-type, x-request-id"
)

// TestEvaluate checks one rule of the Fetch standard, or of SPEC.md, per case.
func TestEvaluate(t *testing.T) {
	tab := loadTable(t, "testdata/api.cors", "api")
	tests := []struct {
		name   string
		req    Request
		kind   Kind
		failed Check // CheckNone: allowed
		status int
		header map[string]string
	}{
		{"no Origin: not CORS, but the answer varies by origin",
			Request{Method: "GET", Path: "/api/items"}, NotCORS, 0, 0,
			map[string]string{"Vary": "Origin"}},
		{"no Origin on a public path: the public answer, no Vary",
			Request{Method: "GET", Path: "/public/items"}, NotCORS, 0, 0,
			map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "X-Total-Count"}},
		{"no Origin on a path no rule covers: nothing at all",
			Request{Method: "GET", Path: "/other"}, NotCORS, 0, 0, map[string]string{}},
		{"actual request from an allowed origin: the origin reflected, with credentials",
			Request{Method: "GET", Path: "/api/items", Origin: []string{app}}, Actual, 0, 0,
			map[string]string{"Access-Control-Allow-Origin": app, "Access-Control-Allow-Credentials": "true",
				"Access-Control-Expose-Headers": "X-Request-Id", "Vary": "Origin"}},
		{"subdomain wildcard covers deeper subdomains",
			Request{Method: "GET", Path: "/api/items", Origin: []string{"https://a.b.tenant.example.com"}}, Actual, 0, 0,
			map[string]string{"Access-Control-Allow-Origin": "https://a.b.tenant.example.com", "Access-Control-Allow-Credentials": "true",
				"Access-Control-Expose-Headers": "X-Request-Id", "Vary": "Origin"}},
		{"subdomain wildcard does not cover the apex",
			Request{Method: "GET", Path: "/api/items", Origin: []string{"https://tenant.example.com"}}, Actual, CheckOrigin, 0,
			map[string]string{"Vary": "Origin"}},
		{"deny beats a wildcard allow",
			Request{Method: "GET", Path: "/api/items", Origin: []string{"https://evil.tenant.example.com"}}, Actual, CheckOrigin, 0,
			map[string]string{"Vary": "Origin"}},
		{"an origin in upper case is not a serialised origin, never reflected",
			Request{Method: "GET", Path: "/api/items", Origin: []string{"https://APP.example.com"}}, Actual, CheckOrigin, 0,
			map[string]string{"Vary": "Origin"}},
		{"a trailing slash is not an origin",
			Request{Method: "GET", Path: "/api/items", Origin: []string{app + "/"}}, Actual, CheckOrigin, 0,
			map[string]string{"Vary": "Origin"}},
		{"an explicit default port is not how browsers serialise",
			Request{Method: "GET", Path: "/api/items", Origin: []string{app + ":443"}}, Actual, CheckOrigin, 0,
			map[string]string{"Vary": "Origin"}},
		{"two Origin headers are denied",
			Request{Method: "GET", Path: "/api/items", Origin: []string{app, app}}, Actual, CheckOrigin, 0,
			map[string]string{"Vary": "Origin"}},
		{"an empty Origin is denied",
			Request{Method: "GET", Path: "/api/items", Origin: []string{""}}, Actual, CheckOrigin, 0,
			map[string]string{"Vary": "Origin"}},
		{"actual request with a method the origin is not granted",
			Request{Method: "OPTIONS", Path: "/api/items", Origin: []string{app}}, Actual, CheckMethod, 0,
			map[string]string{"Vary": "Origin"}},
		{"preflight allowed: precomputed lists, max age, three Vary names",
			Request{Method: "OPTIONS", Path: "/api/items", Origin: []string{app}, RequestMethod: []string{"PUT"},
				RequestHeaders: []string{"content-type,x-request-id"}}, Preflight, 0, 204,
			map[string]string{"Access-Control-Allow-Origin": app, "Access-Control-Allow-Credentials": "true",
				"Access-Control-Allow-Methods": appMethod, "Access-Control-Allow-Headers": appHeader,
				"Access-Control-Max-Age": "600", "Vary": varyPre}},
		{"request headers in any case and order, with spaces, over two lines",
			Request{Method: "OPTIONS", Path: "/api/items", Origin: []string{app}, RequestMethod: []string{"PUT"},
				RequestHeaders: []string{"X-Request-ID , Content-Type", " ,authorization"}}, Preflight, 0, 204,
			map[string]string{"Access-Control-Allow-Origin": app, "Access-Control-Allow-Credentials": "true",
				"Access-Control-Allow-Methods": appMethod, "Access-Control-Allow-Headers": appHeader,
				"Access-Control-Max-Age": "600", "Vary": varyPre}},
		{"methods compare byte for byte: patch is not PATCH",
			Request{Method: "OPTIONS", Path: "/api/items", Origin: []string{app}, RequestMethod: []string{"patch"}}, Preflight, CheckMethod, 403,
			map[string]string{"Vary": varyPre}},
		{"a header not granted",
			Request{Method: "OPTIONS", Path: "/api/items", Origin: []string{app}, RequestMethod: []string{"PUT"},
				RequestHeaders: []string{"content-type,x-foo"}}, Preflight, CheckHeader, 403,
			map[string]string{"Vary": varyPre}},
		{"a deny rule scoped by path and method",
			Request{Method: "OPTIONS", Path: "/api/admin/users", Origin: []string{app}, RequestMethod: []string{"DELETE"}}, Preflight, CheckOrigin, 403,
			map[string]string{"Vary": varyPre}},
		{"the same path with another method is allowed, and the denied method is not offered",
			Request{Method: "OPTIONS", Path: "/api/admin/users", Origin: []string{app}, RequestMethod: []string{"PUT"}}, Preflight, 0, 204,
			map[string]string{"Access-Control-Allow-Origin": app, "Access-Control-Allow-Credentials": "true",
				"Access-Control-Allow-Methods": "GET, PATCH, POST, PUT", "Access-Control-Allow-Headers": appHeader,
				"Access-Control-Max-Age": "600", "Vary": varyPre}},
		{"an empty Access-Control-Request-Method still makes a preflight, denied",
			Request{Method: "OPTIONS", Path: "/api/items", Origin: []string{app}, RequestMethod: []string{""}}, Preflight, CheckMethod, 403,
			map[string]string{"Vary": varyPre}},
		{"any port, private network, status 200, max age 0, wildcards without credentials",
			Request{Method: "OPTIONS", Path: "/api/items", Origin: []string{"http://localhost:3000"}, RequestMethod: []string{"PATCH"},
				RequestHeaders: []string{"x-anything"}, PrivateNetwork: "true"}, Preflight, 0, 200,
			map[string]string{"Access-Control-Allow-Origin": "http://localhost:3000", "Access-Control-Allow-Methods": "*",
				"Access-Control-Allow-Headers": "*", "Access-Control-Max-Age": "0",
				"Access-Control-Allow-Private-Network": "true", "Vary": varyPre}},
		{"any port covers the default port",
			Request{Method: "GET", Path: "/api/items", Origin: []string{"http://localhost"}}, Actual, 0, 0,
			map[string]string{"Access-Control-Allow-Origin": "http://localhost", "Vary": "Origin"}},
		{"Authorization is never covered by headers any",
			Request{Method: "OPTIONS", Path: "/api/items", Origin: []string{"http://localhost:3000"}, RequestMethod: []string{"GET"},
				RequestHeaders: []string{"authorization"}}, Preflight, CheckHeader, 403,
			map[string]string{"Vary": varyPre}},
		{"private network asked where it is not granted",
			Request{Method: "OPTIONS", Path: "/api/items", Origin: []string{app}, RequestMethod: []string{"GET"},
				PrivateNetwork: "true"}, Preflight, CheckPrivateNetwork, 403,
			map[string]string{"Vary": varyPre}},
		{"public path: * without Vary on actual requests",
			Request{Method: "GET", Path: "/public/items", Origin: []string{"https://anyone.example.org"}}, Actual, 0, 0,
			map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "X-Total-Count"}},
		{"public path: credentials are never granted; the public answer stays, for caches",
			Request{Method: "GET", Path: "/public/items", Origin: []string{"https://anyone.example.org"}, Credentials: true}, Actual, CheckCredentials, 0,
			map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "X-Total-Count"}},
		{"public path, a method allow any does not grant: no CORS header, and no Vary either",
			Request{Method: "DELETE", Path: "/public/items", Origin: []string{"https://anyone.example.org"}}, Actual, CheckMethod, 0,
			map[string]string{}},
		{"the same without Origin: nothing at all",
			Request{Method: "DELETE", Path: "/public/items"}, NotCORS, 0, 0, map[string]string{}},
		{"public preflight",
			Request{Method: "OPTIONS", Path: "/public/items", Origin: []string{"null"}, RequestMethod: []string{"GET"},
				RequestHeaders: []string{"x-custom"}}, Preflight, 0, 204,
			map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, HEAD",
				"Access-Control-Allow-Headers": "*", "Vary": varyPre}},
		{"1 MB of commas in Access-Control-Request-Headers",
			Request{Method: "OPTIONS", Path: "/api/items", Origin: []string{app}, RequestMethod: []string{"PUT"},
				RequestHeaders: []string{strings.Repeat(",", 1<<20)}}, Preflight, CheckHeader, 403,
			map[string]string{"Vary": varyPre}},
		{"65 names in Access-Control-Request-Headers",
			Request{Method: "OPTIONS", Path: "/api/items", Origin: []string{app}, RequestMethod: []string{"PUT"},
				RequestHeaders: []string{strings.Repeat("content-type,", 65)}}, Preflight, CheckHeader, 403,
			map[string]string{"Vary": varyPre}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Evaluate(tab, &tt.req)
			if d.Kind != tt.kind {
				t.Errorf("kind = %v, want %v", d.Kind, tt.kind)
			}
			if d.Allowed != (tt.failed == CheckNone) || d.Failed != tt.failed {
				t.Errorf("allowed = %v, failed = %v (%s); want failed = %v", d.Allowed, d.Failed, d.Detail, tt.failed)
			}
			if d.Status != tt.status {
				t.Errorf("status = %d, want %d", d.Status, tt.status)
			}
			got := map[string]string{}
			for k, v := range d.Header() {
				got[k] = strings.Join(v, ", ")
			}
			if diff := cmp.Diff(tt.header, got); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEvaluateAllocs checks that Evaluate allocates nothing, hostile input
// included.
func TestEvaluateAllocs(t *testing.T) {
	tab := loadTable(t, "testdata/api.cors", "api")
	reqs := []Request{
		{Method: "GET", Path: "/api/items"},
		{Method: "GET", Path: "/api/items", Origin: []string{app}},
		{Method: "OPTIONS", Path: "/api/items", Origin: []string{app}, RequestMethod: []string{"PUT"}, RequestHeaders: []string{"Content-Type,X-Request-Id"}},
		{Method: "OPTIONS", Path: "/api/items", Origin: []string{app}, RequestMethod: []string{"PUT"}, RequestHeaders: []string{strings.Repeat("a,", 4096)}},
		{Method: "GET", Path: "/api/items", Origin: []string{strings.Repeat("x", 64<<10)}},
		{Method: "GET", Path: "/api/items", Origin: []string{"https://evil.tenant.example.com"}}, // denied by a rule
	}
	for i := range reqs {
		if n := testing.AllocsPerRun(100, func() { Evaluate(tab, &reqs[i]) }); n != 0 {
			t.Errorf("request %d: %v allocations, want 0", i, n)
		}
	}
}

// TestWriteDoesNotShare checks that two responses never share a header
// slice, so a handler that edits one cannot change another (the data race
// reported against rs/cors).
func TestWriteDoesNotShare(t *testing.T) {
	tab := loadTable(t, "testdata/api.cors", "api")
	req := Request{Method: "GET", Path: "/api/items", Origin: []string{app}}
	d1, d2 := Evaluate(tab, &req), Evaluate(tab, &req)
	h1, h2 := http.Header{}, http.Header{}
	d1.write(h1)
	d2.write(h2)
	want1 := h1.Clone()
	h1["Access-Control-Expose-Headers"][0] = "changed"
	h1["Vary"] = append(h1["Vary"], "Accept")
	if h2.Get("Access-Control-Expose-Headers") != "X-Request-Id" || len(h2["Vary"]) != 1 {
		t.Errorf("editing one response's headers changed another's: %v", h2)
	}
	// The values share one slice: appending to the first header must not
	// write over the next one.
	h1["Access-Control-Allow-Origin"] = append(h1["Access-Control-Allow-Origin"], "extra")
	for name, vs := range want1 {
		if name != "Access-Control-Expose-Headers" && name != "Vary" && h1[name][0] != vs[0] {
			t.Errorf("appending to Access-Control-Allow-Origin overwrote %s: %q", name, h1[name][0])
		}
	}
}

// TestPublicAnswerUnderDeny checks the public answer where only rules
// naming any cover a path (SPEC.md, "Vary"): "*" for a method an allow any
// rule grants, on every response, with or without Origin, and no CORS
// header at all, no Vary either, where a deny any rule takes the request
// away, whether it names methods or not. Reference must agree.
func TestPublicAnswerUnderDeny(t *testing.T) {
	tab := compileOne(t, `cors 1

policy api {
    allow any {
        paths   "/pub/**"
        methods "GET", "HEAD"
        expose  "X-Total"
    }

    deny any {
        paths "/pub/closed/**"
    }

    deny any {
        paths   "/pub/read-only/**"
        methods "HEAD"
    }
}
`)
	public := map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "X-Total"}
	none := map[string]string{}
	for _, tc := range []struct {
		method, path string
		origin       []string
		want         map[string]string
	}{
		{"GET", "/pub/x", nil, public},
		{"GET", "/pub/x", []string{"https://a.example.com"}, public},
		{"DELETE", "/pub/x", nil, none},
		{"GET", "/pub/closed/x", nil, none},
		{"GET", "/pub/closed/x", []string{"https://a.example.com"}, none},
		{"HEAD", "/pub/read-only/x", nil, none},
		{"HEAD", "/pub/read-only/x", []string{"null"}, none},
		{"GET", "/pub/read-only/x", nil, public},
	} {
		r := Request{Method: tc.method, Path: tc.path, Origin: tc.origin}
		for name, d := range map[string]Decision{"Evaluate": Evaluate(tab, &r), "Reference": Reference(tab, &r)} {
			got := map[string]string{}
			for k, v := range d.Header() {
				got[k] = strings.Join(v, ", ")
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s %s from %q: %s headers (-want +got):\n%s", tc.method, tc.path, tc.origin, name, diff)
			}
		}
	}
}

// TestPathProblem lists paths that routers read in different ways, which
// pathProblem must name, beside paths that only look like them; a CORS
// request for one of the former is denied with the check path and varies
// by origin.
func TestPathProblem(t *testing.T) {
	tab := loadTable(t, "testdata/api.cors", "api")
	for _, tc := range []struct {
		path    string
		problem bool
	}{
		{"/api/items", false},
		{"/", false},
		{"/api//items", false},
		{"/api;x/items", false},
		{"/api/a.b", false},
		{"/api/.a", false},
		{"/api/a..", false},
		{"/api/...", false},
		{"/api/%2", false},
		{"/api/%25", false},
		{"/api/%2e", false},
		{"/api/.", true},
		{"/api/./x", true},
		{"/./api/x", true},
		{"/api/..", true},
		{"/api/../api/x", true},
		{"/api/x\\y", true},
		{"/api/x%2fy", true},
		{"/api/x%2Fy", true},
		{"/api/x%5cy", true},
		{"/api/x%5Cy", true},
		{"/api/x\x00y", true}, // %00 as sent, decoded; nginx answers 400
		{"/api/\x00", true},
		{"*", true},
		{"api/items", true},
		{"", true},
	} {
		if got := pathset.Problem(tc.path) != ""; got != tc.problem {
			t.Errorf("pathset.Problem(%q) = %q; want a problem: %v", tc.path, pathset.Problem(tc.path), tc.problem)
		}
		if !tc.problem {
			continue
		}
		r := Request{Method: "GET", Path: tc.path, Origin: []string{app}}
		if d := Evaluate(tab, &r); d.Allowed || d.Failed != CheckPath || d.Vary != "Origin" {
			t.Errorf("GET %q: allowed %v, check %v, Vary %q; want denied, check path, Vary: Origin", tc.path, d.Allowed, d.Failed, d.Vary)
		}
	}
}

// TestBracketsThatAreNoAddress checks that an Origin whose brackets hold
// no IPv6 address in the form browsers send is not an origin, even where
// any origin is allowed: denied, Vary: Origin, no star; Reference agrees.
func TestBracketsThatAreNoAddress(t *testing.T) {
	prog, err := compile.CompileSource("p.cors", []byte("cors 1\n\npolicy p {\n    allow any\n\n    allow \"https://a.example.com\" {\n        credentials\n    }\n}\n"), compile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tab, _ := prog.Policy("p")
	for _, origin := range []string{"https://[1]", "https://[]", "http://[:]", "https://[1.2.3.4]", "https://[::1.dead.beef]",
		"https://[0::1]", "https://[::ffff:1.2.3.4]", "https://[0:0:0:0:0:0:0:1]"} {
		for _, f := range []func(*compile.Table, *Request) Decision{Evaluate, Reference} {
			r := Request{Method: "GET", Path: "/", Origin: []string{origin}}
			if d := f(tab, &r); d.Allowed || d.AllowOrigin != "" || d.Vary != "Origin" {
				t.Errorf("%s: allowed %v, Access-Control-Allow-Origin %q, Vary %q; want denied, none, Origin", origin, d.Allowed, d.AllowOrigin, d.Vary)
			}
		}
	}
	r := Request{Method: "GET", Path: "/", Origin: []string{"https://[::ffff:102:304]"}}
	if d := Evaluate(tab, &r); !d.Allowed || d.AllowOrigin != "*" {
		t.Errorf("the address as browsers send it: allowed %v, %q; want allowed, *", d.Allowed, d.AllowOrigin)
	}
}

// TestVaryOfAnOuterLayerIsNotWritten checks that adding Origin to a Vary an
// outer layer set never writes into that layer's slice: one that hands
// every response the same slice with room to spare must find it unchanged.
func TestVaryOfAnOuterLayerIsNotWritten(t *testing.T) {
	tab := loadTable(t, "testdata/api.cors", "api")
	shared := make([]string, 1, 4)
	shared[0] = "Accept-Encoding"
	mw := NewMiddleware(tab).Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for _, origin := range []string{app, "https://evil.example", ""} {
		w := httptest.NewRecorder()
		w.Header()["Vary"] = shared
		r := httptest.NewRequest("GET", "/api/items", nil)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		mw.ServeHTTP(w, r)
		if got := w.Header()["Vary"]; len(got) != 2 || got[0] != "Accept-Encoding" || got[1] != "Origin" {
			t.Errorf("Origin %q: Vary %q, want Accept-Encoding, Origin", origin, got)
		}
		if extra := shared[:2][1]; extra != "" {
			t.Fatalf("Origin %q: the outer layer's slice now holds %q past its length", origin, extra)
		}
	}
}

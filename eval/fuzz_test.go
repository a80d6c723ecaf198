package eval

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/lang"
	"github.com/google/go-cmp/cmp"
)

// FuzzEvaluate answers random requests with the example policies. Whatever
// the request, the evaluator must not panic, must reflect an origin only
// when it is the one serialised origin the request sent, must send no CORS
// grant on a denial, and must vary on Origin wherever the answer depends
// on it. The middleware, which reads some headers only when the answer
// turns on them, must answer as Evaluate does with every header read.
func FuzzEvaluate(f *testing.F) {
	var tables []*compile.Table
	files, _ := filepath.Glob("../examples/*.cors")
	files = append(files, "testdata/api.cors")
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		file, err := lang.Parse(path, src)
		if err != nil {
			f.Fatal(err)
		}
		for _, profile := range compile.Resolve(file, compile.Options{}).Builds() {
			prog, err := compile.Compile(file, compile.Options{Profile: profile})
			if err != nil {
				f.Fatal(err)
			}
			for _, name := range prog.Names() {
				if tab, err := prog.Policy(name); err == nil {
					tables = append(tables, tab)
				}
			}
		}
	}
	// A seed per origin class and rule path of each table, so that the
	// fuzzer starts from allowed requests, with and without a preflight,
	// always with a cookie.
	for i, tab := range tables {
		paths := []string{"/"}
		for _, r := range tab.Rules {
			for _, p := range r.Paths {
				paths = append(paths, strings.ReplaceAll(p.Text, "*", "x"))
			}
		}
		for _, c := range tab.Classes() {
			for _, p := range paths {
				f.Add(uint8(i), "OPTIONS", p, c.Witness, "GET", "", "", true)
				f.Add(uint8(i), "OPTIONS", p, c.Witness, "GET", "x-not-granted", "true", false)
				f.Add(uint8(i), "GET", p, c.Witness, "", "", "", true)
			}
		}
	}
	f.Add(uint8(0), "OPTIONS", "/api/items", "https://app.example.com", "PUT", "content-type,x-request-id", "", false)
	f.Add(uint8(1), "GET", "/public/x", "null", "", "", "true", true)
	f.Add(uint8(2), "GET", "/admin/../api", "https://a.tenant.example.com", "", "", "", false)
	f.Add(uint8(3), "OPTIONS", "/", "https://APP.example.com", "patch", strings.Repeat(",", 5000), "true", false)
	// Hosts at the edges of SPEC.md's definition, below the wildcards of
	// the examples: an underscore (a host), invalid punycode (never echoed).
	for i := range tables {
		for _, origin := range []string{"https://a_b.corp.example.com", "https://xn--f.corp.example.com",
			"https://xn--bcher-kva.corp.example.com", "https://a_b.preview.example.com", "https://xn--f.preview.example.com",
			"https://a_b.tenant.example.com", "https://xn--f.tenant.example.com",
			// IPv6 in the form browsers send, and the same address not.
			"https://[::1]", "https://[0::1]", "https://[::ffff:102:304]", "https://[::ffff:1.2.3.4]", "https://[1]"} {
			f.Add(uint8(i), "GET", "/api/x", origin, "", "", "", true)
			f.Add(uint8(i), "OPTIONS", "/admin/x", origin, "PUT", "content-type", "", false)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, method, path, origin, acrm, acrh, pna string, creds bool) {
		tab := tables[int(which)%len(tables)]
		r := Request{Method: method, Path: path, PrivateNetwork: pna, Credentials: creds}
		if origin != "" {
			r.Origin = strings.Split(origin, "\n")
		}
		if acrm != "" {
			r.RequestMethod = []string{acrm}
		}
		if acrh != "" {
			r.RequestHeaders = strings.Split(acrh, "\n")
		}
		d := Evaluate(tab, &r)
		if d.AllowOrigin != "" && d.AllowOrigin != "*" {
			if len(r.Origin) != 1 || d.AllowOrigin != r.Origin[0] {
				t.Fatalf("reflects %q for Origin lines %q", d.AllowOrigin, r.Origin)
			}
			if _, ok := tab.Lookup(d.AllowOrigin); !ok {
				t.Fatalf("reflects %q, which is not a serialised origin", d.AllowOrigin)
			}
		}
		if d.Kind != NotCORS && !d.Allowed && (d.AllowOrigin != "" && d.AllowOrigin != "*" || d.AllowCredentials != "" || d.AllowMethods != "" || d.AllowHeaders != "") {
			t.Fatalf("a denial grants: %+v", d)
		}
		if d.AllowCredentials != "" && d.AllowOrigin == "*" {
			t.Fatal("credentials beside *")
		}
		if d.Kind != Preflight && tab.OriginDependent(r.Path) && d.Vary != "Origin" {
			t.Fatalf("the answer depends on the origin but Vary is %q", d.Vary)
		}
		checkMiddlewareAgrees(t, tab, method, path, r.Origin, acrm, acrh, pna, creds)
	})
}

// checkMiddlewareAgrees sends the middleware a request with every header
// given, on any method, and compares its status and headers with those of
// Evaluate on the same request read eagerly by RequestOf.
func checkMiddlewareAgrees(t *testing.T, tab *compile.Table, method, path string, origin []string, acrm, acrh, pna string, creds bool) {
	t.Helper()
	var acrmLines, acrhLines []string
	if acrm != "" {
		acrmLines = []string{acrm}
	}
	if acrh != "" {
		acrhLines = strings.Split(acrh, "\n")
	}
	checkMiddlewareLines(t, tab, method, path, origin, acrmLines, acrhLines, pna, creds)
}

// checkMiddlewareLines is checkMiddlewareAgrees with the header lines of
// the requested method and headers given one by one (nil: absent).
func checkMiddlewareLines(t *testing.T, tab *compile.Table, method, path string, origin, acrm, acrh []string, pna string, creds bool) {
	t.Helper()
	hr := &http.Request{Method: method, URL: &url.URL{Path: path}, Header: http.Header{}}
	if origin != nil {
		hr.Header["Origin"] = origin
	}
	if acrm != nil {
		hr.Header["Access-Control-Request-Method"] = acrm
	}
	if acrh != nil {
		hr.Header["Access-Control-Request-Headers"] = acrh
	}
	if pna != "" {
		hr.Header["Access-Control-Request-Private-Network"] = []string{pna}
	}
	if creds {
		hr.Header["Cookie"] = []string{"session=1"}
	}
	req := RequestOf(hr)
	want := Evaluate(tab, &req)
	wantStatus := http.StatusOK
	if want.Kind == Preflight {
		wantStatus = want.Status
	}
	w := httptest.NewRecorder()
	NewMiddleware(tab).Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(w, hr)
	if w.Code != wantStatus {
		t.Fatalf("middleware status %d, Evaluate %d", w.Code, wantStatus)
	}
	if diff := cmp.Diff(want.Header(), w.Header()); diff != "" {
		t.Fatalf("middleware headers differ from Evaluate's (-Evaluate +middleware):\n%s", diff)
	}
}

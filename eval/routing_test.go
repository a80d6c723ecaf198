package eval

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/corspolicy/cors/compile"
)

// TestRoutedPath sends request targets as routers see them (escaped
// slashes and backslashes, escaped dot segments, ";", "//", trailing
// slashes, upper- and lower-case escapes) through a real server, where
// net/http's ServeMux routes the requests the middleware let through. For
// each, the path the middleware judged must be the path the handler
// serves, or the request must be denied: an allowed preflight must be the
// one Evaluate gives for the path that the same request reaches.
func TestRoutedPath(t *testing.T) {
	tab := loadTable(t, "../examples/admin-api-with-denies.cors", "admin-api")
	var served string // the path the handler of the last request saw, or "" when none did
	mux := http.NewServeMux()
	for _, route := range []string{"/admin/audit/", "/admin/", "/"} {
		mux.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) { served = r.URL.Path })
	}
	srv := httptest.NewServer(NewMiddleware(tab).Wrap(mux))
	defer srv.Close()
	send := func(method, target string, header string) *http.Response {
		t.Helper()
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: api.test\r\n%sConnection: close\r\n\r\n", method, target, header)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	const console = "https://console.corp.example.com"
	for _, target := range []string{
		"/admin/audit/x",
		"/admin/audit/x%2f..%2f..%2fusers",
		"/admin/audit/x%2F..%2F..%2Fusers",
		"/admin/audit/x%5c..%5c..%5cusers",
		"/admin/audit/x%5C..%5C..%5Cusers",
		"/admin/audit/%2e%2e/%2e%2e/users",
		"/admin/audit/%2E%2E/users",
		"/admin/audit/x/../../users",
		"/admin/audit/./x",
		"/admin/audit;x/y",
		"/admin/audit/x;/../../users",
		"/admin//audit/x",
		"/admin/audit//x",
		"/admin/audit",
		"/admin/audit/",
		"/admin/%61udit/x",
		"/admin/%41udit/x",
		"/admin/users",
	} {
		t.Run(target, func(t *testing.T) {
			served = ""
			actual := send("DELETE", target, "Origin: "+console+"\r\n")
			where := served
			pre := send("OPTIONS", target, "Origin: "+console+"\r\nAccess-Control-Request-Method: DELETE\r\n")
			if pre.StatusCode != 204 {
				return // denied: nothing to hold to a route
			}
			if where == "" {
				// A router that redirects an unclean path serves nothing
				// there; a browser sends a new preflight for the target.
				if actual.StatusCode/100 != 3 {
					t.Fatalf("the preflight was allowed, but the request reaches no handler (status %d)", actual.StatusCode)
				}
				return
			}
			want := Evaluate(tab, &Request{Method: "OPTIONS", Path: where, Origin: []string{console}, RequestMethod: []string{"DELETE"}})
			if !want.Allowed {
				t.Fatalf("the preflight was allowed, but the handler serves %q, where a preflight is denied (%v)", where, want.Failed)
			}
			if got := pre.Header.Get("Access-Control-Allow-Methods"); got != want.AllowMethods {
				t.Errorf("Access-Control-Allow-Methods = %q, but %q is answered %q", got, where, want.AllowMethods)
			}
			if a := actual.Header.Get("Access-Control-Allow-Origin"); a != console {
				t.Errorf("the preflight was allowed but the request was not (Access-Control-Allow-Origin %q)", a)
			}
			if !strings.HasPrefix(where, "/admin/") {
				t.Errorf("served %q", where)
			}
		})
	}
}

// TestStaleRawPath checks the path judged behind a layer that rewrites
// r.URL.Path and leaves r.URL.RawPath, as stripping a prefix usually does:
// RawPath then encodes another path, which Go's URL.EscapedPath, and so
// ServeMux, ignore. Judging it instead let a deny rule be bypassed: with
// an escape Go would not write (%75 for u), /v1/api/admin/%75sers was
// judged as itself, allowed, and served by the handler of /api/admin/.
func TestStaleRawPath(t *testing.T) {
	p, err := compile.CompileSource("api.cors", []byte(`cors 1

policy api {
    allow "https://app.example.com" {
        methods "GET", "DELETE"
        credentials
    }

    deny "https://app.example.com" {
        paths "/api/admin/**"
    }
}
`), compile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tab, err := p.Policy("api")
	if err != nil {
		t.Fatal(err)
	}
	var served string
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { served = r.URL.Path })
	inner := NewMiddleware(tab).Wrap(mux)
	strip := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.URL.Path = strings.TrimPrefix(r.URL.Path, "/v1")
		inner.ServeHTTP(w, r)
	})
	for _, target := range []string{"/v1/api/admin/users", "/v1/api/admin/%75sers", "/v1/api/admin/%2575sers"} {
		served = ""
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("OPTIONS", target, nil)
		req.Header.Set("Origin", "https://app.example.com")
		req.Header.Set("Access-Control-Request-Method", "DELETE")
		strip.ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Errorf("preflight for %s: status %d, want 403: the deny rule covers it", target, rec.Code)
		}
		rec = httptest.NewRecorder()
		req = httptest.NewRequest("DELETE", target, nil)
		req.Header.Set("Origin", "https://app.example.com")
		strip.ServeHTTP(rec, req)
		if a := rec.Header().Get("Access-Control-Allow-Origin"); a != "" && strings.HasPrefix(served, "/api/admin/") {
			t.Errorf("DELETE %s: served %q, which the deny rule covers, with Access-Control-Allow-Origin %q", target, served, a)
		}
	}
	// A RawPath that still encodes Path is kept: its %2F is one segment.
	u := &url.URL{Path: "/api/a/b", RawPath: "/api/a%2Fb"}
	if got := requestPath(&http.Request{URL: u}); got != "/api/a%2Fb" {
		t.Errorf("requestPath = %q, want the escaped slash kept", got)
	}
}

package eval

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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

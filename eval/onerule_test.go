package eval

import (
	"strings"
	"testing"

	"github.com/corspolicy/cors/compile"
	"github.com/google/go-cmp/cmp"
)

// oneRulePolicy has two allow rules that both cover the app's origin: the
// app's own, without credentials, and a wildcard with credentials. Neither
// grants PUT together with X-B, nor PUT together with credentials.
const oneRulePolicy = `cors 1

policy api {
    allow "https://app.example.com" {
        methods "PUT"
        headers "X-A"
        expose  "X-App"
    }

    allow "https://*.example.com" {
        methods "DELETE", "PUT"
        headers "X-B"
        expose  "X-Wild"
        credentials
        max-age 10m
    }

    allow "https://*.example.com" {
        paths   "/pna/**"
        methods "GET"
        private-network
    }
}
`

func compileOne(t testing.TB, src string) *compile.Table {
	t.Helper()
	prog, err := compile.CompileSource("one.cors", []byte(src), compile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tab, err := prog.Policy("api")
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// TestOneRuleCoversTheRequest checks SPEC.md's semantics: a request is
// allowed only when one allow rule on its own covers all of it, and the
// answer combines the rules that each do.
func TestOneRuleCoversTheRequest(t *testing.T) {
	tab := compileOne(t, oneRulePolicy)
	const appOrigin = "https://app.example.com"
	preflight := func(method, headers string) Request {
		r := Request{Method: "OPTIONS", Path: "/x", Origin: []string{appOrigin}, RequestMethod: []string{method}}
		if headers != "" {
			r.RequestHeaders = []string{headers}
		}
		return r
	}
	tests := []struct {
		name   string
		req    Request
		failed Check
		rules  []int // lines of the deciding rules
		header map[string]string
	}{
		{"PUT with X-B: only the wildcard grants X-B, and it grants PUT too: it alone covers the request and answers",
			preflight("PUT", "x-b"), CheckNone, []int{10},
			map[string]string{"Access-Control-Allow-Origin": appOrigin, "Access-Control-Allow-Credentials": "true",
				"Access-Control-Allow-Methods": "DELETE, PUT", "Access-Control-Allow-Headers": "x-b", "Access-Control-Max-Age": "600"}},
		{"PUT with X-A and X-B: no one rule grants both headers",
			preflight("PUT", "x-a,x-b"), CheckHeader, []int{4, 10}, nil},
		{"DELETE with X-A: the app's rule has X-A, the wildcard has DELETE; neither has both",
			preflight("DELETE", "x-a"), CheckHeader, []int{10}, nil},
		{"PUT with X-A: the app's rule alone; no credentials",
			preflight("PUT", "x-a"), CheckNone, []int{4},
			map[string]string{"Access-Control-Allow-Origin": appOrigin, "Access-Control-Allow-Methods": "PUT",
				"Access-Control-Allow-Headers": "x-a"}},
		{"PUT alone: both rules cover it; the credentialed one answers, since the browser caches its list with its credentials",
			preflight("PUT", ""), CheckNone, []int{10},
			map[string]string{"Access-Control-Allow-Origin": appOrigin, "Access-Control-Allow-Credentials": "true",
				"Access-Control-Allow-Methods": "DELETE, PUT", "Access-Control-Allow-Headers": "x-b", "Access-Control-Max-Age": "600"}},
		{"actual PUT with credentials: only the wildcard covers credentials, and it grants PUT",
			Request{Method: "PUT", Path: "/x", Origin: []string{appOrigin}, Credentials: true}, CheckNone, []int{10},
			map[string]string{"Access-Control-Allow-Origin": appOrigin, "Access-Control-Allow-Credentials": "true",
				"Access-Control-Expose-Headers": "X-Wild"}},
		{"actual PUT without credentials: both rules cover it, their grants combine",
			Request{Method: "PUT", Path: "/x", Origin: []string{appOrigin}}, CheckNone, []int{4, 10},
			map[string]string{"Access-Control-Allow-Origin": appOrigin, "Access-Control-Allow-Credentials": "true",
				"Access-Control-Expose-Headers": "X-App, X-Wild"}},
		{"actual GET with credentials on /pna: only the private-network rule has GET, and it has no credentials",
			Request{Method: "GET", Path: "/pna/x", Origin: []string{appOrigin}, Credentials: true}, CheckCredentials, []int{18}, nil},
		{"preflight for DELETE with private network: the wildcard has DELETE, the other rule private network",
			Request{Method: "OPTIONS", Path: "/pna/x", Origin: []string{appOrigin}, RequestMethod: []string{"DELETE"}, PrivateNetwork: "true"},
			CheckPrivateNetwork, []int{10}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Evaluate(tab, &tt.req)
			if d.Failed != tt.failed || d.Allowed != (tt.failed == CheckNone) {
				t.Errorf("allowed = %v, failed = %v (%s); want failed = %v", d.Allowed, d.Failed, d.Detail, tt.failed)
			}
			var lines []int
			for _, r := range d.Rules {
				lines = append(lines, r.Pos.Line)
			}
			if diff := cmp.Diff(tt.rules, lines); diff != "" {
				t.Errorf("deciding rules (-want +got):\n%s", diff)
			}
			if tt.header == nil {
				return
			}
			got := map[string]string{}
			for k, v := range d.Header() {
				if k != "Vary" {
					got[k] = strings.Join(v, ", ")
				}
			}
			if diff := cmp.Diff(tt.header, got); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAnyWithCredentials checks one rule granting methods any and headers
// any with credentials: browsers read "*" literally beside credentials, so
// the answer names the requested method and echoes the requested headers,
// which the rule grants; Authorization still needs its name.
func TestAnyWithCredentials(t *testing.T) {
	tab := compileOne(t, `cors 1

policy api {
    allow "https://app.example.com" {
        methods any
        headers any
        credentials
    }
}
`)
	req := Request{Method: "OPTIONS", Path: "/x", Origin: []string{"https://app.example.com"},
		RequestMethod: []string{"PURGE"}, RequestHeaders: []string{"x-a,x-b", "x-c"}}
	d := Evaluate(tab, &req)
	got := map[string][]string(d.Header())
	want := map[string][]string{
		"Access-Control-Allow-Origin":      {"https://app.example.com"},
		"Access-Control-Allow-Credentials": {"true"},
		"Access-Control-Allow-Methods":     {"PURGE"},
		"Access-Control-Allow-Headers":     {"x-a,x-b", "x-c"},
		"Vary":                             {varyPreflight},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	req.RequestHeaders = []string{"x-a,authorization"}
	if d := Evaluate(tab, &req); d.Allowed || d.Failed != CheckHeader {
		t.Errorf("Authorization under headers any: allowed = %v, failed = %v", d.Allowed, d.Failed)
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/internal/goldentest"
	"github.com/corspolicy/cors/lang"
	"github.com/google/go-cmp/cmp"
)

// TestEvalExamples runs corsfmt eval -explain on every example, for every
// policy of it, with requests made from the policy's own rules: for each
// rule an actual request and a preflight from an origin the rule names, on a
// path it covers; and both from an origin no rule names. The answers are
// kept in testdata/eval/NAME.golden.
func TestEvalExamples(t *testing.T) {
	for _, path := range goldentest.Glob(t, "../examples/*.cors") {
		name := strings.TrimSuffix(filepath.Base(path), ".cors")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			f, err := lang.Parse(path, src)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range compile.Resolve(f, compile.Options{}).Policies {
				for _, profile := range append([]string{""}, p.Profiles...) {
					prog, err := compile.CompileSource(path, src, compile.Options{Profile: profile})
					if err != nil {
						t.Fatal(err)
					}
					policy := p.Name
					tab, err := prog.Policy(policy)
					if err != nil {
						t.Fatal(err)
					}
					requests := requestsFor(tab)
					var stdout, stderr bytes.Buffer
					args := []string{"eval", "-explain", "-policy", policy, path}
					if profile != "" {
						args = append(args[:1], append([]string{"-profile", profile}, args[1:]...)...)
					}
					if code := run(args, strings.NewReader(requests), &stdout, &stderr); code != 0 {
						t.Fatalf("exit %d: %s", code, stderr.String())
					}
					fmt.Fprintf(&out, "=== corsfmt %s\n%s\n%s\n", strings.Join(args, " "), requests, stdout.String())
				}
			}
			goldentest.Compare(t, "testdata/eval/"+name+".golden", out.Bytes())
		})
	}
}

// requestsFor writes request heads exercising each rule of a table.
func requestsFor(tab *compile.Table) string {
	var b strings.Builder
	origins := []string{"https://unlisted.example.net"}
	paths := []string{"/"}
	for _, r := range tab.Rules {
		for _, p := range r.Origins {
			origins = append(origins, concreteOrigin(p))
			break
		}
		if r.Paths != nil {
			paths = append(paths, strings.ReplaceAll(strings.ReplaceAll(r.Paths[0].Text, "**", "x/y"), "*", "z"))
		}
	}
	for i, o := range origins {
		p := paths[i%len(paths)]
		fmt.Fprintf(&b, "GET %s HTTP/1.1\nHost: api.example.com\nOrigin: %s\n\n", p, o)
		fmt.Fprintf(&b, "OPTIONS %s HTTP/1.1\nHost: api.example.com\nOrigin: %s\nAccess-Control-Request-Method: PUT\nAccess-Control-Request-Headers: content-type,x-request-id\n\n", p, o)
	}
	return b.String()
}

// concreteOrigin returns an origin that the pattern matches.
func concreteOrigin(p compile.Pattern) string {
	host := p.Host
	if p.Wildcard {
		host = "tenant." + host
	}
	q := p
	q.Host, q.Wildcard = host, false
	if q.Port == compile.AnyPort {
		q.Port = 3000
	}
	return q.String()
}

func TestEvalUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"eval"}, strings.NewReader(""), &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "usage: corsfmt eval") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
	stderr.Reset()
	if code := run([]string{"eval", "../examples/spa-with-cookies.cors"}, strings.NewReader("NOT A REQUEST\n"), &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "request 1") {
		t.Errorf("a malformed request: exit %d, stderr %q", code, stderr.String())
	}
}

// TestEvalJSON checks that -json prints one object a request, with what a
// script reading it needs: the decision, its deciding rules and the answer.
func TestEvalJSON(t *testing.T) {
	in := "OPTIONS /api/orders HTTP/1.1\nOrigin: https://app.example.com\nAccess-Control-Request-Method: PUT\n\n" +
		"\n\nGET /api/orders HTTP/1.1\nOrigin: https://evil.example.net\n\n" +
		"GET /api/orders HTTP/1.1\n"
	var stdout, stderr bytes.Buffer
	if code := run([]string{"eval", "-json", "../examples/spa-with-cookies.cors"}, strings.NewReader(in), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("want one line a request, got:\n%s", stdout.String())
	}
	type rule struct {
		Effect, File string
		Line, Column int
	}
	type answer struct {
		Request, Line, Status int
		Method, Path, Origin  string
		Kind, Failed, Detail  string
		Allowed               bool
		Rules                 []rule
		Headers               map[string][]string
	}
	var got []answer
	for _, line := range lines {
		var a answer
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&a); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		got = append(got, a)
	}
	want := []answer{
		{Request: 1, Line: 1, Status: 204, Method: "OPTIONS", Path: "/api/orders", Origin: "https://app.example.com",
			Kind: "preflight", Allowed: true, Rules: []rule{{"allow", "../examples/spa-with-cookies.cors", 35, 5}},
			Headers: map[string][]string{
				"Access-Control-Allow-Credentials": {"true"},
				"Access-Control-Allow-Headers":     {"content-type, x-csrf-token, x-request-id"},
				"Access-Control-Allow-Methods":     {"DELETE, GET, PATCH, POST, PUT"},
				"Access-Control-Allow-Origin":      {"https://app.example.com"},
				"Access-Control-Max-Age":           {"7200"},
				"Vary":                             {"Origin, Access-Control-Request-Method, Access-Control-Request-Headers"},
			}},
		{Request: 2, Line: 7, Status: 200, Method: "GET", Path: "/api/orders", Origin: "https://evil.example.net",
			Kind: "actual", Failed: "origin", Detail: "no allow rule covers this origin and path", Rules: []rule{}, Headers: map[string][]string{"Vary": {"Origin"}}},
		{Request: 3, Line: 10, Status: 200, Method: "GET", Path: "/api/orders",
			Kind: "not-cors", Allowed: true, Rules: []rule{}, Headers: map[string][]string{"Vary": {"Origin"}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("corsfmt eval -json (-want +got):\n%s", diff)
	}
}

// TestEvalRequestLine checks that a request line without its protocol
// version is reported with its number and line, saying what to write.
func TestEvalRequestLine(t *testing.T) {
	in := "GET /api/orders HTTP/1.1\nOrigin: https://app.example.com\n\nGET /status\nOrigin: https://app.example.com\n"
	var stdout, stderr bytes.Buffer
	code := run([]string{"eval", "../examples/spa-with-cookies.cors"}, strings.NewReader(in), &stdout, &stderr)
	want := `<standard input>:4: request 2: the request line "GET /status" has no protocol version; write it as "GET /status HTTP/1.1"` + "\n"
	if code != 2 || stderr.String() != want {
		t.Errorf("exit %d, stderr:\n%s\nwant 2 and:\n%s", code, stderr.String(), want)
	}
	if !strings.HasPrefix(stdout.String(), "HTTP/1.1 200 OK\n") {
		t.Errorf("the good request is not answered:\n%s", stdout.String())
	}
}

// TestEvalRefusesInputPastTheLimit checks that corsfmt eval refuses a
// standard input past lang.MaxFileSize, as every reader does, rather than
// answer what a cut left of it: a request cut inside a header line still
// reads as a request, perhaps with another origin.
func TestEvalRefusesInputPastTheLimit(t *testing.T) {
	head := "GET /api/x HTTP/1.1\r\nOrigin: https://app.example.com\r\nX-Pad: "
	input := head + strings.Repeat("a", lang.MaxFileSize) + "\r\n\r\n"
	var stdout, stderr bytes.Buffer
	code := run([]string{"eval", "../examples/spa-with-cookies.cors"}, strings.NewReader(input), &stdout, &stderr)
	if code != 2 || stdout.Len() != 0 || !strings.Contains(stderr.String(), "larger than the limit") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing answered and the input refused",
			code, stdout.String()[:min(stdout.Len(), 200)], stderr.String())
	}
}

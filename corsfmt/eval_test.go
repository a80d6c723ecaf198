package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/internal/goldentest"
	"github.com/corspolicy/cors/lang"
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

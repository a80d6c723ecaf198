package eval

import (
	"fmt"
	"strings"
	"testing"

	"github.com/corspolicy/cors/compile"
	"github.com/google/go-cmp/cmp"
)

// byteReader hands out choices driven by fuzz input; past its end it
// answers 0, so every input makes a valid choice sequence.
type byteReader struct {
	data []byte
	i    int
}

func (b *byteReader) pick(n int) int {
	if b.i >= len(b.data) {
		return 0
	}
	c := b.data[b.i]
	b.i++
	return int(c) % n
}

func (b *byteReader) some(options []string, max int) []string {
	var out []string
	for n := b.pick(max + 1); n > 0; n-- {
		out = append(out, options[b.pick(len(options))])
	}
	return out
}

var (
	fuzzOrigins = []string{`"https://a.example.com"`, `"https://*.example.com"`, `"http://localhost:*"`,
		`"https://*.a.example.com:8443"`, `"https://b.example.org"`, `"http://[::1]:8080"`, "any", "null",
		`"https://*.example.com:*"`, `"https://example.com"`, `"https://example.com:8443"`, `"https://a_b.example.com"`}
	fuzzPaths   = []string{`"/api/**"`, `"/api/*/x"`, `"/public/**"`, `"/"`}
	fuzzMethods = []string{`"GET"`, `"PUT"`, `"patch"`, `"DELETE"`, `"POST"`}
	fuzzHeaders = []string{`"Content-Type"`, `"X-A"`, `"Authorization"`, `"x-b"`}

	reqOrigins = []string{"https://a.example.com", "https://x.example.com", "https://example.com", "https://a.example.com:8443",
		"https://q.a.example.com:8443", "https://q.a.example.com", "http://localhost", "http://localhost:3000", "null",
		"HTTPS://a.example.com", "https://a.example.com/", "", "https://b.example.org", "http://[::1]:8080", "https://a.example.com:443",
		"https://example.com:8443", "https://example.com:9000", "https://x.example.com:9000",
		"https://a_b.example.com", "https://xn--f.example.com", "https://xn--bcher-kva.example.com", "https://-x.example.com"}
	reqPaths   = []string{"/api/x", "/api/v/x", "/public/", "/", "/other", "/api", "/public/../api/x", "/api/x%2Fy", "/api//x", "/api/x\\y"}
	reqMethods = []string{"GET", "PUT", "OPTIONS", "patch", "DELETE", "POST", "HEAD"}
	reqHeaders = []string{"content-type", "X-A", "authorization", "x-b", "x-c", " , ", "bad header"}
)

// randomPolicy writes a policy of a few rules chosen by b.
func randomPolicy(b *byteReader) string {
	var s strings.Builder
	s.WriteString("cors 1\n\npolicy p {\n")
	for n := b.pick(5) + 1; n > 0; n-- {
		effect := []string{"allow", "allow", "deny"}[b.pick(3)]
		origins := b.some(fuzzOrigins, 2)
		if len(origins) == 0 {
			origins = []string{fuzzOrigins[b.pick(len(fuzzOrigins))]}
		}
		if strings.Contains(strings.Join(origins, ","), "any") {
			origins = []string{"any"}
		}
		fmt.Fprintf(&s, "%s %s {\n", effect, strings.Join(origins, ", "))
		if p := b.some(fuzzPaths, 2); len(p) > 0 {
			fmt.Fprintf(&s, "paths %s\n", strings.Join(p, ", "))
		}
		if b.pick(4) == 0 {
			s.WriteString("methods any\n")
		} else if m := b.some(fuzzMethods, 3); len(m) > 0 {
			fmt.Fprintf(&s, "methods %s\n", strings.Join(m, ", "))
		}
		if effect == "allow" {
			creds := b.pick(3) == 0
			if h := b.some(fuzzHeaders, 2); len(h) > 0 || b.pick(3) == 0 {
				if b.pick(2) == 0 {
					h = append([]string{"any"}, "\"Authorization\"")[:1+b.pick(2)]
				}
				if len(h) > 0 {
					fmt.Fprintf(&s, "headers %s\n", strings.Join(h, ", "))
				}
			}
			if b.pick(2) == 0 {
				s.WriteString(`expose "X-Total", "x-total"` + "\n")
			}
			if creds {
				s.WriteString("credentials\n")
			}
			if b.pick(3) == 0 {
				s.WriteString("private-network\n")
			}
			if b.pick(2) == 0 {
				fmt.Fprintf(&s, "max-age %s\n", []string{"0s", "10m", "2h"}[b.pick(3)])
			}
			if b.pick(4) == 0 {
				s.WriteString("preflight-status 200\n")
			}
		}
		s.WriteString("}\n")
	}
	s.WriteString("}\n")
	return s.String()
}

func randomRequest(b *byteReader) Request {
	r := Request{Method: reqMethods[b.pick(len(reqMethods))], Path: reqPaths[b.pick(len(reqPaths))]}
	switch b.pick(6) {
	case 0:
	case 1:
		r.Origin = []string{reqOrigins[b.pick(len(reqOrigins))], reqOrigins[b.pick(len(reqOrigins))]}
	default:
		r.Origin = []string{reqOrigins[b.pick(len(reqOrigins))]}
	}
	if b.pick(2) == 0 {
		r.RequestMethod = []string{reqMethods[b.pick(len(reqMethods))]}
	}
	if h := b.some(reqHeaders, 6); len(h) > 0 {
		r.RequestHeaders = []string{strings.Join(h, ",")}
		if b.pick(4) == 0 { // the same names over several lines
			r.RequestHeaders = h
		}
	}
	if b.pick(3) == 0 {
		r.PrivateNetwork = "true"
	}
	r.Credentials = b.pick(3) == 0
	return r
}

// FuzzDifferential compiles random policies and answers random requests
// with both Evaluate and Reference: they must agree on the decision, the
// failed check, the deciding rules, the status and every header.
func FuzzDifferential(f *testing.F) {
	for _, seed := range []string{"", "\x01\x02\x03\x04\x05\x06\x07\x08\x09", "\xff\x00\x7f\x10\x20\x30\x40\x50\x60\x70\x80\x90"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b := &byteReader{data: data}
		src := randomPolicy(b)
		prog, err := compile.CompileSource("fuzz.cors", []byte(src), compile.Options{})
		if err != nil {
			return // e.g. any with credentials: refused, rightly
		}
		tab, _ := prog.Policy("p")
		for range 8 {
			req := randomRequest(b)
			got, want := Evaluate(tab, &req), Reference(tab, &req)
			if diff := cmp.Diff(summary(&want), summary(&got)); diff != "" {
				t.Fatalf("policy:\n%s\nrequest: %+v\n(-reference +evaluate):\n%s", src, req, diff)
			}
		}
	})
}

type decisionSummary struct {
	Kind    Kind
	Allowed bool
	Failed  Check
	Status  int
	Rules   []string
	Header  map[string][]string
}

func summary(d *Decision) decisionSummary {
	s := decisionSummary{Kind: d.Kind, Allowed: d.Allowed, Failed: d.Failed, Status: d.Status, Header: d.Header()}
	for _, r := range d.Rules {
		s.Rules = append(s.Rules, r.Pos.String())
	}
	return s
}

// Package randompolicy writes random policies and random requests from a
// sequence of choices, for the differential tests: eval holds its evaluator
// to a reference on them, diff holds a comparison of two policies to the
// answers of both, query its answers to evaluation. The values are few and
// chosen to meet: origins that overlap by wildcard and port, globs that
// nest, methods in two cases, headers by name and by any.
package randompolicy

import (
	"fmt"
	"strings"
)

// Choices hands out choices driven by fuzz input; past its end it answers
// 0, so every input makes a valid choice sequence.
type Choices struct {
	data []byte
	i    int
}

// New returns the choices data makes.
func New(data []byte) *Choices { return &Choices{data: data} }

// Pick returns a choice among n.
func (b *Choices) Pick(n int) int {
	if b.i >= len(b.data) {
		return 0
	}
	c := b.data[b.i]
	b.i++
	return int(c) % n
}

// Some returns up to max options, repeats allowed.
func (b *Choices) Some(options []string, max int) []string {
	var out []string
	for n := b.Pick(max + 1); n > 0; n-- {
		out = append(out, options[b.Pick(len(options))])
	}
	return out
}

// The values of random policies, as written in them.
var (
	Origins = []string{`"https://a.example.com"`, `"https://*.example.com"`, `"http://localhost:*"`,
		`"https://*.a.example.com:8443"`, `"https://b.example.org"`, `"http://[::1]:8080"`, "any", "null",
		`"https://*.example.com:*"`, `"https://example.com"`, `"https://example.com:8443"`, `"https://a_b.example.com"`}
	Paths   = []string{`"/api/**"`, `"/api/*/x"`, `"/public/**"`, `"/"`, `"/api/**/x"`, `"/public/*.png"`}
	Methods = []string{`"GET"`, `"PUT"`, `"patch"`, `"DELETE"`, `"POST"`, `"PATCH"`}
	Headers = []string{`"Content-Type"`, `"X-A"`, `"Authorization"`, `"x-b"`}
	Expose  = []string{`"X-Total"`, `"x-total"`, `"X-Id"`}
)

// The values of random requests, malformed ones among them.
var (
	RequestOrigins = []string{"https://a.example.com", "https://x.example.com", "https://example.com", "https://a.example.com:8443",
		"https://q.a.example.com:8443", "https://q.a.example.com", "http://localhost", "http://localhost:3000", "null",
		"HTTPS://a.example.com", "https://a.example.com/", "", "https://b.example.org", "http://[::1]:8080", "https://a.example.com:443",
		"https://example.com:8443", "https://example.com:9000", "https://x.example.com:9000",
		"https://a_b.example.com", "https://xn--f.example.com", "https://xn--bcher-kva.example.com", "https://-x.example.com",
		"http://localhost:", "https://a.example.com:", "http://[::1]:"} // an empty port, which url.Parse takes
	RequestPaths = []string{"/api/x", "/api/x\x00y", "/api/v/x", "/public/", "/", "/other", "/api", "/public/../api/x", "/api/x%2Fy", "/api//x", "/api/x\\y",
		"/api/vx", "/api/v/w/x", "/public/a.png", "/public/a/b.png"}
	RequestMethods = []string{"GET", "PUT", "OPTIONS", "patch", "DELETE", "POST", "HEAD", "PATCH"}
	RequestHeaders = []string{"content-type", "X-A", "authorization", "x-b", "x-c", " , ", "bad header"}
)

// Policy writes a policy named p of a few rules chosen by b.
func Policy(b *Choices) string { return Wrap(Rules(b)) }

// Bundles are the grant bundles every random policy declares, for its
// rules to name: a rule that names one may also write clauses of its own,
// which replace the bundle's.
var Bundles = []string{
	"grants read {\nmethods \"GET\", \"patch\"\nheaders \"X-A\"\nexpose \"X-Total\"\nmax-age 10m\n}\n",
	"grants write {\nmethods any\nheaders any, \"Authorization\"\ncredentials\npreflight-status 200\n}\n",
	"grants local {\nmethods \"PUT\", \"DELETE\"\nprivate-network\nmax-age 0s\n}\n",
}

// bundleNames are the names of Bundles, in order.
var bundleNames = []string{"read", "write", "local"}

// Wrap writes a policy named p of the rules, after the bundles.
func Wrap(rules []string) string {
	return "cors 1\n\n" + strings.Join(Bundles, "\n") + "\npolicy p {\n" + strings.Join(rules, "") + "}\n"
}

// Rules writes one to five rules chosen by b.
func Rules(b *Choices) []string {
	var out []string
	for n := b.Pick(5) + 1; n > 0; n-- {
		out = append(out, Rule(b))
	}
	return out
}

// Rule writes a rule chosen by b.
func Rule(b *Choices) string {
	var s strings.Builder
	effect := []string{"allow", "allow", "deny"}[b.Pick(3)]
	origins := b.Some(Origins, 2)
	if len(origins) == 0 {
		origins = []string{Origins[b.Pick(len(Origins))]}
	}
	if strings.Contains(strings.Join(origins, ","), "any") {
		origins = []string{"any"}
	}
	fmt.Fprintf(&s, "%s %s {\n", effect, strings.Join(origins, ", "))
	if p := b.Some(Paths, 2); len(p) > 0 {
		fmt.Fprintf(&s, "paths %s\n", strings.Join(p, ", "))
	}
	if b.Pick(4) == 0 {
		s.WriteString("methods any\n")
	} else if m := b.Some(Methods, 3); len(m) > 0 {
		fmt.Fprintf(&s, "methods %s\n", strings.Join(m, ", "))
	}
	if effect == "allow" {
		if b.Pick(3) == 0 {
			fmt.Fprintf(&s, "grants %s\n", bundleNames[b.Pick(len(bundleNames))])
		}
		creds := b.Pick(3) == 0
		if h := b.Some(Headers, 2); len(h) > 0 || b.Pick(3) == 0 {
			if b.Pick(2) == 0 {
				h = append([]string{"any"}, "\"Authorization\"")[:1+b.Pick(2)]
			}
			if len(h) > 0 {
				fmt.Fprintf(&s, "headers %s\n", strings.Join(h, ", "))
			}
		}
		if e := b.Some(Expose, 2); len(e) > 0 {
			fmt.Fprintf(&s, "expose %s\n", strings.Join(e, ", "))
		}
		if creds {
			s.WriteString("credentials\n")
		}
		if b.Pick(3) == 0 {
			s.WriteString("private-network\n")
		}
		if b.Pick(2) == 0 {
			fmt.Fprintf(&s, "max-age %s\n", []string{"0s", "10m", "2h"}[b.Pick(3)])
		}
		if b.Pick(4) == 0 {
			s.WriteString("preflight-status 200\n")
		}
	}
	s.WriteString("}\n")
	return s.String()
}

// Request is a request's parts as eval.Request holds them; the package
// cannot return one, since eval's own tests use it.
type Request struct {
	Method         string
	Path           string
	Origin         []string
	RequestMethod  []string
	RequestHeaders []string
	PrivateNetwork string
	Credentials    bool
}

// NewRequest writes a request chosen by b.
func NewRequest(b *Choices) Request {
	r := Request{Method: RequestMethods[b.Pick(len(RequestMethods))], Path: RequestPaths[b.Pick(len(RequestPaths))]}
	switch b.Pick(6) {
	case 0:
	case 1:
		r.Origin = []string{RequestOrigins[b.Pick(len(RequestOrigins))], RequestOrigins[b.Pick(len(RequestOrigins))]}
	default:
		r.Origin = []string{RequestOrigins[b.Pick(len(RequestOrigins))]}
	}
	if b.Pick(2) == 0 {
		r.RequestMethod = []string{RequestMethods[b.Pick(len(RequestMethods))]}
	}
	if h := b.Some(RequestHeaders, 6); len(h) > 0 {
		r.RequestHeaders = []string{strings.Join(h, ",")}
		if b.Pick(4) == 0 { // the same names over several lines
			r.RequestHeaders = h
		}
	}
	if b.Pick(8) == 0 {
		r.RequestHeaders = AtBounds(b)
	}
	if b.Pick(3) == 0 {
		r.PrivateNetwork = "true"
	}
	r.Credentials = b.Pick(3) == 0
	return r
}

// AtBounds writes Access-Control-Request-Headers lines at a bound of
// SPEC.md's (64 lines, 64 names, 4096 bytes once the lines are joined
// with commas) or next to it, of a name a rule may grant: 63 to 66 names
// on one line, one a line or over two lines, or one name padded with
// blanks to 4094 to 4097 bytes on one line or over two. An off-by-one at
// a bound then changes an answer.
func AtBounds(b *Choices) []string {
	name := strings.Trim(Headers[b.Pick(len(Headers))], `"`)
	n := 63 + b.Pick(4)
	names := strings.Split(strings.Repeat(name+",", n-1)+name, ",")
	switch b.Pick(4) {
	case 0:
		return []string{strings.Join(names, ",")}
	case 1:
		return names
	case 2:
		return []string{strings.Join(names[:n/2], ","), strings.Join(names[n/2:], ",")}
	}
	size := 4094 + b.Pick(4)
	pad := func(n int) string { return name + strings.Repeat(" ", n-len(name)) }
	if b.Pick(2) == 0 {
		return []string{pad(size)}
	}
	return []string{pad(2000), pad(size - 2001)} // joined by a comma
}

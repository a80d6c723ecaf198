package nginx_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/corspolicy/cors/compile"
	nginxexport "github.com/corspolicy/cors/export/nginx"
	"github.com/corspolicy/cors/internal/goldentest"
	"github.com/corspolicy/cors/lang"
)

var goldenOptions = nginxexport.Options{Upstream: "http://127.0.0.1:8080", Listen: []string{"127.0.0.1:8081"}}

// TestGolden keeps the configuration of every example build in
// testdata/NAME[@PROFILE].conf; go test -update rewrites them.
func TestGolden(t *testing.T) {
	for _, b := range examples(t) {
		t.Run(b.String(), func(t *testing.T) {
			opts := goldenOptions
			opts.Source = filepath.Base(b.file)
			if b.profile != "" {
				opts.Source += ", profile " + b.profile
			}
			conf, err := nginxexport.Config(b.table, opts)
			if err != nil {
				t.Fatal(err)
			}
			name := strings.TrimSuffix(filepath.Base(b.file), ".cors")
			if b.profile != "" {
				name += "@" + b.profile
			}
			goldentest.Compare(t, filepath.Join("testdata", name+".conf"), conf)
		})
	}
}

func compileOne(t *testing.T, src string) *compile.Table {
	t.Helper()
	prog, err := compile.CompileSource("p.cors", []byte(src), compile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	table, err := prog.Policy("p")
	if err != nil {
		t.Fatal(err)
	}
	return table
}

// TestRefusals holds the constructs nginx cannot carry exactly to an error
// that names each, at its position.
// manyPaths returns n path patterns as a list.
func manyPaths(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", fmt.Sprintf("/p%d/**", i))
	}
	return b.String()
}

func TestRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, policy string
		want         []string // "line:col message-regexp"
	}{
		{"methods any", `cors 1
policy p {
    allow "https://a.example" {
        methods any
    }
}
`, []string{`3:5 methods any: nginx answers 400 or 405`}},
		{"a method nginx refuses", `cors 1
policy p {
    allow "https://a.example" {
        methods "GET", "patch", "M2"
    }
}
`, []string{`4:24 method "patch": nginx answers 400`, `4:33 method "M2": nginx answers 400`}},
		{"too many rules for one origin", `cors 1
policy p {
    allow "https://a.example" { paths "/1" }
    allow "https://a.example" { paths "/2" }
    allow "https://a.example" { paths "/3" }
    allow "https://a.example" { paths "/4" }
    allow "https://*.example" { paths "/5" }
    allow any { paths "/6" }
    deny "https://a.example" { methods "PUT" }
}
`, []string{`2:1 policy p: 7 allow rules and method-scoped deny rules match the origins https://a.example; .*stops at 6`}},
		{"a parameter longer than nginx reads", "cors 1\npolicy p {\n    allow \"https://a.example\" {\n        paths " +
			manyPaths(400) + "\n    }\n}\n",
			[]string{`2:1 policy p: the configuration would hold a parameter of \d+ bytes .*, past the 4094 nginx reads`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := nginxexport.Config(compileOne(t, tc.policy), goldenOptions)
			var list lang.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("want a list of refusals, got %v", err)
			}
			if len(list) != len(tc.want) {
				t.Fatalf("want %d refusals, got %d:\n%v", len(tc.want), len(list), err)
			}
			for i, w := range tc.want {
				pos, rx, _ := strings.Cut(w, " ")
				e := list[i]
				if got := strings.TrimPrefix(e.Pos.String(), "p.cors:"); got != pos || e.Code != nginxexport.CodeRefused ||
					!regexp.MustCompile(rx).MatchString(e.Msg) {
					t.Errorf("refusal %d: got %s %s: %s, want %s %s", i, e.Pos, e.Code, e.Msg, pos, rx)
				}
			}
		})
	}
	// A hundred paths in a rule are still exported: nginx reads them
	// (checked with nginx -t; four hundred it refuses, "too long parameter").
	if _, err := nginxexport.Config(compileOne(t, "cors 1\npolicy p {\n    allow \"https://a.example\" {\n        paths "+manyPaths(100)+"\n    }\n}\n"), goldenOptions); err != nil {
		t.Errorf("100 paths in a rule: %v", err)
	}
	// Six rules on one origin are still exported.
	if _, err := nginxexport.Config(compileOne(t, `cors 1
policy p {
    allow "https://a.example" { paths "/1" }
    allow "https://a.example" { paths "/2" }
    allow "https://a.example" { paths "/3" }
    allow "https://a.example" { paths "/4" }
    allow "https://*.example" { paths "/5" }
    allow any { paths "/6" }
}
`), goldenOptions); err != nil {
		t.Errorf("six rules on one origin: %v", err)
	}
}

// TestOptions refuses what would break the configuration or change what
// nginx passes upstream.
func TestOptions(t *testing.T) {
	table := compileOne(t, "cors 1\npolicy p {\n    allow any\n}\n")
	for _, opts := range []nginxexport.Options{
		{Upstream: "http://127.0.0.1:8080/api", Listen: []string{"8081"}},
		{Upstream: "127.0.0.1:8080", Listen: []string{"8081"}},
		{Upstream: "http://127.0.0.1:8080", Listen: nil},
		{Upstream: "http://127.0.0.1:8080", Listen: []string{"8081; include /etc/passwd"}},
		{Upstream: "http://127.0.0.1:8080", Listen: []string{"8081"}, Module: "a b.js"},
	} {
		if _, err := nginxexport.Config(table, opts); err == nil {
			t.Errorf("%+v: accepted", opts)
		}
	}
}

// TestOriginSyntax holds the regular expressions that decide in nginx
// whether a value is a serialised origin to the table's Lookup, over
// origins at every edge and random mutations of them. A change to what
// Lookup accepts fails here until the export follows it.
//
// nginx must never accept what Lookup refuses, but for the two kinds of
// host cors_request.js refuses before the regular expressions run: a name
// with an xn-- label that is not punycode UTS 46 accepts
// (TestIDNAHostInNjs, TestIDNAOriginsInNginx) and brackets that hold no
// IPv6 address as browsers write one (TestIPv6OriginsInNginx). Nor may it
// refuse what Lookup accepts.
func TestOriginSyntax(t *testing.T) {
	table := compileOne(t, `cors 1
policy p {
    allow "https://app.example.com", "https://*.example.org:*", "http://[::1]:3000", "http://10.0.0.1", "https://a_b.example.com"
    allow "https://xn--bcher-kva.example.com", "https://*.xn--mnchen-3ya.example.net"
    allow "https://*.xn--mgbh0fb.example", "https://xn--4gbrim.example.com"
}
`)
	var rules []*regexp.Regexp
	var verdicts []bool
	for _, r := range nginxexport.OriginSyntax() {
		rules = append(rules, regexp.MustCompile(r.Regexp))
		verdicts = append(verdicts, r.Valid)
	}
	valid := func(s string) bool {
		for i, rx := range rules {
			if rx.MatchString(s) {
				return verdicts[i]
			}
		}
		return false
	}
	seeds := []string{"null", "NULL", "", "https://app.example.com", "https://APP.example.com", "https://app.example.com/",
		"https://app.example.com:443", "http://app.example.com:80", "https://app.example.com:8443", "https://app.example.com:08443",
		"https://app.example.com:65535", "https://app.example.com:65536", "https://app.example.com:0", "https://app.example.com:",
		"http://[::1]:3000", "http://[::1]", "http://[::g]", "http://[]", "http://[::1]:80", "https://[" + strings.Repeat(".", 255) + "]",
		"https://[" + strings.Repeat(".", 258) + "]", "http://10.0.0.1", "http://999.1.1.1", "https://a.example.org", "https://b.a.example.org:1",
		"https://" + strings.Repeat("a", 63) + ".example.org", "https://" + strings.Repeat("a", 64) + ".example.org",
		"https://" + strings.Repeat("a.", 126) + "ab", "https://" + strings.Repeat("a.", 126) + "a", "https://a..b", "https://.a", "https://a.",
		"https://a_b.example.org", "https://_.example.org", "https://-a.example.org", "https://a-.example.org", "https://ab--c.example.org",
		"https://a_b.example.com", "https://a_b.example.com:8443", "https://a_b.unlisted.test",
		"https://xn--zz.example.org", "ftp://a.example", "https:/a", "https://a b", "https://a\tb",
		"https://a.example.org:*", "https://user@a.example.org", "https://-.example.org", "https://a.example.org\x00",
		"https://\xffa.example.org", "https://" + strings.Repeat("a", 300),
		// Labels that start with xn--, and labels that almost do.
		"https://xn--bcher-kva.example.com", "https://xn--bcher-kva.example.com:8443", "http://xn--bcher-kva.example.com",
		"https://a.xn--bcher-kva.example.com", "https://xn--mnchen-3ya.example.net", "https://a.xn--mnchen-3ya.example.net",
		"https://a.b.xn--mnchen-3ya.example.net:8443", "https://xn--bcher-kva.xn--mnchen-3ya.example.net",
		"https://xn--bcher-kva.example.org", "https://a.xn--bcher-kva.example.org", "https://xn--ls8h.example.org:8443",
		"https://xn--bcher-kva.unlisted.test", "https://xn--bcher-kva", "https://xn--mnchen-3ya.example.org",
		"https://xn--f.example.org", "https://xn--.example.org", "https://xn--a.example.org", "https://xn--f.xn--mnchen-3ya.example.net",
		"https://XN--bcher-kva.example.org", "https://xn-a.example.org", "https://xn-.example.org", "https://xn.example.org",
		"https://x.example.org", "https://xna.example.org", "https://xn_-a.example.org", "https://xn-_a.example.org",
		"https://xn--bcher-kva.example.com.example.org",
		// Right-to-left names (مثال, موقع): every label in front must
		// start with a letter and end with a letter or a digit.
		"https://a.xn--mgbh0fb.example", "https://0a.xn--mgbh0fb.example", "https://a-.xn--mgbh0fb.example",
		"https://a0.xn--mgbh0fb.example", "https://a_b.xn--mgbh0fb.example", "https://a_.xn--mgbh0fb.example",
		"https://x.xn--mgbh0fb.example", "https://xn.xn--mgbh0fb.example", "https://xn-a.xn--mgbh0fb.example",
		"https://xn-0.xn--mgbh0fb.example", "https://x-.xn--mgbh0fb.example", "https://b.a.xn--mgbh0fb.example:8443",
		"https://" + strings.Repeat("a", 63) + ".xn--mgbh0fb.example", "https://xn--4gbrim.example.com", "https://a.xn--4gbrim.example.com",
		"https://0.xn--4gbrim.example.com"}
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "az09-.:/[]_@%AZ\x00\xff*xn"
	corpus := append([]string(nil), seeds...)
	for _, s := range seeds {
		for range 200 {
			b := []byte(s)
			switch op := rng.IntN(3); {
			case op == 0 && len(b) > 0:
				b = append(b[:rng.IntN(len(b))], b[rng.IntN(len(b)):]...)
			case op == 1:
				i := rng.IntN(len(b) + 1)
				b = append(b[:i], append([]byte{alphabet[rng.IntN(len(alphabet))]}, b[i:]...)...)
			case len(b) > 0:
				b[rng.IntN(len(b))] = alphabet[rng.IntN(len(alphabet))]
			}
			corpus = append(corpus, string(b))
		}
	}
	byModule := 0
	// The two kinds of origin the module's origin() judges before the
	// maps run (TestIDNAHostInNjs, TestIPv6OriginsInNginx).
	moduleJudges := regexp.MustCompile(`^https?://(?:\[|(?:[a-z0-9_-]+\.)*xn--)`)
	for _, s := range corpus {
		if strings.ContainsRune(s, '\n') {
			continue
		}
		_, want := table.Lookup(s)
		switch got := valid(s); {
		case got == want:
		case got && moduleJudges.MatchString(s):
			byModule++
		default:
			t.Errorf("%q: the export reads it as valid %v, Lookup as %v", s, got, want)
		}
	}
	if byModule == 0 {
		t.Error("no origin that the module judges before the maps was tried")
	}
	t.Logf("%d origins: equal but for %d the module refuses before the maps (punycode UTS 46 refuses, IPv6 not as browsers write it)", len(corpus), byModule)
}

// escapeEvery escapes every byte of p but "/", in lower- or upper-case hex.
func escapeEvery(p string, lower bool) string {
	const upperHex, lowerHex = "0123456789ABCDEF", "0123456789abcdef"
	hex := upperHex
	if lower {
		hex = lowerHex
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '/' {
			b.WriteByte('/')
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[p[i]>>4])
		b.WriteByte(hex[p[i]&15])
	}
	return b.String()
}

// onTheWire reports whether a client can send the path as it is: a "%"
// starts an escape, and every byte is printable ASCII (Go's regexp reads
// other bytes as runes, where nginx's reads bytes).
func onTheWire(p string) bool {
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c <= ' ' || c >= 0x7f:
			return false
		case c == '%' && (i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2])):
			return false
		}
	}
	return true
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// TestSourceStaysInItsComment holds the name of the source, a file name
// that may hold any byte but "/", to the comment that names it: a line
// break in it must not start a line of configuration.
func TestSourceStaysInItsComment(t *testing.T) {
	table := compileOne(t, "cors 1\npolicy p {\n    allow \"https://a.example\"\n}\n")
	opts := goldenOptions
	opts.Source = "x\nserver { listen 9999; location = /x { return 200 pwned; } }\r\n#.cors, policy p"
	conf, err := nginxexport.Config(table, opts)
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(string(conf), "\n\n")
	for _, line := range strings.Split(head, "\n") {
		if !strings.HasPrefix(line, "#") {
			t.Errorf("a line of the header comment is configuration: %q", line)
		}
	}
}

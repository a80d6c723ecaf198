package compile

import (
	"strings"
	"testing"
)

// hostTable is a shared table of names put in front of a wildcard's base,
// each with whether the whole host is one as SPEC.md ("Hosts") defines it.
var hostTable = []struct {
	front string
	valid bool
}{
	{"a", true},
	{"a_b", true}, // browsers send underscores
	{"_", true},
	{"-a", true}, // the URL Standard does not check hyphens
	{"a-", true},
	{"ab--c", true},
	{"1.2.3", true},
	{strings.Repeat("a", 63), true},
	{strings.Repeat("a", 63) + ".b", true},
	{strings.Repeat("a", 64), false},
	{strings.Repeat("a", 64) + ".b", false}, // a long label that is not the last one before the base
	{"b." + strings.Repeat("a", 64), false},
	{"xn--bcher-kva", true},
	{"a.xn--bcher-kva", true},
	{"xn--ls8h", true},
	{"xn--f", false}, // not punycode IDNA accepts
	{"a.xn--f", false},
	{"xn--", false},
	{"xn--a", false},
	{"xn--bcher-kva-", false},
	{"xn--0xb", true},        // U+0888, right-to-left
	{"xn--4gbrim.a", true},   // a right-to-left label beside letters
	{"xn--0xb.0", false},     // UTS 46's Bidi rule: a label may not start with a digit beside a right-to-left one
	{"xn--4gbrim.0a", false}, // the same, found by FuzzHostDefinition
	{"0.xn--4gbrim", false},
	{"a-.xn--4gbrim", false}, // nor end with a hyphen
	{"xn--abc-", false},
	{"xn--x-", false},
	{"a!b", false}, // the URL Standard allows it in a host; no name holds it
	{"a~b", false},
	{"a`b", false},
	{"a}b", false},
	{"a b", false},
	{"a%2eb", false},
	{"A", false}, // browsers lower-case hosts: an Origin never holds upper case
	{"bücher", false},
	{"a..b", false},
	{"", false},
	{".a", false},
	{"*", false},
	{strings.Repeat("a.", 120) + "a", true},   // 241 bytes, 253 with the base
	{strings.Repeat("a.", 120) + "ab", false}, // 254
	{strings.Repeat("a.", 121) + "a", false},  // 255
}

// hostAnswers returns whether the compiler accepts "https://FRONT.example.com"
// as an exact origin pattern written in its normal form, and whether the
// request path accepts it as an Origin below a wildcard over example.com
// (where only the labels in front of the base are left to check) and as a
// serialised origin (parseOrigin, which coverage uses).
func hostAnswers(t testing.TB, tab *Table, front string) (compiled, looked, parsed bool) {
	host := front + ".example.com"
	p, err := ParsePattern("https://" + host)
	compiled = err == nil && !p.Wildcard && p.Host == host
	_, looked = tab.Lookup("https://" + host)
	_, _, _, parsed = parseOrigin("https://" + host)
	return compiled, looked, parsed
}

func wildcardTable(t testing.TB) *Table {
	t.Helper()
	prog, err := CompileSource("host.cors", []byte("cors 1\n\npolicy p {\n    allow \"https://*.example.com\"\n}\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tab, err := prog.Policy("p")
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// TestHostDefinition holds the compiler and the request path to one
// definition of a valid host, on a shared table: an origin the compiler
// would refuse as a pattern is never echoed at request time, and one it
// would accept is never refused.
func TestHostDefinition(t *testing.T) {
	tab := wildcardTable(t)
	for _, tc := range hostTable {
		compiled, looked, parsed := hostAnswers(t, tab, tc.front)
		if compiled != tc.valid || looked != tc.valid || parsed != tc.valid {
			t.Errorf("%.40q: compiler %v, lookup %v, parseOrigin %v; want %v", tc.front, compiled, looked, parsed, tc.valid)
		}
	}
}

// FuzzHostDefinition holds the compiler and the request path to the same
// answer on any host.
func FuzzHostDefinition(f *testing.F) {
	for _, tc := range hostTable {
		f.Add(tc.front)
	}
	tab := wildcardTable(f)
	f.Fuzz(func(t *testing.T, front string) {
		if len(front) > 300 {
			return
		}
		compiled, looked, parsed := hostAnswers(t, tab, front)
		if compiled != looked || looked != parsed {
			t.Fatalf("%q: compiler %v, lookup %v, parseOrigin %v", front, compiled, looked, parsed)
		}
	})
}

// TestHostBidiAcrossBase holds Lookup to UTS 46's Bidi rule where the
// right-to-left label is in a wildcard's base and the label in front of it,
// valid on its own, breaks the rule: the host is checked whole, not only
// the labels in front of the base.
func TestHostBidiAcrossBase(t *testing.T) {
	prog, err := CompileSource("bidi.cors", []byte("cors 1\n\npolicy p {\n    allow \"https://*.xn--4gbrim.example\", \"https://*.0.example\"\n}\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tab, err := prog.Policy("p")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		origin string
		valid  bool
	}{
		{"https://a.xn--4gbrim.example", true},
		{"https://0.xn--4gbrim.example", false},
		{"https://a-.xn--4gbrim.example", false},
		{"https://a.0.example", true},
		{"https://xn--4gbrim.0.example", false},
	} {
		_, compileErr := ParsePattern(tc.origin)
		_, looked := tab.Lookup(tc.origin)
		_, _, _, parsed := parseOrigin(tc.origin)
		if (compileErr == nil) != tc.valid || looked != tc.valid || parsed != tc.valid {
			t.Errorf("%s: compiler %v, lookup %v, parseOrigin %v; want %v", tc.origin, compileErr == nil, looked, parsed, tc.valid)
		}
	}
}

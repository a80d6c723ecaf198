package compile

import (
	"fmt"
	"strings"
	"testing"
)

// lookupPolicy names n exact origins and 100 wildcard patterns, as the
// peer benchmarks in bench/ do.
func lookupPolicy(n int) string {
	var b strings.Builder
	b.WriteString("cors 1\n\norigins exact =\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "    \"https://app%05d.example.com\",\n", i)
	}
	b.WriteString("    \"https://app.example.com\"\n\norigins wild =\n")
	for i := range 100 {
		fmt.Fprintf(&b, "    \"https://*.tenant%03d.example.net\",\n", i)
	}
	b.WriteString("    \"https://*.example.org\"\n\npolicy api {\n    allow exact, wild\n}\n")
	return b.String()
}

// BenchmarkLookup measures finding the cell of an origin, hit and miss, in
// tables of 1 and 10,000 exact origins: the cost should depend on the
// origin's length, not on the table's size.
func BenchmarkLookup(b *testing.B) {
	origins := []struct{ name, origin string }{
		{"exact", "https://app.example.com"},
		{"wildcard", "https://x.tenant099.example.net"},
		{"missOtherTLD", "https://evil.example.io"},
		{"missSameTLD", "https://evil.example.com"},
		{"missBelowWildcardParent", "https://x.tenant.example.net"},
		{"malformed", "https://App.example.com/"},
	}
	for _, n := range []int{1, 10000} {
		prog, err := CompileSource("bench.cors", []byte(lookupPolicy(n)), Options{})
		if err != nil {
			b.Fatal(err)
		}
		tab, err := prog.Policy("api")
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range origins {
			b.Run(fmt.Sprintf("%d/%s", n, o.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					tab.Lookup(o.origin)
				}
			})
		}
	}
}

package compile

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/corspolicy/cors/lang"
)

// buildShapes are the policies whose build time the benchmarks follow as
// they grow: the shapes that once made compilation grow faster than
// quadratically, a list of exact origins, and a rule of many names, which
// compiled in quadratic time.
var buildShapes = []struct {
	name string
	// source returns the policy with n rules (or origins).
	source func(n int) string
	// refused says the policy is past C016 and must be refused.
	refused func(n int) bool
}{
	{"wildcardPorts", wildcardPortsPolicy, never},
	{"hostsWithDenies", hostsWithDeniesPolicy, never},
	{"overlappingWithDenies", overlappingPolicy, func(n int) bool { return n > 2*MaxCellRules }},
	{"exactOrigins", exactOriginsPolicy, never},
	{"manyNames", manyNamesPolicy, never},
}

func never(int) bool { return false }

// wildcardPortsPolicy has n wildcard rules over one host, each on its own
// port: one node with n ports named.
func wildcardPortsPolicy(n int) string {
	var b strings.Builder
	b.WriteString("cors 1\n\npolicy api {\n")
	for i := range n {
		fmt.Fprintf(&b, "    allow \"https://*.example.com:%d\" {\n        methods \"GET\", \"PUT\"\n        credentials\n    }\n\n", 1000+i)
	}
	b.WriteString("}\n")
	return b.String()
}

// hostsWithDeniesPolicy has n rules over n/2 hosts: on each, a wildcard
// allow rule and a deny rule for one host below it.
func hostsWithDeniesPolicy(n int) string {
	var b strings.Builder
	b.WriteString("cors 1\n\npolicy api {\n")
	for i := range n / 2 {
		fmt.Fprintf(&b, "    allow \"https://*.t%d.example.com\" {\n        paths   \"/api/**\"\n        methods \"GET\", \"PUT\"\n        credentials\n    }\n\n", i)
		fmt.Fprintf(&b, "    deny \"https://admin.t%d.example.com\" {\n        paths \"/api/admin/**\"\n    }\n\n", i)
	}
	b.WriteString("}\n")
	return b.String()
}

// overlappingPolicy has n/2 wildcard allow rules and n/2 method-scoped deny
// rules over one host, each on its own paths: every origin below the host
// meets all of them, so past 64 of either the policy is refused (C016).
func overlappingPolicy(n int) string {
	var b strings.Builder
	b.WriteString("cors 1\n\npolicy api {\n")
	for i := range n / 2 {
		fmt.Fprintf(&b, "    allow \"https://*.example.com\" {\n        paths   \"/p%d/**\"\n        methods \"GET\", \"PUT\"\n    }\n\n", i)
		fmt.Fprintf(&b, "    deny \"https://*.example.com\" {\n        paths   \"/p%d/admin/**\"\n        methods \"PUT\"\n    }\n\n", i)
	}
	b.WriteString("}\n")
	return b.String()
}

// exactOriginsPolicy names n exact origins and 100 wildcard patterns in
// sets, as the peer benchmarks in bench/ do.
func exactOriginsPolicy(n int) string {
	var b strings.Builder
	b.WriteString("cors 1\n\norigins exact =\n")
	for i := 1; i <= n; i++ {
		sep := ","
		if i == n {
			sep = ""
		}
		fmt.Fprintf(&b, "    \"https://app%06d.example.com\"%s\n", i, sep)
	}
	b.WriteString("\norigins wild =\n")
	for i := range 100 {
		sep := ","
		if i == 99 {
			sep = ""
		}
		fmt.Fprintf(&b, "    \"https://*.tenant%03d.example.net\"%s\n", i, sep)
	}
	b.WriteString("\npolicy api {\n    allow exact, wild {\n        methods \"GET\", \"PUT\"\n        credentials\n    }\n}\n")
	return b.String()
}

// manyNamesPolicy has one rule that grants n methods, n request headers
// and exposes n headers, each list a set.
func manyNamesPolicy(n int) string {
	var b strings.Builder
	b.WriteString("cors 1\n\n")
	for _, set := range []struct{ kind, name, format string }{
		{"methods", "verbs", "M%d"}, {"headers", "sent", "X-Sent-%d"}, {"headers", "shown", "X-Shown-%d"},
	} {
		fmt.Fprintf(&b, "%s %s =\n", set.kind, set.name)
		for i := range n {
			sep := ","
			if i == n-1 {
				sep = ""
			}
			fmt.Fprintf(&b, "    \""+set.format+"\"%s\n", i, sep)
		}
		b.WriteString("\n")
	}
	b.WriteString("policy api {\n    allow \"https://app.example.com\" {\n        methods verbs\n        headers sent\n        expose shown\n    }\n}\n")
	return b.String()
}

// BenchmarkBuild times compiling each shape from its text, at 10 to 10,000
// rules, and reports with the allocations kept-B, the heap the table keeps
// alive. A policy past C016 is refused, and the benchmark times the
// refusal.
func BenchmarkBuild(b *testing.B) {
	for _, shape := range buildShapes {
		for _, n := range []int{10, 100, 1000, 10000} {
			b.Run(fmt.Sprintf("%s/%d", shape.name, n), func(b *testing.B) {
				src := []byte(shape.source(n))
				build := func() (*Table, error) {
					prog, err := CompileSource("bench.cors", src, Options{})
					if err != nil {
						return nil, err
					}
					return prog.Policy("api")
				}
				b.ReportAllocs()
				b.SetBytes(int64(len(src)))
				for b.Loop() {
					_, err := build()
					if refused := shape.refused(n); refused != (err != nil) {
						b.Fatalf("refused = %v, want %v: %v", err != nil, refused, err)
					}
					if err != nil && !isCode(err, CodeTooManyRules) {
						b.Fatal(err)
					}
				}
				if !shape.refused(n) {
					b.ReportMetric(float64(keptBy(b, build)), "kept-B")
				}
			})
		}
	}
}

func isCode(err error, code string) bool {
	var list lang.ErrorList
	return errors.As(err, &list) && len(list) > 0 && list[0].Code == code
}

// keptBy returns the bytes of heap that the table build returns keeps alive.
func keptBy(b *testing.B, build func() (*Table, error)) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	t, err := build()
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(t)
	if after.HeapAlloc < before.HeapAlloc {
		return 0
	}
	return after.HeapAlloc - before.HeapAlloc
}

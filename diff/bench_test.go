package diff_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/diff"
	"github.com/corspolicy/cors/stdlib"
)

func compileFile(b *testing.B, name string, src []byte, policy string) *compile.Table {
	b.Helper()
	prog, err := compile.CompileSource(name, src, compile.Options{Importer: stdlib.Importer{}})
	if err != nil {
		b.Fatal(err)
	}
	t, err := prog.Policy(policy)
	if err != nil {
		b.Fatal(err)
	}
	return t
}

// BenchmarkDiffLargestExample compares the largest example, the gateway,
// with the edit that adds credentials to its orders rule.
func BenchmarkDiffLargestExample(b *testing.B) {
	old, err := os.ReadFile("../examples/gateway-microservices.cors")
	if err != nil {
		b.Fatal(err)
	}
	edit, err := os.ReadFile("testdata/edits/add-credentials.edit")
	if err != nil {
		b.Fatal(err)
	}
	new := applyEdit(b, "../examples/gateway-microservices.cors", string(edit))
	to, tn := compileFile(b, "old.cors", old, "gateway"), compileFile(b, "new.cors", new, "gateway")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := diff.Tables(to, tn); err != nil {
			b.Fatal(err)
		}
	}
}

// manyOrigins writes a policy whose partners set lists n exact origins,
// beside a wildcard rule and a deny, with the origins from skip on left out
// and one more origin named extra, when it is not "".
func manyOrigins(n, skip int, extra string) string {
	var b strings.Builder
	b.WriteString("cors 1\n\norigins partners =\n")
	var list []string
	for i := range n {
		if i != skip {
			list = append(list, fmt.Sprintf("    \"https://shop-%d.partners.example.net\"", i))
		}
	}
	if extra != "" {
		list = append(list, "    \""+extra+"\"")
	}
	b.WriteString(strings.Join(list, ",\n"))
	b.WriteString(`

policy api {
    allow partners {
        paths   "/api/**", "/feeds/*/items"
        methods "GET", "POST", "PUT"
        headers "Content-Type", "Authorization"
        credentials
        max-age 10m
    }

    allow "https://*.example.com" {
        paths   "/public/**"
        methods "GET"
    }

    deny any {
        paths   "/api/admin/**"
        methods "PUT"
    }
}
`)
	return b.String()
}

// BenchmarkDiff10000Origins compares a policy of 10 000 partner origins
// with the same policy less one origin and plus another: the origins both
// list with the same rules fall in one group, so the regions compared do
// not grow with the list.
func BenchmarkDiff10000Origins(b *testing.B) {
	to := compileFile(b, "old.cors", []byte(manyOrigins(10000, -1, "")), "api")
	tn := compileFile(b, "new.cors", []byte(manyOrigins(10000, 1234, "https://newcomer.example.org")), "api")
	res, err := diff.Tables(to, tn)
	if err != nil {
		b.Fatal(err)
	}
	if len(res.Entries) == 0 {
		b.Fatal("no change found")
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := diff.Tables(to, tn); err != nil {
			b.Fatal(err)
		}
	}
}

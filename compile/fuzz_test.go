package compile

import (
	"bytes"
	"testing"

	"github.com/corspolicy/cors/internal/goldentest"
	"github.com/corspolicy/cors/lang"
)

// FuzzCompile compiles anything that parses: the compiler must never panic,
// must answer with an ErrorList or a program, and every table it builds
// must look up any origin and dump without failing.
func FuzzCompile(f *testing.F) {
	goldentest.Seed(f, "testdata/*/*.cors", "../examples/*.cors", "../stdlib/testdata/*.cors")
	origins := []string{"https://app.example.com", "https://a.b.example.com:8443", "http://localhost", "null",
		"http://[::1]:3000", "https://xn--bcher-kva.example", "HTTPS://A", ""}
	f.Fuzz(func(t *testing.T, src []byte) {
		file, err := lang.Parse("fuzz.cors", src)
		if err != nil {
			return
		}
		for _, profile := range []string{"", "dev"} {
			prog, err := Compile(file, Options{Profile: profile})
			if err != nil {
				if _, ok := err.(lang.ErrorList); !ok {
					t.Fatalf("error is %T, want lang.ErrorList", err)
				}
				continue
			}
			for _, name := range prog.Names() {
				tab, _ := prog.Policy(name)
				for _, o := range origins {
					tab.Lookup(o)
				}
				tab.Dump(&bytes.Buffer{})
				tab.Classes()
			}
		}
	})
}

package stdlib_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/lang"
	"github.com/corspolicy/cors/lint"
	"github.com/corspolicy/cors/stdlib"
)

// TestSpecIsFresh fails when the reference in SPEC.md is not what the
// modules' doc comments generate: run go generate ./stdlib.
func TestSpecIsFresh(t *testing.T) {
	spec, err := os.ReadFile("../SPEC.md")
	if err != nil {
		t.Fatal(err)
	}
	md, err := stdlib.Markdown()
	if err != nil {
		t.Fatal(err)
	}
	want, err := stdlib.Splice(spec, md)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(spec, want) {
		t.Error("the stdlib reference in SPEC.md is stale: run go generate ./stdlib")
	}
}

// TestModules checks every module: canonical form, compiles, lint-clean,
// and a doc comment on the module and on every set.
func TestModules(t *testing.T) {
	if len(stdlib.Names()) < 4 {
		t.Fatalf("modules: %v", stdlib.Names())
	}
	for _, name := range stdlib.Names() {
		t.Run(name, func(t *testing.T) {
			src, err := stdlib.Source(name)
			if err != nil {
				t.Fatal(err)
			}
			out, err := lang.Format(name, src)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, src) {
				t.Error("not in canonical form: run corsfmt -w stdlib")
			}
			f, err := lang.Parse(name, src)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := compile.Compile(f, compile.Options{}); err != nil {
				t.Fatal(err)
			}
			for _, finding := range lint.Check(f, nil, "") {
				t.Error(finding)
			}
		})
	}
	if _, err := stdlib.Markdown(); err != nil {
		t.Errorf("a name lacks its doc comment: %v", err)
	}
}

// TestEveryNameUsable compiles a policy that uses every set of every
// module where a set of its kind belongs, and every bundle in a rule of its
// own, inside a dev profile.
func TestEveryNameUsable(t *testing.T) {
	var src strings.Builder
	src.WriteString("cors 1\n\n")
	for _, name := range stdlib.Names() {
		fmt.Fprintf(&src, "import %q\n", name)
	}
	src.WriteString("\npolicy all {\n    profile dev {\n")
	for _, name := range stdlib.Names() {
		msrc, _ := stdlib.Source(name)
		f, err := lang.Parse(name, msrc)
		if err != nil {
			t.Fatal(err)
		}
		short := strings.TrimPrefix(name, stdlib.Prefix)
		for _, d := range f.Decls {
			if b, ok := d.(*lang.Bundle); ok {
				fmt.Fprintf(&src, "        allow \"https://a.example\" {\n            grants %s.%s\n        }\n", short, b.Name.Name)
				continue
			}
			sd := d.(*lang.SetDecl)
			ref := short + "." + sd.Name.Name
			switch sd.Kind {
			case "origins":
				fmt.Fprintf(&src, "        allow %s\n", ref)
			case "methods":
				fmt.Fprintf(&src, "        allow \"https://a.example\" {\n            methods %s\n        }\n", ref)
			case "headers":
				fmt.Fprintf(&src, "        allow \"https://a.example\" {\n            headers %s\n            expose  %s\n        }\n", ref, ref)
			}
		}
	}
	src.WriteString("    }\n}\n")
	if _, err := compile.CompileSource("all.cors", []byte(src.String()), compile.Options{Profile: "dev"}); err != nil {
		t.Fatalf("%v\n%s", err, src.String())
	}
}

func TestImporter(t *testing.T) {
	if _, _, err := (stdlib.Importer{}).Import("a.cors", "std/nope"); !errors.Is(err, lang.ErrUnknownModule) ||
		!strings.Contains(err.Error(), "std/dev, std/expose, std/headers, std/methods") {
		t.Errorf("std/nope: %v", err)
	}
	for _, bad := range []string{"std/", "std/../stdlib", "std/dev/x", "./x.cors"} {
		if _, _, err := (stdlib.Importer{}).Import("a.cors", bad); !errors.Is(err, lang.ErrUnknownModule) {
			t.Errorf("%s: %v; want ErrUnknownModule", bad, err)
		}
	}
	name, src, err := (stdlib.Importer{}).Import("a.cors", "std/dev")
	if err != nil || name != "std/dev.cors" || !bytes.Contains(src, []byte("origins localhost")) {
		t.Errorf("std/dev: %q, %v", name, err)
	}
}

func Example() {
	src := []byte(`cors 1

import "std/dev"
import "std/headers"

policy api {
    profile dev {
        allow dev.localhost {
            headers headers.json-api
        }
    }
}
`)
	prog, err := compile.CompileSource("api.cors", src, compile.Options{Profile: "dev"})
	if err != nil {
		fmt.Println(err)
		return
	}
	table, _ := prog.Policy("api")
	fmt.Println(table.Rules[0].Headers)
	// Output:
	// [authorization content-type]
}

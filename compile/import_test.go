package compile

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/corspolicy/cors/lang"
	"github.com/corspolicy/cors/stdlib"
)

func TestImports(t *testing.T) {
	fsys := fstest.MapFS{
		"shared/partners.cors": {Data: []byte("cors 1\n\norigins all = \"https://a.partner.example\", \"https://b.partner.example\"\n")},
		"shared/local.cors":    {Data: []byte("cors 1\n\nimport \"std/dev\"\n\norigins all = \"https://x.example\", dev.localhost\n")},
		"shared/unscoped.cors": {Data: []byte("cors 1\n\norigins all = dev.localhost\n")},
		"loop/a.cors":          {Data: []byte("cors 1\n\nimport \"./b.cors\"\n")},
		"loop/b.cors":          {Data: []byte("cors 1\n\nimport \"./a.cors\"\n")},
		"bad/syntax.cors":      {Data: []byte("cors 1\n\norigins x = \n")},
	}
	importer := stdlib.Importer{Next: lang.FSImporter{FS: fsys}}
	tests := []struct {
		name, from, src string
		err             string // a substring of the errors, or "" for success
	}{
		{"the standard library", "api.cors", `import "std/dev"
import "std/methods"
policy p { profile dev { allow dev.localhost { methods methods.write } } }`, ""},
		{"a relative module, referenced with its prefix", "api.cors", `import "./shared/partners.cors"
policy p { allow partners.all }`, ""},
		{"a module resolves its names in its own scope", "api.cors", `import "./shared/local.cors"
policy p { profile dev { allow local.all } }`, ""},
		{"a module does not see the importer's imports", "api.cors", `import "std/dev"
import "./shared/unscoped.cors"
policy p { allow unscoped.all }`, "shared/unscoped.cors:3:15: undefined module dev in dev.localhost"},
		{"an alias", "api.cors", `import "std/dev" as local
policy p { allow local.localhost }`, ""},
		{"an unknown std module", "api.cors", `import "std/nope"`, `cannot import "std/nope": the standard library has std/dev, std/expose, std/headers, std/methods`},
		{"a missing file", "api.cors", `import "./missing.cors"`, `cannot import "./missing.cors"`},
		{"a path out of the tree", "api.cors", `import "../../etc/x.cors"`, "leads out of the import root"},
		{"two imports under one name", "api.cors", "import \"std/dev\"\nimport \"./shared/partners.cors\" as dev", "a second import named dev"},
		{"a cycle", "loop/a.cors", `import "./b.cors"`, "import cycle"},
		{"a module that does not parse", "api.cors", `import "./bad/syntax.cors"`, "bad/syntax.cors:4:1: expected value"},
		{"an undefined name in a module", "api.cors", "import \"std/methods\"\npolicy p { allow \"https://a.example\" { methods methods.wirte } }", "undefined: methods.wirte; did you mean write?"},
		{"a set of the wrong kind from a module", "api.cors", "import \"std/dev\"\npolicy p { allow \"https://a.example\" { methods dev.localhost } }", "dev.localhost is a set of origins; a methods set is expected here"},
		{"an unknown module prefix", "api.cors", "policy p { allow nope.x }", "undefined module nope in nope.x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CompileSource(tt.from, []byte("cors 1\n"+tt.src+"\n"), Options{Importer: importer})
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.err != "" && (err == nil || !strings.Contains(fmt.Sprint(errorLines(asList(err))), tt.err)):
				t.Fatalf("got %v; want an error containing %q", err, tt.err)
			}
		})
	}
}

func asList(err error) lang.ErrorList {
	if l, ok := err.(lang.ErrorList); ok {
		return l
	}
	return lang.ErrorList{{Msg: err.Error()}}
}

// TestStdlibByDefault checks that Compile serves std/ modules without an
// importer, and refuses the rest.
func TestStdlibByDefault(t *testing.T) {
	if _, err := CompileSource("a.cors", []byte("cors 1\nimport \"std/headers\"\npolicy p { allow \"https://a.example\" { headers headers.json-api } }\n"), Options{}); err != nil {
		t.Fatal(err)
	}
	_, err := CompileSource("a.cors", []byte("cors 1\nimport \"./x.cors\"\n"), Options{})
	if err == nil || !strings.Contains(err.Error(), "only std/ modules") {
		t.Fatalf("got %v", err)
	}
}

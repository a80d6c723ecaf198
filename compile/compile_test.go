package compile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corspolicy/cors/internal/goldentest"
	"github.com/corspolicy/cors/lang"
)

// policyTable compiles src and returns the table of its policy name,
// failing the test on any error.
func policyTable(t testing.TB, filename, src, name string) *Table {
	t.Helper()
	prog, err := CompileSource(filename, []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tab, err := prog.Policy(name)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// builds returns the builds of a file: production ("") and every profile
// its policies declare.
func builds(t *testing.T, path string, src []byte) []string {
	t.Helper()
	f, err := lang.Parse(path, src)
	if err != nil {
		t.Fatal(err)
	}
	return Resolve(f, Options{}).Builds()
}

// TestTables compiles each testdata/tables file for every build it has,
// and compares the dump of every policy with its golden file.
func TestTables(t *testing.T) {
	goldentest.Each(t, "testdata/tables/*.cors", func(t *testing.T, path string, src []byte) {
		var buf bytes.Buffer
		for _, profile := range builds(t, path, src) {
			prog, err := CompileSource(filepath.Base(path), src, Options{Profile: profile})
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&buf, "=== profile %q\n", profile)
			for _, name := range prog.Names() {
				tab, err := prog.Policy(name)
				if err != nil {
					continue // a policy without this profile
				}
				tab.Dump(&buf)
			}
		}
		goldentest.Compare(t, strings.TrimSuffix(path, ".cors")+".golden", buf.Bytes())
	})
}

// TestErrors compiles each testdata/errors file, which must fail with the
// errors its "# want" lines state, in order.
func TestErrors(t *testing.T) {
	goldentest.Each(t, "testdata/errors/*.cors", func(t *testing.T, path string, src []byte) {
		_, err := CompileSource(filepath.Base(path), src, Options{})
		list, ok := err.(lang.ErrorList)
		if !ok {
			t.Fatalf("got %v; want an ErrorList", err)
		}
		wants := goldentest.Wants(t, src)
		if len(list) != len(wants) {
			t.Errorf("got %d errors, want %d:\n%s", len(list), len(wants), errorLines(list))
		}
		for i := 0; i < len(wants) && i < len(list); i++ {
			e, w := list[i], wants[i]
			if pos := fmt.Sprintf("%d:%d", e.Pos.Line, e.Pos.Column); pos != w.Pos || !w.Rx.MatchString(e.Msg) {
				t.Errorf("error %d: got %s: %s\nwant %s: /%s/", i, pos, e.Msg, w.Pos, w.Rx)
			}
			if !strings.ContainsAny(e.Code[:1], "CLSX") {
				t.Errorf("error %d has code %q", i, e.Code)
			}
		}
	})
}

func errorLines(list lang.ErrorList) string {
	var b strings.Builder
	lang.PrintErrors(&b, list)
	return b.String()
}

// TestExamplesCompile compiles every example for every profile it names.
func TestExamplesCompile(t *testing.T) {
	for _, path := range goldentest.Glob(t, "../examples/*.cors") {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, profile := range builds(t, path, src) {
			if _, err := CompileSource(path, src, Options{Profile: profile}); err != nil {
				t.Errorf("%s (profile %q): %v", path, profile, err)
			}
		}
	}
}

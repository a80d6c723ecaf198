package compile

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/corspolicy/cors/internal/goldentest"
	"github.com/google/go-cmp/cmp"
)

// rulePosition matches the position of a rule in a table dump.
var rulePosition = regexp.MustCompile(`(?m)^(  #\d+ (?:allow|deny)) \d+:\d+ `)

// TestRewritesKeepTheTable compiles each example that was rewritten with
// bundles, as it was (testdata/rewrites/NAME.before.cors, NAME a path
// below examples/) and as it is (examples/NAME.cors), for every build, and requires the same table dump
// but for the lines the rules stand on: the rewrite kept the meaning.
func TestRewritesKeepTheTable(t *testing.T) {
	befores := goldentest.Glob(t, "testdata/rewrites/*.before.cors")
	more, _ := filepath.Glob("testdata/rewrites/*/*.before.cors")
	for _, before := range append(befores, more...) {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.ToSlash(before), "testdata/rewrites/"), ".before.cors")
		after := filepath.Join("..", "examples", name+".cors")
		t.Run(name, func(t *testing.T) {
			dump := func(path string) string {
				src, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				for _, profile := range builds(t, path, src) {
					prog, err := CompileSource(path, src, Options{Profile: profile})
					if err != nil {
						t.Fatal(err)
					}
					for _, policy := range prog.Names() {
						if tab, err := prog.Policy(policy); err == nil {
							buf.WriteString("=== " + profile + "\n")
							tab.Dump(&buf)
						}
					}
				}
				return rulePosition.ReplaceAllString(buf.String(), "$1 ")
			}
			if diff := cmp.Diff(dump(before), dump(after)); diff != "" {
				t.Errorf("the table of %s changed (-before +after):\n%s", after, diff)
			}
		})
	}
}

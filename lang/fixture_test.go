package lang

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corspolicy/cors/internal/goldentest"
)

// TestFixtureFormat formats each testdata/fixtures input and compares with
// its golden file, which must format to itself.
func TestFixtureFormat(t *testing.T) {
	goldentest.Each(t, "testdata/fixtures/*.input", func(t *testing.T, path string, src []byte) {
		out, err := FormatFixtures(path, src)
		if err != nil {
			t.Fatal(err)
		}
		golden := strings.TrimSuffix(path, ".input") + ".golden"
		goldentest.Compare(t, golden, out)
		if again, err := FormatFixtures(golden, out); err != nil || !bytes.Equal(again, out) {
			t.Errorf("formatting the output again changed it (%v)", err)
		}
		if n, m := strings.Count(string(src), "#"), strings.Count(string(out), "#"); n != m {
			t.Errorf("input has %d '#', output %d", n, m)
		}
	})
}

// TestFixtureErrors checks the errors of the testdata/errors fixture files.
func TestFixtureErrors(t *testing.T) {
	goldentest.Each(t, "testdata/errors/*.fixtures", func(t *testing.T, path string, src []byte) {
		_, err := ParseFixtures(filepath.Base(path), src)
		list, ok := err.(ErrorList)
		if !ok {
			t.Fatalf("got %v; want an ErrorList", err)
		}
		wants := goldentest.Wants(t, src)
		if len(list) != len(wants) {
			t.Fatalf("got %d errors, want %d: %v", len(list), len(wants), list)
		}
		for i, w := range wants {
			e := list[i]
			if pos := fmt.Sprintf("%d:%d", e.Pos.Line, e.Pos.Column); pos != w.Pos || !w.Rx.MatchString(e.Msg) {
				t.Errorf("got %s: %s\nwant %s: /%s/", pos, e.Msg, w.Pos, w.Rx)
			}
		}
	})
}

// FuzzParseFixtures checks that the fixture parser never panics and that
// any input it accepts formats, parses back to the same tree, and formats
// to itself.
func FuzzParseFixtures(f *testing.F) {
	goldentest.Seed(f, "testdata/fixtures/*", "testdata/errors/*.fixtures", "../examples/*.fixtures")
	f.Fuzz(func(t *testing.T, src []byte) {
		checkRoundTrip(t, "fuzz.fixtures", src, ParseFixtures, FormatFixtures)
	})
}

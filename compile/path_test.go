package compile

import (
	"strings"
	"testing"
)

func TestPathPattern(t *testing.T) {
	tests := []struct {
		pattern string
		match   []string
		noMatch []string
	}{
		{"/api/**", []string{"/api", "/api/", "/api/v1", "/api/v1/items/7"}, []string{"/", "/apix", "/ap", "/v1/api"}},
		{"/", []string{"/"}, []string{"/a", ""}},
		{"/v1/*/items", []string{"/v1/a/items", "/v1//items"}, []string{"/v1/items", "/v1/a/b/items", "/v1/a/items/"}},
		{"/a/**/z", []string{"/a/z", "/a/b/z", "/a/b/c/z", "/a/z/z"}, []string{"/a/z/y", "/a", "/b/z", "/a/bz", "/a/b/cz", "/az"}},
		{"/**/x/**", []string{"/x", "/a/x", "/a/x/b", "/x/x"}, []string{"/", "/a/b", "/ax", "/a/bx/c"}},
		{"/img/*.png", []string{"/img/a.png", "/img/.png"}, []string{"/img/a.jpg", "/img/a/b.png"}},
		{"/**", []string{"/", "/a", "/a/b/"}, nil},
		{"/a*b*c", []string{"/abc", "/aXbYc", "/abbbc"}, []string{"/acb", "/ab"}},
	}
	for _, tt := range tests {
		pp, err := ParsePathPattern(tt.pattern)
		if err != nil {
			t.Fatalf("%s: %s", tt.pattern, err.Msg)
		}
		for _, p := range tt.match {
			if !pp.Match(p) {
				t.Errorf("%s does not match %q; it should", tt.pattern, p)
			}
		}
		for _, p := range tt.noMatch {
			if pp.Match(p) {
				t.Errorf("%s matches %q; it should not", tt.pattern, p)
			}
		}
	}
}

func TestPathPatternErrors(t *testing.T) {
	for _, tt := range []struct {
		pattern string
		offset  int
	}{
		{"api/**", 0},
		{"/api/**x", 5},
		{"/api/x**", 6},
		{"/a**b/c", 2},
		{"/a?b", 2},
		{"/a#b", 2},
	} {
		if _, err := ParsePathPattern(tt.pattern); err == nil || err.Offset != tt.offset {
			t.Errorf("ParsePathPattern(%q) = %v; want an error at offset %d", tt.pattern, err, tt.offset)
		}
	}
}

// TestPathPatternAgainstBruteForce matches every glob of up to three
// segments over a few segment patterns against every path of up to four
// segments over a few names, and compares Match with naiveGlob, which
// tries every way of giving segments to "**" and bytes to "*". The
// symbols are chosen so that "**" must skip whole segments that share
// bytes with the one after it ("/a/**/b" and "/a/ab").
func TestPathPatternAgainstBruteForce(t *testing.T) {
	segPatterns := []string{"a", "b", "*", "**", "a*", "*b", ""}
	names := []string{"", "a", "b", "ab"}
	globs, paths := joins(segPatterns, 3), joins(names, 4)
	checked := 0
	for _, g := range globs {
		pp, err := ParsePathPattern(g)
		if err != nil {
			t.Fatalf("%s: %s", g, err.Msg)
		}
		for _, p := range paths {
			if got, want := pp.Match(p), naiveGlob(g, p); got != want {
				t.Fatalf("%s matches %q: %v, want %v", g, p, got, want)
			}
			checked++
		}
	}
	t.Logf("%d matches checked", checked)
}

// joins returns every "/"-joined sequence of 1 to n of the parts, each
// with a leading "/".
func joins(parts []string, n int) []string {
	var all []string
	level := []string{""}
	for range n {
		var next []string
		for _, l := range level {
			for _, p := range parts {
				next = append(next, l+"/"+p)
			}
		}
		all, level = append(all, next...), next
	}
	return all
}

// naiveGlob matches a path against a glob the slow and obvious way, by
// recursion over segments and, in a segment, over bytes.
func naiveGlob(glob, path string) bool {
	var segs func(pat, p []string) bool
	segs = func(pat, p []string) bool {
		if len(pat) == 0 {
			return len(p) == 0
		}
		if pat[0] == "**" {
			for i := 0; i <= len(p); i++ {
				if segs(pat[1:], p[i:]) {
					return true
				}
			}
			return false
		}
		return len(p) > 0 && naiveSegment(pat[0], p[0]) && segs(pat[1:], p[1:])
	}
	return segs(strings.Split(glob[1:], "/"), strings.Split(path[1:], "/"))
}

func naiveSegment(pat, s string) bool {
	if pat == "" {
		return s == ""
	}
	if pat[0] == '*' {
		for i := 0; i <= len(s); i++ {
			if naiveSegment(pat[1:], s[i:]) {
				return true
			}
		}
		return false
	}
	return s != "" && s[0] == pat[0] && naiveSegment(pat[1:], s[1:])
}

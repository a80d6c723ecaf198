package compile

import "testing"

func TestPathPattern(t *testing.T) {
	tests := []struct {
		pattern string
		match   []string
		noMatch []string
	}{
		{"/api/**", []string{"/api", "/api/", "/api/v1", "/api/v1/items/7"}, []string{"/", "/apix", "/ap", "/v1/api"}},
		{"/", []string{"/"}, []string{"/a", ""}},
		{"/v1/*/items", []string{"/v1/a/items", "/v1//items"}, []string{"/v1/items", "/v1/a/b/items", "/v1/a/items/"}},
		{"/a/**/z", []string{"/a/z", "/a/b/z", "/a/b/c/z"}, []string{"/a/z/y", "/a", "/b/z"}},
		{"/**/x/**", []string{"/x", "/a/x", "/a/x/b", "/x/x"}, []string{"/", "/a/b"}},
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
		{"/a?b", 2},
		{"/a#b", 2},
	} {
		if _, err := ParsePathPattern(tt.pattern); err == nil || err.Offset != tt.offset {
			t.Errorf("ParsePathPattern(%q) = %v; want an error at offset %d", tt.pattern, err, tt.offset)
		}
	}
}

package pathset_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/compile/pathset"
)

func TestContainsAndMeets(t *testing.T) {
	for _, tt := range []struct {
		outer, inner string
		contains     bool
		meets        bool
	}{
		{"/api/**", "/api/*/x", true, true},
		{"/api/*/x", "/api/**", false, true},
		{"/**", "/a/**", true, true},
		{"/a/**", "/a", true, true},
		{"/a/*", "/a", false, false},
		{"/a*", "/*b", false, true},
		{"/a*b", "/ab*", false, true},
		{"/a*b*c", "/a*c", false, true},
		{"/a*c", "/a*b*c", true, true},
		{"/a/**/z", "/a/z", true, true},
		{"/a/**/z", "/a/**/y/z", true, true},
		{"/a/**/y/z", "/a/**/z", false, true},
		{"/x/*", "/y/*", false, false},
		{"/**/x/**", "/a/x", true, true},
		// No path a CORS engine judges holds a dot segment or an escaped
		// slash: a glob that needs one matches nothing.
		{"/a", "/..", true, false},
		{"/**", "/a/%2F", true, false},
		{"/*", "/.", true, false},
		{"/*.png", "/..png", true, true},
	} {
		c, w, err := pathset.Contains(tt.outer, tt.inner)
		if err != nil {
			t.Fatal(err)
		}
		if c != tt.contains {
			t.Errorf("Contains(%q, %q) = %v, want %v", tt.outer, tt.inner, c, tt.contains)
		}
		if !c && (!match(t, tt.inner, w) || match(t, tt.outer, w)) {
			t.Errorf("Contains(%q, %q): witness %q is not matched by the inner glob alone", tt.outer, tt.inner, w)
		}
		m, w, err := pathset.Meets(tt.outer, tt.inner)
		if err != nil {
			t.Fatal(err)
		}
		if m != tt.meets {
			t.Errorf("Meets(%q, %q) = %v, want %v", tt.outer, tt.inner, m, tt.meets)
		}
		if m && (!match(t, tt.inner, w) || !match(t, tt.outer, w)) {
			t.Errorf("Meets(%q, %q): witness %q is not matched by both", tt.outer, tt.inner, w)
		}
	}
}

func match(t *testing.T, glob, path string) bool {
	t.Helper()
	pp, err := compile.ParsePathPattern(glob)
	if err != nil {
		t.Fatalf("%s: %s", glob, err.Msg)
	}
	return pp.Match(path)
}

// TestRegionsOfAnAPI shows the regions of a gateway's globs and their
// witnesses: computed, each the shortest path of its region.
func TestRegionsOfAnAPI(t *testing.T) {
	p, err := pathset.New([]string{"/api/**", "/api/admin/**", "/api/*/items", "/public/*.png"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range p.Regions() {
		var in []string
		for i, g := range p.Globs() {
			if r.Matches(i) {
				in = append(in, g)
			}
		}
		got = append(got, fmt.Sprintf("%s %v", r.Witness, in))
	}
	want := []string{
		"/x []",
		"/api [/api/**]",
		"/api/admin [/api/** /api/admin/**]",
		"/public/.png [/public/*.png]",
		"/api/x/items [/api/** /api/*/items]",
		"/api/admin/items [/api/** /api/*/items /api/admin/**]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("regions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// randomGlobs writes a few globs from segments that meet in many ways.
func randomGlobs(r *rand.Rand) []string {
	segs := []string{"**", "*", "a", "b", "a*", "*b", "a*b", "", "x.", "..", "%2F", "ab*", "*.*", "%*"}
	var out []string
	for n := r.IntN(5) + 1; n > 0; n-- {
		var g []string
		for k := r.IntN(4) + 1; k > 0; k-- {
			g = append(g, segs[r.IntN(len(segs))])
		}
		out = append(out, "/"+strings.Join(g, "/"))
	}
	return out
}

// randomPath writes a path from the bytes and segments the globs are made
// of, unjudged ones included.
func randomPath(r *rand.Rand) string {
	segs := []string{"", "a", "b", "ab", "aab", "ba", "x.", ".", "..", "a.b", "%2F", "%2f", "%", "%5", "%5c", "q", "a\\b", "abab", "xx"}
	var p []string
	for k := r.IntN(5) + 1; k > 0; k-- {
		p = append(p, segs[r.IntN(len(segs))])
	}
	return "/" + strings.Join(p, "/")
}

// TestRegionsAgainstBruteForce holds the products to plain glob matching:
// every region's witness is judged and matched by exactly the region's
// globs, and every path, matched glob by glob by the compiler's matcher,
// lands in the region of its globs (or, unjudged, in none).
func TestRegionsAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		globs := randomGlobs(r)
		checkPartition(t, globs, func() string { return randomPath(r) }, 200)
	}
}

func checkPartition(t *testing.T, globs []string, path func() string, paths int) {
	t.Helper()
	p, err := pathset.New(globs)
	if err != nil {
		t.Fatalf("%q: %v", globs, err)
	}
	patterns := make([]*compile.PathPattern, len(p.Globs()))
	for i, g := range p.Globs() {
		pp, perr := compile.ParsePathPattern(g)
		if perr != nil {
			t.Fatalf("%s: %s", g, perr.Msg)
		}
		patterns[i] = pp
	}
	seen := map[string]bool{}
	for k, reg := range p.Regions() {
		if pathset.Unjudged(reg.Witness) {
			t.Fatalf("%q: region %d has the unjudged witness %q", globs, k, reg.Witness)
		}
		if seen[reg.Witness] {
			t.Fatalf("%q: witness %q stands for two regions", globs, reg.Witness)
		}
		seen[reg.Witness] = true
		for i, pp := range patterns {
			if pp.Match(reg.Witness) != reg.Matches(i) {
				t.Fatalf("%q: region %d's witness %q: %s matches it: %v, region says %v", globs, k, reg.Witness, pp.Text, pp.Match(reg.Witness), reg.Matches(i))
			}
		}
		if got := p.Locate(reg.Witness); got != k {
			t.Fatalf("%q: Locate(%q) = %d, want %d", globs, reg.Witness, got, k)
		}
	}
	for range paths {
		path := path()
		k := p.Locate(path)
		if pathset.Unjudged(path) {
			if k != -1 {
				t.Fatalf("%q: unjudged path %q located in region %d", globs, path, k)
			}
			continue
		}
		if k < 0 {
			t.Fatalf("%q: path %q is in no region", globs, path)
		}
		for i, pp := range patterns {
			if pp.Match(path) != p.Regions()[k].Matches(i) {
				t.Fatalf("%q: path %q in region %d, but %s matches it: %v", globs, path, k, pp.Text, pp.Match(path))
			}
		}
	}
}

// TestLimit checks that globs whose product passes the bound are refused
// with a LimitError, quickly: twenty globs "*a*", "*b*"... make a segment
// automaton that remembers which letters it has seen, 2^20 states.
func TestLimit(t *testing.T) {
	var globs []string
	for c := 'a'; c < 'a'+20; c++ {
		globs = append(globs, "/*"+string(c)+"*")
	}
	start := time.Now()
	_, err := pathset.New(globs)
	var limit *pathset.LimitError
	if !errors.As(err, &limit) {
		t.Fatalf("New = %v, want a LimitError", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refusing took %v", d)
	}
}

func TestBadGlob(t *testing.T) {
	for _, g := range []string{"api/**", "/a/**x"} {
		if _, err := pathset.New([]string{g}); err == nil {
			t.Errorf("New(%q) succeeded", g)
		}
	}
}

// FuzzPartition builds the regions of any globs the compiler accepts (one a
// line) and checks them against plain glob matching on paths made of the
// same input.
func FuzzPartition(f *testing.F) {
	f.Add("/api/**\n/api/*/x\n/a*b", "/api/q/x")
	f.Add("/**/x/**\n/*.png\n/..", "/a/x/b.png")
	f.Add("/%*\n/*%2F", "/%2f")
	f.Fuzz(func(t *testing.T, lines, path string) {
		var globs []string
		for _, g := range strings.Split(lines, "\n") {
			if _, err := compile.ParsePathPattern(g); err == nil && len(g) < 40 {
				globs = append(globs, g)
			}
		}
		if len(globs) > 6 {
			globs = globs[:6]
		}
		p, err := pathset.New(globs)
		var limit *pathset.LimitError
		if errors.As(err, &limit) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(uint64(len(path)), 7))
		paths := []string{path, "/" + path}
		checkPartition(t, globs, func() string {
			if len(paths) > 0 {
				p := paths[0]
				paths = paths[1:]
				return p
			}
			return randomPath(r)
		}, 20)
		_ = p
	})
}

// TestDescribeIsExact reads every description back, region by region, and
// checks that it names exactly the regions described, for random sets of
// regions of random globs.
func TestDescribeIsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 300 {
		p, err := pathset.New(randomGlobs(r))
		if err != nil {
			t.Fatal(err)
		}
		n := len(p.Regions())
		var q []int
		for k := range n {
			if r.IntN(2) == 0 {
				q = append(q, k)
			}
		}
		if len(q) == 0 {
			continue
		}
		d := p.Describe(q)
		for k, reg := range p.Regions() {
			if got, want := holds(t, p, reg, d), slices.Contains(q, k); got != want {
				t.Fatalf("globs %q, regions %v: %q says %v of region %d (witness %q)", p.Globs(), q, d, got, k, reg.Witness)
			}
		}
	}
	p, _ := pathset.New([]string{"/admin/**", "/admin/audit/**", "/api/**"})
	for _, tt := range []struct {
		witnesses []string
		want      string
	}{
		{[]string{"/admin", "/admin/audit"}, "/admin/**"},
		{[]string{"/admin"}, "/admin/** except /admin/audit/**"},
		{[]string{"/admin", "/api"}, "/admin/** except /admin/audit/**; /api/**"},
		{[]string{"/x"}, "every path except /admin/**, /api/**"},
		{[]string{"/x", "/admin", "/admin/audit", "/api"}, "every path"},
	} {
		var q []int
		for _, w := range tt.witnesses {
			q = append(q, p.Locate(w))
		}
		if got := p.Describe(q); got != tt.want {
			t.Errorf("Describe(%q) = %q, want %q", tt.witnesses, got, tt.want)
		}
	}
}

// holds evaluates a description on a region.
func holds(t *testing.T, p *pathset.Partition, reg pathset.Region, d string) bool {
	matches := func(g string) bool {
		i := p.Index(g)
		if i < 0 {
			t.Fatalf("description %q names %q, not a glob", d, g)
		}
		return reg.Matches(i)
	}
	for _, part := range strings.Split(d, "; ") {
		base, except, _ := strings.Cut(part, " except ")
		in := false
		switch {
		case base == "every path":
			in = true
		case strings.HasPrefix(base, "paths matching "):
			in = true
			for _, g := range strings.Split(strings.TrimPrefix(base, "paths matching "), " and ") {
				in = in && matches(g)
			}
		default:
			for _, g := range strings.Split(base, ", ") {
				in = in || matches(g)
			}
		}
		if except != "" {
			for _, g := range strings.Split(except, ", ") {
				in = in && !matches(g)
			}
		}
		if in {
			return true
		}
	}
	return false
}

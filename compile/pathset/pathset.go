// Package pathset computes with the sets of request paths that path globs
// describe: the regions of the path space a list of globs tells apart, each
// with a witness path, and from them whether one glob contains or meets
// another.
//
// A glob is a regular language over path segments: "*" matches any run of
// bytes within a segment and "**", as a whole segment, any number of
// segments, none included. The regions are computed, not guessed from the
// globs' text, in two products:
//
//   - The byte product. Every segment pattern of every glob (the parts
//     between slashes other than "**") is an automaton over bytes. Run
//     together, determinised, over the bytes the patterns name and one byte
//     for all the others, their reachable states say which sets of patterns
//     a segment can match at once: the segment classes, each with the
//     shortest segment that is in it.
//   - The segment product. Every glob is an automaton over segment classes.
//     Run together, determinised, their reachable states say which sets of
//     globs a path can match at once. A region is the set of paths matched
//     by exactly the same globs; its witness is the shortest path that
//     reaches it (searched breadth first).
//
// Two paths of one region are matched by the same globs, so anything decided
// from glob matches alone (which rules cover a path) is the same for both:
// that is what makes a region's witness stand for all of it.
//
// Only the paths a CORS engine judges are counted. A path with a dot segment
// ("." or ".."), a backslash, an escaped slash or backslash ("%2F",
// "%5C", in either case) or a NUL byte is denied whatever the policy
// (SPEC.md, "Paths as routers see them"), so the byte product carries a small automaton that
// rejects such segments: no region holds one and no witness is one.
//
// Both products are bounded: past MaxStates states in either, or MaxWork
// transitions in all, New returns a *LimitError rather than go on.
package pathset

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// MaxStates is the most states either product may reach. Globs that people
// write reach a few dozen; a policy past the limit is refused with a
// *LimitError, never computed slowly.
const MaxStates = 1 << 14

// MaxWork bounds the transitions both products compute together.
const MaxWork = 1 << 24

// LimitError reports globs whose products pass MaxStates or MaxWork.
type LimitError struct {
	What  string // "segment states", "path states" or "transitions"
	Limit int
}

// Error says which bound the globs passed.
func (e *LimitError) Error() string {
	return fmt.Sprintf("the path globs are too many or too intricate to compare: more than %d %s", e.Limit, e.What)
}

// Partition is the regions of the path space that a list of globs tells
// apart.
type Partition struct {
	globs   []string
	parsed  [][]segment
	regions []Region
	byKey   map[string]int
}

// Region is a set of paths that the same globs match.
type Region struct {
	// Witness is the shortest path of the region, as a request would send
	// it; among paths of one length, the first in the products' order.
	Witness string
	member  bitset // over the partition's globs
}

// segment is one segment of a glob: "**", or the index of a segment
// pattern.
type segment struct {
	any     bool
	pattern int
}

// New computes the regions of the path space that globs tell apart. Each
// glob starts with "/" and uses "**" only as a whole segment, as the
// compiler checks; duplicates count once. Glob i of Globs() is the i-th of
// the sorted, distinct globs.
func New(globs []string) (*Partition, error) {
	p := &Partition{globs: slices.Compact(slices.Sorted(slices.Values(globs))), byKey: map[string]int{}}
	var patterns []string
	index := map[string]int{}
	for _, g := range p.globs {
		segs, err := parseGlob(g)
		if err != nil {
			return nil, err
		}
		var parsed []segment
		for _, s := range segs {
			if s == "**" {
				parsed = append(parsed, segment{any: true})
				continue
			}
			i, ok := index[s]
			if !ok {
				i = len(patterns)
				index[s] = i
				patterns = append(patterns, s)
			}
			parsed = append(parsed, segment{pattern: i})
		}
		p.parsed = append(p.parsed, parsed)
	}
	work := 0
	classes, err := segmentClasses(patterns, &work)
	if err != nil {
		return nil, err
	}
	if err := p.product(classes, &work); err != nil {
		return nil, err
	}
	return p, nil
}

// parseGlob splits a glob into its segments.
func parseGlob(g string) ([]string, error) {
	if !strings.HasPrefix(g, "/") {
		return nil, fmt.Errorf("path glob %q does not start with /", g)
	}
	segs := strings.Split(g[1:], "/")
	for _, s := range segs {
		if s != "**" && strings.Contains(s, "**") {
			return nil, fmt.Errorf(`path glob %q: "**" stands only as a whole segment`, g)
		}
	}
	return segs, nil
}

// Globs returns the globs of the partition, sorted and distinct.
func (p *Partition) Globs() []string { return p.globs }

// Index returns the index of glob among Globs, or -1.
func (p *Partition) Index(glob string) int {
	i, ok := slices.BinarySearch(p.globs, glob)
	if !ok {
		return -1
	}
	return i
}

// Regions returns the regions, in the order the search found them.
func (p *Partition) Regions() []Region { return p.regions }

// Matches reports whether the paths of the region match glob i.
func (r Region) Matches(i int) bool { return r.member.has(i) }

// Locate returns the index of the region that holds path, or -1 for a path
// that no region holds: one that does not start with "/" or that holds a
// dot segment, a backslash or an escaped slash or backslash. It matches
// every glob against the path on its own, without the products, so that a
// test can hold the products to it.
func (p *Partition) Locate(path string) int {
	if Unjudged(path) {
		return -1
	}
	segs := strings.Split(path[1:], "/")
	m := newBitset(len(p.globs))
	for i, g := range p.globs {
		if matchGlob(g, segs) {
			m.set(i)
		}
	}
	if i, ok := p.byKey[m.key()]; ok {
		return i
	}
	return -1
}

// Unjudged reports whether a CORS engine denies path whatever the policy,
// for the reason Problem gives.
func Unjudged(path string) bool { return Problem(path) != "" }

// Problem says why a CORS engine cannot judge a request path, or returns
// "": a path that does not start with "/", a dot segment ("." or "..",
// which escapes such as %2e%2e decode to), a backslash (which %5C decodes
// to), an escaped slash (%2F, which eval.RequestOf keeps escaped), or a
// NUL byte (%00), which servers refuse or cut paths at. Routers disagree on
// each of the others, some resolving dot segments or decoding an escaped slash
// before they route and others not, so a rule matched against the path as
// sent could be judging another resource than the one served; browsers
// never send any of them but %2F and %5C, which they leave as written. It
// reads the path once and allocates nothing.
func Problem(p string) string {
	if p == "" || p[0] != '/' {
		return "the path does not start with /"
	}
	// Most paths hold none of the bytes at stake; one pass with a table
	// load a byte says so, and only a path that does is read segment by
	// segment.
	for i := 1; i < len(p); i++ {
		if c := p[i]; pathByte[c] && (c != '.' || p[i-1] == '/') {
			return pathSegmentProblem(p)
		}
	}
	return ""
}

// pathByte marks the bytes Problem looks twice at: '%', a backslash,
// '.', which may start a dot segment, and NUL.
var pathByte = [256]bool{'%': true, '\\': true, '.': true, 0: true}

// pathSegmentProblem is Problem for a path that holds one of the bytes
// at stake: it reads it segment by segment.
func pathSegmentProblem(p string) string {
	start := 1 // of the current segment
	for i := 1; i <= len(p); i++ {
		if i == len(p) || p[i] == '/' {
			if seg := p[start:i]; seg == "." || seg == ".." {
				return "the path holds a dot segment"
			}
			start = i + 1
			continue
		}
		switch c := p[i]; {
		case c == 0:
			// %00, decoded: nginx refuses it (400), and a handler that
			// passes the path to C or a file system may cut it there.
			return "the path holds a NUL byte"
		case c == '\\':
			return "the path holds a backslash"
		case c == '%' && i+2 < len(p) && (p[i+1] == '2' && (p[i+2] == 'f' || p[i+2] == 'F') ||
			p[i+1] == '5' && (p[i+2] == 'c' || p[i+2] == 'C')):
			return "the path holds an escaped slash or backslash"
		}
	}
	return ""
}

// Subset reports whether every path glob i matches, glob j matches too.
func (p *Partition) Subset(i, j int) bool {
	for _, r := range p.regions {
		if r.member.has(i) && !r.member.has(j) {
			return false
		}
	}
	return true
}

// Meet returns the index of a region whose paths both globs match, or -1
// when no path matches both.
func (p *Partition) Meet(i, j int) int {
	for k, r := range p.regions {
		if r.member.has(i) && r.member.has(j) {
			return k
		}
	}
	return -1
}

// Contains reports whether every path inner matches, outer matches too;
// when not, it returns a path that inner matches and outer does not.
func Contains(outer, inner string) (bool, string, error) {
	p, err := New([]string{outer, inner})
	if err != nil {
		return false, "", err
	}
	o, in := p.Index(outer), p.Index(inner)
	for _, r := range p.regions {
		if r.member.has(in) && !r.member.has(o) {
			return false, r.Witness, nil
		}
	}
	return true, "", nil
}

// Meets reports whether some path matches both globs, and returns one.
func Meets(a, b string) (bool, string, error) {
	p, err := New([]string{a, b})
	if err != nil {
		return false, "", err
	}
	if k := p.Meet(p.Index(a), p.Index(b)); k >= 0 {
		return true, p.regions[k].Witness, nil
	}
	return false, "", nil
}

// errNoRegion is never returned: a product that finds no path at all would
// mean the safety automaton rejects every segment.
var errNoRegion = errors.New("pathset: no path is judged")

// product runs the globs' automata over segment classes together and
// records a region for every set of globs a reachable state accepts.
func (p *Partition) product(classes []segClass, work *int) error {
	type state struct {
		active []uint64 // glob<<32 | position, sorted
		path   []string // the segments that first reached it
	}
	closure := func(set *[]uint64, j, pos int) {
		segs := p.parsed[j]
		*set = append(*set, uint64(j)<<32|uint64(pos))
		for pos < len(segs) && segs[pos].any {
			pos++
			*set = append(*set, uint64(j)<<32|uint64(pos))
		}
	}
	sorted := func(set []uint64) []uint64 {
		slices.Sort(set)
		return slices.Clip(slices.Compact(set))
	}
	var start []uint64
	for j := range p.parsed {
		closure(&start, j, 0)
	}
	seen := map[string]bool{}
	queue := []state{{active: sorted(start)}}
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		for _, c := range classes {
			var next []uint64
			for _, a := range st.active {
				j, pos := int(a>>32), int(uint32(a))
				segs := p.parsed[j]
				switch {
				case pos >= len(segs):
				case segs[pos].any:
					closure(&next, j, pos)
				case c.member.has(segs[pos].pattern):
					closure(&next, j, pos+1)
				}
			}
			if *work += len(st.active) + 1; *work > MaxWork {
				return &LimitError{"transitions", MaxWork}
			}
			active := sorted(next)
			key := keyOf(active)
			if seen[key] {
				continue
			}
			seen[key] = true
			if len(seen) > MaxStates {
				return &LimitError{"path states", MaxStates}
			}
			path := append(slices.Clip(st.path), c.witness)
			member := newBitset(len(p.globs))
			for _, a := range active {
				j, pos := int(a>>32), int(uint32(a))
				if pos == len(p.parsed[j]) {
					member.set(j)
				}
			}
			if _, ok := p.byKey[member.key()]; !ok {
				p.byKey[member.key()] = len(p.regions)
				p.regions = append(p.regions, Region{Witness: "/" + strings.Join(path, "/"), member: member})
			}
			queue = append(queue, state{active: active, path: path})
		}
	}
	if len(p.regions) == 0 {
		return errNoRegion
	}
	return nil
}

func keyOf(active []uint64) string {
	b := make([]byte, 0, 8*len(active))
	for _, a := range active {
		b = binary.LittleEndian.AppendUint64(b, a)
	}
	return string(b)
}

// bitset is a set of small integers.
type bitset []uint64

func newBitset(n int) bitset         { return make(bitset, (n+63)/64) }
func (b bitset) set(i int)           { b[i/64] |= 1 << (i % 64) }
func (b bitset) has(i int) bool      { return b[i/64]&(1<<(i%64)) != 0 }
func (b bitset) key() string         { return keyOf(b) }
func (b bitset) equal(c bitset) bool { return slices.Equal(b, c) }

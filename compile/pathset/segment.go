package pathset

import (
	"slices"
	"strings"
)

// segClass is a set of segments that the same segment patterns match.
type segClass struct {
	member  bitset // over the segment patterns
	witness string
}

// The bytes the safety automaton reads apart from the others: "." for dot
// segments, and the letters of "%2F" and "%5C" in either case. A backslash,
// NUL and a slash are never read: the first two make a path unjudged, the
// other ends a segment.
const safetyBytes = ".%25fFcC"

// otherBytes are the candidates, most readable first, for the one byte that
// stands for every byte no pattern names.
const otherBytes = "xyzqjkwvbdghmnprstuaeiol0123456789-_~"

// safety is the state of the automaton that rejects the segments of an
// unjudged path: whether the segment so far is empty, ".", ".." or
// anything else, and how much of an escaped slash or backslash it ends
// with. dead is its sink.
type safety struct{ dots, escape int8 }

const (
	dotsEmpty, dotsOne, dotsTwo, dotsOther = 0, 1, 2, 3
	escNone, escPercent, esc2, esc5        = 0, 1, 2, 3
)

func (s safety) step(c byte) (safety, bool) {
	if c == 0 || c == '\\' || s.escape == esc2 && (c == 'f' || c == 'F') || s.escape == esc5 && (c == 'c' || c == 'C') {
		return s, false
	}
	switch {
	case c == '%':
		s.escape = escPercent
	case s.escape == escPercent && c == '2':
		s.escape = esc2
	case s.escape == escPercent && c == '5':
		s.escape = esc5
	default:
		s.escape = escNone
	}
	switch {
	case c == '.' && s.dots == dotsEmpty:
		s.dots = dotsOne
	case c == '.' && s.dots == dotsOne:
		s.dots = dotsTwo
	default:
		s.dots = dotsOther
	}
	return s, true
}

// accepts reports whether a segment that ends here is judged: not "." or "..".
func (s safety) accepts() bool { return s.dots == dotsEmpty || s.dots == dotsOther }

// alphabet returns one byte per class of bytes the patterns and the safety
// automaton cannot tell apart: a byte for all those nobody names, first,
// then each byte named, in order.
func alphabet(patterns []string) []byte {
	var named [256]bool
	for _, p := range patterns {
		for i := 0; i < len(p); i++ {
			named[p[i]] = true
		}
	}
	for i := 0; i < len(safetyBytes); i++ {
		named[safetyBytes[i]] = true
	}
	named['*'], named['/'], named['\\'] = false, false, false
	var out []byte
	other := -1
	for i := 0; i < len(otherBytes); i++ {
		if !named[otherBytes[i]] {
			other = int(otherBytes[i])
			break
		}
	}
	if other < 0 {
		for c := 0x21; c < 256; c++ {
			if !named[c] && c != '/' && c != '\\' && c != '"' && c != 0x7f {
				other = c
				break
			}
		}
	}
	if other >= 0 {
		out = append(out, byte(other))
	}
	for c := range 256 {
		if named[c] {
			out = append(out, byte(c))
		}
	}
	return out
}

// segmentClasses runs the segment patterns' automata and the safety
// automaton together over bytes and returns a class for every set of
// patterns that a judged segment can match at once, with the shortest such
// segment; the class whose only witness is the empty segment comes last.
func segmentClasses(patterns []string, work *int) ([]segClass, error) {
	type state struct {
		safe    safety
		active  []uint64 // pattern<<32 | position, sorted
		witness string
	}
	closure := func(set *[]uint64, i, pos int) {
		p := patterns[i]
		*set = append(*set, uint64(i)<<32|uint64(pos))
		for pos < len(p) && p[pos] == '*' {
			pos++
			*set = append(*set, uint64(i)<<32|uint64(pos))
		}
	}
	sorted := func(set []uint64) []uint64 {
		slices.Sort(set)
		return slices.Clip(slices.Compact(set))
	}
	key := func(s safety, active []uint64) string {
		return string([]byte{byte(s.dots), byte(s.escape)}) + keyOf(active)
	}
	var start []uint64
	for i := range patterns {
		closure(&start, i, 0)
	}
	first := state{active: sorted(start)}
	seen := map[string]bool{key(first.safe, first.active): true}
	byMember := map[string]int{}
	var classes []segClass
	record := func(st state) {
		if !st.safe.accepts() {
			return
		}
		m := newBitset(len(patterns))
		for _, a := range st.active {
			i, pos := int(a>>32), int(uint32(a))
			if pos == len(patterns[i]) {
				m.set(i)
			}
		}
		k, ok := byMember[m.key()]
		switch {
		case !ok:
			byMember[m.key()] = len(classes)
			classes = append(classes, segClass{member: m, witness: st.witness})
		case classes[k].witness == "" && st.witness != "":
			classes[k].witness = st.witness
		}
	}
	record(first)
	bytes := alphabet(patterns)
	queue := []state{first}
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		for _, c := range bytes {
			safe, ok := st.safe.step(c)
			if !ok {
				continue
			}
			var next []uint64
			for _, a := range st.active {
				i, pos := int(a>>32), int(uint32(a))
				p := patterns[i]
				switch {
				case pos >= len(p):
				case p[pos] == '*':
					closure(&next, i, pos)
				case p[pos] == c:
					closure(&next, i, pos+1)
				}
			}
			if *work += len(st.active) + 1; *work > MaxWork {
				return nil, &LimitError{"transitions", MaxWork}
			}
			active := sorted(next)
			k := key(safe, active)
			if seen[k] {
				continue
			}
			seen[k] = true
			if len(seen) > MaxStates {
				return nil, &LimitError{"segment states", MaxStates}
			}
			ns := state{safe: safe, active: active, witness: st.witness + string([]byte{c})}
			record(ns)
			queue = append(queue, ns)
		}
	}
	// A class reached only by the empty segment goes last, so that the
	// path search prefers witnesses without empty segments.
	slices.SortStableFunc(classes, func(a, b segClass) int {
		return boolOrder(a.witness == "") - boolOrder(b.witness == "")
	})
	return classes, nil
}

func boolOrder(b bool) int {
	if b {
		return 1
	}
	return 0
}

// matchGlob reports whether the glob matches the path segments, by dynamic
// programming over the glob's segments and the path's, independently of the
// products.
func matchGlob(glob string, path []string) bool {
	pat := strings.Split(glob[1:], "/")
	// ok[k] says whether pat[i:] matches path[k:], for the current i.
	ok := make([]bool, len(path)+1)
	ok[len(path)] = true
	for i := len(pat) - 1; i >= 0; i-- {
		next := make([]bool, len(path)+1)
		if pat[i] == "**" {
			// ** matches path[k:m] for any m >= k.
			next[len(path)] = ok[len(path)]
			for k := len(path) - 1; k >= 0; k-- {
				next[k] = ok[k] || next[k+1]
			}
		} else {
			for k := range path {
				next[k] = ok[k+1] && matchSegment(pat[i], path[k])
			}
		}
		ok = next
	}
	return ok[0]
}

// matchSegment reports whether the segment pattern, in which "*" stands for
// any run of bytes, matches s, by dynamic programming.
func matchSegment(pat, s string) bool {
	// ok[j] says whether pat[i:] matches s[j:], for the current i.
	ok := make([]bool, len(s)+1)
	ok[len(s)] = true
	for i := len(pat) - 1; i >= 0; i-- {
		next := make([]bool, len(s)+1)
		if pat[i] == '*' {
			next[len(s)] = ok[len(s)]
			for j := len(s) - 1; j >= 0; j-- {
				next[j] = ok[j] || next[j+1]
			}
		} else {
			for j := range len(s) {
				next[j] = ok[j+1] && s[j] == pat[i]
			}
		}
		ok = next
	}
	return ok[0]
}

package partition

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/eval"
)

// HeaderForm says how a preflight asks for request headers.
type HeaderForm uint8

const (
	NoHeaders    HeaderForm = iota // no Access-Control-Request-Headers line
	BlankHeaders                   // lines that name no header
	NamedHeaders                   // one or more names
)

// HeaderRegion is a set of the Access-Control-Request-Headers values a
// preflight may send: no line, blank lines, or the sets of names that the
// same rules of each table's cell grant on their own (the same bitmask of
// Cell.HeaderRules, and'ed over the names, in every table).
type HeaderRegion struct {
	Form HeaderForm
	// Names is a set in the region, lower-case and sorted, for
	// NamedHeaders: the witness.
	Names []string
	masks []uint64
}

// headerClass is a set of header names every rule of a group's cells grants
// alike: one name a rule names, Authorization, every other token, or every
// name that is not a token.
type headerClass struct {
	name  string
	masks []uint64
}

// badHeader stands for the names that are not tokens, which no rule grants.
const badHeader = "bad header"

// MaxHeaderRegions bounds the header regions of a group: the distinct
// bitmasks its sets of names reach. Rules that make more are refused with
// an error rather than enumerated.
const MaxHeaderRegions = 1 << 12

// headerRegions computes the classes and regions of the request headers of
// a group's preflights: the regions of named sets are found by adding one
// class at a time, from each class alone, until no new mask appears (the
// masks of a set are the and of its classes', so every set's masks are
// reached).
func (g *Group) headerRegions(other string) error {
	var names []string
	for _, c := range g.cells {
		for _, r := range c.Allow {
			names = append(names, r.Headers...)
		}
	}
	names = append(names, "authorization")
	slices.Sort(names)
	names = slices.Compact(names)
	g.named = map[string]int{}
	for _, n := range append(names, other, badHeader) {
		hc := headerClass{name: n}
		for _, c := range g.cells {
			hc.masks = append(hc.masks, c.HeaderRules(n))
		}
		if n != other && n != badHeader {
			g.named[n] = len(g.classes)
		}
		g.classes = append(g.classes, hc)
	}
	g.other = len(g.classes) - 2
	full := make([]uint64, len(g.cells))
	for i, c := range g.cells {
		full[i] = uint64(1)<<len(c.Allow) - 1
		if len(c.Allow) == 64 {
			full[i] = ^uint64(0)
		}
	}
	g.headerKey = map[string]int{}
	g.headers = []HeaderRegion{{Form: NoHeaders, masks: full}, {Form: BlankHeaders, masks: full}}
	type set struct {
		classes []int
		masks   []uint64
	}
	var queue []set
	add := func(s set) error {
		k := masksKey(s.masks)
		if _, ok := g.headerKey[k]; ok {
			return nil
		}
		if len(g.headers) >= MaxHeaderRegions {
			return fmt.Errorf("the request headers of origins %s split into more than %d regions", g.Classes[0].Label, MaxHeaderRegions)
		}
		g.headerKey[k] = len(g.headers)
		var ns []string
		for _, c := range s.classes {
			ns = append(ns, g.classes[c].name)
		}
		slices.Sort(ns)
		g.headers = append(g.headers, HeaderRegion{Form: NamedHeaders, Names: ns, masks: s.masks})
		queue = append(queue, s)
		return nil
	}
	for c, hc := range g.classes {
		if err := add(set{[]int{c}, hc.masks}); err != nil {
			return err
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for c, hc := range g.classes {
			if slices.Contains(s.classes, c) {
				continue
			}
			m := make([]uint64, len(s.masks))
			for i := range m {
				m[i] = s.masks[i] & hc.masks[i]
			}
			if err := add(set{append(slices.Clip(s.classes), c), m}); err != nil {
				return err
			}
		}
	}
	return nil
}

func masksKey(masks []uint64) string {
	b := make([]byte, 0, 8*len(masks))
	for _, m := range masks {
		b = binary.LittleEndian.AppendUint64(b, m)
	}
	return string(b)
}

// class returns the class of a request header name.
func (g *Group) class(name string) int {
	if !compile.IsToken(name) {
		return len(g.classes) - 1
	}
	if c, ok := g.named[strings.ToLower(name)]; ok {
		return c
	}
	return g.other
}

// masksOf returns the masks of a set of names.
func (g *Group) masksOf(names []string) []uint64 {
	m := slices.Clone(g.headers[0].masks)
	for _, n := range names {
		for i, cm := range g.classes[g.class(n)].masks {
			m[i] &= cm
		}
	}
	return m
}

// HeaderRegionOf returns the header region of the Access-Control-Request-
// Headers lines of a preflight from the group's origins, read as the
// evaluator reads them: past its bounds (64 lines, 64 names, 4096 bytes) the
// value is denied as a name no rule grants would be. It returns -1 only if
// the regions missed the value's masks, which their construction rules out.
func (g *Group) HeaderRegionOf(lines []string) int {
	if len(lines) == 0 {
		return 0
	}
	names, ok := RequestHeaderNames(lines)
	switch {
	case !ok:
		names = []string{badHeader}
	case len(names) == 0:
		return 1
	}
	if k, ok := g.headerKey[masksKey(g.masksOf(names))]; ok {
		return k
	}
	return -1
}

// RequestHeaderNames reads the names of Access-Control-Request-Headers
// lines as the evaluator does, and reports false past the bounds it sets.
func RequestHeaderNames(lines []string) ([]string, bool) {
	if len(lines) > eval.MaxRequestHeaderNames {
		return nil, false
	}
	var names []string
	total := 0
	for _, line := range lines {
		if total += len(line) + 1; total > eval.MaxRequestHeadersBytes+1 {
			return nil, false
		}
		for _, n := range strings.Split(line, ",") {
			if n = strings.Trim(n, " \t"); n != "" {
				names = append(names, n)
			}
		}
	}
	return names, len(names) <= eval.MaxRequestHeaderNames
}

// AnotherHeaderSet returns a set of names in header region h other than
// avoid, a set in it, or false when avoid is the region's only set. The
// union of the classes whose masks hold the region's is in the region, and
// holds every set of it; when it is avoid, another set is avoid less one
// name, if any is: a set between a smaller member and avoid is a member.
func (g *Group) AnotherHeaderSet(h int, avoid []string) ([]string, bool) {
	r := g.headers[h]
	if r.Form != NamedHeaders {
		return nil, false
	}
	if all := g.widest(h); !SameNames(all, avoid) {
		return all, true
	}
	for i := range avoid {
		less := slices.Delete(slices.Clone(avoid), i, i+1)
		if len(less) > 0 && masksKey(g.masksOf(less)) == masksKey(r.masks) {
			return less, true
		}
	}
	return nil, false
}

// widest returns the names of the classes whose masks hold those of the
// named header region h: the largest set in it, which holds every other.
func (g *Group) widest(h int) []string {
	r := g.headers[h]
	var all []string
	for _, hc := range g.classes {
		holds := true
		for i, m := range hc.masks {
			holds = holds && m&r.masks[i] == r.masks[i]
		}
		if holds {
			all = append(all, hc.name)
		}
	}
	slices.Sort(all)
	return all
}

// SameNames reports whether two sets of header names are equal, in any
// case and order.
func SameNames(a, b []string) bool {
	norm := func(s []string) []string {
		out := make([]string, len(s))
		for i, n := range s {
			out[i] = strings.ToLower(n)
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	return slices.Equal(norm(a), norm(b))
}

// DescribeHeaders says which Access-Control-Request-Headers values a set of
// the group's header regions holds: "any request headers", "no request
// headers", request headers all among some names ("or none"), or, when
// none of these is exact, each region on its own.
func (g *Group) DescribeHeaders(set []int) string {
	set = slices.Compact(slices.Sorted(slices.Values(set)))
	if len(set) == len(g.headers) {
		return "any request headers"
	}
	switch {
	case slices.Equal(set, []int{0, 1}):
		return "no request headers"
	case slices.Equal(set, []int{0}):
		return "no Access-Control-Request-Headers"
	}
	if among, none, ok := g.amongNames(set); ok && none {
		return "request headers among " + g.nameList(among) + ", or none"
	} else if ok {
		return "one or more request headers, all among " + g.nameList(among)
	}
	var parts []string
	for _, h := range set {
		r := g.headers[h]
		switch r.Form {
		case NoHeaders:
			parts = append(parts, "no Access-Control-Request-Headers")
		case BlankHeaders:
			parts = append(parts, "a blank Access-Control-Request-Headers")
		default:
			d := "request headers " + g.nameList(r.Names)
			if _, more := g.AnotherHeaderSet(h, r.Names); more {
				d += " (or another set the same rules grant)"
			}
			parts = append(parts, d)
		}
	}
	return strings.Join(parts, "; ")
}

// amongNames reports whether a set of header regions is exactly the values
// whose names are all among some classes, none included in either form or
// not at all, and returns their names and whether none is included.
func (g *Group) amongNames(set []int) (among []string, none, ok bool) {
	named := set
	switch {
	case len(set) >= 3 && set[0] == 0 && set[1] == 1:
		named, none = set[2:], true
	case len(set) == 0 || set[0] < 2:
		return nil, false, false
	}
	// The names are those of the largest set of each region, so that
	// every set of every region of the set is among them.
	for _, h := range named {
		among = append(among, g.widest(h)...)
	}
	slices.Sort(among)
	among = slices.Compact(among)
	// Every set of those names is in a region of the set.
	reached := map[string]bool{}
	queue := [][]uint64{g.headers[0].masks}
	for len(queue) > 0 {
		m := queue[0]
		queue = queue[1:]
		for _, n := range among {
			next := slices.Clone(m)
			for i, cm := range g.classes[g.class(n)].masks {
				next[i] &= cm
			}
			k := masksKey(next)
			if reached[k] {
				continue
			}
			reached[k] = true
			if h, ok := g.headerKey[k]; !ok || !slices.Contains(named, h) {
				return nil, false, false
			}
			queue = append(queue, next)
		}
	}
	return among, none, true
}

// nameList writes header names for a reader: the stand-in for every other
// name and for the names that are not tokens said in words.
func (g *Group) nameList(names []string) string {
	var out []string
	for _, n := range names {
		switch {
		case n == badHeader:
			out = append(out, "a name that is not a token")
		case g.class(n) == g.other:
			out = append(out, "any name no rule grants by name (such as "+n+")")
		default:
			out = append(out, n)
		}
	}
	return strings.Join(out, ", ")
}

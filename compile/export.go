package compile

import (
	"slices"
	"strings"
)

// This file holds read-only views of a table for tools that translate it
// into another server's configuration (see export/): they must send each
// origin to the cell Lookup sends it to, without repeating how the table is
// built.

// OtherPorts is the Port of an OriginRegion that stands for every port no
// other region of the same scheme, host and depth names.
const OtherPorts = 0

// OriginRegion is a set of origins that Lookup leads to one cell.
//
// An exact region (Exact) is one serialised origin, found before anything
// else. Otherwise the region is a host of the table's label tree (Below
// false) or every host strictly below it, one or more valid labels in front
// (Below true), on Port or, for OtherPorts, on every other valid port, the
// scheme's default included. Host "" with Below stands for every host no
// region names, IPv6 literals included. Lookup picks, for a serialised
// origin, the exact region when there is one, then the region of its own
// host, then the Below region of its deepest ancestor, and among regions of
// one host and depth a named port before OtherPorts.
type OriginRegion struct {
	Exact  bool
	Origin string // for an exact region, the serialised origin
	Scheme string // "http" or "https"
	Host   string
	Below  bool
	Port   int // a port, or OtherPorts
	Cell   *Cell
}

// OriginRegions returns every region of the table's origin index, exact
// regions first, then the hosts of the label tree, then the regions below
// them with the deepest host first, in a stable order.
func (t *Table) OriginRegions() []OriginRegion {
	var out []OriginRegion
	for _, k := range slices.Sorted(mapKeys(t.exact)) {
		scheme, host, port, _ := splitOrigin(k)
		out = append(out, OriginRegion{Exact: true, Origin: k, Scheme: scheme, Host: host, Port: port, Cell: t.exact[k]})
	}
	var below []OriginRegion
	for si, root := range t.tree() {
		scheme := [2]string{"http", "https"}[si]
		var walk func(n *node)
		walk = func(n *node) {
			if n.name != "" {
				for _, pc := range n.at {
					out = append(out, OriginRegion{Scheme: scheme, Host: n.name, Port: pc.port, Cell: pc.cell})
				}
				out = append(out, OriginRegion{Scheme: scheme, Host: n.name, Port: OtherPorts, Cell: n.atOther})
			}
			for _, pc := range n.below {
				below = append(below, OriginRegion{Scheme: scheme, Host: n.name, Below: true, Port: pc.port, Cell: pc.cell})
			}
			below = append(below, OriginRegion{Scheme: scheme, Host: n.name, Below: true, Port: OtherPorts, Cell: n.belowO})
			for _, l := range slices.Sorted(mapKeys(n.children)) {
				walk(n.children[l])
			}
		}
		walk(root)
	}
	// Deepest first; the sort is stable, so a named port stays before
	// the other ports of its host.
	slices.SortStableFunc(below, func(a, b OriginRegion) int {
		return labelCount(b.Host) - labelCount(a.Host)
	})
	return append(out, below...)
}

func labelCount(host string) int {
	if host == "" {
		return 0
	}
	return strings.Count(host, ".") + 1
}

// NullCell returns the cell of the origin null.
func (t *Table) NullCell() *Cell { return t.null }

// OriginDependentPaths says which paths OriginDependent reports true for:
// every path when all is set, and otherwise the paths one of the patterns
// matches.
func (t *Table) OriginDependentPaths() (all bool, patterns []*PathPattern) {
	return t.specificAll, slices.Clone(t.specificPaths)
}

// Segments returns the pattern's segments, without the leading "/": "**"
// for a segment that matches any number of segments, and otherwise text in
// which "*" matches any run of bytes but "/".
func (pp *PathPattern) Segments() []string { return slices.Clone(pp.segments) }

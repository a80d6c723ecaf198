package compile

import (
	"slices"
	"strconv"
	"strings"

	"github.com/corspolicy/cors/lang"
)

// Table is a compiled policy: its rules, and the index that finds, for a
// request origin, the cell of the rules whose origins match it.
//
// Exact origins are keys of a hash map; every host a pattern names is a
// node of a tree over reversed DNS labels, one tree per scheme, whose nodes
// hold the cells for hosts at and below them; a hostIndex finds the node of
// a host in one pass over its bytes. Lookup cost depends on the
// length of the origin, not on how many origins the policy lists. Cells are
// computed when the table is built and shared between all the origins they
// serve.
type Table struct {
	Name  string
	Pos   lang.Position
	Rules []*Rule

	exact   map[string]*Cell // serialised origin -> cell
	trees   [2]*node         // http, https
	hosts   [2]hostIndex     // every node of a tree by its host name
	null    *Cell
	anyCell *Cell // the rules naming any, alone

	// A response is the same for every origin unless a rule naming
	// particular origins (not any) covers the path: specificAll says one
	// covers every path, specificPaths lists the paths of the others.
	specificAll   bool
	specificPaths []*PathPattern

	// PrivateNetwork reports whether any rule grants private network
	// access; preflights then vary on the private network request header.
	PrivateNetwork bool

	cells     map[string]*Cell // interned by rule set
	ruleIndex map[*Rule]int
	oversized []*Cell // cells past MaxCellRules, which the compiler refuses
}

type node struct {
	children map[string]*node
	name     string // the host this node stands for

	exact   map[int][]*Rule // rules naming this host with a port
	anyPort []*Rule         // rules naming this host with any port
	wild    map[int][]*Rule // rules naming *.host with a port
	wildAny []*Rule         // rules naming *.host with any port

	at, below       []portCell // host equal to / strictly below this node, by port
	atOther, belowO *Cell      // the same for ports no pattern names
}

// portCell is the cell of a port some pattern names. A node has a few at
// most, searched one by one.
type portCell struct {
	port int
	cell *Cell
}

// cellFor returns the cell of port among cells, or other.
func cellFor(cells []portCell, port int, other *Cell) *Cell {
	for _, pc := range cells {
		if pc.port == port {
			return pc.cell
		}
	}
	return other
}

func schemeIndex(scheme string) int {
	if scheme == "https" {
		return 1
	}
	return 0
}

// labels calls f for each label of host from the right; an IP literal in
// brackets is one label.
func reversedLabels(host string) []string {
	if strings.HasPrefix(host, "[") {
		return []string{host}
	}
	parts := strings.Split(host, ".")
	slices.Reverse(parts)
	return parts
}

func (t *Table) nodeFor(scheme, host string, create bool) *node {
	n := t.trees[schemeIndex(scheme)]
	for _, l := range reversedLabels(host) {
		child, ok := n.children[l]
		if !ok {
			if !create {
				return nil
			}
			name := l
			if n.name != "" {
				name = l + "." + n.name
			}
			child = &node{children: map[string]*node{}, name: name}
			n.children[l] = child
			t.hosts[schemeIndex(scheme)].add(child)
		}
		n = child
	}
	return n
}

// build indexes the rules.
func (t *Table) build() {
	t.exact = map[string]*Cell{}
	t.cells = map[string]*Cell{}
	t.ruleIndex = map[*Rule]int{}
	for i, r := range t.Rules {
		t.ruleIndex[r] = i
	}
	for i := range t.trees {
		t.trees[i] = &node{children: map[string]*node{}}
	}
	var anyRules, nullRules []*Rule
	for _, r := range t.Rules {
		t.PrivateNetwork = t.PrivateNetwork || r.PrivateNetwork
		if r.Any {
			anyRules = append(anyRules, r)
		}
		if r.Null {
			nullRules = append(nullRules, r)
		}
		if !r.Any && (len(r.Origins) > 0 || r.Null) {
			if r.Paths == nil {
				t.specificAll = true
			}
			t.specificPaths = append(t.specificPaths, r.Paths...)
		}
		for _, p := range r.Origins {
			n := t.nodeFor(p.Scheme, p.Host, true)
			switch {
			case p.Wildcard && p.Port == AnyPort:
				n.wildAny = append(n.wildAny, r)
			case p.Wildcard:
				n.wild = addRule(n.wild, p.Port, r)
			case p.Port == AnyPort:
				n.anyPort = append(n.anyPort, r)
			default:
				n.exact = addRule(n.exact, p.Port, r)
			}
		}
	}
	t.null = t.cell("null", append(slices.Clip(anyRules), nullRules...))
	t.anyCell = t.cell("any", slices.Clone(anyRules))
	for si, root := range t.trees {
		scheme := [2]string{"http", "https"}[si]
		t.buildNode(scheme, root, nil, anyRules)
	}
}

func addRule(m map[int][]*Rule, port int, r *Rule) map[int][]*Rule {
	if m == nil {
		m = map[int][]*Rule{}
	}
	m[port] = append(m[port], r)
	return m
}

// buildNode computes the cells of n and its descendants. ancestors holds
// the nodes above n, root first.
func (t *Table) buildNode(scheme string, n *node, ancestors []*node, anyRules []*Rule) {
	chain := append(slices.Clip(ancestors), n)
	// Ports that some wildcard on the chain names, for which a host at or
	// below n may get more rules than on another port.
	ports := func(nodes []*node) []int {
		var ps []int
		for _, a := range nodes {
			for p := range a.wild {
				if !slices.Contains(ps, p) {
					ps = append(ps, p)
				}
			}
		}
		slices.Sort(ps)
		return ps
	}
	wildRules := func(nodes []*node, port int) []*Rule {
		var rs []*Rule
		for _, a := range nodes {
			rs = append(rs, a.wild[port]...)
			rs = append(rs, a.wildAny...)
		}
		return rs
	}
	const other = 0 // no pattern names port 0
	atRules := func(port int) []*Rule {
		rs := slices.Clip(anyRules)
		rs = append(rs, n.exact[port]...)
		rs = append(rs, n.anyPort...)
		return append(rs, wildRules(ancestors, port)...)
	}
	belowRules := func(port int) []*Rule {
		return append(slices.Clip(anyRules), wildRules(chain, port)...)
	}
	label := scheme + "://" + n.name
	if n.name != "" {
		for port := range n.exact {
			t.exact[Pattern{Scheme: scheme, Host: n.name, Port: port}.String()] = t.cell(
				Pattern{Scheme: scheme, Host: n.name, Port: port}.String(), atRules(port))
		}
		for _, p := range ports(ancestors) {
			n.at = append(n.at, portCell{p, t.cell(label+":"+strconv.Itoa(p), atRules(p))})
		}
		n.atOther = t.cell(label+" (other ports)", atRules(other))
	}
	for _, p := range ports(chain) {
		n.below = append(n.below, portCell{p, t.cell(scheme+"://*."+n.name+":"+strconv.Itoa(p), belowRules(p))})
	}
	n.belowO = t.cell(scheme+"://*."+n.name+" (other ports)", belowRules(other))
	for _, l := range slices.Sorted(mapKeys(n.children)) {
		t.buildNode(scheme, n.children[l], chain, anyRules)
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// cell returns the interned cell for a set of rules.
func (t *Table) cell(origins string, rules []*Rule) *Cell {
	idx := t.ruleIndex
	slices.SortFunc(rules, func(a, b *Rule) int { return idx[a] - idx[b] })
	rules = slices.Compact(rules)
	var key strings.Builder
	for _, r := range rules {
		key.WriteString(strconv.Itoa(idx[r]))
		key.WriteByte(',')
	}
	if c, ok := t.cells[key.String()]; ok {
		return c
	}
	c := &Cell{Origins: origins}
	for _, r := range rules {
		if r.Effect == Allow {
			c.Allow = append(c.Allow, r)
		} else {
			c.Deny = append(c.Deny, r)
			if r.Methods != nil && !r.AnyMethod {
				c.Scoped = append(c.Scoped, r)
			}
		}
	}
	t.cells[key.String()] = c
	if len(c.Allow) > MaxCellRules || len(c.Scoped) > MaxCellRules {
		t.oversized = append(t.oversized, c)
		return c
	}
	c.index()
	if n := len(c.Allow) + len(c.Scoped); n <= maxPrecomputed {
		c.grants = make([]*Grant, 1<<n)
		for i := range c.grants {
			allow, scoped := uint64(i)&(1<<len(c.Allow)-1), uint64(i)>>len(c.Allow)
			c.grants[i] = combine(pick(c.Allow, allow), pick(c.Scoped, scoped))
		}
	} else {
		c.cache = new(grantCache)
	}
	return c
}

// Public returns the cell of the rules that name any: what every origin
// gets where the response does not depend on the origin.
func (t *Table) Public() *Cell { return t.anyCell }

// OriginDependent reports whether the response to a request for path can
// depend on its origin: whether a rule naming particular origins, not any,
// covers the path. Where it cannot, responses need no Vary: Origin.
func (t *Table) OriginDependent(path string) bool {
	if t.specificAll {
		return true
	}
	for _, p := range t.specificPaths {
		if p.Match(path) {
			return true
		}
	}
	return false
}

package compile

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/corspolicy/cors/lang"
)

// Table is a compiled policy: its rules, and the index that finds, for a
// request origin, the cell of the rules whose origins match it.
//
// Exact origins are keys of a hash map. Every host a pattern names stands
// in a tree over reversed DNS labels, one tree per scheme, whose nodes hold
// the cells for hosts at and below them. Lookup needs only the nodes whose
// cells differ from their parent's: hosts a wildcard or any-port pattern
// names. A hostIndex finds the deepest of those in one pass over a host's
// bytes, so lookup cost depends on the length of the origin, not on how
// many origins the policy lists; a host that only exact origins name
// answers every other origin below or beside it as its parent does. Cells
// are computed when the table is built, interned by their rules, and shared
// between all the origins they serve. Tools that walk every class (Classes,
// Dump, OriginRegions) get the whole tree, made again when first asked for,
// from the same interned cells.
type Table struct {
	Name  string
	Pos   lang.Position
	Rules []*Rule

	exact   map[string]*Cell // serialised origin -> cell
	trees   [2]*node         // the roots, http and https: the cells of hosts no lookup node names
	hosts   [2]hostIndex     // the lookup nodes of each scheme, by host name
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
	anyRules  []*Rule

	full atomic.Pointer[[2]*node] // the whole label tree, for tools
}

type node struct {
	children map[string]*node
	name     string // the host this node stands for
	punycode bool   // whether a label of name starts with xn--

	exact   portRules // rules naming this host with a port
	anyPort []*Rule   // rules naming this host with any port
	wild    portRules // rules naming *.host with a port
	wildAny []*Rule   // rules naming *.host with any port

	at, below       []portCell // host equal to / strictly below this node, by port, sorted
	atOther, belowO *Cell      // the same for ports no pattern names
}

// portCell is the cell of a port some pattern names.
type portCell struct {
	port int
	cell *Cell
}

// cellFor returns the cell of port among cells, sorted by port, or other.
// A node has a few at most, searched one by one, but for a policy that
// names many ports on one host.
func cellFor(cells []portCell, port int, other *Cell) *Cell {
	if len(cells) > 8 {
		if i, ok := slices.BinarySearchFunc(cells, port, func(pc portCell, p int) int { return pc.port - p }); ok {
			return cells[i].cell
		}
		return other
	}
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

var schemes = [2]string{"http", "https"}

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

// treeKey returns the labels of host from the right, each followed by a
// zero byte: hosts sorted by their keys come in the order of a depth-first
// walk of the label tree that visits children by label, a parent before
// its children.
func treeKey(host string) string {
	if strings.HasPrefix(host, "[") {
		return host + "\x00"
	}
	var b strings.Builder // whose String does not copy: one allocation a host
	b.Grow(len(host) + 1)
	for end := len(host); end > 0; {
		i := strings.LastIndexByte(host[:end], '.')
		b.WriteString(host[i+1 : end])
		b.WriteByte(0)
		end = i
		if i < 0 {
			break
		}
	}
	return b.String()
}

func (t *Table) nodeFor(trees [2]*node, scheme, host string) *node {
	n := trees[schemeIndex(scheme)]
	for _, l := range reversedLabels(host) {
		child, ok := n.children[l]
		if !ok {
			name := l
			if n.name != "" {
				name = l + "." + n.name
			}
			child = &node{children: map[string]*node{}, name: name, punycode: hasPunycodeLabel(name)}
			n.children[l] = child
		}
		n = child
	}
	return n
}

// A naming is one origin pattern of a rule, as build sorts them.
type naming struct {
	key    string // treeKey of the host
	scheme int
	host   string
	kind   uint8 // what the pattern names; see below
	port   int
	rule   *Rule
}

// The kinds of namings, in the order build groups them.
const (
	namesExact   = iota // the host with a port
	namesAnyPort        // the host with any port
	namesWild           // the hosts below, with a port
	namesWildAny        // the hosts below, with any port
)

// build indexes the rules. It visits the hosts the patterns name in the
// order of a depth-first walk of the label tree, as buildNode does for the
// whole tree, so that each cell is first made, and takes its label from,
// the same class; but it keeps a node only for a host a wildcard or
// any-port pattern names, and for every other host only its exact origins.
func (t *Table) build() {
	t.exact = map[string]*Cell{}
	t.cells = map[string]*Cell{}
	t.ruleIndex = make(map[*Rule]int, len(t.Rules))
	for i, r := range t.Rules {
		t.ruleIndex[r] = i
	}
	for i := range t.trees {
		t.trees[i] = &node{}
	}
	var anyRules, nullRules []*Rule
	count := 0
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
		count += len(r.Origins)
	}
	t.anyRules = anyRules
	namings := make([]naming, 0, count)
	keys := map[string]string{} // treeKey by host, made once per host
	for _, r := range t.Rules {
		for _, p := range r.Origins {
			key, ok := keys[p.Host]
			if !ok {
				key = treeKey(p.Host)
				keys[p.Host] = key
			}
			nm := naming{key: key, scheme: schemeIndex(p.Scheme), host: p.Host, port: p.Port, rule: r}
			switch {
			case p.Wildcard && p.Port == AnyPort:
				nm.kind = namesWildAny
			case p.Wildcard:
				nm.kind = namesWild
			case p.Port == AnyPort:
				nm.kind = namesAnyPort
			}
			namings = append(namings, nm)
		}
	}
	keys = nil
	slices.SortStableFunc(namings, func(a, b naming) int {
		return cmp.Or(a.scheme-b.scheme, strings.Compare(a.key, b.key), int(a.kind)-int(b.kind), a.port-b.port)
	})
	t.null = t.cell("null", append(slices.Clip(anyRules), nullRules...))
	t.anyCell = t.cell("any", slices.Clone(anyRules))
	for si, root := range t.trees {
		scheme := schemes[si]
		root.belowO = t.cell(scheme+"://*. (other ports)", slices.Clone(anyRules))
		var ancestors []*node // the nodes above the host, that wildcards name, root first
		var scratch []*Rule
		for i := 0; i < len(namings); {
			if namings[i].scheme != si {
				i++
				continue
			}
			j := i + 1
			for j < len(namings) && namings[j].scheme == si && namings[j].host == namings[i].host {
				j++
			}
			n := hostNode(namings[i:j])
			for len(ancestors) > 0 && !below(n.name, ancestors[len(ancestors)-1].name) {
				ancestors = ancestors[:len(ancestors)-1]
			}
			t.hostCells(scheme, n, ancestors, len(n.anyPort) > 0 || n.isWildcardBase(), &scratch)
			if n.isWildcardBase() {
				ancestors = append(ancestors, n)
			}
			i = j
		}
	}
}

// below reports whether host is strictly below parent in the label tree.
func below(host, parent string) bool {
	return len(host) > len(parent) && host[len(host)-len(parent)-1] == '.' && strings.HasSuffix(host, parent)
}

// hostNode returns a node holding the rules of the namings of one host.
func hostNode(ns []naming) *node {
	n := &node{name: ns[0].host, punycode: hasPunycodeLabel(ns[0].host)}
	for _, nm := range ns {
		switch nm.kind {
		case namesWildAny:
			n.wildAny = append(n.wildAny, nm.rule)
		case namesWild:
			n.wild = n.wild.add(nm.port, nm.rule)
		case namesAnyPort:
			n.anyPort = append(n.anyPort, nm.rule)
		default:
			n.exact = n.exact.add(nm.port, nm.rule)
		}
	}
	n.exact, n.wild = n.exact.sorted(), n.wild.sorted()
	return n
}

// portRules lists rules by the port their patterns name, sorted by port.
// A node names one port or a few: a map apiece weighed more than the rest
// of a policy of a hundred thousand hosts.
type portRules []portRule

type portRule struct {
	port  int
	rules []*Rule
}

// find returns where port is in ps, which sorted has sorted, and whether
// it is there.
func (ps portRules) find(port int) (int, bool) {
	return slices.BinarySearchFunc(ps, port, func(e portRule, p int) int { return cmp.Compare(e.port, p) })
}

// rules returns the rules naming port.
func (ps portRules) rules(port int) []*Rule {
	if i, ok := ps.find(port); ok {
		return ps[i].rules
	}
	return nil
}

// has reports whether a rule names port.
func (ps portRules) has(port int) bool {
	_, ok := ps.find(port)
	return ok
}

// add returns ps with r added to the rules naming port, after those
// added before. A port met out of order is appended all the same, as
// inserting it in place would make adding n ports take n² steps; sorted
// puts it in place, before ps is read.
func (ps portRules) add(port int, r *Rule) portRules {
	if n := len(ps); n > 0 && ps[n-1].port == port {
		ps[n-1].rules = append(ps[n-1].rules, r)
		return ps
	}
	return append(ps, portRule{port: port, rules: []*Rule{r}})
}

// sorted returns ps sorted by port, the rules of a port added apart
// gathered in the order they were added.
func (ps portRules) sorted() portRules {
	inOrder := true
	for i := 1; i < len(ps) && inOrder; i++ {
		inOrder = ps[i-1].port < ps[i].port
	}
	if inOrder {
		return ps // the usual case: ports added in order
	}
	slices.SortStableFunc(ps, func(a, b portRule) int { return cmp.Compare(a.port, b.port) })
	out := ps[:1]
	for _, e := range ps[1:] {
		if last := &out[len(out)-1]; last.port == e.port {
			last.rules = append(last.rules, e.rules...)
		} else {
			out = append(out, e)
		}
	}
	return out
}

// wildPorts returns the ports that some wildcard of nodes names, sorted:
// for them a host at or below the last node may get more rules than on
// another port.
func wildPorts(nodes []*node) []int {
	var ps []int
	for _, a := range nodes {
		for _, e := range a.wild {
			ps = append(ps, e.port)
		}
	}
	slices.Sort(ps)
	return slices.Compact(ps)
}

// appendWildRules appends to rs the rules of the wildcards of nodes that
// match port.
func appendWildRules(rs []*Rule, nodes []*node, port int) []*Rule {
	for _, a := range nodes {
		rs = append(rs, a.wild.rules(port)...)
		rs = append(rs, a.wildAny...)
	}
	return rs
}

// otherPort stands for the ports no pattern names: no pattern names port 0.
const otherPort = 0

// hostCells computes the cells of the host n (not the root), whose
// ancestors that wildcards name are given: the exact origins' cells, and,
// with lookup, the node's own for Lookup, which it indexes. A host whose
// cells at and below it are its parent's needs no node: their rules are
// the same, so the cells are too.
//
// scratch is a list hostCells may reuse from one host to the next: the
// rules of a cell are read only while the cell is looked up or made.
func (t *Table) hostCells(scheme string, n *node, ancestors []*node, lookup bool, scratch *[]*Rule) {
	atRules := func(port int) []*Rule {
		rs := append((*scratch)[:0], t.anyRules...)
		rs = append(rs, n.exact.rules(port)...)
		rs = append(rs, n.anyPort...)
		rs = appendWildRules(rs, ancestors, port)
		*scratch = rs
		return rs
	}
	for _, e := range n.exact {
		origin := Pattern{Scheme: scheme, Host: n.name, Port: e.port}.String()
		t.exact[origin] = t.cell(origin, atRules(e.port))
	}
	if !lookup {
		return
	}
	chain := append(slices.Clip(ancestors), n)
	label := scheme + "://" + n.name
	for _, p := range wildPorts(ancestors) {
		n.at = append(n.at, portCell{p, t.cell(label+":"+strconv.Itoa(p), atRules(p))})
	}
	n.atOther = t.cell(label+" (other ports)", atRules(otherPort))
	belowRules := func(port int) []*Rule { return appendWildRules(slices.Clip(t.anyRules), chain, port) }
	for _, p := range wildPorts(chain) {
		n.below = append(n.below, portCell{p, t.cell(scheme+"://*."+n.name+":"+strconv.Itoa(p), belowRules(p))})
	}
	n.belowO = t.cell(scheme+"://*."+n.name+" (other ports)", belowRules(otherPort))
	t.hosts[schemeIndex(scheme)].add(n)
}

// tree returns the whole label tree of the table: a node for every host a
// pattern names and for each of its parents, with its cells, as tools walk
// it. It is made when first asked for, from the cells the table interned.
func (t *Table) tree() [2]*node {
	if trees := t.full.Load(); trees != nil {
		return *trees
	}
	var trees [2]*node
	for i := range trees {
		trees[i] = &node{children: map[string]*node{}}
	}
	for _, r := range t.Rules {
		for _, p := range r.Origins {
			n := t.nodeFor(trees, p.Scheme, p.Host)
			switch {
			case p.Wildcard && p.Port == AnyPort:
				n.wildAny = append(n.wildAny, r)
			case p.Wildcard:
				n.wild = n.wild.add(p.Port, r)
			case p.Port == AnyPort:
				n.anyPort = append(n.anyPort, r)
			default:
				n.exact = n.exact.add(p.Port, r)
			}
		}
	}
	for si, root := range trees {
		t.treeCells(schemes[si], root, nil)
	}
	t.full.CompareAndSwap(nil, &trees)
	return *t.full.Load()
}

// treeCells finds the cells of n and its descendants among those the table
// interned. ancestors holds the nodes above n, root first.
func (t *Table) treeCells(scheme string, n *node, ancestors []*node) {
	// tree met the rules in their order, not the ports': the ancestors'
	// are sorted already, as they came first.
	n.exact, n.wild = n.exact.sorted(), n.wild.sorted()
	chain := append(slices.Clip(ancestors), n)
	atRules := func(port int) []*Rule {
		rs := slices.Clip(t.anyRules)
		rs = append(rs, n.exact.rules(port)...)
		rs = append(rs, n.anyPort...)
		return appendWildRules(rs, ancestors, port)
	}
	belowRules := func(port int) []*Rule { return appendWildRules(slices.Clip(t.anyRules), chain, port) }
	if n.name != "" {
		for _, p := range wildPorts(ancestors) {
			n.at = append(n.at, portCell{p, t.interned(atRules(p))})
		}
		n.atOther = t.interned(atRules(otherPort))
	}
	for _, p := range wildPorts(chain) {
		n.below = append(n.below, portCell{p, t.interned(belowRules(p))})
	}
	n.belowO = t.interned(belowRules(otherPort))
	for _, child := range n.children {
		t.treeCells(scheme, child, chain)
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

// cellKey sorts rules by their index in the table, drops repeats, and
// appends to buf the key the cell of the rules is interned under. The
// rules it returns may be the ones given: a caller that keeps them copies
// them (newCell does).
func (t *Table) cellKey(buf []byte, rules []*Rule) ([]*Rule, []byte) {
	idx := t.ruleIndex
	inOrder := true // and without repeats: the usual case, one rule or rules met in order
	for i := 1; i < len(rules) && inOrder; i++ {
		inOrder = idx[rules[i-1]] < idx[rules[i]]
	}
	if !inOrder {
		// Sorted in a copy: callers pass windows of shared lists (the
		// any rules), which tree() may read from several goroutines at
		// once.
		rules = slices.Clone(rules)
		slices.SortFunc(rules, func(a, b *Rule) int { return idx[a] - idx[b] })
		rules = slices.Compact(rules)
	}
	for _, r := range rules {
		buf = strconv.AppendInt(buf, int64(idx[r]), 10)
		buf = append(buf, ',')
	}
	return rules, buf
}

// interned returns the cell build made for rules. Every class of the whole
// tree has the rules of a class build met, so the cell is there; were it
// not, a cell of the rules is made apart, which answers alike.
func (t *Table) interned(rules []*Rule) *Cell {
	var buf [64]byte
	rules, key := t.cellKey(buf[:0], rules)
	if c, ok := t.cells[string(key)]; ok {
		return c
	}
	return newCell("", rules)
}

// cell returns the interned cell for a set of rules, made and named for
// the origins it is first asked for. Most origins of a large policy get a
// cell made already: looking it up allocates nothing.
func (t *Table) cell(origins string, rules []*Rule) *Cell {
	var buf [64]byte
	rules, key := t.cellKey(buf[:0], rules)
	if c, ok := t.cells[string(key)]; ok {
		return c
	}
	c := newCell(origins, rules)
	t.cells[string(key)] = c
	if c.oversized() {
		t.oversized = append(t.oversized, c)
	}
	return c
}

// newCell makes the cell of rules, sorted by their index in the table.
func newCell(origins string, rules []*Rule) *Cell {
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
	if c.oversized() {
		return c
	}
	c.index()
	if n := len(c.Allow) + len(c.Scoped); n <= maxPrecomputed {
		c.grants = make([]*Grant, 1<<n)
		c.grants[0] = noGrant
		for i := 1; i < len(c.grants); i++ {
			allow, scoped := uint64(i)&(1<<len(c.Allow)-1), uint64(i)>>len(c.Allow)
			c.grants[i] = combine(pick(c.Allow, allow), pick(c.Scoped, scoped))
		}
	} else {
		c.cache = new(grantCache)
	}
	return c
}

// oversized reports whether the cell holds more rules than a mask covers.
func (c *Cell) oversized() bool { return len(c.Allow) > MaxCellRules || len(c.Scoped) > MaxCellRules }

// Public returns the cell of the rules that name any: what every origin
// gets where the response does not depend on the origin.
func (t *Table) Public() *Cell { return t.anyCell }

// OriginDependentEverywhere reports whether OriginDependent reports true
// for every path: whether a rule naming particular origins covers every
// path.
func (t *Table) OriginDependentEverywhere() bool { return t.specificAll }

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

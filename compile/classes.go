package compile

import (
	"slices"
	"strconv"
)

// Class is one region of the origin space as a policy's patterns divide it:
// the origins that lead to one cell of the table for one reason (an exact
// origin, a host on a port no pattern names, the hosts below a wildcard,
// the origins no pattern names, null). Witness is an origin in it.
type Class struct {
	Label   string
	Witness string
	Cell    *Cell
}

// Classes returns the regions of the origin space that the table tells
// apart, each with a witness origin, in a stable order. Coverage tools use
// them to name the regions no fixture visits.
func (t *Table) Classes() []Class {
	var out []Class
	for _, k := range slices.Sorted(mapKeys(t.exact)) {
		out = append(out, Class{Label: k, Witness: k, Cell: t.exact[k]})
	}
	for si, root := range t.tree() {
		scheme := [2]string{"http", "https"}[si]
		var walk func(n *node)
		walk = func(n *node) {
			if n.name != "" && n.hasPatterns() {
				for _, pc := range n.at {
					w := Pattern{Scheme: scheme, Host: n.name, Port: pc.port}.String()
					if _, exact := t.exact[w]; !exact {
						out = append(out, Class{Label: w, Witness: w, Cell: pc.cell})
					}
				}
				out = append(out, Class{Label: scheme + "://" + n.name + " (other ports)",
					Witness: Pattern{Scheme: scheme, Host: n.name, Port: unusedPort(n)}.String(), Cell: n.atOther})
				if n.isWildcardBase() {
					for _, pc := range n.below {
						out = append(out, Class{Label: scheme + "://*." + n.name + ":" + strconv.Itoa(pc.port),
							Witness: Pattern{Scheme: scheme, Host: "witness." + n.name, Port: pc.port}.String(), Cell: pc.cell})
					}
					out = append(out, Class{Label: scheme + "://*." + n.name + " (other ports)",
						Witness: Pattern{Scheme: scheme, Host: "witness." + n.name, Port: unusedPort(n)}.String(), Cell: n.belowO})
				}
			}
			for _, l := range slices.Sorted(mapKeys(n.children)) {
				walk(n.children[l])
			}
		}
		walk(root)
	}
	out = append(out, Class{Label: "origins no pattern names", Witness: "https://unlisted.example.invalid", Cell: t.anyCell})
	if len(t.null.Allow)+len(t.null.Deny) > 0 {
		out = append(out, Class{Label: "null", Witness: "null", Cell: t.null})
	}
	return out
}

func (n *node) hasPatterns() bool {
	return len(n.exact) > 0 || len(n.anyPort) > 0 || n.isWildcardBase()
}

func (n *node) isWildcardBase() bool { return len(n.wild) > 0 || len(n.wildAny) > 0 }

// unusedPort returns a port that no pattern at n names.
func unusedPort(n *node) int {
	for p := 8081; ; p++ {
		if !n.exact.has(p) && !n.wild.has(p) {
			return p
		}
	}
}

// Matches reports whether the serialised origin s matches the pattern.
func (p Pattern) Matches(s string) bool {
	scheme, host, port, ok := parseOrigin(s)
	if !ok || scheme != p.Scheme || p.Port != AnyPort && p.Port != port {
		return false
	}
	if !p.Wildcard {
		return host == p.Host
	}
	return len(host) > len(p.Host)+1 && host[len(host)-len(p.Host)-1:] == "."+p.Host
}

package compile

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Dump writes a deterministic text form of the table: the rules as the
// compiler understood them, which cell each origin class leads to, and what
// each combination of a cell's allow rules grants, header values included.
// Golden tests compare dumps.
func (t *Table) Dump(w io.Writer) {
	fmt.Fprintf(w, "policy %s\n", t.Name)
	num := func(r *Rule) string { return fmt.Sprintf("#%d", t.ruleIndex[r]) }
	for i, r := range t.Rules {
		fmt.Fprintf(w, "  #%d %s %d:%d %s\n", i, r.Effect, r.Pos.Line, r.Pos.Column, describeRule(r))
	}
	cells := map[*Cell][]string{}
	var order []*Cell
	add := func(c *Cell, label string) {
		if _, ok := cells[c]; !ok {
			order = append(order, c)
		}
		cells[c] = append(cells[c], label)
	}
	for _, k := range slices.Sorted(mapKeys(t.exact)) {
		add(t.exact[k], k)
	}
	for si, root := range t.tree() {
		scheme := [2]string{"http", "https"}[si]
		var walk func(n *node)
		walk = func(n *node) {
			if n.name != "" {
				for _, pc := range n.at {
					add(pc.cell, fmt.Sprintf("%s://%s:%d", scheme, n.name, pc.port))
				}
				add(n.atOther, fmt.Sprintf("%s://%s:other", scheme, n.name))
				for _, pc := range n.below {
					add(pc.cell, fmt.Sprintf("%s://*.%s:%d", scheme, n.name, pc.port))
				}
				add(n.belowO, fmt.Sprintf("%s://*.%s:other", scheme, n.name))
			} else {
				add(n.belowO, scheme+"://(unlisted)")
			}
			for _, l := range slices.Sorted(mapKeys(n.children)) {
				walk(n.children[l])
			}
		}
		walk(root)
	}
	add(t.null, "null")
	for _, c := range order {
		var rules []string
		for _, r := range c.Allow {
			rules = append(rules, "allow "+num(r))
		}
		for _, r := range c.Deny {
			rules = append(rules, "deny "+num(r))
		}
		if len(rules) == 0 {
			rules = []string{"none"}
		}
		fmt.Fprintf(w, "cell %s\n  origins: %s\n", strings.Join(rules, ", "), strings.Join(cells[c], " "))
		if c.grants == nil {
			fmt.Fprintf(w, "  grants: computed on demand (%d allow rules)\n", len(c.Allow))
			continue
		}
		for mask := 1; mask < len(c.grants); mask++ {
			g := c.grants[mask]
			var by []string
			for _, r := range g.Rules {
				by = append(by, num(r))
			}
			fmt.Fprintf(w, "  grant %s:%s\n", strings.Join(by, "+"), describeGrant(g))
		}
	}
}

func describeRule(r *Rule) string {
	var parts []string
	var origins []string
	if r.Any {
		origins = append(origins, "any")
	}
	if r.Null {
		origins = append(origins, "null")
	}
	for _, p := range r.Origins {
		origins = append(origins, p.String())
	}
	parts = append(parts, "origins="+strings.Join(origins, ","))
	if r.Paths != nil {
		var ps []string
		for _, p := range r.Paths {
			ps = append(ps, p.Text)
		}
		parts = append(parts, "paths="+strings.Join(ps, ","))
	}
	switch {
	case r.AnyMethod:
		parts = append(parts, "methods=any")
	case r.Methods != nil:
		parts = append(parts, "methods="+strings.Join(r.Methods, ","))
	}
	if r.AnyHeader || len(r.Headers) > 0 {
		parts = append(parts, "headers="+strings.Join(withAny(r.AnyHeader, r.Headers), ","))
	}
	if r.AnyExpose || len(r.Expose) > 0 {
		parts = append(parts, "expose="+strings.Join(withAny(r.AnyExpose, r.Expose), ","))
	}
	if r.Credentials {
		parts = append(parts, "credentials")
	}
	if r.PrivateNetwork {
		parts = append(parts, "private-network")
	}
	if r.MaxAge >= 0 {
		parts = append(parts, fmt.Sprintf("max-age=%ds", r.MaxAge))
	}
	if r.Status != 0 {
		parts = append(parts, fmt.Sprintf("preflight-status=%d", r.Status))
	}
	return strings.Join(parts, " ")
}

func withAny(anyFlag bool, names []string) []string {
	if anyFlag {
		return append([]string{"any"}, names...)
	}
	return names
}

func describeGrant(g *Grant) string {
	var b strings.Builder
	field := func(name, value string) {
		if value != "" {
			fmt.Fprintf(&b, " %s=%q", name, value)
		}
	}
	origin := "(origin)"
	if g.Public {
		origin = "*"
	}
	field("allow-origin", origin)
	if g.Credentials {
		field("allow-credentials", "true")
	}
	field("allow-methods", g.AllowMethods)
	field("allow-headers", g.AllowHeaders)
	field("expose-headers", g.ExposeHeaders)
	field("max-age", g.MaxAgeValue)
	if g.PrivateNetwork {
		field("allow-private-network", "true")
	}
	fmt.Fprintf(&b, " status=%d", g.Status)
	return b.String()
}

package lint

import (
	"slices"
	"strings"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/compile/pathset"
)

// The relations below are exact: for origins, where the pattern language
// is regular and label-aware, and for paths, where globs are compared as
// the sets of paths they match (package pathset).

// contains reports whether every origin pattern b matches, a matches too.
func contains(a, b compile.Pattern) bool {
	if a.Scheme != b.Scheme || a.Port != compile.AnyPort && a.Port != b.Port {
		return false
	}
	if !a.Wildcard {
		return !b.Wildcard && a.Host == b.Host
	}
	return strings.HasSuffix(b.Host, "."+a.Host) || b.Wildcard && b.Host == a.Host
}

// intersects reports whether some origin matches both patterns.
func intersects(a, b compile.Pattern) bool {
	if a.Scheme != b.Scheme || a.Port != b.Port && a.Port != compile.AnyPort && b.Port != compile.AnyPort {
		return false
	}
	switch {
	case !a.Wildcard && !b.Wildcard:
		return a.Host == b.Host
	case !a.Wildcard:
		return strings.HasSuffix(a.Host, "."+b.Host)
	case !b.Wildcard:
		return strings.HasSuffix(b.Host, "."+a.Host)
	}
	return a.Host == b.Host || strings.HasSuffix(a.Host, "."+b.Host) || strings.HasSuffix(b.Host, "."+a.Host)
}

// originsContain reports whether rule a's origins cover all of rule b's.
func originsContain(a, b *compile.Rule) bool {
	if a.Any {
		return true
	}
	if b.Any || b.Null && !a.Null {
		return false
	}
	for _, q := range b.Origins {
		if !slices.ContainsFunc(a.Origins, func(p compile.Pattern) bool { return contains(p, q) }) {
			return false
		}
	}
	return true
}

// sharedOrigins returns, as text, the patterns of the origins both rules
// cover: the narrower of each intersecting pair.
func sharedOrigins(a, b *compile.Rule) []string {
	var out []string
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	switch {
	case a.Any && b.Any:
		return []string{"every origin"}
	case a.Any:
		a, b = b, a
		fallthrough
	case b.Any:
		for _, p := range a.Origins {
			add(p.String())
		}
		if a.Null {
			add("null")
		}
		return out
	}
	if a.Null && b.Null {
		add("null")
	}
	for _, p := range a.Origins {
		for _, q := range b.Origins {
			switch {
			case !intersects(p, q):
			case contains(p, q):
				add(q.String())
			default:
				add(p.String())
			}
		}
	}
	return out
}

// pathsContain reports whether every path rule b covers, rule a covers
// too. Paths are compared as the sets their globs match (package pathset),
// exactly; globs too intricate to compare count as not contained.
func pathsContain(a, b *compile.Rule) bool {
	if a.Paths == nil {
		return true
	}
	if b.Paths == nil {
		b = &compile.Rule{Paths: []*compile.PathPattern{{Text: "/**"}}}
	}
	p, as, bs, err := partition(a, b)
	if err != nil {
		return false
	}
	for _, r := range p.Regions() {
		if matchesAny(r, bs) && !matchesAny(r, as) {
			return false
		}
	}
	return true
}

// pathsMeet reports whether some path matches both rules, exactly; globs
// too intricate to compare count as meeting.
func pathsMeet(a, b *compile.Rule) bool {
	if a.Paths == nil || b.Paths == nil {
		return true
	}
	p, as, bs, err := partition(a, b)
	if err != nil {
		return true
	}
	for _, r := range p.Regions() {
		if matchesAny(r, as) && matchesAny(r, bs) {
			return true
		}
	}
	return false
}

// partition returns the path regions of two rules' globs, and the indexes
// of each rule's globs among them.
func partition(a, b *compile.Rule) (*pathset.Partition, []int, []int, error) {
	var globs []string
	for _, r := range []*compile.Rule{a, b} {
		for _, pp := range r.Paths {
			globs = append(globs, pp.Text)
		}
	}
	p, err := pathset.New(globs)
	if err != nil {
		return nil, nil, nil, err
	}
	index := func(r *compile.Rule) []int {
		var out []int
		for _, pp := range r.Paths {
			out = append(out, p.Index(pp.Text))
		}
		return out
	}
	return p, index(a), index(b), nil
}

func matchesAny(r pathset.Region, globs []int) bool {
	return slices.ContainsFunc(globs, r.Matches)
}

// methodsMeet reports whether some method is covered by both rules.
func methodsMeet(a, b *compile.Rule) bool {
	if a.AnyMethod || b.AnyMethod || a.Methods == nil || b.Methods == nil {
		return true
	}
	return slices.ContainsFunc(a.Methods, func(m string) bool { return slices.Contains(b.Methods, m) })
}

// alongside reports whether rule b is in every build rule a is in, so that
// b can cancel or cover a: a rule of the dev build does not make a rule of
// production redundant.
func alongside(b, a *compile.Rule) bool {
	return b.Profiles == nil ||
		a.Profiles != nil && !slices.ContainsFunc(a.Profiles, func(p string) bool { return !slices.Contains(b.Profiles, p) })
}

func (l *linter) overlaps(rules []*compile.Rule) {
	var allows, denies []*compile.Rule
	for _, r := range rules {
		if r.Effect == compile.Allow {
			allows = append(allows, r)
		} else {
			denies = append(denies, r)
		}
	}
	for i, a := range allows {
		for _, d := range denies {
			if alongside(d, a) && originsContain(d, a) && pathsContain(d, a) && (d.Methods == nil || d.AnyMethod ||
				!a.AnyMethod && !slices.ContainsFunc(a.Methods, func(m string) bool { return !slices.Contains(d.Methods, m) })) {
				l.add(a, nil, Warning, CodeDenied, "remove the allow rule or narrow the deny rule",
					"the deny rule at %d:%d covers everything this rule allows: it grants nothing", d.Pos.Line, d.Pos.Column)
				break
			}
		}
		for j, b := range allows {
			if i != j && alongside(b, a) && (j < i || !covers(a, b) || !alongside(a, b)) && covers(b, a) {
				l.add(a, nil, Warning, CodeRedundant, "remove it, or merge what differs into the other rule",
					"the allow rule at %d:%d already grants everything this rule grants, to every origin and path it covers", b.Pos.Line, b.Pos.Column)
				break
			}
		}
	}
	for _, d := range denies {
		idle := true
		for _, a := range allows {
			if d.InABuildWith(a) && len(sharedOrigins(d, a)) > 0 && pathsMeet(d, a) && methodsMeet(d, a) {
				idle = false
				break
			}
		}
		if idle {
			l.add(d, nil, Warning, CodeIdleDeny, "remove it",
				"no allow rule grants anything this deny rule covers, so it removes nothing")
		}
	}
}

// covers reports whether allow rule b grants everything allow rule a does,
// to every origin and path a covers, so that a changes no answer.
func covers(b, a *compile.Rule) bool {
	if !originsContain(b, a) || !pathsContain(b, a) {
		return false
	}
	hasAll := func(bAny bool, bNames []string, aAny bool, aNames []string) bool {
		if bAny {
			return true
		}
		return !aAny && !slices.ContainsFunc(aNames, func(n string) bool {
			return !slices.ContainsFunc(bNames, func(m string) bool { return strings.EqualFold(m, n) })
		})
	}
	return hasAll(b.AnyMethod, b.Methods, a.AnyMethod, a.Methods) &&
		hasAll(b.AnyHeader, b.Headers, a.AnyHeader, a.Headers) &&
		(!b.AnyHeader || !slices.Contains(a.Headers, "authorization") || slices.Contains(b.Headers, "authorization")) &&
		hasAll(b.AnyExpose, b.Expose, a.AnyExpose, a.Expose) &&
		(b.Credentials || !a.Credentials) && (b.PrivateNetwork || !a.PrivateNetwork) &&
		(a.MaxAge < 0 || b.MaxAge >= 0 && b.MaxAge <= a.MaxAge) &&
		(a.Status != 200 || b.Status == 200)
}

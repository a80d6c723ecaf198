package corstest

import (
	"bytes"
	"fmt"
	"maps"
	"slices"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/eval"
	"github.com/corspolicy/cors/lang"
	"github.com/corspolicy/cors/region"
)

// Mutation is one change to one rule of a policy, and whether the fixtures
// noticed it.
type Mutation struct {
	Rule   lang.Position
	Change string   // "allow -> deny", "without credentials", "methods without GET", ...
	Builds []*Build // the builds that have the rule, whose cases ran against the change
	Caught bool     // some case of one of those builds failed against the changed policy
	// Equivalent is set when no request can tell the changed policy from
	// the original in any of those builds (another rule grants the same):
	// no case could catch it, and it counts neither way.
	Equivalent bool
}

// Mutate checks that the fixture files pin the policy down: it changes
// each rule of the policy's builds, one change at a time, and runs the
// cases of every build that has the rule against the changed policy. The
// changes: an allow rule made a deny rule (keeping its paths and methods)
// and a deny rule an allow rule; one origin dropped from a list of
// several; credentials or private-network dropped; one value dropped from
// a methods, headers or expose list, or the clause dropped when it has one
// value. A change no case of any of those builds notices is a gap in the
// fixtures: a rule the builds share needs catching in one of them, a rule
// of one build in that build's fixture files.
func (p *Policy) Mutate() ([]Mutation, error) {
	src, _, err := lang.ReadFile(p.File)
	if err != nil {
		return nil, err
	}
	f, err := lang.Parse(p.File, src)
	if err != nil {
		return nil, err
	}
	var out []Mutation
	for _, rb := range p.rules(f) {
		r := rb.rule
		try := func(change string, undo func()) { buildSet(rb.builds).try(f, r.Pos, change, undo, &out) }
		// Flip the effect; an allow rule loses what only allow rules take.
		effect, block := r.Effect, r.Block
		if r.Effect == "allow" {
			r.Effect = "deny"
			r.Block = scopeOnly(r.Block)
		} else {
			r.Effect = "allow"
		}
		try(effect+" -> "+r.Effect, func() { r.Effect, r.Block = effect, block })
		// Drop each origin of a list of several.
		if origins := r.Origins; len(origins) > 1 {
			for j, v := range origins {
				r.Origins = slices.Delete(slices.Clone(origins), j, j+1)
				try("without origin "+valueText(v), func() { r.Origins = origins })
			}
		}
		if r.Block == nil {
			continue
		}
		// A rule with a bundle is changed as the rule it stands for: the
		// bundle's clauses written in it, so that each use of a bundle is
		// pinned by the fixtures of the rule that uses it.
		clauses := r.Block.Clauses
		if inlined := p.inline(r); inlined != nil {
			r.Block.Clauses = inlined
		}
		mutateClauses(r.Block, "", try)
		r.Block.Clauses = clauses
	}
	// A bundle of the policy's file is changed once too, for every rule
	// that grants it.
	for _, d := range f.Decls {
		b, ok := d.(*lang.Bundle)
		if !ok {
			continue
		}
		users := p.bundleUsers(f, b)
		if users == nil {
			continue
		}
		mutateClauses(b.Block, "grants "+b.Name.Name+": ", func(change string, undo func()) {
			users.try(f, b.Pos, change, undo, &out)
		})
	}
	return out, nil
}

// mutateClauses makes the changes of a rule's clauses one at a time: each
// flag dropped, each value of a list dropped, or the list when it has one
// value; try is called with each change made and a function that undoes it.
// paths are scope, not a grant: narrowing them is not access the fixtures
// must pin.
func mutateClauses(b *lang.Block, prefix string, try func(change string, undo func())) {
	clauses := b.Clauses
	drop := func(i int, change string) {
		b.Clauses = slices.Delete(slices.Clone(clauses), i, i+1)
		try(prefix+change, func() { b.Clauses = clauses })
	}
	for i, c := range clauses {
		switch c := c.(type) {
		case *lang.FlagClause:
			drop(i, "without "+c.Keyword)
		case *lang.ListClause:
			if c.Keyword == "paths" {
				continue
			}
			if len(c.Values) == 1 {
				drop(i, "without the "+c.Keyword+" clause")
				continue
			}
			values := c.Values
			for j, v := range values {
				c.Values = slices.Delete(slices.Clone(values), j, j+1)
				try(prefix+c.Keyword+" without "+valueText(v), func() { c.Values = values })
			}
		}
	}
}

// inline returns the clauses of a rule with a grants clause as the rule
// stands for them: its own, and for each clause it has from its bundle,
// the clause with the values the compiler resolved, written out as
// literals (the bundle's names may belong to another file's scope). It
// returns nil for a rule without a bundle.
func (p *Policy) inline(r *lang.Rule) []lang.Clause {
	var grants *lang.GrantsClause
	own := map[string]bool{}
	var out []lang.Clause
	for _, c := range r.Block.Clauses {
		if g, ok := c.(*lang.GrantsClause); ok {
			grants = g
			continue
		}
		own[lang.Keyword(c)] = true
		out = append(out, c)
	}
	if grants == nil {
		return nil
	}
	var compiled *compile.Rule
	for _, b := range p.Builds {
		for _, cr := range b.Suites[0].Table.Rules {
			if cr.Pos.Line == r.Pos.Line && cr.Pos.Column == r.Pos.Column {
				compiled = cr
			}
		}
	}
	if compiled == nil || compiled.Bundle == nil {
		return nil
	}
	lit := func(s string) *lang.Value { return &lang.Value{Literal: &lang.String{Value: s}} }
	list := func(kw string, anyFlag bool, names []string) {
		var vs []*lang.Value
		if anyFlag {
			vs = append(vs, &lang.Value{Keyword: "any"})
		}
		for _, n := range names {
			vs = append(vs, lit(n))
		}
		if len(vs) > 0 {
			out = append(out, &lang.ListClause{Keyword: kw, Values: vs})
		}
	}
	for _, c := range compiled.Bundle.Block.Clauses {
		kw := lang.Keyword(c)
		if own[kw] {
			continue
		}
		switch kw {
		case "methods":
			list(kw, compiled.AnyMethod, compiled.Methods)
		case "headers":
			list(kw, compiled.AnyHeader, compiled.Headers)
		case "expose":
			list(kw, compiled.AnyExpose, compiled.Expose)
		case "credentials", "private-network":
			out = append(out, &lang.FlagClause{Keyword: kw})
		case "max-age":
			out = append(out, &lang.MaxAgeClause{Duration: &lang.Duration{Text: fmt.Sprintf("%ds", compiled.MaxAge)}})
		case "preflight-status":
			out = append(out, &lang.StatusClause{Status: &lang.Int{Text: fmt.Sprint(compiled.Status)}})
		}
	}
	return out
}

// bundleUsers returns the builds that have a rule of the policy that
// grants the bundle, or nil when none does.
func (p *Policy) bundleUsers(f *lang.File, b *lang.Bundle) buildSet {
	var use buildSet
	for _, rb := range p.rules(f) {
		if rb.rule.Block == nil {
			continue
		}
		for _, c := range rb.rule.Block.Clauses {
			if g, ok := c.(*lang.GrantsClause); ok && g.Bundle.Ref != nil && g.Bundle.Ref.Module == "" && g.Bundle.Ref.Name == b.Name.Name {
				for _, bd := range rb.builds {
					if !slices.Contains(use, bd) {
						use = append(use, bd)
					}
				}
			}
		}
	}
	return use
}

// buildSet is the builds that have what a change is made to.
type buildSet []*Build

// try runs the cases of the builds against the source of f, changed, and
// records the mutation of what stands at pos; undo takes the change back.
func (use buildSet) try(f *lang.File, pos lang.Position, change string, undo func(), out *[]Mutation) {
	defer undo()
	var buf bytes.Buffer
	if err := lang.Fprint(&buf, f); err != nil {
		return
	}
	m := Mutation{Rule: pos, Change: change, Builds: use, Equivalent: true}
	for _, b := range use {
		mutants, err := b.load(buf.Bytes())
		if err != nil {
			return
		}
		for _, mutant := range mutants {
			m.Caught = m.Caught || slices.ContainsFunc(mutant.Run(), func(r Result) bool { return !r.Passed() })
		}
		if m.Caught {
			m.Equivalent = false
			break
		}
		m.Equivalent = m.Equivalent && sameAnswers(b.Suites[0].Table, mutants[0].Table)
	}
	*out = append(*out, m)
}

// load compiles a changed source of the policy for the build, once, and
// returns a suite of it for each of the build's fixture files.
func (b *Build) load(src []byte) ([]*Suite, error) {
	first := b.Suites[0]
	mutant, err := load(first.Root, first.PolicyFile, src, first.Fixtures)
	if err != nil {
		return nil, err
	}
	out := []*Suite{mutant}
	mutant.Filter = first.Filter
	for _, s := range b.Suites[1:] {
		other := *s
		other.Table = mutant.Table
		out = append(out, &other)
	}
	return out, nil
}

// ruleInBuilds is a rule of the policy's source and the builds that have it.
type ruleInBuilds struct {
	rule   *lang.Rule
	builds []*Build
}

// rules returns the rules of the policy in source order, each with the
// builds whose profile includes it, leaving out the rules no build has: a
// change to them could not change an answer.
func (p *Policy) rules(f *lang.File) []ruleInBuilds {
	var out []ruleInBuilds
	for _, d := range f.Decls {
		pol, ok := d.(*lang.Policy)
		if !ok || pol.Name.Name != p.Name {
			continue
		}
		for _, it := range pol.Items {
			switch it := it.(type) {
			case *lang.Rule:
				out = append(out, ruleInBuilds{it, p.Builds})
			case *lang.Profile:
				var builds []*Build
				for _, b := range p.Builds {
					if slices.ContainsFunc(it.Names, func(n *lang.Ident) bool { return n.Name == b.Profile }) {
						builds = append(builds, b)
					}
				}
				if builds != nil {
					for _, r := range it.Rules {
						out = append(out, ruleInBuilds{r, builds})
					}
				}
			}
		}
	}
	return out
}

// scopeOnly returns the paths and methods clauses of a block, the clauses a
// deny rule may have.
func scopeOnly(b *lang.Block) *lang.Block {
	if b == nil {
		return nil
	}
	out := &lang.Block{Span: b.Span}
	for _, c := range b.Clauses {
		if l, ok := c.(*lang.ListClause); ok && (l.Keyword == "paths" || l.Keyword == "methods") {
			out.Clauses = append(out.Clauses, c)
		}
	}
	return out
}

func valueText(v *lang.Value) string {
	switch {
	case v.Literal != nil:
		return v.Literal.Value
	case v.Ref != nil:
		return v.Ref.String()
	}
	return v.Keyword
}

// String describes the mutation as a report line: where the rule starts
// and what changed.
func (m Mutation) String() string { return fmt.Sprintf("%s: %s", m.Rule, m.Change) }

// sameAnswers reports whether two tables answer alike every request of a
// probe set built from both: each origin class's witness, null and an
// unlisted origin; every path the rules name and /; every method they name
// and the common ones; preflights asking for no header, each named header,
// Authorization and an unknown one, with and without private network
// access; actual requests with and without credentials.
func sameAnswers(a, b *compile.Table) bool {
	var origins, paths, methods, headers []string
	add := func(list *[]string, v string) {
		if !slices.Contains(*list, v) {
			*list = append(*list, v)
		}
	}
	for _, t := range []*compile.Table{a, b} {
		for _, c := range t.Classes() {
			add(&origins, c.Witness)
		}
		for _, r := range t.Rules {
			for _, p := range r.Paths {
				add(&paths, region.ConcretePath(p.Text))
			}
			for _, m := range r.Methods {
				add(&methods, m)
			}
			for _, h := range r.Headers {
				add(&headers, h)
			}
		}
	}
	add(&origins, "null")
	add(&paths, "/")
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
		add(&methods, m)
	}
	headers = append(headers, "", "authorization", "x-unknown-header")
	same := func(r *eval.Request) bool {
		da, db := eval.Evaluate(a, r), eval.Evaluate(b, r)
		return da.Allowed == db.Allowed && da.Failed == db.Failed && da.Status == db.Status &&
			maps.EqualFunc(da.Header(), db.Header(), slices.Equal)
	}
	for _, o := range origins {
		for _, p := range paths {
			for _, m := range methods {
				for _, creds := range []bool{false, true} {
					if !same(&eval.Request{Method: m, Path: p, Origin: []string{o}, Credentials: creds}) {
						return false
					}
				}
				for _, h := range headers {
					for _, pna := range []string{"", "true"} {
						r := &eval.Request{Method: "OPTIONS", Path: p, Origin: []string{o}, RequestMethod: []string{m}, PrivateNetwork: pna}
						if h != "" {
							r.RequestHeaders = []string{h}
						}
						if !same(r) {
							return false
						}
					}
				}
			}
		}
	}
	return true
}

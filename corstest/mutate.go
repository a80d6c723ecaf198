package corstest

import (
	"bytes"
	"fmt"
	"os"
	"slices"

	"github.com/corspolicy/cors/lang"
)

// Mutation is one change to one rule of a policy, and whether the fixtures
// noticed it.
type Mutation struct {
	Rule   lang.Position
	Change string // "allow -> deny", "no credentials", "without GET", ...
	Caught bool   // some case failed against the changed policy
}

// Mutate checks that the suite pins its policy down: it changes each rule
// of the policy the suite tests, one change at a time, and runs the cases
// against each changed policy. The changes: an allow rule made a deny rule
// (keeping its paths and methods) and a deny rule an allow rule; one origin
// dropped from a list of several; credentials or private-network dropped;
// one value dropped from a methods, headers or expose list, or the clause
// dropped when it has one value. A change no case notices is a gap in the
// fixtures.
func (s *Suite) Mutate() ([]Mutation, error) {
	src, err := os.ReadFile(s.PolicyFile)
	if err != nil {
		return nil, err
	}
	f, err := lang.Parse(s.PolicyFile, src)
	if err != nil {
		return nil, err
	}
	var out []Mutation
	try := func(r *lang.Rule, change string, undo func()) {
		defer undo()
		var buf bytes.Buffer
		if err := lang.Fprint(&buf, f); err != nil {
			return
		}
		mutant, err := LoadSource(s.PolicyFile, buf.Bytes(), s.Fixtures)
		if err != nil {
			return // the change does not compile: not a policy anyone could ship
		}
		caught := slices.ContainsFunc(mutant.Run(), func(r Result) bool { return !r.Passed() })
		out = append(out, Mutation{Rule: r.Pos, Change: change, Caught: caught})
	}
	for _, r := range s.rulesInBuild(f) {
		// Flip the effect; an allow rule loses what only allow rules take.
		effect, block := r.Effect, r.Block
		if r.Effect == "allow" {
			r.Effect = "deny"
			r.Block = scopeOnly(r.Block)
		} else {
			r.Effect = "allow"
		}
		try(r, effect+" -> "+r.Effect, func() { r.Effect, r.Block = effect, block })
		// Drop each origin of a list of several.
		if origins := r.Origins; len(origins) > 1 {
			for j, v := range origins {
				r.Origins = slices.Delete(slices.Clone(origins), j, j+1)
				try(r, "without origin "+valueText(v), func() { r.Origins = origins })
			}
		}
		if r.Block == nil {
			continue
		}
		clauses := r.Block.Clauses
		drop := func(i int, change string) {
			r.Block.Clauses = slices.Delete(slices.Clone(clauses), i, i+1)
			try(r, change, func() { r.Block.Clauses = clauses })
		}
		for i, c := range clauses {
			switch c := c.(type) {
			case *lang.FlagClause:
				drop(i, "without "+c.Keyword)
			case *lang.ListClause:
				if c.Keyword == "paths" {
					continue // scope, not a grant: narrowing it is not access the fixtures must pin
				}
				if len(c.Values) == 1 {
					drop(i, "without the "+c.Keyword+" clause")
					continue
				}
				values := c.Values
				for j, v := range values {
					c.Values = slices.Delete(slices.Clone(values), j, j+1)
					try(r, c.Keyword+" without "+valueText(v), func() { c.Values = values })
				}
			}
		}
	}
	return out, nil
}

// rulesInBuild returns the rules of the suite's policy that its profile
// includes: a change to another rule could not change an answer.
func (s *Suite) rulesInBuild(f *lang.File) []*lang.Rule {
	var out []*lang.Rule
	for _, d := range f.Decls {
		p, ok := d.(*lang.Policy)
		if !ok || p.Name.Name != s.Table.Name {
			continue
		}
		profile := ""
		if s.Fixtures.Profile != nil {
			profile = s.Fixtures.Profile.Name
		}
		for _, it := range p.Items {
			switch it := it.(type) {
			case *lang.Rule:
				out = append(out, it)
			case *lang.Profile:
				if slices.ContainsFunc(it.Names, func(n *lang.Ident) bool { return n.Name == profile }) {
					out = append(out, it.Rules...)
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

// String describes the mutation as a report line.
func (m Mutation) String() string {
	state := "survived"
	if m.Caught {
		state = "caught"
	}
	return fmt.Sprintf("%s: %s: %s", m.Rule, m.Change, state)
}

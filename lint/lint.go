// Package lint finds what a CORS security reviewer would raise in a policy
// that compiles: credentials shared with origins anyone can own, the null
// origin trusted, grants that browsers will never use, rules that hide or
// undo one another.
//
// Each finding has a stable code, a severity and the position of the exact
// token at fault; SPEC.md has a section per code. A finding is silenced by a
// comment "# corsfmt:ignore CODE reason" on the line before the rule; the
// reason is required, and a silence that silences nothing is a finding too.
package lint

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/lang"
)

// Severity says how much a finding matters.
type Severity uint8

const (
	Info Severity = iota
	Warning
	Error
)

func (s Severity) String() string { return [...]string{"info", "warning", "error"}[s] }

// MarshalText writes the severity as its name, for JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Finding is one thing the lint found.
type Finding struct {
	Pos      lang.Position `json:"-"`
	End      lang.Position `json:"-"`
	Severity Severity      `json:"severity"`
	Code     string        `json:"code"`
	Message  string        `json:"message"`
	Fix      string        `json:"fix,omitempty"` // what to do about it, when there is one thing to do

	rule *lang.Rule // the rule it is about, for silences; nil for file-level findings
}

// String returns "file:line:col: severity: message (CODE)".
func (f Finding) String() string {
	return fmt.Sprintf("%s: %s: %s (%s)", f.Pos, f.Severity, f.Message, f.Code)
}

// Sort orders findings by file, position and code.
func Sort(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Pos.Filename, b.Pos.Filename), cmp.Compare(a.Pos.Offset, b.Pos.Offset),
			cmp.Compare(a.Code, b.Code), cmp.Compare(a.Message, b.Message))
	})
}

// FromErrors turns compile errors into findings of severity error, so that
// a tool can print both in one sorted list.
func FromErrors(err error) []Finding {
	var out []Finding
	if list, ok := err.(lang.ErrorList); ok {
		for _, e := range list {
			out = append(out, Finding{Pos: e.Pos, End: e.End, Severity: Error, Code: e.Code, Message: e.Msg})
		}
	} else if err != nil {
		out = append(out, Finding{Severity: Error, Code: "C000", Message: err.Error()})
	}
	return out
}

// Check lints a parsed file: the rules of every profile block when profile
// is "", or the rules that a build for profile has. It compiles the file
// first; if that fails, it returns the compile errors as findings, since a
// policy that does not compile has nothing else worth saying.
func Check(f *lang.File, importer lang.Importer, profile string) []Finding {
	prog, err := compile.Compile(f, compile.Options{AllProfiles: profile == "", Profile: profile, Importer: importer})
	if err != nil {
		fs := FromErrors(err)
		Sort(fs)
		return fs
	}
	l := &linter{}
	for _, name := range prog.Names() {
		t, _ := prog.Policy(name)
		l.policy(t)
	}
	fs := silence(f, l.findings)
	Sort(fs)
	// A literal in a set that several rules use is found once per rule.
	return slices.CompactFunc(fs, func(a, b Finding) bool {
		return a.Pos == b.Pos && a.Code == b.Code && a.Message == b.Message
	})
}

type linter struct {
	findings []Finding
}

// add records a finding about rule r at node n (the rule itself when nil).
func (l *linter) add(r *compile.Rule, n lang.Node, sev Severity, code, fix, format string, args ...any) {
	if n == nil {
		n = r.Node
	}
	l.findings = append(l.findings, Finding{
		Pos: n.Start(), End: n.End(), Severity: sev, Code: code, Message: fmt.Sprintf(format, args...), Fix: fix,
		rule: r.Node,
	})
}

func (l *linter) policy(t *compile.Table) {
	for _, r := range t.Rules {
		l.origins(r)
		l.methods(r)
		l.headers(r)
		l.maxAge(r)
	}
	l.overlaps(t.Rules)
}

// inDev reports whether a rule exists only in a dev profile: the place for
// origins a production policy must not trust.
func inDev(r *compile.Rule) bool {
	return slices.ContainsFunc(r.Profiles, func(p string) bool { return p == "dev" || strings.HasPrefix(p, "dev-") || p == "local" || p == "test" })
}

// origin returns the node of the literal that wrote pattern p in rule r.
func origin(r *compile.Rule, p compile.Pattern) lang.Node {
	if n := r.At("origin " + p.String()); n != nil {
		return n
	}
	return r.Node
}

// clause returns the clause of rule r with the given keyword, or the rule.
func clause(r *compile.Rule, keyword string) lang.Node {
	if r.Node.Block != nil {
		for _, c := range r.Node.Block.Clauses {
			switch c := c.(type) {
			case *lang.ListClause:
				if c.Keyword == keyword {
					return c
				}
			case *lang.FlagClause:
				if c.Keyword == keyword {
					return c
				}
			case *lang.MaxAgeClause:
				if keyword == "max-age" {
					return c
				}
			}
		}
	}
	return r.Node
}

// within returns the span of the text after prefix inside the string
// literal n, so that a finding points at the part of an origin at fault; or
// n itself when n is not a literal or has no such prefix.
func within(n lang.Node, prefix string) lang.Node {
	s, ok := n.(*lang.String)
	if !ok {
		return n
	}
	i := strings.Index(s.Value, prefix)
	if i < 0 {
		return n
	}
	if prefix == "*." {
		i += len(prefix)
	}
	start := s.Pos
	start.Offset += 1 + i
	start.Column += 1 + utf8.RuneCountInString(s.Value[:i])
	end := s.EndPos
	end.Offset--
	end.Column--
	return lang.Span{Pos: start, EndPos: end}
}

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
			out = append(out, Finding{Pos: e.Pos, End: e.End, Severity: Error, Code: e.Code, Message: e.Msg, Fix: e.Fix})
		}
	} else if err != nil {
		out = append(out, Finding{Severity: Error, Code: "C000", Message: err.Error()})
	}
	return out
}

// Check lints a parsed file: the rules of every profile block when profile
// is "", or the rules that a build for profile has. It resolves the file
// first (compile.Resolve): when that finds errors other than trust
// findings, it returns them alone as findings, since a policy that does not
// compile has nothing else worth saying; the trust findings, which also
// refuse the policy, come with the lint's own.
func Check(f *lang.File, importer lang.Importer, profile string) []Finding {
	res := compile.Resolve(f, compile.Options{Profile: profile, Importer: importer})
	fs := FromErrors(res.Errors)
	if slices.ContainsFunc(res.Errors, func(e *lang.Error) bool { return !isTrustCode(e.Code) }) {
		Sort(fs)
		return fs
	}
	l := &linter{}
	for _, p := range res.Policies {
		var rules []*compile.Rule
		for _, r := range p.Rules {
			if profile == "" || r.Profiles == nil || slices.Contains(r.Profiles, profile) {
				rules = append(rules, r)
			}
		}
		l.policy(rules)
	}
	fs = append(fs, silence(f, l.findings, res.Silenced)...)
	Sort(fs)
	// A literal in a set that several rules use is found once per rule.
	return slices.CompactFunc(fs, func(a, b Finding) bool {
		return a.Pos == b.Pos && a.Code == b.Code && a.Message == b.Message
	})
}

// isTrustCode reports whether a compile error is a trust finding: a policy
// that is well formed but cannot be trusted.
func isTrustCode(code string) bool {
	return strings.HasPrefix(code, "S") || strings.HasPrefix(code, "X")
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
		Pos: n.Start(), End: n.End(), Severity: sev, Code: code, Message: fmt.Sprintf(format, args...) + r.Through(n), Fix: fix,
		rule: r.Node,
	})
}

func (l *linter) policy(rules []*compile.Rule) {
	for _, r := range rules {
		l.origins(r)
		l.methods(r)
		l.headers(r)
		l.maxAge(r)
	}
	l.overlaps(rules)
	l.unreadable(rules)
}

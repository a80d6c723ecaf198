package compile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/corspolicy/cors/lang"
)

// Program is a compiled .cors file: its policies, each lowered to a Table
// for the build it was compiled for.
type Program struct {
	Profile  string
	policies map[string]*Table
	profiles map[string][]string // the profiles each policy declares
}

// Policy returns the table of the named policy. It is an error (C015) to
// ask for a policy that declares no profile block for the profile compiled
// for: a misspelt build must not serve production's rules.
func (p *Program) Policy(name string) (*Table, error) {
	t, ok := p.policies[name]
	if !ok {
		return nil, &lang.Error{Code: CodePolicy, Msg: "no policy named " + strconv.Quote(name) +
			suggest(name, p.Names()) + " (policies: " + strings.Join(p.Names(), ", ") + ")"}
	}
	if declared := p.profiles[name]; p.Profile != "" && !slices.Contains(declared, p.Profile) {
		return nil, &lang.Error{Pos: t.Pos, Code: CodeProfile, Msg: unknownProfile("policy "+name, p.Profile, declared)}
	}
	return t, nil
}

// unknownProfile says that owner declares no profile name, and which it does.
func unknownProfile(owner, name string, declared []string) string {
	msg := fmt.Sprintf("%s has no profile %s%s", owner, name, suggest(name, declared))
	if len(declared) == 0 {
		return msg + " (it has no profile blocks)"
	}
	return msg + " (profiles: " + strings.Join(declared, ", ") + ")"
}

// Names returns the names of the policies, sorted.
func (p *Program) Names() []string { return keys(p.policies) }

// Profiles returns the profiles the file's policies declare, sorted.
func (p *Program) Profiles() []string {
	var out []string
	for _, names := range p.profiles {
		out = append(out, names...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// CompileSource parses and compiles the source of a .cors file.
func CompileSource(filename string, src []byte, opts Options) (*Program, error) {
	f, err := lang.Parse(filename, src)
	if err != nil {
		return nil, err
	}
	return Compile(f, opts)
}

// Compile compiles a parsed file: it resolves it (see Resolve) and, when
// nothing is wrong, lowers each policy to the table of the build opts
// names. On failure the error is a lang.ErrorList holding every error
// found, sorted by position: a policy with an error, a trust finding
// included, never serves.
func Compile(f *lang.File, opts Options) (*Program, error) {
	res := Resolve(f, opts)
	if len(res.Errors) > 0 {
		return nil, res.Errors
	}
	var errs lang.ErrorList
	prog := &Program{Profile: opts.Profile, policies: map[string]*Table{}, profiles: map[string][]string{}}
	for _, p := range res.Policies {
		var rules []*Rule
		for _, r := range p.Rules {
			if r.Profiles == nil || opts.AllProfiles || slices.Contains(r.Profiles, opts.Profile) {
				rules = append(rules, r)
			}
		}
		t := &Table{Name: p.Name, Pos: p.Pos, Rules: rules}
		t.build()
		for _, cell := range t.oversized {
			errs.Add(t.Pos, t.Pos, CodeTooManyRules, "policy %s: %d allow rules and %d method-scoped deny rules match the origins %s; the limit is %d of each: merge rules that grant the same, or split the policy",
				t.Name, len(cell.Allow), len(cell.Scoped), cell.Origins, MaxCellRules)
		}
		prog.policies[p.Name] = t
		prog.profiles[p.Name] = p.Profiles
	}
	if len(errs) > 0 {
		errs.Sort()
		return nil, errs
	}
	return prog, nil
}

// Policy is a policy of a file with its names resolved and every rule, of
// every profile block, validated and checked: what tables are built from,
// and what tools that look at a policy as written (the lint) read. It
// cannot answer requests.
type Policy struct {
	Name        string
	Pos         lang.Position
	Rules       []*Rule  // every rule, in source order; Rule.Profiles says which builds have it
	Profiles    []string // the profiles its blocks name, sorted
	DevProfiles []string // the profiles it declares development builds, sorted
}

// Resolution is a file resolved: its policies, and every error found.
type Resolution struct {
	Policies []*Policy      // in source order
	Errors   lang.ErrorList // sorted by position; empty when the file compiles
	// Silenced lists the silences that silenced a trust finding, so that
	// a tool can tell a silence that silences nothing.
	Silenced []*lang.Silence
}

// Builds returns the builds the file's policies make: production, "",
// and every profile a policy declares, sorted.
func (r *Resolution) Builds() []string {
	out := []string{""}
	for _, p := range r.Policies {
		out = append(out, p.Profiles...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Resolve resolves the names, imports and profiles of a parsed file,
// validates every rule of every policy and profile block, and makes the
// trust checks: the findings that refuse a policy (SPEC.md, "Trust
// checks"), each silenced only by a "# corsfmt:ignore CODE reason" comment
// on the line before its rule. Rules of every profile block are checked
// whatever opts.Profile says: a mistake must not wait for the build that
// uses it.
func Resolve(f *lang.File, opts Options) *Resolution {
	c := &compiler{opts: opts, modules: map[string]*scope{}}
	c.loading = []string{f.Pos.Filename}
	s := c.newScope(f)
	res := &Resolution{}
	seen := map[string]*lang.Policy{}
	for _, d := range f.Decls {
		if sd, ok := d.(*lang.SetDecl); ok {
			// Resolve every set, used or not, so that its errors show.
			c.deref(s, &lang.Ref{Span: sd.Name.Span, Name: sd.Name.Name}, sd.Kind)
			continue
		}
		if b, ok := d.(*lang.Bundle); ok {
			c.checkBundle(s, b)
			continue
		}
		lp := d.(*lang.Policy)
		if prev, dup := seen[lp.Name.Name]; dup {
			c.errorf(lp.Name.Pos, lp.Name.EndPos, CodeDuplicate, "policy %s is already declared at %d:%d",
				lp.Name.Name, prev.Pos.Line, prev.Pos.Column)
			continue
		}
		seen[lp.Name.Name] = lp
		res.Policies = append(res.Policies, c.policy(s, lp))
	}
	if opts.Profile != "" && !opts.AllProfiles {
		var all []string
		for _, p := range res.Policies {
			all = append(all, p.Profiles...)
		}
		slices.Sort(all)
		if all = slices.Compact(all); !slices.Contains(all, opts.Profile) {
			c.errorf(lang.Position{Filename: f.Pos.Filename}, lang.Position{}, CodeProfile, "%s", unknownProfile("the file", opts.Profile, all))
		}
	}
	c.trust(f, res)
	c.errs.Sort()
	// A value of a bundle is checked once for the bundle and once for
	// each rule that grants it: one report is enough.
	res.Errors = slices.CompactFunc(c.errs, func(a, b *lang.Error) bool {
		return a.Pos == b.Pos && a.Code == b.Code && a.Msg == b.Msg
	})
	return res
}

// policy resolves the rules of a policy and its profile declarations.
func (c *compiler) policy(s *scope, lp *lang.Policy) *Policy {
	p := &Policy{Name: lp.Name.Name, Pos: lp.Pos}
	var dev *lang.DevProfiles
	for _, it := range lp.Items {
		switch it := it.(type) {
		case *lang.Rule:
			p.Rules = append(p.Rules, c.rule(s, it))
		case *lang.Profile:
			var names []string
			for _, n := range it.Names {
				names = append(names, n.Name)
			}
			p.Profiles = append(p.Profiles, names...)
			for _, r := range it.Rules {
				r := c.rule(s, r)
				r.Profiles = names
				p.Rules = append(p.Rules, r)
			}
		case *lang.DevProfiles:
			if dev != nil {
				c.errorf(it.Pos, it.EndPos, CodeClause, "dev-profiles is already given at %d:%d; merge the two", dev.Pos.Line, dev.Pos.Column)
				continue
			}
			dev = it
		}
	}
	slices.Sort(p.Profiles)
	p.Profiles = slices.Compact(p.Profiles)
	if dev != nil {
		for _, n := range dev.Names {
			if !slices.Contains(p.Profiles, n.Name) {
				c.errorf(n.Pos, n.EndPos, CodeProfile, "%s", unknownProfile("policy "+p.Name, n.Name, p.Profiles))
				continue
			}
			p.DevProfiles = append(p.DevProfiles, n.Name)
		}
		slices.Sort(p.DevProfiles)
		p.DevProfiles = slices.Compact(p.DevProfiles)
	}
	for _, r := range p.Rules {
		r.Dev = r.Profiles != nil && !slices.ContainsFunc(r.Profiles, func(n string) bool { return !slices.Contains(p.DevProfiles, n) })
	}
	return p
}

// rule validates a rule and lowers it.
func (c *compiler) rule(s *scope, r *lang.Rule) *Rule {
	out := &Rule{Pos: r.Pos, MaxAge: -1, Node: r}
	if r.Effect == "deny" {
		out.Effect = Deny
	}
	c.origins(s, r, out)
	if r.Block == nil {
		if out.Effect == Allow {
			out.Methods = safelistedMethods
		}
		return out
	}
	seen := map[string]lang.Node{}
	var grants *lang.GrantsClause
	for _, cl := range r.Block.Clauses {
		kw := lang.Keyword(cl)
		if prev, dup := seen[kw]; dup {
			c.errorf(cl.Start(), cl.End(), CodeClause, "%s is already given at %d:%d; merge the two", kw,
				prev.Start().Line, prev.Start().Column)
			continue
		}
		seen[kw] = cl
		if out.Effect == Deny && kw != "paths" && kw != "methods" {
			what := kw
			if kw == "grants" {
				what = "a bundle"
			}
			c.errorf(cl.Start(), cl.End(), CodeClause, "a deny rule takes only paths and methods; %s grants, so it belongs in an allow rule", what)
			continue
		}
		if g, ok := cl.(*lang.GrantsClause); ok {
			grants = g
			continue
		}
		c.clause(s, cl, out, nil)
	}
	// The clauses of the bundle a grants clause names, but those the rule
	// writes itself: a clause of the rule replaces the bundle's, whole.
	if grants != nil {
		if b, bs := c.bundle(s, grants.Bundle); b != nil {
			out.Grants, out.Bundle = grants, b
			for _, cl := range b.Block.Clauses {
				if kw := lang.Keyword(cl); seen[kw] == nil && kw != "paths" && kw != "grants" {
					via := grants.Bundle
					if b.Pos.Filename == r.Pos.Filename {
						via = nil // the value in the bundle is the place to point at
					}
					c.clause(bs, cl, out, via)
				}
			}
		}
	}
	c.finishRule(r, out)
	out.sortSources()
	return out
}

// clause lowers one clause into out, resolving its names in s. via, when
// set, is the reference in the rule that values from elsewhere (a bundle
// of another file) are to be pointed at.
func (c *compiler) clause(s *scope, cl lang.Clause, out *Rule, via *lang.Value) {
	{
		switch cl := cl.(type) {
		case *lang.ListClause:
			switch cl.Keyword {
			case "paths":
				c.paths(s, cl, out)
			case "methods":
				c.methods(s, cl, out, via)
			case "headers", "expose":
				c.headers(s, cl, out, via)
			}
		case *lang.FlagClause:
			if cl.Keyword == "credentials" {
				out.Credentials = true
			} else {
				out.PrivateNetwork = true
			}
		case *lang.MaxAgeClause:
			d, err := lang.ParseDuration(cl.Duration.Text)
			switch {
			case err != nil: // reported by the parser
			case d < 0:
				c.errorf(cl.Duration.Pos, cl.Duration.EndPos, CodeValue, "max-age %s is negative; use 0s to forbid caching", cl.Duration.Text)
			case d.Seconds() > 1<<31-1:
				c.errorf(cl.Duration.Pos, cl.Duration.EndPos, CodeValue, "max-age %s is too large", cl.Duration.Text)
			default:
				out.MaxAge = int(d.Seconds())
			}
		case *lang.StatusClause:
			switch cl.Status.Text {
			case "204", "200":
				out.Status, _ = strconv.Atoi(cl.Status.Text)
			default:
				c.errorf(cl.Status.Pos, cl.Status.EndPos, CodeValue, "preflight-status %s: a successful preflight answers 204 or 200", cl.Status.Text)
			}
		}
	}
}

// finishRule fills in what a rule's clauses leave to defaults and checks
// what only the whole rule can tell.
func (c *compiler) finishRule(r *lang.Rule, out *Rule) {
	if out.Effect == Allow && out.Methods == nil && !out.AnyMethod {
		out.Methods = safelistedMethods
	}
	// Methods and request headers any may go with credentials: the answer
	// then names the requested method and headers, already checked. Any
	// origin and expose any cannot: the one would trust everyone, and the
	// answer to the other cannot name what a response will hold.
	if out.Credentials {
		for kw, what := range map[string]bool{"any origin": out.Any, "expose any": out.AnyExpose} {
			if what {
				c.errorf(r.Pos, r.EndPos, CodeAnyWithCreds,
					"%s cannot go with credentials: browsers refuse a wildcard on a request with credentials", kw)
			}
		}
	}
}

func (c *compiler) origins(s *scope, r *lang.Rule, out *Rule) {
	items, dups := c.expand(s, r.Origins, "origins")
	for _, it := range dups {
		if it.lit != nil {
			out.Duplicates = append(out.Duplicates, it.lit)
		}
	}
	type origin struct {
		p   Pattern
		src source
		at  int // in the order written
	}
	var origins []origin
	for _, it := range items {
		switch {
		case it.keyword == "any":
			if len(r.Origins) > 1 {
				c.errorf(it.at.Pos, it.at.EndPos, CodeMisplaced, "any stands alone: it already covers every other origin of the list")
			}
			out.Any = true
		case it.keyword == "null":
			out.Null = true
		default:
			var p Pattern
			var err *patternError
			if it.via != nil {
				// A set's origin, which other rules may name too.
				p, err = c.pattern(it.lit.Value, len(items))
			} else {
				p, err = ParsePattern(it.lit.Value) // the rule's own: read once
			}
			if err != nil {
				c.errorf(posIn(it.lit, err.Offset), it.lit.EndPos, CodeOrigin, "invalid origin %q: %s", it.lit.Value, err.Msg)
				continue
			}
			if origins == nil {
				origins = make([]origin, 0, len(items))
			}
			origins = append(origins, origin{p, source{it.lit, it.via}, len(origins)})
		}
	}
	// Sorted, stably, a pattern written twice (in two spellings, which
	// expand did not see as one) follows its first writing: it is kept
	// once, and the later writings are duplicates, in the order written.
	// Sorting was needed anyway; a set of the patterns seen cost as much
	// again for a list of many origins.
	slices.SortStableFunc(origins, func(a, b origin) int { return comparePatterns(a.p, b.p) })
	var again []origin
	kept := origins[:0]
	for _, o := range origins {
		if n := len(kept); n > 0 && kept[n-1].p == o.p {
			again = append(again, o)
			continue
		}
		kept = append(kept, o)
	}
	origins = kept
	slices.SortFunc(again, func(a, b origin) int { return a.at - b.at })
	for _, o := range again {
		out.Duplicates = append(out.Duplicates, o.src.lit)
	}
	if len(origins) > 0 {
		out.Origins = make([]Pattern, len(origins))
		out.originSources = make([]source, len(origins))
		for i, o := range origins {
			out.Origins[i], out.originSources[i] = o.p, o.src
		}
	}
}

func (c *compiler) paths(s *scope, cl *lang.ListClause, out *Rule) {
	out.Paths = []*PathPattern{}
	for _, v := range cl.Values {
		if v.Literal == nil {
			c.errorf(v.Pos, v.EndPos, CodeMisplaced, "paths take quoted path patterns, such as \"/api/**\"")
			continue
		}
		pp, err := ParsePathPattern(v.Literal.Value)
		if err != nil {
			c.errorf(posIn(v.Literal, err.Offset), v.Literal.EndPos, CodePath, "invalid path pattern %q: %s", v.Literal.Value, err.Msg)
			continue
		}
		if !slices.ContainsFunc(out.Paths, func(x *PathPattern) bool { return x.Text == pp.Text }) {
			out.Paths = append(out.Paths, pp)
		}
	}
	slices.SortFunc(out.Paths, func(a, b *PathPattern) int { return strings.Compare(a.Text, b.Text) })
}

func (c *compiler) methods(s *scope, cl *lang.ListClause, out *Rule, via *lang.Value) {
	out.Methods = []string{}
	items, _ := c.expand(s, cl.Values, "methods")
	for _, it := range items {
		switch {
		case it.keyword == "any":
			if len(cl.Values) > 1 {
				c.errorf(it.at.Pos, it.at.EndPos, CodeMisplaced, "any stands alone: it already covers every other method of the list")
			}
			out.AnyMethod = true
		case it.keyword != "":
			c.errorf(it.at.Pos, it.at.EndPos, CodeMisplaced, "%s is not a method", it.keyword)
		case !IsToken(it.lit.Value):
			c.errorf(posIn(it.lit, firstNonToken(it.lit.Value)), it.lit.EndPos, CodeMethod, "invalid method %q: a method is an HTTP token", it.lit.Value)
		case len(it.lit.Value) > MaxMethodLength:
			c.errorf(it.lit.Pos, it.lit.EndPos, CodeMethod, "method of %d bytes: the longest a request may ask for is %d", len(it.lit.Value), MaxMethodLength)
		default:
			// Each method once already: expand drops a text written
			// again, and methods are compared byte for byte.
			out.Methods = append(out.Methods, it.lit.Value)
			out.source("method", it.lit.Value, it.through(via))
		}
	}
	if out.AnyMethod {
		out.Methods = nil
	}
	slices.Sort(out.Methods)
}

// headers handles both headers and expose clauses.
func (c *compiler) headers(s *scope, cl *lang.ListClause, out *Rule, via *lang.Value) {
	names, anyFlag := &out.Headers, &out.AnyHeader
	if cl.Keyword == "expose" {
		names, anyFlag = &out.Expose, &out.AnyExpose
	}
	*names = []string{}
	var anyAt *lang.Value
	var seen namedMasks // the names in lower case
	items, _ := c.expand(s, cl.Values, "headers")
	for _, it := range items {
		switch {
		case it.keyword == "any":
			*anyFlag, anyAt = true, it.at
		case it.keyword != "":
			c.errorf(it.at.Pos, it.at.EndPos, CodeMisplaced, "%s is not a header name", it.keyword)
		case !IsToken(it.lit.Value):
			c.errorf(posIn(it.lit, firstNonToken(it.lit.Value)), it.lit.EndPos, CodeHeader, "invalid header name %q: a header name is an HTTP token", it.lit.Value)
		default:
			name := it.lit.Value
			if cl.Keyword == "headers" {
				name = strings.ToLower(name)
			}
			if lower := strings.ToLower(name); seen.add(lower, 0) {
				*names = append(*names, name)
				out.source(cl.Keyword, lower, it.through(via))
			}
		}
	}
	if anyAt != nil {
		// Beside any, only Authorization means something: a wildcard never
		// covers it.
		if cl.Keyword == "expose" && len(*names) > 0 || cl.Keyword == "headers" && slices.ContainsFunc(*names, func(x string) bool { return x != "authorization" }) {
			c.errorf(anyAt.Pos, anyAt.EndPos, CodeMisplaced, "any already covers the other names of this list%s",
				map[bool]string{true: "; only Authorization needs naming beside it", false: ""}[cl.Keyword == "headers"])
		}
	}
	slices.SortFunc(*names, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
}

func boolCompare(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

package compile

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/corspolicy/cors/lang"
)

// Program is a compiled .cors file: its policies, each lowered to a Table.
type Program struct {
	Profile  string
	policies map[string]*Table
}

// Policy returns the table of the named policy.
func (p *Program) Policy(name string) (*Table, error) {
	if t, ok := p.policies[name]; ok {
		return t, nil
	}
	return nil, &lang.Error{Code: CodePolicy, Msg: "no policy named " + strconv.Quote(name) +
		suggest(name, p.Names()) + " (policies: " + strings.Join(p.Names(), ", ") + ")"}
}

// Names returns the names of the policies, sorted.
func (p *Program) Names() []string { return keys(p.policies) }

// CompileSource parses and compiles the source of a .cors file.
func CompileSource(filename string, src []byte, opts Options) (*Program, error) {
	f, err := lang.Parse(filename, src)
	if err != nil {
		return nil, err
	}
	return Compile(f, opts)
}

// Compile compiles a parsed file. On failure the error is a lang.ErrorList
// holding every error found, sorted by position.
func Compile(f *lang.File, opts Options) (*Program, error) {
	c := &compiler{opts: opts, modules: map[string]*scope{}}
	c.loading = []string{f.Pos.Filename}
	s := c.newScope(f)
	prog := &Program{Profile: opts.Profile, policies: map[string]*Table{}}
	seen := map[string]*lang.Policy{}
	for _, d := range f.Decls {
		if sd, ok := d.(*lang.SetDecl); ok {
			// Resolve every set, used or not, so that its errors show.
			c.deref(s, &lang.Ref{Span: sd.Name.Span, Name: sd.Name.Name}, sd.Kind)
			continue
		}
		p := d.(*lang.Policy)
		if prev, dup := seen[p.Name.Name]; dup {
			c.errorf(p.Name.Pos, p.Name.EndPos, CodeDuplicate, "policy %s is already declared at %d:%d",
				p.Name.Name, prev.Pos.Line, prev.Pos.Column)
			continue
		}
		seen[p.Name.Name] = p
		var rules []*Rule
		for _, it := range p.Items {
			switch it := it.(type) {
			case *lang.Rule:
				rules = append(rules, c.rule(s, it))
			case *lang.Profile:
				in := opts.AllProfiles
				var names []string
				for _, n := range it.Names {
					in = in || n.Name == opts.Profile
					names = append(names, n.Name)
				}
				for _, r := range it.Rules {
					// Rules of other profiles are checked all the same:
					// a mistake must not wait for the build that uses it.
					if r := c.rule(s, r); in {
						r.Profiles = names
						rules = append(rules, r)
					}
				}
			}
		}
		prog.policies[p.Name.Name] = &Table{Name: p.Name.Name, Pos: p.Pos, Rules: rules}
	}
	if len(c.errs) > 0 {
		c.errs.Sort()
		return nil, c.errs
	}
	for _, t := range prog.policies {
		t.build()
	}
	return prog, nil
}

// rule validates a rule and lowers it.
func (c *compiler) rule(s *scope, r *lang.Rule) *Rule {
	out := &Rule{Pos: r.Pos, MaxAge: -1, Node: r, Sources: map[string]*lang.String{}, Via: map[string]*lang.Value{}}
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
	for _, cl := range r.Block.Clauses {
		kw := clauseKeyword(cl)
		if prev, dup := seen[kw]; dup {
			c.errorf(cl.Start(), cl.End(), CodeClause, "%s is already given at %d:%d; merge the two", kw,
				prev.Start().Line, prev.Start().Column)
			continue
		}
		seen[kw] = cl
		if out.Effect == Deny && kw != "paths" && kw != "methods" {
			c.errorf(cl.Start(), cl.End(), CodeClause, "a deny rule takes only paths and methods; %s grants, so it belongs in an allow rule", kw)
			continue
		}
		switch cl := cl.(type) {
		case *lang.ListClause:
			switch cl.Keyword {
			case "paths":
				c.paths(s, cl, out)
			case "methods":
				c.methods(s, cl, out)
			case "headers", "expose":
				c.headers(s, cl, out)
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
	if out.Effect == Allow && out.Methods == nil && !out.AnyMethod {
		out.Methods = safelistedMethods
	}
	if out.Credentials {
		for kw, what := range map[string]bool{"any origin": out.Any, "methods any": out.AnyMethod, "headers any": out.AnyHeader, "expose any": out.AnyExpose} {
			if what {
				c.errorf(r.Pos, r.EndPos, CodeAnyWithCreds,
					"%s cannot go with credentials: browsers refuse a wildcard on a request with credentials", kw)
			}
		}
	}
	return out
}

func clauseKeyword(c lang.Clause) string {
	switch c := c.(type) {
	case *lang.ListClause:
		return c.Keyword
	case *lang.FlagClause:
		return c.Keyword
	case *lang.MaxAgeClause:
		return "max-age"
	default:
		return "preflight-status"
	}
}

func (c *compiler) origins(s *scope, r *lang.Rule, out *Rule) {
	items := c.expand(s, r.Origins, "origins")
	seen := map[string]bool{}
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
			p, err := ParsePattern(it.lit.Value)
			if err != nil {
				c.errorf(posIn(it.lit, err.Offset), it.lit.EndPos, CodeOrigin, "invalid origin %q: %s", it.lit.Value, err.Msg)
				continue
			}
			if key := p.String(); !seen[key] {
				seen[key] = true
				out.Origins = append(out.Origins, p)
				out.source("origin "+key, it)
			} else {
				out.Duplicates = append(out.Duplicates, it.lit)
			}
		}
	}
	slices.SortFunc(out.Origins, func(a, b Pattern) int {
		return cmp.Or(strings.Compare(a.Scheme, b.Scheme), strings.Compare(a.Host, b.Host),
			cmp.Compare(a.Port, b.Port), boolCompare(a.Wildcard, b.Wildcard))
	})
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

func (c *compiler) methods(s *scope, cl *lang.ListClause, out *Rule) {
	out.Methods = []string{}
	for _, it := range c.expand(s, cl.Values, "methods") {
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
		case !slices.Contains(out.Methods, it.lit.Value):
			out.Methods = append(out.Methods, it.lit.Value)
			out.source("method "+it.lit.Value, it)
		}
	}
	if out.AnyMethod {
		out.Methods = nil
	}
	slices.Sort(out.Methods)
}

// headers handles both headers and expose clauses.
func (c *compiler) headers(s *scope, cl *lang.ListClause, out *Rule) {
	names, anyFlag := &out.Headers, &out.AnyHeader
	if cl.Keyword == "expose" {
		names, anyFlag = &out.Expose, &out.AnyExpose
	}
	*names = []string{}
	var anyAt *lang.Value
	for _, it := range c.expand(s, cl.Values, "headers") {
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
			if !slices.ContainsFunc(*names, func(x string) bool { return strings.EqualFold(x, name) }) {
				*names = append(*names, name)
				out.source(cl.Keyword+" "+strings.ToLower(name), it)
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

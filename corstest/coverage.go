package corstest

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/eval"
	"github.com/corspolicy/cors/lang"
	"github.com/corspolicy/cors/region"
)

// Coverage is what the fixture files of a policy exercised of it, over all
// its builds.
type Coverage struct {
	Policy *Policy
	// Items are the things some case must exercise, each once however many
	// builds have it: the items of the first build in policy order, then
	// those each further build adds.
	Items []*Item
}

// Item is one thing of a policy some case must exercise: a rule, an origin
// pattern, a method or header grant, a decision region.
type Item struct {
	What    string   // "method PUT of the allow rule at 12:5"
	Missing string   // what no case did: "no allowed case uses it"
	Builds  []*Build // the builds that have the item
	Covered bool     // a case of one of those builds exercised it
	// Witness, for an uncovered item, is a case that covers it, when a
	// request can.
	Witness *Witness
}

// String describes an uncovered item as a report line.
func (it *Item) String() string { return it.What + ": " + it.Missing }

// Witness is a case to paste into a fixture file, its expectations the
// engine's answer. Items it covers share it.
type Witness struct {
	FixtureFile string  // the file to paste it into, of a build that has the items
	Case        string  // a comment naming the items it covers, then the case
	Covers      []*Item // the uncovered items it covers

	result Result
}

// Percent returns the covered share of the items of build b, or of all the
// items when b is nil.
func (c *Coverage) Percent(b *Build) float64 {
	items, covered, _ := c.Count(b)
	if items == 0 {
		return 100
	}
	return 100 * float64(covered) / float64(items)
}

// Count returns how many items build b has (all the policy's, when b is
// nil), how many of them are covered, and how many only b has.
func (c *Coverage) Count(b *Build) (items, covered, only int) {
	for _, it := range c.Items {
		if b != nil && !slices.Contains(it.Builds, b) {
			continue
		}
		items++
		if it.Covered {
			covered++
		}
		if b != nil && len(it.Builds) == 1 {
			only++
		}
	}
	return items, covered, only
}

// Uncovered returns the items no case exercised.
func (c *Coverage) Uncovered() []*Item {
	var out []*Item
	for _, it := range c.Items {
		if !it.Covered {
			out = append(out, it)
		}
	}
	return out
}

// Cover computes the coverage of the policy by the cases of all its
// fixture files (those their suites' filters keep).
//
// It counts: every rule, which some case must have decided; every origin
// pattern, which some case's origin must match; every method and request
// header an allow rule grants, which some allowed case must have used with
// that rule deciding; and every decision region, the origin classes the
// table tells apart, merged where the same rules decide them, times the
// methods those rules grant, which some case must have visited.
//
// An item that several builds have is one item, covered when a case of any
// of them exercises it: a rule, its origin patterns and its grants are the
// same item in every build whose profile includes the rule (they are known
// by the rule's position in the source), and a region is the same item in
// every build where the same rules decide it, since they then answer its
// origins alike. For each uncovered item a request can cover, Cover writes
// a witness case, for a fixture file of the first build that has it.
func (p *Policy) Cover() *Coverage {
	cov := &Coverage{Policy: p}
	byKey := map[string]*Item{}
	type pending struct {
		item  *Item
		build *Build
		check itemCheck
	}
	var checks []pending
	for _, b := range p.Builds {
		results := b.results()
		for _, ic := range itemsOf(b.Suites[0].Table) {
			it := byKey[ic.key]
			if it == nil {
				it = &Item{What: ic.what, Missing: ic.missing}
				byKey[ic.key] = it
				cov.Items = append(cov.Items, it)
			}
			it.Builds = append(it.Builds, b)
			if !it.Covered && slices.ContainsFunc(results, func(r Result) bool { return ic.covers(&r) }) {
				it.Covered = true
			}
			checks = append(checks, pending{it, b, ic})
		}
	}
	// A witness for each uncovered item, in the first build that has it;
	// one already written for an item before serves the next it covers.
	var written []*Witness
	for _, pc := range checks {
		it := pc.item
		if it.Covered || it.Witness != nil || it.Builds[0] != pc.build {
			continue
		}
		suite := pc.build.Suites[0]
		for _, w := range written {
			if w.FixtureFile == suite.FixtureFile && pc.check.covers(&w.result) {
				it.Witness = w
				break
			}
		}
		if it.Witness == nil {
			it.Witness = witness(suite, pc.check)
			if it.Witness == nil {
				continue
			}
			written = append(written, it.Witness)
		}
		it.Witness.Covers = append(it.Witness.Covers, it)
	}
	for _, w := range written {
		w.Case = w.caseText()
	}
	return cov
}

// itemCheck is an item as one build has it: how to tell a result that
// covers it, and requests that may.
type itemCheck struct {
	key           string // the item across builds
	what, missing string
	covers        func(r *Result) bool
	probes        []probe // in order of preference
}

// probe is a request a witness case may make.
type probe struct {
	method, path, origin string
	requestMethod        string // for a preflight
	requestHeaders       string
}

// probeFor returns the request that asks for method m: a preflight for a
// method or headers that need one, an actual request otherwise.
func probeFor(origin, path, m, headers string) probe {
	if safelisted(m) && headers == "" {
		return probe{method: m, path: path, origin: origin}
	}
	return probe{method: "OPTIONS", path: path, origin: origin, requestMethod: m, requestHeaders: headers}
}

// itemsOf returns the items of a build's table, in policy order.
func itemsOf(t *compile.Table) []itemCheck {
	var out []itemCheck
	classes := t.Classes()
	for _, r := range t.Rules {
		at := fmt.Sprintf("the %s rule at %d:%d", r.Effect, r.Pos.Line, r.Pos.Column)
		key := r.Pos.String() + " "
		decided := func(pred func(res *Result) bool) func(*Result) bool {
			return func(res *Result) bool {
				return slices.Contains(res.Decision.Rules, r) && (pred == nil || pred(res))
			}
		}
		allowedWith := func(pred func(res *Result) bool) func(*Result) bool {
			return decided(func(res *Result) bool { return res.Decision.Allowed && pred(res) })
		}
		origins := ruleOrigins(r, classes)
		requests := func(origins []string, methods []string, headers string) []probe {
			var probes []probe
			for _, o := range origins {
				for _, path := range rulePaths(r) {
					for _, m := range methods {
						probes = append(probes, probeFor(o, path, m, headers))
					}
				}
			}
			return probes
		}
		methods := ruleMethods(r)
		out = append(out, itemCheck{key: key + "rule", what: fmt.Sprintf("%s rule at %d:%d", r.Effect, r.Pos.Line, r.Pos.Column),
			missing: "it decides no case", covers: decided(nil), probes: requests(origins, methods, "")})
		for _, pat := range r.Origins {
			out = append(out, itemCheck{key: key + "origin " + pat.String(), what: fmt.Sprintf("origin pattern %s of %s", pat, at),
				missing: "no case's origin matches it", covers: func(res *Result) bool { return pat.Matches(res.Origin) },
				probes: requests([]string{originIn(pat)}, methods, "")})
		}
		if r.Null {
			out = append(out, itemCheck{key: key + "null", what: "null of " + at,
				missing: "no case comes from the null origin", covers: func(res *Result) bool { return res.Origin == "null" },
				probes: requests([]string{"null"}, methods, "")})
		}
		if r.Effect != compile.Allow {
			continue
		}
		if r.AnyMethod {
			out = append(out, itemCheck{key: key + "methods any", what: "methods any of " + at,
				missing: "no allowed case uses a method beyond GET, HEAD and POST",
				covers:  allowedWith(func(res *Result) bool { return !safelisted(method(res)) }),
				probes:  requests(origins, []string{"PATCH"}, "")})
		}
		for _, m := range r.Methods {
			out = append(out, itemCheck{key: key + "method " + m, what: fmt.Sprintf("method %s of %s", m, at),
				missing: "no allowed case uses it",
				covers:  allowedWith(func(res *Result) bool { return method(res) == m }),
				probes:  requests(origins, []string{m}, "")})
		}
		if r.AnyHeader {
			out = append(out, itemCheck{key: key + "headers any", what: "headers any of " + at,
				missing: "no allowed preflight asks for a header",
				covers:  allowedWith(func(res *Result) bool { return len(requested(res)) > 0 }),
				probes:  requests(origins, methods, "x-witness")})
		}
		for _, h := range r.Headers {
			out = append(out, itemCheck{key: key + "header " + h, what: fmt.Sprintf("header %s of %s", h, at),
				missing: "no allowed preflight asks for it",
				covers:  allowedWith(func(res *Result) bool { return slices.Contains(requested(res), h) }),
				probes:  requests(origins, methods, h)})
		}
	}
	return append(out, regionsOf(t, classes)...)
}

// regionsOf returns the decision regions of a table: each cell an origin
// class leads to, times the methods its allow rules grant (or once, for a
// cell that grants nothing). A region is known across builds by the rules
// of its cell and its method.
func regionsOf(t *compile.Table, classes []compile.Class) []itemCheck {
	var out []itemCheck
	seen := map[*compile.Cell]bool{}
	for _, class := range classes {
		cell := class.Cell
		if seen[cell] {
			continue
		}
		seen[cell] = true
		var rules []string
		for _, r := range slices.Concat(cell.Allow, cell.Deny) {
			rules = append(rules, r.Pos.String())
		}
		slices.Sort(rules)
		key := "region " + strings.Join(rules, " ") + " "
		in := func(res *Result) bool {
			c, ok := t.Lookup(res.Origin)
			return res.Origin != "" && ok && c == cell
		}
		methods := cellMethods(cell)
		if len(methods) == 0 {
			out = append(out, itemCheck{key: key, what: "region " + class.Label, missing: "no case comes from it",
				covers: in, probes: []probe{probeFor(class.Witness, "/", "GET", "")}})
			continue
		}
		for _, m := range methods {
			// The paths of the rules that grant m, those naming origins
			// before those of any, so that the witness tests the rules
			// that set the region apart.
			var named, anyOrigin []*compile.Rule
			for _, r := range cell.Allow {
				switch {
				case !grants(r, m):
				case r.Any:
					anyOrigin = append(anyOrigin, r)
				default:
					named = append(named, r)
				}
			}
			var paths []string
			for _, r := range slices.Concat(named, anyOrigin) {
				paths = append(paths, rulePaths(r)...)
			}
			var probes []probe
			for _, path := range paths {
				probes = append(probes, probeFor(class.Witness, path, m, ""))
			}
			out = append(out, itemCheck{key: key + m, what: fmt.Sprintf("region %s with %s", class.Label, m),
				missing: "no case covers it",
				covers:  func(res *Result) bool { return in(res) && method(res) == m }, probes: probes})
		}
	}
	return out
}

// cellMethods returns the methods the allow rules of a cell grant, sorted:
// for methods any, PATCH stands for the methods beyond those named.
func cellMethods(cell *compile.Cell) []string {
	var methods []string
	for _, r := range cell.Allow {
		methods = append(methods, r.Methods...)
		if r.AnyMethod {
			methods = append(methods, "PATCH")
		}
	}
	slices.Sort(methods)
	return slices.Compact(methods)
}

func grants(r *compile.Rule, m string) bool { return r.AnyMethod || slices.Contains(r.Methods, m) }

// ruleOrigins returns origins a rule names: one for each of its patterns,
// null, and the witnesses of the origin classes whose cells hold it.
func ruleOrigins(r *compile.Rule, classes []compile.Class) []string {
	var out []string
	for _, p := range r.Origins {
		out = append(out, originIn(p))
	}
	if r.Null {
		out = append(out, "null")
	}
	for _, c := range classes {
		if slices.Contains(c.Cell.Allow, r) || slices.Contains(c.Cell.Deny, r) {
			out = append(out, c.Witness)
		}
	}
	return slices.Compact(out)
}

// originIn returns an origin the pattern matches.
func originIn(p compile.Pattern) string {
	q := p
	if q.Wildcard {
		q.Host, q.Wildcard = "witness."+q.Host, false
	}
	if q.Port == compile.AnyPort {
		q.Port = 8081
	}
	return q.String()
}

// rulePaths returns a path for each of a rule's path patterns, or / for a
// rule that covers every path.
func rulePaths(r *compile.Rule) []string {
	if r.Paths == nil {
		return []string{"/"}
	}
	var out []string
	for _, p := range r.Paths {
		out = append(out, region.ConcretePath(p.Text))
	}
	return out
}

// ruleMethods returns the methods a request may use for a rule to decide
// it: those an allow rule grants, those a deny rule denies.
func ruleMethods(r *compile.Rule) []string {
	methods := slices.Clone(r.Methods)
	if r.AnyMethod {
		methods = append(methods, "PATCH")
	}
	if len(methods) == 0 {
		methods = []string{"GET"}
	}
	return methods
}

// witness returns a witness of the suite's build that covers the item: of
// the probes that cover it, the first the engine allows, or the first
// denied; nil when none covers it.
func witness(s *Suite, ic itemCheck) *Witness {
	var found *Result
	for _, p := range ic.probes {
		c, err := p.request()
		if err != nil {
			continue
		}
		for _, r := range s.RunCase(c) {
			if !ic.covers(&r) {
				continue
			}
			if found == nil || !found.Decision.Allowed && r.Decision.Allowed {
				found = &r
			}
		}
		if found != nil && found.Decision.Allowed {
			break
		}
	}
	if found == nil {
		return nil
	}
	return &Witness{FixtureFile: s.FixtureFile, result: *found}
}

// request returns the case of the probe's request, without expectations.
func (p probe) request() (*lang.Case, error) {
	src := "fixtures 1\n\n" + p.caseText("witness") + "}\n"
	fx, err := lang.ParseFixtures("witness.fixtures", []byte(src))
	if err != nil {
		return nil, err
	}
	return fx.Cases[0], nil
}

// caseText writes the start of a case for the probe's request: its name,
// request line and header lines.
func (p probe) caseText(name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "case %q {\n    %s %q\n    Origin %q\n", name, p.method, p.path, p.origin)
	if p.requestMethod != "" {
		fmt.Fprintf(&b, "    Access-Control-Request-Method %q\n", p.requestMethod)
	}
	if p.requestHeaders != "" {
		fmt.Fprintf(&b, "    Access-Control-Request-Headers %q\n", p.requestHeaders)
	}
	return b.String()
}

// caseText writes the witness case: a comment naming the items it covers,
// the request, and the engine's answer as expectations.
func (w *Witness) caseText() string {
	r := &w.result
	p := probe{method: r.Request.Method, path: r.Request.Path, origin: r.Origin}
	if r.Decision.Kind == eval.Preflight {
		p.requestMethod = r.Request.RequestMethod[0]
		p.requestHeaders = strings.Join(r.Request.RequestHeaders, ",")
	}
	var b strings.Builder
	for _, it := range w.Covers {
		fmt.Fprintf(&b, "# Covers %s.\n", it.What)
	}
	name := p.origin + " " + p.path + " " + cmp.Or(p.requestMethod, p.method)
	if p.requestHeaders != "" {
		name += " with " + p.requestHeaders
	}
	b.WriteString(p.caseText(name))
	fmt.Fprintf(&b, "\n    expect %s\n", verdictWord(&r.Decision))
	if !r.Decision.Allowed {
		fmt.Fprintf(&b, "    expect check %s\n", checkName(r.Decision.Failed))
	}
	for _, rule := range r.Decision.Rules {
		fmt.Fprintf(&b, "    expect rule %s\n", strconv.Itoa(rule.Pos.Line))
	}
	b.WriteString("}\n")
	return b.String()
}

// method returns the method a result's request asked for: the requested one
// of a preflight, the request's own otherwise.
func method(res *Result) string {
	if res.Decision.Kind == eval.Preflight && len(res.Request.RequestMethod) == 1 {
		return res.Request.RequestMethod[0]
	}
	return res.Request.Method
}

// requested returns the lower-case request header names a preflight asked for.
func requested(res *Result) []string {
	if res.Decision.Kind != eval.Preflight {
		return nil
	}
	var out []string
	for _, line := range res.Request.RequestHeaders {
		for _, n := range strings.Split(line, ",") {
			if n = strings.ToLower(strings.TrimSpace(n)); n != "" {
				out = append(out, n)
			}
		}
	}
	return out
}

func safelisted(m string) bool { return m == "GET" || m == "HEAD" || m == "POST" }

// FixtureFor returns the fixture file beside a policy file: NAME.fixtures
// for NAME.cors.
func FixtureFor(policyFile string) string {
	return strings.TrimSuffix(policyFile, ".cors") + ".fixtures"
}

// FixturesFor returns the fixture files that test the policy file, the
// inverse of PolicyFor: NAME.fixtures and every NAME.LABEL.fixtures beside
// NAME.cors that PolicyFor maps back to it, sorted.
func FixturesFor(policyFile string) ([]string, error) {
	dir, name := filepath.Split(policyFile)
	base := strings.TrimSuffix(name, ".cors")
	entries, err := os.ReadDir(filepath.Clean(dir + "."))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		label, ok := strings.CutPrefix(e.Name(), base)
		if !ok || !strings.HasSuffix(label, ".fixtures") {
			continue
		}
		label = strings.TrimSuffix(label, ".fixtures")
		if label != "" && (label[0] != '.' || len(label) == 1 || strings.Contains(label[1:], ".")) {
			continue
		}
		if path := dir + e.Name(); PolicyFor(path) == policyFile {
			out = append(out, path)
		}
	}
	return out, nil // ReadDir sorts by name
}

// PolicyFor returns the policy file a fixture file tests: NAME.cors for
// NAME.fixtures, and for NAME.LABEL.fixtures too, when there is no
// NAME.LABEL.cors, so that one policy can have a fixture file per build
// (api.fixtures, api.dev.fixtures).
func PolicyFor(fixtureFile string) string {
	base := strings.TrimSuffix(fixtureFile, ".fixtures")
	if _, err := os.Stat(base + ".cors"); err == nil {
		return base + ".cors"
	}
	if i := strings.LastIndexByte(base, '.'); i > strings.LastIndexAny(base, `/\`) {
		if _, err := os.Stat(base[:i] + ".cors"); err == nil {
			return base[:i] + ".cors"
		}
	}
	return base + ".cors"
}

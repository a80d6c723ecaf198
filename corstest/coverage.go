package corstest

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/eval"
)

// Coverage is what a suite's cases exercised of its policy.
type Coverage struct {
	Items     int      // rules, origin patterns, method and header grants, regions
	Covered   int      // of them exercised by some case
	Uncovered []string // one line each, in policy order
	// Witnesses holds, for each region no case visited, a case ready to
	// paste into the fixture file, its expectation the engine's answer.
	Witnesses []string
}

// Percent returns the covered share of the items.
func (c *Coverage) Percent() float64 {
	if c.Items == 0 {
		return 100
	}
	return 100 * float64(c.Covered) / float64(c.Items)
}

// Cover computes the coverage of results, the outcome of s.Run.
//
// It counts: every rule, which some case must have decided; every origin
// pattern, which some case's origin must match; every method and request
// header an allow rule grants, which some allowed case must have used with
// that rule deciding; and every decision region, the origin classes the
// table tells apart times the methods their rules grant, which some case
// must have visited. For a region no case visits it writes a witness case.
func (s *Suite) Cover(results []Result) *Coverage {
	cov := &Coverage{}
	item := func(ok bool, format string, args ...any) {
		cov.Items++
		if ok {
			cov.Covered++
		} else {
			cov.Uncovered = append(cov.Uncovered, fmt.Sprintf(format, args...))
		}
	}
	decided := func(r *compile.Rule, pred func(res *Result) bool) bool {
		return slices.ContainsFunc(results, func(res Result) bool {
			return slices.Contains(res.Decision.Rules, r) && (pred == nil || pred(&res))
		})
	}
	for _, r := range s.Table.Rules {
		at := fmt.Sprintf("the %s rule at %d:%d", r.Effect, r.Pos.Line, r.Pos.Column)
		item(decided(r, nil), "%s rule at %d:%d: it decides no case", r.Effect, r.Pos.Line, r.Pos.Column)
		for _, p := range r.Origins {
			item(slices.ContainsFunc(results, func(res Result) bool { return p.Matches(res.Origin) }),
				"origin pattern %s of %s: no case's origin matches it", p, at)
		}
		if r.Null {
			item(slices.ContainsFunc(results, func(res Result) bool { return res.Origin == "null" }),
				"null of %s: no case comes from the null origin", at)
		}
		if r.Effect != compile.Allow {
			continue
		}
		if r.AnyMethod {
			item(decided(r, func(res *Result) bool { return res.Decision.Allowed && !safelisted(method(res)) }),
				"methods any of %s: no allowed case uses a method beyond GET, HEAD and POST", at)
		}
		for _, m := range r.Methods {
			item(decided(r, func(res *Result) bool { return res.Decision.Allowed && method(res) == m }),
				"method %s of %s: no allowed case uses it", m, at)
		}
		if r.AnyHeader {
			item(decided(r, func(res *Result) bool { return res.Decision.Allowed && len(requested(res)) > 0 }),
				"headers any of %s: no allowed preflight asks for a header", at)
		}
		for _, h := range r.Headers {
			item(decided(r, func(res *Result) bool { return res.Decision.Allowed && slices.Contains(requested(res), h) }),
				"header %s of %s: no allowed preflight asks for it", h, at)
		}
	}
	s.coverRegions(results, cov, item)
	return cov
}

// coverRegions counts the decision regions: each cell of the table that an
// origin class leads to, times the methods its allow rules grant (or once,
// for a cell that grants nothing).
func (s *Suite) coverRegions(results []Result, cov *Coverage, item func(bool, string, ...any)) {
	visited := map[*compile.Cell]map[string]bool{}
	for _, res := range results {
		if res.Origin == "" {
			continue
		}
		if c, ok := s.Table.Lookup(res.Origin); ok {
			if visited[c] == nil {
				visited[c] = map[string]bool{}
			}
			visited[c][method(&res)] = true
			visited[c][""] = true
		}
	}
	seen := map[*compile.Cell]bool{}
	for _, class := range s.Table.Classes() {
		if seen[class.Cell] {
			continue
		}
		seen[class.Cell] = true
		var methods []string
		var path string
		for _, r := range class.Cell.Allow {
			methods = append(methods, r.Methods...)
			if r.AnyMethod {
				methods = append(methods, "PATCH")
			}
			if path == "" && r.Paths != nil {
				path = concretePath(r.Paths[0].Text)
			}
		}
		if path == "" {
			path = "/"
		}
		slices.Sort(methods)
		methods = slices.Compact(methods)
		if len(methods) == 0 {
			ok := visited[class.Cell][""]
			item(ok, "region %s: no case comes from it (witness %s)", class.Label, class.Witness)
			if !ok {
				cov.Witnesses = append(cov.Witnesses, s.witness(class, "GET", path))
			}
			continue
		}
		for _, m := range methods {
			ok := visited[class.Cell][m]
			item(ok, "region %s with %s: no case covers it (witness %s)", class.Label, m, class.Witness)
			if !ok {
				cov.Witnesses = append(cov.Witnesses, s.witness(class, m, path))
			}
		}
	}
}

// witness writes a case for a request from the class's witness origin with
// method m: a preflight for a method that needs one, an actual request
// otherwise; its expectations are what the engine answers.
func (s *Suite) witness(class compile.Class, m, path string) string {
	reqMethod := m
	header := http.Header{"Origin": {class.Witness}}
	if !safelisted(m) {
		reqMethod = "OPTIONS"
		header.Set("Access-Control-Request-Method", m)
	}
	hr := &http.Request{Method: reqMethod, Header: header}
	hr.URL = mustURL(path)
	req := eval.RequestOf(hr)
	d := eval.Evaluate(s.Table, &req)
	var b strings.Builder
	fmt.Fprintf(&b, "case %q {\n    %s %q\n    Origin %q\n", class.Witness+" "+m, reqMethod, path, class.Witness)
	if reqMethod == "OPTIONS" {
		fmt.Fprintf(&b, "    Access-Control-Request-Method %q\n", m)
	}
	fmt.Fprintf(&b, "\n    expect %s\n", verdictWord(&d))
	for _, r := range d.Rules {
		fmt.Fprintf(&b, "    expect rule %d\n", r.Pos.Line)
	}
	b.WriteString("}\n")
	return b.String()
}

// concretePath returns a path that the glob matches.
func concretePath(glob string) string {
	return strings.ReplaceAll(strings.ReplaceAll(glob, "**", "x"), "*", "x")
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

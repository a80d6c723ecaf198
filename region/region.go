// Package region divides the requests a compiled policy can be asked into
// decision regions, and names one witness request for each.
//
// A region is a set of requests that a policy's decision table cannot tell
// apart: the same origin class (Table.Classes), the same path as the rules
// see it, the same kind of request and method, and the same answer to the
// questions the engine asks of what else the request carries (credentials,
// request headers, private network access). Tools that compare two answers
// region by region, rather than request by request, use Enumerate: the
// drift check of corsfmt probe sends each witness to a live service and
// compares its answer with the engine's.
package region

import (
	"slices"
	"strings"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/eval"
)

// Kinds of witness request.
const (
	NotCORS   = "no Origin" // a request without an Origin header
	Actual    = "actual"    // a request with an Origin header that is not a preflight
	Preflight = "preflight" // OPTIONS with Origin and Access-Control-Request-Method
)

// Variants of a witness: what it carries besides its origin, path and method.
const (
	Plain           = ""
	Credentials     = "credentials"      // an actual request with a Cookie header
	UngrantedHeader = "ungranted header" // a preflight asking for UngrantedHeaderName
	Authorization   = "authorization"    // a preflight asking for Authorization
	PrivateNetwork  = "private network"  // a preflight asking for private network access
	// A preflight asking for the headers one rule grants is labelled
	// "headers " and the names, comma-separated.
)

// Header names the witnesses ask for that no policy is likely to name.
const (
	UngrantedHeaderName = "x-corsfmt-ungranted"
	AnyHeaderName       = "x-corsfmt-any" // asked of a rule that grants headers any
)

// Region is one decision region and its witness request.
type Region struct {
	Class   string // the origin class's label (compile.Class.Label), or NotCORS
	Path    string // a concrete request path
	Kind    string // NotCORS, Actual or Preflight
	Method  string // the request's method; for a preflight the method it asks for
	Variant string // Plain, Credentials, UngrantedHeader, Authorization, PrivateNetwork, or "headers ..."

	// Witness is a request of the region, as eval.Evaluate reads it: a
	// preflight has Method OPTIONS and RequestMethod set; Credentials means
	// the request carries a Cookie header.
	Witness eval.Request
}

// String names the region in one line: "class | path | kind method | variant".
func (r Region) String() string {
	s := r.Class + " | " + r.Path + " | " + r.Kind
	if r.Kind != NotCORS {
		s += " " + r.Method
	}
	if r.Variant != "" {
		s += " | " + r.Variant
	}
	return s
}

// Enumerate returns the decision regions of the policy compiled in t, each
// with a witness request, in a stable order: by path, then origin class, then
// method and variant. No two regions have the same witness.
//
// The regions are the product of:
//   - the paths: "/" and, for each path pattern a rule names, a concrete
//     path it matches (ConcretePath);
//   - the origin classes of t.Classes(), and a request without Origin once
//     per path;
//   - where some allow rule of the class's cell covers the path: every
//     method those rules grant, every method a deny rule there names, and
//     one method none grants (the first of PUT, DELETE, PATCH, POST and
//     "patch", which browsers send as written, that is not granted; none
//     when a rule grants any method); each as an actual
//     request without and with credentials, and as a preflight asking for no
//     header; then, for each covering rule, a preflight asking for the
//     request headers it names (or, for headers any, AnyHeaderName), and
//     once a preflight asking for an ungranted header, one asking for
//     Authorization and one asking for private network access, each for
//     the first method the first covering rule grants, preferring one that
//     needs a preflight;
//   - where no allow rule of the cell covers the path: an actual GET and a
//     preflight for PUT, which the policy denies alike.
//
// The answers come from eval.Evaluate, never from this package: the
// witnesses only make sure every question the engine asks is asked.
func Enumerate(t *compile.Table) []Region {
	e := enumerator{seen: map[string]bool{}}
	classes := t.Classes()
	for _, path := range paths(t) {
		e.add(Region{Class: NotCORS, Path: path, Kind: NotCORS, Method: "GET",
			Witness: eval.Request{Method: "GET", Path: path}})
		for _, c := range classes {
			e.class(c, path)
		}
	}
	return e.out
}

type enumerator struct {
	out  []Region
	seen map[string]bool // witnesses already listed, by key
}

// add lists r unless a region with the same witness is listed.
func (e *enumerator) add(r Region) {
	w := r.Witness
	key := strings.Join([]string{w.Method, w.Path, strings.Join(w.Origin, "\n"), strings.Join(w.RequestMethod, ","),
		strings.Join(w.RequestHeaders, "\n"), w.PrivateNetwork, boolKey(w.Credentials)}, "\x00")
	if e.seen[key] {
		return
	}
	e.seen[key] = true
	e.out = append(e.out, r)
}

func boolKey(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// class lists the regions of one origin class on one path.
func (e *enumerator) class(c compile.Class, path string) {
	origin := []string{c.Witness}
	actual := func(method, variant string, creds bool) {
		e.add(Region{Class: c.Label, Path: path, Kind: Actual, Method: method, Variant: variant,
			Witness: eval.Request{Method: method, Path: path, Origin: origin, Credentials: creds}})
	}
	preflight := func(method, variant string, headers []string, pna string) {
		e.add(Region{Class: c.Label, Path: path, Kind: Preflight, Method: method, Variant: variant,
			Witness: eval.Request{Method: "OPTIONS", Path: path, Origin: origin, RequestMethod: []string{method},
				RequestHeaders: headers, PrivateNetwork: pna}})
	}
	var covering []*compile.Rule
	for _, r := range c.Cell.Allow {
		if r.CoversPath(path) {
			covering = append(covering, r)
		}
	}
	if len(covering) == 0 {
		actual("GET", Plain, false)
		preflight("PUT", Plain, nil, "")
		return
	}
	var methods []string
	anyMethod := false
	for _, r := range covering {
		methods = append(methods, r.Methods...)
		if r.AnyMethod {
			anyMethod = true
			methods = append(methods, "PATCH")
		}
	}
	for _, r := range c.Cell.Deny {
		if r.CoversPath(path) {
			methods = append(methods, r.Methods...)
		}
	}
	if !anyMethod {
		for _, m := range []string{"PUT", "DELETE", "PATCH", "POST", "patch"} {
			if !slices.Contains(methods, m) {
				methods = append(methods, m)
				break
			}
		}
	}
	slices.Sort(methods)
	methods = slices.Compact(methods)
	for _, m := range methods {
		actual(m, Plain, false)
		actual(m, Credentials, true)
		preflight(m, Plain, nil, "")
	}
	for _, r := range covering {
		m := preflightMethod(r)
		switch {
		case r.AnyHeader:
			preflight(m, "headers "+AnyHeaderName, []string{AnyHeaderName}, "")
		case len(r.Headers) > 0:
			list := strings.Join(r.Headers, ",")
			preflight(m, "headers "+list, []string{list}, "")
		}
	}
	m := preflightMethod(covering[0])
	preflight(m, UngrantedHeader, []string{UngrantedHeaderName}, "")
	preflight(m, Authorization, []string{"authorization"}, "")
	preflight(m, PrivateNetwork, nil, "true")
}

// preflightMethod returns the first method the rule grants that needs a
// preflight, or else its first method: the method a witness asking for
// more than a method uses.
func preflightMethod(r *compile.Rule) string {
	if r.AnyMethod {
		return "PATCH"
	}
	for _, m := range r.Methods {
		if m != "GET" && m != "HEAD" && m != "POST" {
			return m
		}
	}
	if len(r.Methods) > 0 {
		return r.Methods[0]
	}
	return "GET"
}

// paths returns "/" and a concrete path for every path pattern of the
// rules, in rule order, without repeats.
func paths(t *compile.Table) []string {
	out := []string{"/"}
	for _, r := range t.Rules {
		for _, p := range r.Paths {
			if c := ConcretePath(p.Text); !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// ConcretePath returns a request path that the path pattern glob matches:
// every "**" segment and every "*" replaced by "x".
func ConcretePath(glob string) string {
	return strings.ReplaceAll(strings.ReplaceAll(glob, "**", "x"), "*", "x")
}

package compile

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestHeaderRules checks the Access-Control-Request-Headers rule a cell
// applies to each name: compared without regard to case, a non-token never
// covered, Authorization covered by name only, the same with a short list
// (searched in place) and a long one (hashed). The rule under test is the
// second of its cell, after one that grants nothing, so that the test also
// checks which bit answers.
func TestHeaderRules(t *testing.T) {
	long := "x-" + strings.Repeat("l", 200) // past the stack buffer
	short := []string{"authorization", "content-type", long}
	many := append([]string{"x-a", "x-b", "x-c", "x-d", "x-e", "x-f", "x-g"}, short...)
	for _, names := range [][]string{short, many} {
		for _, any := range []bool{false, true} {
			c := &Cell{Allow: []*Rule{{}, {Headers: names, AnyHeader: any}}}
			c.index()
			t.Run(fmt.Sprintf("%d names, any %v", len(names), any), func(t *testing.T) {
				for _, tc := range []struct {
					name string
					want bool
				}{
					{"content-type", true},
					{"Content-Type", true},
					{"CONTENT-TYPE", true},
					{"authorization", true},
					{"Authorization", true},
					{long, true},
					{strings.ToUpper(long), true},
					{"content-typ", any},
					{"content-types", any},
					{"x-other", any},
					{"x-" + strings.Repeat("m", 200), any},
					{"", false},
					{"content type", false}, // not a token
					{"content-type\x00", false},
					{"content:type", false},
					{"content^type", any}, // a token, and not content~type folded
				} {
					want := uint64(0)
					if tc.want {
						want = 0b10
					}
					if got := c.HeaderRules(tc.name); got != want {
						t.Errorf("HeaderRules(%.40q) = %b, want %b", tc.name, got, want)
					}
				}
			})
		}
		// Authorization is never covered by any alone.
		c := &Cell{Allow: []*Rule{{Headers: []string{"x-a"}, AnyHeader: true}}}
		c.index()
		for _, name := range []string{"authorization", "Authorization", "AUTHORIZATION"} {
			if c.HeaderRules(name) != 0 {
				t.Errorf("any covers %q", name)
			}
		}
	}
}

// TestMethodRules checks the mask of allow rules a cell gives for each
// method against the rules' lists, compared byte for byte: each method the
// cell indexes in its array of common methods has its own mask, and the
// others are found by name.
func TestMethodRules(t *testing.T) {
	lists := [][]string{{"GET"}, {"HEAD", "POST"}, {"PUT"}, {"DELETE"}, {"PATCH"}, {"OPTIONS"},
		{"patch", "PROPFIND"}, nil, {"GET", "PUT", "DELETE", "PATCH"}}
	c := &Cell{}
	for _, l := range lists {
		c.Allow = append(c.Allow, &Rule{Methods: l, AnyMethod: l == nil})
	}
	c.index()
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "patch", "PROPFIND", "get", "Put", "MKCOL"} {
		var want uint64
		for i, r := range c.Allow {
			if r.AnyMethod || slices.Contains(r.Methods, m) {
				want |= 1 << i
			}
		}
		if got := c.MethodRules(m); got != want {
			t.Errorf("MethodRules(%q) = %09b, want %09b", m, got, want)
		}
	}
}

// TestCombine checks, one line of SPEC.md's table at a time, what rules
// that each grant a request answer together: unions of methods and names
// (exposed names folded, as written first), the smallest max age among
// those that set one, 200 when one asks for it, credentials when one
// grants them, "*" only without credentials, and the methods of deny rules
// on the path taken out of Allow-Methods.
func TestCombine(t *testing.T) {
	rule := func(set func(*Rule)) *Rule {
		r := &Rule{MaxAge: -1}
		set(r)
		return r
	}
	type answer struct {
		methods, headers, expose, maxAge string
		status                           int
		credentials, public, echoMethod  bool
	}
	for _, tc := range []struct {
		name        string
		allow, deny []*Rule
		want        answer
	}{
		{"the smallest max age among the rules that set one",
			[]*Rule{rule(func(r *Rule) { r.MaxAge = 7200 }), rule(func(r *Rule) { r.MaxAge = 600 }), rule(func(*Rule) {})},
			nil, answer{maxAge: "600", status: 204}},
		{"max-age 0s is a max age",
			[]*Rule{rule(func(r *Rule) { r.MaxAge = 600 }), rule(func(r *Rule) { r.MaxAge = 0 })},
			nil, answer{maxAge: "0", status: 204}},
		{"200 when one rule asks for it",
			[]*Rule{rule(func(r *Rule) { r.Status = 204 }), rule(func(r *Rule) { r.Status = 200 })},
			nil, answer{status: 200}},
		{"methods united and sorted, the denied ones not offered",
			[]*Rule{rule(func(r *Rule) { r.Methods = []string{"PUT", "GET"} }), rule(func(r *Rule) { r.Methods = []string{"DELETE", "GET"} })},
			[]*Rule{rule(func(r *Rule) { r.Methods = []string{"DELETE"} })},
			answer{methods: "GET, PUT", status: 204}},
		{"request headers united, lower-case",
			[]*Rule{rule(func(r *Rule) { r.Headers = []string{"x-b", "x-a"} }), rule(func(r *Rule) { r.Headers = []string{"x-a", "content-type"} })},
			nil, answer{headers: "content-type, x-a, x-b", status: 204}},
		{"exposed names united without regard to case, as first written",
			[]*Rule{rule(func(r *Rule) { r.Expose = []string{"X-Total"} }), rule(func(r *Rule) { r.Expose = []string{"x-total", "X-Id"} })},
			nil, answer{expose: "X-Id, X-Total", status: 204}},
		{"credentials when one rule grants them",
			[]*Rule{rule(func(*Rule) {}), rule(func(r *Rule) { r.Credentials = true })},
			nil, answer{status: 204, credentials: true}},
		{"any origin, method, header and exposed name: stars",
			[]*Rule{rule(func(r *Rule) { r.Any, r.AnyMethod, r.AnyHeader, r.AnyExpose = true, true, true, true })},
			nil, answer{methods: "*", headers: "*", expose: "*", status: 204, public: true}},
		{"headers any beside Authorization",
			[]*Rule{rule(func(r *Rule) { r.AnyHeader, r.Headers = true, []string{"authorization"} })},
			nil, answer{headers: "*, authorization", status: 204}},
		{"with credentials, no star: the named grants, and the method asked for",
			[]*Rule{rule(func(r *Rule) {
				r.AnyMethod, r.AnyHeader, r.Headers, r.Expose, r.Credentials = true, true, []string{"authorization"}, []string{"X-Id"}, true
			})},
			nil, answer{headers: "authorization", expose: "X-Id", status: 204, credentials: true, echoMethod: true}},
		{"methods any beside a deny on the path: the method asked for",
			[]*Rule{rule(func(r *Rule) { r.AnyMethod = true })},
			[]*Rule{rule(func(r *Rule) { r.Methods = []string{"DELETE"} })},
			answer{status: 204, echoMethod: true}},
		{"public only when every rule names any",
			[]*Rule{rule(func(r *Rule) { r.Any = true }), rule(func(*Rule) {})},
			nil, answer{status: 204}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := combine(tc.allow, tc.deny)
			got := answer{g.AllowMethods, g.AllowHeaders, g.ExposeHeaders, g.MaxAgeValue, g.Status, g.Credentials, g.Public, g.EchoMethod}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// TestHeaderListRules holds the lists a cell knows to the rule they stand
// for: the rules that grant a browser's list of names are those that grant
// each name, and a list that is not a set of the granted names, in
// Fetch's form, is left to be read name by name.
func TestHeaderListRules(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	pool := []string{"authorization", "content-type", "x-a", "x-b", "x-request-id", "traceparent", "x-" + strings.Repeat("l", 900)}
	for range 300 {
		c := &Cell{}
		for range 1 + rng.IntN(4) {
			r := &Rule{AnyHeader: rng.IntN(4) == 0}
			for _, n := range pool {
				if rng.IntN(3) == 0 {
					r.Headers = append(r.Headers, n)
				}
			}
			c.Allow = append(c.Allow, r)
		}
		c.index()
		var granted []string
		for _, h := range c.masks.headers.list {
			granted = append(granted, h.name)
		}
		slices.Sort(granted)
		for set := 1; set < 1<<len(pool); set++ {
			var names []string
			want := ^uint64(0)
			for i, n := range pool {
				if set&(1<<i) != 0 {
					names = append(names, n)
					want &= c.HeaderRules(n)
				}
			}
			slices.Sort(names)
			list := strings.Join(names, ",")
			got, ok := c.HeaderListRules(list)
			known := len(granted) <= maxListedSets && len(list) <= maxListedSetBytes &&
				!slices.ContainsFunc(names, func(n string) bool { return !slices.Contains(granted, n) })
			if ok != known || ok && got != want {
				t.Fatalf("granted %q: HeaderListRules(%.60q) = %b, %v; want %b, %v", granted, list, got, ok, want, known)
			}
			if _, ok := c.HeaderListRules(strings.ToUpper(list)); ok && list != strings.ToUpper(list) {
				t.Fatalf("HeaderListRules knows %q in upper case", list)
			}
		}
	}
}

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
		for _, h := range c.masks.headers {
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

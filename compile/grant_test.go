package compile

import (
	"fmt"
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

package compile

import (
	"fmt"
	"strings"
	"testing"
)

// TestAllowsHeader checks the Access-Control-Request-Headers rule a grant
// applies to each name: compared without regard to case, a non-token never
// covered, Authorization covered by name only, the same with a short list
// (searched in place) and a long one (hashed).
func TestAllowsHeader(t *testing.T) {
	long := "x-" + strings.Repeat("l", 200) // past the stack buffer
	short := []string{"authorization", "content-type", long}
	many := append([]string{"x-a", "x-b", "x-c", "x-d", "x-e", "x-f", "x-g"}, short...)
	for _, names := range [][]string{short, many} {
		for _, any := range []bool{false, true} {
			g := combine([]*Rule{{Headers: names, AnyHeader: any}}, nil)
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
					if got := g.AllowsHeader(tc.name); got != tc.want {
						t.Errorf("AllowsHeader(%.40q) = %v, want %v", tc.name, got, tc.want)
					}
				}
			})
		}
		// Authorization is never covered by any alone.
		g := combine([]*Rule{{Headers: []string{"x-a"}, AnyHeader: true}}, nil)
		for _, name := range []string{"authorization", "Authorization", "AUTHORIZATION"} {
			if g.AllowsHeader(name) {
				t.Errorf("any covers %q", name)
			}
		}
	}
}

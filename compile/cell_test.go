package compile

import (
	"fmt"
	"strings"
	"testing"
)

// TestCellLimit compiles policies whose rules all match one origin, at the
// limit of MaxCellRules allow rules and method-scoped deny rules and one
// past it: at the limit the policy compiles and the last rule answers for
// itself, on bit 63 of the masks; past it the policy is refused with C016.
func TestCellLimit(t *testing.T) {
	policy := func(allows, denies int) string {
		var b strings.Builder
		b.WriteString("cors 1\n\npolicy p {\n")
		for i := range allows {
			fmt.Fprintf(&b, "    allow \"https://app.example.com\" {\n        paths   \"/%d/**\"\n        headers \"X-%d\"\n    }\n\n", i, i)
		}
		for i := range denies {
			fmt.Fprintf(&b, "    deny \"https://app.example.com\" {\n        paths   \"/%d/**\"\n        methods \"DELETE\"\n    }\n\n", i)
		}
		b.WriteString("}\n")
		return b.String()
	}
	for _, tc := range []struct {
		allows, denies int
		ok             bool
	}{
		{MaxCellRules, MaxCellRules, true},
		{MaxCellRules + 1, 0, false},
		{0, MaxCellRules + 1, false},
	} {
		t.Run(fmt.Sprintf("%d allow rules, %d scoped deny rules", tc.allows, tc.denies), func(t *testing.T) {
			prog, err := CompileSource("limit.cors", []byte(policy(tc.allows, tc.denies)), Options{})
			if !tc.ok {
				if errorCode(err) != CodeTooManyRules {
					t.Fatalf("got %v; want %s", err, CodeTooManyRules)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tab, _ := prog.Policy("p")
			c, _ := tab.Lookup("https://app.example.com")
			if len(c.Allow) != tc.allows || len(c.Scoped) != tc.denies {
				t.Fatalf("the cell holds %d allow and %d scoped deny rules", len(c.Allow), len(c.Scoped))
			}
			last := uint64(1) << (MaxCellRules - 1)
			if got := c.Covering("/63/x") & c.HeaderRules("X-63"); got != last {
				t.Errorf("the rule on /63/** granting X-63 has mask %x, want %x", got, last)
			}
			if got := c.ScopedCovering("/63/x"); got != last {
				t.Errorf("the deny rule on /63/** has mask %x, want %x", got, last)
			}
		})
	}
}

// TestLargeCellGrants checks that a cell of more rules than are combined
// when the table is built answers every combination of its allow rules and
// method-scoped deny rules as combine computes it afresh. Each deny rule
// takes away its own method, so that every combination has its own
// Allow-Methods; the combinations of one allow mask are 32, enough to meet
// in the cache's slots, so that it must key a grant by both masks.
func TestLargeCellGrants(t *testing.T) {
	const allows, denies = 3, 5
	var b strings.Builder
	b.WriteString("cors 1\n\npolicy p {\n")
	for i := range allows {
		fmt.Fprintf(&b, "    allow \"https://app.example.com\" {\n        methods \"GET\", \"M0\", \"M1\", \"M2\", \"M3\", \"M4\"\n        max-age %ds\n    }\n\n", i+1)
	}
	for i := range denies {
		fmt.Fprintf(&b, "    deny \"https://app.example.com\" {\n        paths   \"/%d/**\"\n        methods \"M%d\"\n    }\n\n", i, i)
	}
	b.WriteString("}\n")
	prog, err := CompileSource("large.cors", []byte(b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tab, _ := prog.Policy("p")
	c, _ := tab.Lookup("https://app.example.com")
	if c.grants != nil || len(c.Allow) != allows || len(c.Scoped) != denies {
		t.Fatalf("a cell of %d allow and %d scoped deny rules, precomputed %v; the test needs %d and %d, computed on use",
			len(c.Allow), len(c.Scoped), c.grants != nil, allows, denies)
	}
	for round := range 2 {
		for allow := range uint64(1) << allows {
			for scoped := range uint64(1) << denies {
				got, want := c.Grant(allow, scoped), combine(pick(c.Allow, allow), pick(c.Scoped, scoped))
				if got.AllowMethods != want.AllowMethods || got.MaxAgeValue != want.MaxAgeValue || len(got.Rules) != len(want.Rules) {
					t.Fatalf("round %d, allow %b, scoped %b: Allow-Methods %q, max age %q, %d rules; want %q, %q, %d",
						round, allow, scoped, got.AllowMethods, got.MaxAgeValue, len(got.Rules), want.AllowMethods, want.MaxAgeValue, len(want.Rules))
				}
			}
		}
	}
}

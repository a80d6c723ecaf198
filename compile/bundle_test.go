package compile

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/corspolicy/cors/internal/randompolicy"
	"github.com/corspolicy/cors/lang"
)

// inlineBundles rewrites a parsed file's rules as they stand for their
// bundles: the grants clause gone, and in its place the clauses of the
// bundle that the rule does not write itself. The file's own bundles only.
func inlineBundles(f *lang.File) {
	bundles := map[string]*lang.Bundle{}
	for _, d := range f.Decls {
		if b, ok := d.(*lang.Bundle); ok {
			bundles[b.Name.Name] = b
		}
	}
	var rules []*lang.Rule
	for _, d := range f.Decls {
		if p, ok := d.(*lang.Policy); ok {
			for _, it := range p.Items {
				switch it := it.(type) {
				case *lang.Rule:
					rules = append(rules, it)
				case *lang.Profile:
					rules = append(rules, it.Rules...)
				}
			}
		}
	}
	for _, r := range rules {
		if r.Block == nil {
			continue
		}
		own := map[string]bool{}
		var bundle *lang.Bundle
		var clauses []lang.Clause
		for _, c := range r.Block.Clauses {
			if g, ok := c.(*lang.GrantsClause); ok {
				bundle = bundles[g.Bundle.Ref.Name]
				continue
			}
			own[lang.Keyword(c)] = true
			clauses = append(clauses, c)
		}
		if bundle == nil {
			continue
		}
		for _, c := range bundle.Block.Clauses {
			if !own[lang.Keyword(c)] {
				clauses = append(clauses, c)
			}
		}
		r.Block.Clauses = clauses
	}
}

// TestBundleIsInlined holds a rule with a bundle to the rule with the
// bundle's clauses written in it, on random policies whose rules name
// bundles and write clauses over theirs: both compile or neither does, and
// their tables are the same, the lines rules stand on aside.
func TestBundleIsInlined(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	data := make([]byte, 200)
	compared := 0
	for range 2000 {
		for i := range data {
			data[i] = byte(rng.IntN(256))
		}
		src := randompolicy.Policy(randompolicy.New(data))
		f, err := lang.Parse("p.cors", []byte(src))
		if err != nil {
			t.Fatalf("%v\n%s", err, src)
		}
		withBundles, errA := Compile(f, Options{})
		inlineBundles(f)
		var buf bytes.Buffer
		if err := lang.Fprint(&buf, f); err != nil {
			t.Fatal(err)
		}
		inlined, errB := CompileSource("p.cors", buf.Bytes(), Options{})
		if (errA == nil) != (errB == nil) {
			t.Fatalf("with bundles: %v; inlined: %v\n%s\n---\n%s", errA, errB, src, buf.String())
		}
		if errA != nil {
			continue
		}
		dump := func(p *Program) string {
			var b bytes.Buffer
			tab, _ := p.Policy("p")
			tab.Dump(&b)
			return rulePosition.ReplaceAllString(b.String(), "$1 ")
		}
		if a, b := dump(withBundles), dump(inlined); a != b {
			t.Fatalf("the tables differ:\n%s\n---\n%s\n=== with bundles\n%s\n=== inlined\n%s", src, buf.String(), a, b)
		}
		compared++
	}
	if compared < 500 {
		t.Fatalf("only %d of 2000 random policies compiled", compared)
	}
}

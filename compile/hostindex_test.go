package compile

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestHostIndex compares hostIndex.find with the rule it implements, on
// names that share suffixes and branch widely (wide nodes included):
// the node whose name is the host, or else the one with the longest name
// that the host ends with after a dot.
func TestHostIndex(t *testing.T) {
	var names []string
	add := func(host string) {
		// As the label tree does: a node for every parent too.
		labels := strings.Split(host, ".")
		for i := range labels {
			names = append(names, strings.Join(labels[i:], "."))
		}
	}
	for i := range 100 {
		add(fmt.Sprintf("tenant%03d.example.net", i))
		add(fmt.Sprintf("app%d.example.com", i*37))
	}
	for _, h := range []string{"example.co", "xample.com", "a.b.c.d.e", "b.c.d.e.f", "10.0.0.1", "[::1]", "e.example.net", "-.example.org"} {
		add(h)
	}
	x := &hostIndex{}
	nodes := map[string]*node{}
	for _, name := range names {
		if _, ok := nodes[name]; !ok {
			nodes[name] = &node{name: name}
			x.add(nodes[name])
		}
	}
	want := func(host string) (string, bool) {
		if _, ok := nodes[host]; ok {
			return host, true
		}
		best := ""
		for name := range nodes {
			if len(name) > len(best) && strings.HasSuffix(host, "."+name) {
				best = name
			}
		}
		return best, false
	}
	queries := []string{"", ".", "net", "t", "xnet", "x.net", "example.net.", "zexample.com", "a.b.c.d.e.f", "c.d.e", "1.10.0.0.1", "[::2]", "[::1]"}
	for name := range nodes {
		queries = append(queries, name, "q."+name, "q"+name, name[1:], "a.q."+name)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := "abcdeilmnoptx0123456789.-"
	for range 5000 {
		b := make([]byte, 1+rng.IntN(30))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		queries = append(queries, string(b), string(b)+".example.net", string(b)+"example.com")
	}
	for _, q := range queries {
		n, exact := x.find(q)
		got := ""
		if n != nil {
			got = n.name
		}
		if wantName, wantExact := want(q); got != wantName || exact != wantExact {
			t.Fatalf("find(%q) = %q, %v; want %q, %v", q, got, exact, wantName, wantExact)
		}
	}
	// The index must have wide nodes for this test to cover them.
	wide := 0
	var walk func(s *suffixNode)
	walk = func(s *suffixNode) {
		if s.wide != nil {
			wide++
		}
		for _, k := range s.kids {
			walk(k)
		}
	}
	walk(&x.root)
	if wide == 0 {
		t.Fatal("no node of the index is wide")
	}
}

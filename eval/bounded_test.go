package eval

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestGrantCacheBounded sends a million requests crafted to ask for as many
// different combinations of rules as they can, to a cell of twenty
// overlapping rules: the heap must stay flat. (Combinations were once kept
// in a map that was never emptied: 150 MiB per 100 000 such requests.)
func TestGrantCacheBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("a million requests; -short skips it")
	}
	var src strings.Builder
	src.WriteString("cors 1\n\npolicy api {\n")
	const rules = 20
	for i := range rules {
		// Rule i covers the paths whose first segment holds -i-.
		fmt.Fprintf(&src, "    allow \"https://app.example.com\" {\n        paths \"/*-%d-*/**\"\n        headers \"X-%d\"\n        max-age %ds\n    }\n", i, i, i+1)
	}
	src.WriteString("}\n")
	tab := compileOne(t, src.String())
	rng := rand.New(rand.NewPCG(1, 2))
	origin := []string{"https://app.example.com"}
	var path []byte
	request := func() Request {
		path = append(path[:0], "/-"...)
		bits := rng.Uint32()
		for i := range rules {
			if bits&(1<<i) != 0 {
				path = strconv.AppendInt(path, int64(i), 10)
				path = append(path, '-')
			}
		}
		path = append(path, "/x"...)
		return Request{Method: "GET", Path: string(path), Origin: origin}
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	for range 100_000 {
		r := request()
		Evaluate(tab, &r)
	}
	before := heap()
	allowed := 0
	for range 1_000_000 {
		r := request()
		if d := Evaluate(tab, &r); d.Allowed {
			allowed++
		}
	}
	after := heap()
	if allowed < 900_000 {
		t.Fatalf("only %d of 1,000,000 requests allowed: the test does not exercise the combinations", allowed)
	}
	grown := int64(after) - int64(before)
	t.Logf("heap %d KiB before, %d KiB after a million requests", before>>10, after>>10)
	if grown > 4<<20 {
		t.Errorf("the heap grew by %d MiB over a million requests; want it flat", grown>>20)
	}
}

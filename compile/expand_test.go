package compile

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/corspolicy/cors/lang"
)

// TestSetsExpandOnce compiles sets that each name the one before twice,
// forty levels deep: expanded naively, 2^40 values. Each set must be
// expanded once, without its duplicates, so compiling takes what the file
// is worth. (It took 9 s and 3 GiB for 30 levels, and killed the process at
// 32.)
func TestSetsExpandOnce(t *testing.T) {
	var src strings.Builder
	src.WriteString("cors 1\n\norigins s0 = \"https://a.example.com\"\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&src, "origins s%d = s%d, s%d\n", i, i-1, i-1)
	}
	src.WriteString("\npolicy p {\n    allow s40\n}\n")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	prog, err := CompileSource("sets.cors", []byte(src.String()), Options{})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	tab, _ := prog.Policy("p")
	if n := len(tab.Rules[0].Origins); n != 1 {
		t.Errorf("the rule has %d origins, want 1", n)
	}
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 16<<20 {
		t.Errorf("compiling a 1 KB file allocated %d MiB", allocated>>20)
	}
}

// TestExpansionLimit checks that a policy whose lists expand past the limit
// is refused with a clear error at the list that passes it, rather than
// compiled for ever.
func TestExpansionLimit(t *testing.T) {
	var src strings.Builder
	src.WriteString("cors 1\n\norigins many =\n")
	const n = 20000
	for i := range n {
		fmt.Fprintf(&src, "    \"https://a%d.example.com\",\n", i)
	}
	src.WriteString("    \"https://last.example.com\"\n\npolicy p {\n")
	for i := range MaxExpandedValues/n + 2 {
		fmt.Fprintf(&src, "    allow many { paths \"/%d\" }\n", i)
	}
	src.WriteString("}\n")
	_, err := CompileSource("big.cors", []byte(src.String()), Options{})
	list, ok := err.(lang.ErrorList)
	if !ok || len(list) != 1 || list[0].Code != CodeTooLarge || !strings.Contains(list[0].Msg, fmt.Sprint(MaxExpandedValues)) {
		t.Fatalf("got %v; want one %s error naming the limit", err, CodeTooLarge)
	}
	t.Log(list[0])
}

// TestDuplicatesThroughSets checks the duplicates a rule reports for the
// lint (R301): a value repeated in the rule's own list, in a set it names,
// or across the two, each with its literal, and no more than
// maxDuplicates of them however many the sets hold.
func TestDuplicatesThroughSets(t *testing.T) {
	var many strings.Builder
	for range 2 * maxDuplicates {
		many.WriteString(`, "https://c.example.com"`)
	}
	src := "cors 1\n\norigins twice = \"https://a.example.com\", \"https://a.example.com\"\n" +
		"origins many = \"https://c.example.com\"" + many.String() + "\n" +
		"origins more = \"https://c.example.com\"" + many.String() + "\n\n" +
		"policy p {\n" +
		"    allow twice, \"https://b.example.com\", \"https://b.example.com\", \"https://a.example.com\"\n" +
		"    allow many, more\n" +
		"    allow twice\n" +
		"}\n"
	tab := policyTable(t, "dups.cors", src, "p")
	literals := func(r *Rule) []string {
		var out []string
		for _, d := range r.Duplicates {
			out = append(out, fmt.Sprintf("%d:%d %s", d.Pos.Line, d.Pos.Column, d.Value))
		}
		return out
	}
	// The duplicate inside twice, then the rule's own two.
	if got, want := strings.Join(literals(tab.Rules[0]), "; "),
		"3:42 https://a.example.com; 8:43 https://b.example.com; 8:68 https://a.example.com"; got != want {
		t.Errorf("first rule's duplicates = %q, want %q", got, want)
	}
	if got := len(tab.Rules[1].Duplicates); got != maxDuplicates {
		t.Errorf("the rule over many and more has %d duplicates, want the bound, %d", got, maxDuplicates)
	}
	if got := literals(tab.Rules[2]); len(got) != 1 || got[0] != "3:42 https://a.example.com" {
		t.Errorf("a set alone reports %q, want its one duplicate", got)
	}
}

// TestDuplicatesInTwoSpellings checks the duplicates that only the parsed
// patterns show: two spellings of one origin, which the rule keeps once,
// where it was first written, reporting the later spellings in the order
// they were written.
func TestDuplicatesInTwoSpellings(t *testing.T) {
	src := "cors 1\n\npolicy p {\n" +
		"    allow \"https://z.example\", \"https://EXAMPLE.com\", \"https://a.example:443\", \"https://example.com\",\n" +
		"        \"https://a.example\", \"https://Example.com\"\n" +
		"}\n"
	r := policyTable(t, "spellings.cors", src, "p").Rules[0]
	var dups []string
	for _, d := range r.Duplicates {
		dups = append(dups, fmt.Sprintf("%d:%d %s", d.Pos.Line, d.Pos.Column, d.Value))
	}
	if got, want := strings.Join(dups, "; "),
		"4:80 https://example.com; 5:9 https://a.example; 5:30 https://Example.com"; got != want {
		t.Errorf("duplicates = %q, want %q", got, want)
	}
	var origins []string
	for _, p := range r.Origins {
		origins = append(origins, p.String())
	}
	if got, want := strings.Join(origins, " "), "https://a.example https://example.com https://z.example"; got != want {
		t.Errorf("origins = %q, want %q", got, want)
	}
	for origin, want := range map[string]string{"https://example.com": "4:32", "https://a.example": "4:55"} {
		n := r.At("origin " + origin)
		if n == nil {
			t.Errorf("At(%q) = nil", origin)
			continue
		}
		if got := fmt.Sprintf("%d:%d", n.Start().Line, n.Start().Column); got != want {
			t.Errorf("At(%q) points at %s, want the first spelling, at %s", origin, got, want)
		}
	}
}

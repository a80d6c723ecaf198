// Command ratios reads the output of rounds of `go test -bench` and prints
// medians of per-round ratios, which a shared, busy machine keeps far
// steadier than the raw times: the implementations of one scenario run
// back to back within a round, so a slow spell slows them alike.
//
// Peers, in one run:
//
//	for i in $(seq 10); do ./bench.test -test.run '^$' -test.bench Middleware -test.benchmem -test.benchtime 0.2s; done > rounds.txt
//	go run ./cmd/ratios rounds.txt
//
// prints, for each scenario of BenchmarkMiddleware, the median over rounds
// of ours ÷ floor, ours ÷ rscors, ours ÷ jub0bs and ours ÷ the faster peer,
// with the median ns/op, B/op and allocs/op of each implementation.
//
// Old against new:
//
//	go run ./cmd/ratios -old old.txt new.txt
//
// pairs the i-th result of every benchmark in old.txt with the i-th in
// new.txt (run the two binaries alternately, one round each, so that the
// pairs are close in time) and prints the median of new ÷ old per
// benchmark, with the medians of both.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// result is one line of benchmark output.
type result struct {
	ns, bytes, allocs float64
	hasMem            bool
	kept              float64 // kept-B, reported by the build benchmarks
	hasKept           bool
}

// results maps a benchmark name, the -N suffix removed, to its results in
// the order they were printed.
type results struct {
	order []string
	by    map[string][]result
}

var line = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(.*)$`)

func read(files []string) (*results, error) {
	rs := &results{by: map[string][]result{}}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		if err := rs.add(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		f.Close()
	}
	return rs, nil
}

func (rs *results) add(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		var res result
		res.ns, _ = strconv.ParseFloat(m[2], 64)
		fields := strings.Fields(m[3])
		for i := 0; i+1 < len(fields); i += 2 {
			v, _ := strconv.ParseFloat(fields[i], 64)
			switch fields[i+1] {
			case "B/op":
				res.bytes, res.hasMem = v, true
			case "allocs/op":
				res.allocs = v
			case "kept-B":
				res.kept, res.hasKept = v, true
			}
		}
		if _, ok := rs.by[m[1]]; !ok {
			rs.order = append(rs.order, m[1])
		}
		rs.by[m[1]] = append(rs.by[m[1]], res)
	}
	return sc.Err()
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

func medianOf(rs []result, f func(result) float64) float64 {
	xs := make([]float64, len(rs))
	for i, r := range rs {
		xs[i] = f(r)
	}
	return median(xs)
}

// ratio returns the median of the per-round ratios a ÷ b, over the rounds
// both have.
func ratio(a, b []result) float64 {
	n := min(len(a), len(b))
	xs := make([]float64, 0, n)
	for i := range n {
		if b[i].ns > 0 {
			xs = append(xs, a[i].ns/b[i].ns)
		}
	}
	return median(xs)
}

func describe(rs []result) string {
	if len(rs) == 0 {
		return "-"
	}
	s := fmt.Sprintf("%.0f ns", medianOf(rs, func(r result) float64 { return r.ns }))
	if rs[0].hasMem {
		s += fmt.Sprintf(" %.0f B %.0f allocs", medianOf(rs, func(r result) float64 { return r.bytes }),
			medianOf(rs, func(r result) float64 { return r.allocs }))
	}
	if rs[0].hasKept {
		s += fmt.Sprintf(" %.0f kept-B", medianOf(rs, func(r result) float64 { return r.kept }))
	}
	return s
}

// peers prints the per-scenario table of BenchmarkMiddleware.
func peers(w io.Writer, rs *results) {
	const prefix = "BenchmarkMiddleware/"
	var scenarios []string
	for _, name := range rs.order {
		if rest, ok := strings.CutPrefix(name, prefix); ok {
			sc, impl, _ := strings.Cut(rest, "/")
			if impl == "ours" {
				scenarios = append(scenarios, sc)
			}
		}
	}
	fmt.Fprintf(w, "%-28s %6s %6s %6s %6s  %-26s %-26s %-26s %-26s %s\n",
		"scenario", "÷floor", "÷rs", "÷jub0bs", "÷peer", "ours", "floor", "rscors", "jub0bs", "rounds")
	for _, sc := range scenarios {
		get := func(impl string) []result { return rs.by[prefix+sc+"/"+impl] }
		ours, floor, rs, jb := get("ours"), get("floor"), get("rscors"), get("jub0bs")
		// The faster peer, round by round.
		faster := make([]result, min(len(rs), len(jb)))
		for i := range faster {
			faster[i] = rs[i]
			if jb[i].ns < rs[i].ns {
				faster[i] = jb[i]
			}
		}
		fmt.Fprintf(w, "%-28s %6.2f %6.2f %6.2f %6.2f  %-26s %-26s %-26s %-26s %d\n", sc,
			ratio(ours, floor), ratio(ours, rs), ratio(ours, jb), ratio(ours, faster),
			describe(ours), describe(floor), describe(rs), describe(jb), len(ours))
	}
}

// compare prints new ÷ old for every benchmark both have.
func compare(w io.Writer, old, cur *results) {
	fmt.Fprintf(w, "%-50s %8s  %-40s %-40s %s\n", "benchmark", "new÷old", "old", "new", "pairs")
	for _, name := range cur.order {
		o, n := old.by[name], cur.by[name]
		if len(o) == 0 {
			continue
		}
		fmt.Fprintf(w, "%-50s %8.3f  %-40s %-40s %d\n", strings.TrimPrefix(name, "Benchmark"), ratio(n, o),
			describe(o), describe(n), min(len(o), len(n)))
	}
}

func main() {
	oldFile := flag.String("old", "", "compare with the results in this file, round by round")
	flag.Parse()
	cur, err := read(flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if *oldFile == "" {
		peers(os.Stdout, cur)
		return
	}
	old, err := read([]string{*oldFile})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	compare(os.Stdout, old, cur)
}

package bench

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

// BenchmarkInterleaved runs, for each scenario, the four implementations
// in turn, a block of requests each, over and over, and times every block:
// a spell of load on a shared machine, which lasts far longer than a
// block, then slows them alike, and the ratios it reports hold where the
// times of BenchmarkMiddleware, whose implementations run a fifth of a
// second apart, swing. It reports, as medians over the rounds, each
// implementation's time a request (floor-ns, ours-ns, rscors-ns,
// jub0bs-ns) and ours ÷ each in one round (ours/floor, ours/rscors,
// ours/jub0bs); ns/op is the time of one round of four blocks and means
// nothing on its own.
func BenchmarkInterleaved(b *testing.B) {
	names := []string{"floor", "ours", "rscors", "jub0bs"}
	for _, sc := range scenarios {
		b.Run(sc.name, func(b *testing.B) {
			hs := make([]http.Handler, len(names))
			for i, name := range names {
				for _, im := range impls {
					if im.name == name {
						h, err := handlerFor(sc.policy, im, nil)
						if err != nil {
							b.Fatal(err)
						}
						hs[i] = h
					}
				}
			}
			w := &rw{h: http.Header{}}
			req := sc.req
			const block = 256 // requests between two readings of the clock
			var rounds [][4]time.Duration
			for b.Loop() {
				var round [4]time.Duration
				for i, h := range hs {
					start := time.Now()
					for range block {
						clear(w.h)
						h.ServeHTTP(w, req)
					}
					round[i] = time.Since(start)
				}
				rounds = append(rounds, round)
			}
			// Medians over the rounds, of each time and of each ratio of
			// one round: a collection or a preemption that lands in one
			// block moves neither.
			median := func(f func(r [4]time.Duration) float64) float64 {
				xs := make([]float64, len(rounds))
				for j, r := range rounds {
					xs[j] = f(r)
				}
				slices.Sort(xs)
				return xs[len(xs)/2]
			}
			for i, name := range names {
				b.ReportMetric(median(func(r [4]time.Duration) float64 { return float64(r[i]) / block }), name+"-ns")
			}
			for i, name := range names {
				if name != "ours" {
					b.ReportMetric(median(func(r [4]time.Duration) float64 { return float64(r[1]) / float64(r[i]) }), "ours/"+name)
				}
			}
		})
	}
}

package eval

import (
	"math/rand/v2"
	"testing"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/internal/randompolicy"
	"github.com/google/go-cmp/cmp"
)

// byteReader, randomPolicy and randomRequest are package randompolicy's,
// which the differential tests of diff and query share.
type byteReader = randompolicy.Choices

func randomPolicy(b *byteReader) string { return randompolicy.Policy(b) }

func randomRequest(b *byteReader) Request {
	r := randompolicy.NewRequest(b)
	return Request{Method: r.Method, Path: r.Path, Origin: r.Origin, RequestMethod: r.RequestMethod,
		RequestHeaders: r.RequestHeaders, PrivateNetwork: r.PrivateNetwork, Credentials: r.Credentials}
}

// FuzzDifferential compiles random policies and answers random requests
// with both Evaluate and Reference: they must agree on the decision, the
// failed check, the deciding rules, the status and every header.
func FuzzDifferential(f *testing.F) {
	for _, seed := range []string{"", "\x01\x02\x03\x04\x05\x06\x07\x08\x09", "\xff\x00\x7f\x10\x20\x30\x40\x50\x60\x70\x80\x90"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkDifferential(t, data) })
}

// TestDifferential is FuzzDifferential over a fixed sample of random
// inputs, so that go test holds Evaluate to Reference on thousands of
// policies, not only on the fuzz target's seeds.
func TestDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 24))
	n := 3000
	if testing.Short() {
		n = 1000
	}
	compiled := 0
	for range n {
		data := make([]byte, 128)
		for i := range data {
			data[i] = byte(r.IntN(256))
		}
		if checkDifferential(t, data) {
			compiled++
		}
	}
	if compiled < n/2 {
		t.Errorf("only %d of %d random policies compile: the sample tries too little", compiled, n)
	}
}

// checkDifferential compiles the random policy data makes and answers
// eight random requests with Evaluate and Reference, which must agree on
// the decision, the failed check, the deciding rules, the status and every
// header. It reports whether the policy compiled.
func checkDifferential(t *testing.T, data []byte) bool {
	t.Helper()
	b := randompolicy.New(data)
	src := randomPolicy(b)
	prog, err := compile.CompileSource("fuzz.cors", []byte(src), compile.Options{})
	if err != nil {
		return false // e.g. any with credentials: refused, rightly
	}
	tab, _ := prog.Policy("p")
	for range 8 {
		req := randomRequest(b)
		got, want := Evaluate(tab, &req), Reference(tab, &req)
		if diff := cmp.Diff(summary(&want), summary(&got)); diff != "" {
			t.Fatalf("policy:\n%s\nrequest: %+v\n(-reference +evaluate):\n%s", src, req, diff)
		}
		// The middleware, which decides only what its response shows
		// when nothing reads its decisions, answers alike.
		checkMiddlewareLines(t, tab, req.Method, req.Path, req.Origin, req.RequestMethod,
			req.RequestHeaders, req.PrivateNetwork, req.Credentials)
	}
	return true
}

type decisionSummary struct {
	Kind    Kind
	Allowed bool
	Failed  Check
	Status  int
	Rules   []string
	Header  map[string][]string
}

func summary(d *Decision) decisionSummary {
	s := decisionSummary{Kind: d.Kind, Allowed: d.Allowed, Failed: d.Failed, Status: d.Status, Header: d.Header()}
	for _, r := range d.Rules {
		s.Rules = append(s.Rules, r.Pos.String())
	}
	return s
}

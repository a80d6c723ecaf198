package diff_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/diff"
	"github.com/corspolicy/cors/eval"
	"github.com/corspolicy/cors/internal/randompolicy"
	"github.com/corspolicy/cors/partition"
)

// policyPair writes two policies from the choices: the first random, the
// second the first edited (rules dropped, added, replaced, reordered), or
// random too, so that some pairs differ in little and some in much.
func policyPair(b *randompolicy.Choices) (string, string) {
	rules := randompolicy.Rules(b)
	if b.Pick(5) == 0 {
		return randompolicy.Wrap(rules), randompolicy.Policy(b)
	}
	edited := append([]string(nil), rules...)
	for n := b.Pick(3) + 1; n > 0; n-- {
		switch i := b.Pick(len(edited) + 1); b.Pick(4) {
		case 0:
			if len(edited) > 1 && i < len(edited) {
				edited = append(edited[:i], edited[i+1:]...)
			}
		case 1:
			edited = append(edited, randompolicy.Rule(b))
		case 2:
			if i < len(edited) {
				edited[i] = randompolicy.Rule(b)
			}
		default:
			if i < len(edited) {
				j := b.Pick(len(edited))
				edited[i], edited[j] = edited[j], edited[i]
			}
		}
	}
	return randompolicy.Wrap(rules), randompolicy.Wrap(edited)
}

func compiled(src string) *compile.Table {
	prog, err := compile.CompileSource("p.cors", []byte(src), compile.Options{})
	if err != nil {
		return nil
	}
	t, _ := prog.Policy("p")
	return t
}

// request turns generated parts into a request as the middleware reads
// one: a preflight carries no credentials.
func request(q randompolicy.Request) eval.Request {
	r := eval.Request{Method: q.Method, Path: q.Path, Origin: q.Origin, RequestMethod: q.RequestMethod,
		RequestHeaders: q.RequestHeaders, PrivateNetwork: q.PrivateNetwork, Credentials: q.Credentials}
	if r.Method == "OPTIONS" && r.RequestMethod != nil && len(r.Origin) > 0 {
		r.Credentials = false
	}
	return r
}

func answersDiffer(a, b *compile.Table, r *eval.Request) bool {
	da, db := eval.Evaluate(a, r), eval.Evaluate(b, r)
	return !partition.AnswerOf(&da).Equal(partition.AnswerOf(&db))
}

// checkExact holds a diff to both policies' answers: a request is reported
// exactly when the two answer it differently, and every entry's witness is
// answered differently.
// It returns how many requests were answered differently and alike.
func checkExact(t *testing.T, srcA, srcB string, requests func() (eval.Request, bool)) (differ, alike int) {
	t.Helper()
	a, b := compiled(srcA), compiled(srcB)
	if a == nil || b == nil {
		return 0, 0
	}
	res, err := diff.Tables(a, b)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Entries {
		w := e.Witness.Request
		r := eval.Request{Method: w.Method, Path: w.Path, Origin: w.Origin, RequestMethod: w.RequestMethod,
			RequestHeaders: w.RequestHeaders, PrivateNetwork: w.PrivateNetwork, Credentials: w.Credentials}
		if !answersDiffer(a, b, &r) {
			t.Fatalf("old:\n%s\nnew:\n%s\nthe witness of %+v is answered alike", srcA, srcB, e)
		}
	}
	for {
		r, ok := requests()
		if !ok {
			break
		}
		d, reported := answersDiffer(a, b, &r), res.Reports(&r)
		if d {
			differ++
		} else {
			alike++
		}
		if e := res.EntryOf(&r); e != nil {
			// The entry's changes are the request's own.
			if got, want := changeList(diff.ChangesOf(res, &r)), changeList(e.Changes); got != want {
				t.Fatalf("old:\n%s\nnew:\n%s\nrequest %+v\nchanges %s\nbut its entry says %s\nentries:\n%s", srcA, srcB, r, got, want, entries(res))
			}
		}
		if d != reported {
			da, db := eval.Evaluate(a, &r), eval.Evaluate(b, &r)
			t.Fatalf("old:\n%s\nnew:\n%s\nrequest %+v\nanswered differently: %v, reported: %v\nold: %+v\nnew: %+v\nentries:\n%s",
				srcA, srcB, r, d, reported, partition.AnswerOf(&da), partition.AnswerOf(&db), entries(res))
		}
	}
	return differ, alike
}

func changeList(cs []diff.Change) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, c.String())
	}
	return strings.Join(parts, "; ")
}

func entries(res *diff.Result) string {
	var b strings.Builder
	for _, e := range res.Entries {
		b.WriteString(e.Origins + " | " + e.Paths + " | " + e.Methods + " | " + e.Requests + " | ")
		for _, c := range e.Changes {
			b.WriteString(c.String() + "; ")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestDiffIsExact is the property the diff promises, over random policy
// pairs and random requests: two policies answer a request differently if
// and only if the request falls in a change the diff reports, and every
// reported witness is answered differently.
func TestDiffIsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	pairs, requests := 400, 400
	if testing.Short() {
		pairs = 100
	}
	differ, alike := 0, 0
	defer func() {
		// Both sides of the property must be tried often.
		if differ < pairs || alike < pairs {
			t.Errorf("%d requests answered differently, %d alike: too few of one", differ, alike)
		}
	}()
	for range pairs {
		data := make([]byte, 96)
		for i := range data {
			data[i] = byte(r.IntN(256))
		}
		srcA, srcB := policyPair(randompolicy.New(data))
		n := 0
		d, a := checkExact(t, srcA, srcB, func() (eval.Request, bool) {
			if n++; n > requests {
				return eval.Request{}, false
			}
			q := make([]byte, 24)
			for i := range q {
				q[i] = byte(r.IntN(256))
			}
			return request(randompolicy.NewRequest(randompolicy.New(q))), true
		})
		differ, alike = differ+d, alike+a
	}
}

// FuzzDiff is TestDiffIsExact driven by the fuzzer: the input makes a pair
// of policies, then requests.
func FuzzDiff(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17"))
	f.Add([]byte("\xff\x00\x7f\x10\x20\x30\x40\x50\x60\x70\x80\x90\xa0\xb0\xc0\xd0\xe0\xf0"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b := randompolicy.New(data)
		srcA, srcB := policyPair(b)
		n := 0
		checkExact(t, srcA, srcB, func() (eval.Request, bool) {
			if n++; n > 16 {
				return eval.Request{}, false
			}
			return request(randompolicy.NewRequest(b)), true
		})
	})
}

package partition_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/eval"
	"github.com/corspolicy/cors/internal/randompolicy"
	"github.com/corspolicy/cors/partition"
)

func compilePolicy(t testing.TB, src string) *compile.Table {
	t.Helper()
	prog, err := compile.CompileSource("p.cors", []byte(src), compile.Options{})
	if err != nil {
		return nil
	}
	tab, err := prog.Policy("p")
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// randomTables returns two random tables that compile, from one seed.
func randomTables(t testing.TB, r *rand.Rand) (*compile.Table, *compile.Table) {
	for {
		data := make([]byte, 64)
		for i := range data {
			data[i] = byte(r.IntN(256))
		}
		b := randompolicy.New(data)
		a, c := compilePolicy(t, randompolicy.Policy(b)), compilePolicy(t, randompolicy.Policy(b))
		if a != nil && c != nil {
			return a, c
		}
	}
}

// randomRequest returns a request as the middleware reads one: a preflight
// carries no credentials.
func randomRequest(r *rand.Rand) eval.Request {
	data := make([]byte, 24)
	for i := range data {
		data[i] = byte(r.IntN(256))
	}
	q := randompolicy.NewRequest(randompolicy.New(data))
	req := eval.Request{Method: q.Method, Path: q.Path, Origin: q.Origin, RequestMethod: q.RequestMethod,
		RequestHeaders: q.RequestHeaders, PrivateNetwork: q.PrivateNetwork, Credentials: q.Credentials}
	if req.Method == "OPTIONS" && req.RequestMethod != nil {
		req.Credentials = false
	}
	return req
}

// TestWitnessesLocate checks that every region's witness is located in the
// region it stands for.
func TestWitnessesLocate(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 40 {
		a, b := randomTables(t, r)
		s, err := partition.New(a, b)
		if err != nil {
			t.Fatal(err)
		}
		s.Each(func(reg partition.Region) bool {
			w := s.Witness(reg)
			got, ok := s.Locate(&w)
			if !ok || got != reg {
				t.Fatalf("the witness %+v of %+v is located in %+v (%v)", w, reg, got, ok)
			}
			return true
		})
	}
}

// shape is an answer with what it echoes of the request (the origin, the
// requested method, the requested header names) replaced by a mark, so
// that answers to two requests of one region can be compared.
func shape(d eval.Decision, req *eval.Request) partition.Answer {
	a := partition.AnswerOf(&d)
	if len(req.Origin) == 1 && a.AllowOrigin != "" && a.AllowOrigin == req.Origin[0] {
		a.AllowOrigin = "(origin)"
	}
	anyMethod, anyHeader := false, false
	for _, r := range d.Rules {
		anyMethod = anyMethod || r.AnyMethod
		anyHeader = anyHeader || r.AnyHeader
	}
	if d.Allowed && d.Kind == eval.Preflight {
		if anyMethod && d.AllowMethods != "*" {
			a.AllowMethods = []string{"(requested)"}
		}
		if anyHeader && a.AllowCredentials && len(req.RequestHeaders) > 0 {
			a.AllowHeaders = []string{"(requested)"}
		}
	}
	return a
}

// TestRegionsAnswerAlike is the premise of diff and query: a random request
// is answered by each of two random tables as the witness of its region is,
// what the answer echoes aside.
func TestRegionsAnswerAlike(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 200 {
		a, b := randomTables(t, r)
		s, err := partition.New(a, b)
		if err != nil {
			t.Fatal(err)
		}
		for range 100 {
			req := randomRequest(r)
			reg, ok := s.Locate(&req)
			if !ok {
				t.Fatalf("request %+v is in no region", req)
			}
			if reg.Path < 0 {
				continue // never judged: denied alike, which eval's tests check
			}
			w := s.Witness(reg)
			for i, tab := range s.Tables() {
				got, want := shape(eval.Evaluate(tab, &req), &req), shape(eval.Evaluate(tab, &w), &w)
				if !got.Equal(want) {
					t.Fatalf("table %d answers request %+v\n%+v\nbut the witness %+v of its region %+v\n%+v\npolicy:\n%v", i, req, got, w, reg, want, rules(tab))
				}
			}
		}
	}
}

func rules(t *compile.Table) string {
	var b strings.Builder
	for _, r := range t.Rules {
		fmt.Fprintf(&b, "%+v\n", *r)
	}
	return b.String()
}

func TestOriginClasses(t *testing.T) {
	tab := compilePolicy(t, `cors 1
policy p {
    allow "https://*.example.com", "https://a.example.com", "http://localhost:*", "https://*.b.example.com:8443"
    deny "https://x.example.com"
}`)
	s, err := partition.New(tab)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range s.Groups() {
		for _, c := range g.Classes {
			got = append(got, c.Label+" = "+c.Witness)
		}
	}
	want := []string{
		"requests without Origin = ",
		"a malformed Origin, or several = https://example.com/",
		"http://localhost:* = http://localhost",
		"https://a.example.com = https://a.example.com",
		"https://b.example.com = https://b.example.com",
		"https://*.b.example.com = https://x.b.example.com",
		"https://*.b.example.com:8443 = https://x.b.example.com:8443",
		"https://*.example.com = https://x1.example.com",
		"http origins no pattern names = http://other.example.invalid",
		"https://a.example.com:* (other ports) = https://a.example.com:8081",
		"https://b.example.com:* (other ports) = https://b.example.com:8081",
		"https://example.com:* = https://example.com",
		"https://x.example.com:* (other ports) = https://x.example.com:8081",
		"https://*.b.example.com:* (other ports) = https://x.b.example.com:8081",
		"https://*.example.com:* (other ports) = https://x1.example.com:8081",
		"https origins no pattern names = https://other.example.invalid",
		"null = null",
		"https://x.example.com = https://x.example.com",
	}
	if !slices.Equal(got, want) {
		t.Errorf("classes:\n%s", strings.Join(got, "\n"))
	}
}

// TestAnswerOfReadsTheWrittenHeaders holds AnswerOf, which reads a
// decision's fields, to the headers the decision writes, over random
// policies and requests.
func TestAnswerOfReadsTheWrittenHeaders(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	written := func(d *eval.Decision) partition.Answer {
		h := d.Header()
		set := func(name string, fold bool) []string {
			var out []string
			for _, line := range h.Values(name) {
				for _, v := range strings.Split(line, ",") {
					if v = strings.TrimSpace(v); v != "" {
						if fold {
							v = strings.ToLower(v)
						}
						out = append(out, v)
					}
				}
			}
			slices.Sort(out)
			return slices.Compact(out)
		}
		return partition.Answer{Allowed: d.Allowed, Status: d.Status, AllowOrigin: h.Get("Access-Control-Allow-Origin"),
			AllowCredentials: h.Get("Access-Control-Allow-Credentials") == "true", AllowMethods: set("Access-Control-Allow-Methods", false),
			AllowHeaders: set("Access-Control-Allow-Headers", true), ExposeHeaders: set("Access-Control-Expose-Headers", true),
			MaxAge: h.Get("Access-Control-Max-Age"), AllowPrivateNetwork: h.Get("Access-Control-Allow-Private-Network") == "true",
			Vary: strings.Join(h.Values("Vary"), ", ")}
	}
	allowed := 0
	for range 300 {
		a, _ := randomTables(t, r)
		for range 50 {
			req := randomRequest(r)
			d := eval.Evaluate(a, &req)
			if d.Allowed && d.Kind != eval.NotCORS {
				allowed++
			}
			if got, want := partition.AnswerOf(&d), written(&d); !got.Equal(want) {
				t.Fatalf("request %+v: AnswerOf\n%+v\nwritten\n%+v", req, got, want)
			}
		}
	}
	if allowed < 100 {
		t.Errorf("only %d CORS requests allowed", allowed)
	}
}

// TestBound checks that policies past MaxRegions are refused with an error,
// quickly: sixty origins, each with its own rule and headers, on many
// paths and methods.
func TestBound(t *testing.T) {
	var b strings.Builder
	b.WriteString("cors 1\npolicy p {\n")
	for i := range 60 {
		fmt.Fprintf(&b, "    allow \"https://o%d.example.com\" {\n        paths \"/a%d/**\", \"/b%d/*/c\"\n        methods \"M%d\", \"N%d\", \"GET\"\n        headers \"X-%d\", \"Y-%d\", \"Z-%d\"\n    }\n", i, i, i, i, i, i, i, i)
	}
	b.WriteString("    allow \"https://*.example.com\" {\n        headers any\n    }\n}\n")
	tab := compilePolicy(t, b.String())
	if tab == nil {
		t.Fatal("the policy does not compile")
	}
	start := time.Now()
	if _, err := partition.New(tab); err == nil || !strings.Contains(err.Error(), "regions a comparison takes") {
		t.Fatalf("New = %v, want the bound's error", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("refusing took %v", d)
	}
}

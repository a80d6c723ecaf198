package query_test

import (
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/eval"
	"github.com/corspolicy/cors/internal/randompolicy"
	"github.com/corspolicy/cors/query"
)

func compiled(t testing.TB, src string) *compile.Table {
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

// randomQuestion picks a question from the values random requests use.
func randomQuestion(r *rand.Rand) query.Question {
	var q query.Question
	pick := func(values []string) string {
		for {
			if v := values[r.IntN(len(values))]; v != "" {
				return v
			}
		}
	}
	switch r.IntN(4) {
	case 0:
		q.Credentials = true
	case 1:
		q.Header = pick([]string{"Authorization", "content-type", "X-A", "x-c"})
	}
	if r.IntN(2) == 0 {
		q.Origin = pick([]string{"https://a.example.com", "https://x.example.com", "https://q.a.example.com:8443",
			"http://localhost:3000", "null", "https://b.example.org", "https://example.com:8443"})
	}
	if r.IntN(2) == 0 {
		q.Path = pick([]string{"/api/x", "/api/v/x", "/public/", "/", "/other", "/api"})
	}
	if r.IntN(2) == 0 {
		q.Method = pick(randompolicy.RequestMethods)
	}
	return q
}

// selected is what a question selects, written apart from the package.
func selected(q query.Question, r *eval.Request) bool {
	if len(r.Origin) == 0 {
		return false
	}
	preflight := r.Method == "OPTIONS" && r.RequestMethod != nil
	method := r.Method
	if preflight {
		method = strings.Join(r.RequestMethod, "\n")
	}
	if q.Origin != "" && strings.Join(r.Origin, "\n") != q.Origin || q.Path != "" && r.Path != q.Path ||
		q.Method != "" && method != q.Method || q.Credentials && (preflight || !r.Credentials) {
		return false
	}
	if q.Header != "" {
		if !preflight {
			return false
		}
		var names []string
		for _, line := range r.RequestHeaders {
			for _, n := range strings.Split(line, ",") {
				if n = strings.Trim(n, " \t"); n != "" {
					names = append(names, strings.ToLower(n))
				}
			}
		}
		return len(names) > 0 && !slices.ContainsFunc(names, func(n string) bool { return n != strings.ToLower(q.Header) })
	}
	return true
}

// TestQueryAgainstEvaluation checks query answers against brute force: for
// random policies, questions and requests (half of them bent to what the
// question asks), the answer covers a request exactly when the question
// selects it and the policy allows it; and every witness is selected and
// allowed.
func TestQueryAgainstEvaluation(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	allowedSeen := 0 // requests selected and allowed: the test means nothing without them
	for range 300 {
		data := make([]byte, 64)
		for i := range data {
			data[i] = byte(r.IntN(256))
		}
		src := randompolicy.Policy(randompolicy.New(data))
		tab := compiled(t, src)
		if tab == nil {
			continue
		}
		q := randomQuestion(r)
		res, err := query.Ask(tab, q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		for _, e := range res.Entries {
			w := e.Witness.Request
			req := eval.Request{Method: w.Method, Path: w.Path, Origin: w.Origin, RequestMethod: w.RequestMethod,
				RequestHeaders: w.RequestHeaders, PrivateNetwork: w.PrivateNetwork, Credentials: w.Credentials}
			if d := eval.Evaluate(tab, &req); !selected(q, &req) || !d.Allowed {
				t.Fatalf("policy:\n%s\nquestion %+v: witness %+v is not selected and allowed", src, q, w)
			}
		}
		for range 300 {
			req := randomRequest(r, q)
			want := selected(q, &req) && eval.Evaluate(tab, &req).Allowed
			if want {
				allowedSeen++
			}
			if got := res.Allows(&req); got != want {
				t.Fatalf("policy:\n%s\nquestion %+v, request %+v: Allows = %v, want %v", src, q, req, got, want)
			}
		}
	}
	if allowedSeen < 500 {
		t.Errorf("only %d requests were selected and allowed", allowedSeen)
	}
}

// randomRequest writes a random request, half the time with the
// question's values in it, as the middleware reads one.
func randomRequest(r *rand.Rand, q query.Question) eval.Request {
	data := make([]byte, 24)
	for i := range data {
		data[i] = byte(r.IntN(256))
	}
	p := randompolicy.NewRequest(randompolicy.New(data))
	req := eval.Request{Method: p.Method, Path: p.Path, Origin: p.Origin, RequestMethod: p.RequestMethod,
		RequestHeaders: p.RequestHeaders, PrivateNetwork: p.PrivateNetwork, Credentials: p.Credentials}
	if r.IntN(2) == 0 {
		if q.Origin != "" {
			req.Origin = []string{q.Origin}
		}
		if q.Path != "" {
			req.Path = q.Path
		}
		if q.Header != "" {
			req.Method, req.RequestMethod, req.RequestHeaders = "OPTIONS", []string{"GET"}, []string{q.Header}
		}
		if q.Method != "" {
			if req.Method == "OPTIONS" && req.RequestMethod != nil {
				req.RequestMethod = []string{q.Method}
			} else {
				req.Method = q.Method
			}
		}
		if q.Credentials {
			req.Method, req.RequestMethod, req.Credentials = "GET", nil, true
			if q.Method != "" {
				req.Method = q.Method
			}
		}
	}
	if req.Method == "OPTIONS" && req.RequestMethod != nil {
		req.Credentials = false
	}
	return req
}

func TestBadQuestions(t *testing.T) {
	tab := compiled(t, "cors 1\npolicy p { allow any }\n")
	for _, q := range []query.Question{
		{Origin: "https://App.example.com"},
		{Origin: "https://app.example.com/"},
		{Path: "api"},
		{Method: "GE T"},
		{Header: "bad header"},
	} {
		if _, err := query.Ask(tab, q); err == nil {
			t.Errorf("Ask(%+v) succeeded", q)
		}
	}
	res, err := query.Ask(tab, query.Question{Path: "/a/../b"})
	if err != nil || res.Note == "" || len(res.Entries) > 0 {
		t.Errorf("a path never judged: %+v, %v", res, err)
	}
}

// Example asks who may send credentials to the example SPA's API, and
// where.
func Example() {
	src, _ := os.ReadFile("../examples/spa-with-cookies.cors")
	prog, _ := compile.CompileSource("spa-with-cookies.cors", src, compile.Options{})
	tab, _ := prog.Policy("spa-api")
	res, _ := query.Ask(tab, query.Question{Credentials: true})
	for _, e := range res.Entries {
		println := func(k, v string) { os.Stdout.WriteString(k + ": " + v + "\n") }
		println("origins", e.Origins)
		println("paths", e.Paths)
		println("methods", e.Methods)
		println("answer", e.Grant)
	}
	// Output:
	// origins: https://app.example.com, https://beta.app.example.com
	// paths: /api/**
	// methods: GET, POST, PUT, PATCH, DELETE
	// answer: allowed with credentials
	// origins: https://app.example.com, https://beta.app.example.com
	// paths: /auth/session
	// methods: POST, DELETE
	// answer: allowed with credentials
}

// TestPathAsSent checks that a question's path is the path as a request
// sends it, its escapes decoded as the middleware decodes them: a question
// about /api/%69tems is a question about what the middleware judges as
// /api/items, and one about /%2e%2e/x about a dot segment.
func TestPathAsSent(t *testing.T) {
	tab := compiled(t, "cors 1\npolicy p {\n    allow \"https://a.example.com\" {\n        paths \"/api/items\"\n    }\n}\n")
	for _, tc := range []struct {
		path          string
		allowed, note bool
	}{
		{"/api/items", true, false},
		{"/api/%69tems", true, false},
		{"/api/items%2F", false, true},
		{"/%2e%2e/api/items", false, true},
		{"/api/items%25", false, false},
	} {
		res, err := query.Ask(tab, query.Question{Path: tc.path})
		if err != nil {
			t.Errorf("%s: %v", tc.path, err)
			continue
		}
		if got := len(res.Entries) > 0; got != tc.allowed || (res.Note != "") != tc.note {
			t.Errorf("%s: allowed %v, note %q; want allowed %v, a note %v", tc.path, got, res.Note, tc.allowed, tc.note)
		}
		// The middleware's answer to the request sent with that path.
		hr := httptest.NewRequest("GET", tc.path, nil)
		hr.Header.Set("Origin", "https://a.example.com")
		req := eval.RequestOf(hr)
		if d := eval.Evaluate(tab, &req); d.Allowed != tc.allowed {
			t.Errorf("%s: the middleware allows it: %v; the table of this test is wrong", tc.path, d.Allowed)
		}
	}
	if _, err := query.Ask(tab, query.Question{Path: "/api/%zz"}); err == nil {
		t.Errorf("a path with an invalid escape, which no request can send: no error")
	}
}

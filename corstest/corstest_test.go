package corstest_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/corspolicy/cors/corstest"
	"github.com/corspolicy/cors/internal/goldentest"
	"github.com/corspolicy/cors/lang"
)

// TestRun is what a service's own test looks like.
func TestRun(t *testing.T) {
	corstest.Run(t, "testdata/api.cors", "testdata/api.fixtures")
}

// TestTableCase checks that a table case runs once per origin.
func TestTableCase(t *testing.T) {
	s, err := corstest.Load("testdata/api.cors", "testdata/api.fixtures")
	if err != nil {
		t.Fatal(err)
	}
	results := s.Run()
	var names []string
	for _, r := range results {
		names = append(names, r.Name)
	}
	want := []string{"the app's preflight for PUT", "lower-case patch is not PATCH",
		"public reads from anywhere/https://a.example.org", "public reads from anywhere/https://b.example.net",
		"public reads from anywhere/null"}
	if !slices.Equal(names, want) {
		t.Errorf("ran %q, want %q", names, want)
	}
}

// TestFailures checks that each kind of expectation reports what did not
// hold, with the position of the expect line.
func TestFailures(t *testing.T) {
	s, err := corstest.Load("testdata/api.cors", "testdata/wrong.fixtures")
	if err != nil {
		t.Fatal(err)
	}
	r := s.Run()[0]
	if r.Passed() {
		t.Fatal("the case passed")
	}
	want := []string{
		"wrong.fixtures:8:5: expected denied, got allowed",
		"wrong.fixtures:9:5: Access-Control-Allow-Origin header: (-want +got)",
		"wrong.fixtures:10:5: expected the rule at line 99 to decide, got line 7",
		"wrong.fixtures:11:5: expected status 204, got 200",
		`wrong.fixtures:12:5: expected no Vary header, got "Origin"`,
	}
	if len(r.Failures) != len(want) {
		t.Fatalf("failures:\n%s", strings.Join(r.Failures, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(r.Failures[i], "testdata/"+w) {
			t.Errorf("failure %d:\n got %s\nwant %s", i, r.Failures[i], w)
		}
	}
	if explain := corstest.Explain(&r); !strings.Contains(explain, "deciding rules: line 7") || !strings.Contains(explain, "Access-Control-Allow-Origin: https://app.example.com") {
		t.Errorf("explanation lacks the decision:\n%s", explain)
	}
}

// TestUpdate rewrites wrong expectations from the engine's answers; the
// result must pass, keep the comments, and match its golden file.
func TestUpdate(t *testing.T) {
	s, err := corstest.Load("testdata/api.cors", "testdata/wrong.fixtures")
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Update()
	if err != nil {
		t.Fatal(err)
	}
	goldentest.Compare(t, "testdata/wrong.updated.golden", out)
	if !strings.Contains(string(out), "# Expectations that do not hold") {
		t.Error("the comment was lost")
	}
	fx, err := lang.ParseFixtures("testdata/wrong.fixtures", out)
	if err != nil {
		t.Fatal(err)
	}
	updated, err := corstest.LoadParsed("testdata/api.cors", fx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range updated.Run() {
		// The rule line is not rewritten: it names intent, not output.
		for _, f := range r.Failures {
			if !strings.Contains(f, "expected the rule at line 99") {
				t.Errorf("after -update: %s", f)
			}
		}
	}
}

// TestCover checks the coverage of the small fixture file: what it counts
// and what it names as missing.
func TestCover(t *testing.T) {
	s, err := corstest.Load("testdata/api.cors", "testdata/api.fixtures")
	if err != nil {
		t.Fatal(err)
	}
	c := s.Cover(s.Run())
	if c.Items == 0 || c.Covered == 0 || c.Covered == c.Items {
		t.Fatalf("covered %d of %d", c.Covered, c.Items)
	}
	for _, want := range []string{
		"origin pattern https://*.tenant.example.com of the allow rule at 7:5: no case's origin matches it",
		"method DELETE of the allow rule at 7:5: no allowed case uses it",
		"allow rule at 23:5: it decides no case",
	} {
		if !slices.Contains(c.Uncovered, want) {
			t.Errorf("uncovered lacks %q:\n%s", want, strings.Join(c.Uncovered, "\n"))
		}
	}
	if len(c.Witnesses) == 0 || !strings.Contains(strings.Join(c.Witnesses, ""), "Origin \"http://localhost:8081\"") {
		t.Errorf("witnesses:\n%s", strings.Join(c.Witnesses, "\n"))
	}
	// A witness is a case that parses and passes as written.
	fx, err := lang.ParseFixtures("w.fixtures", []byte("fixtures 1\n\n"+strings.Join(c.Witnesses, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	w, err := corstest.LoadParsed("testdata/api.cors", fx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range w.Run() {
		if !r.Passed() {
			t.Errorf("witness %s fails: %v", r.Name, r.Failures)
		}
	}
}

// TestMutate checks that mutations the small fixture file cannot see
// survive, and those it can are caught.
func TestMutate(t *testing.T) {
	s, err := corstest.Load("testdata/api.cors", "testdata/api.fixtures")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := s.Mutate()
	if err != nil {
		t.Fatal(err)
	}
	state := map[string]bool{}
	for _, m := range ms {
		state[m.Rule.String()+" "+m.Change] = m.Caught
	}
	for key, caught := range map[string]bool{
		"testdata/api.cors:7:5 allow -> deny":          true,  // the app's preflight fails
		"testdata/api.cors:7:5 without credentials":    true,  // Allow-Credentials expected
		"testdata/api.cors:7:5 methods without PUT":    true,  // the preflight asks for PUT
		"testdata/api.cors:7:5 methods without DELETE": false, // no case uses DELETE
		"testdata/api.cors:23:5 allow -> deny":         false, // no case comes from localhost
		"testdata/api.cors:16:5 allow -> deny":         true,  // the public table fails
	} {
		if got, ok := state[key]; !ok || got != caught {
			t.Errorf("%s: caught %v (tried %v), want %v", key, got, ok, caught)
		}
	}
}

// TestExamples runs every example's fixtures through the Go API, and
// holds them to full coverage and to catching every mutation.
func TestExamples(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.fixtures")
	if len(files) == 0 {
		t.Skip("no example fixtures")
	}
	for _, fixtures := range files {
		policy := corstest.PolicyFor(fixtures)
		t.Run(filepath.Base(fixtures), func(t *testing.T) {
			corstest.Run(t, policy, fixtures)
			s, err := corstest.Load(policy, fixtures)
			if err != nil {
				t.Fatal(err)
			}
			if c := s.Cover(s.Run()); c.Covered != c.Items {
				t.Errorf("coverage %.1f%%:\n%s", c.Percent(), strings.Join(c.Uncovered, "\n"))
			}
			ms, err := s.Mutate()
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				if !m.Caught && !m.Equivalent {
					t.Errorf("no case notices %s", m)
				}
			}
		})
	}
}

func TestPolicyFor(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "api.cors"), nil, 0o644)
	for in, want := range map[string]string{
		"api.fixtures":       "api.cors",
		"api.dev.fixtures":   "api.cors",
		"other.dev.fixtures": "other.dev.cors",
	} {
		if got := corstest.PolicyFor(filepath.Join(dir, in)); got != filepath.Join(dir, want) {
			t.Errorf("PolicyFor(%s) = %s, want %s", in, got, want)
		}
	}
}

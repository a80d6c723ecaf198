package corstest_test

import (
	"fmt"
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

// policyOf loads fixture files and returns the one policy they test.
func policyOf(t *testing.T, fixtureFiles ...string) *corstest.Policy {
	t.Helper()
	var suites []*corstest.Suite
	for _, f := range fixtureFiles {
		s, err := corstest.Load(corstest.PolicyFor(f), f)
		if err != nil {
			t.Fatal(err)
		}
		suites = append(suites, s)
	}
	policies := corstest.Group(suites...)
	if len(policies) != 1 {
		t.Fatalf("%s test %d policies, want 1", fixtureFiles, len(policies))
	}
	return policies[0]
}

// TestCover checks the coverage of the small fixture file: what it counts
// and what it names as missing.
func TestCover(t *testing.T) {
	c := policyOf(t, "testdata/api.fixtures").Cover()
	if items, covered, _ := c.Count(nil); items == 0 || covered == 0 || covered == items {
		t.Fatalf("covered %d of %d", covered, items)
	}
	var uncovered []string
	for _, it := range c.Uncovered() {
		uncovered = append(uncovered, it.String())
	}
	for _, want := range []string{
		"origin pattern https://*.tenant.example.com of the allow rule at 7:5: no case's origin matches it",
		"method DELETE of the allow rule at 7:5: no allowed case uses it",
		"allow rule at 23:5: it decides no case",
	} {
		if !slices.Contains(uncovered, want) {
			t.Errorf("uncovered lacks %q:\n%s", want, strings.Join(uncovered, "\n"))
		}
	}
	var witnesses []string
	for _, it := range c.Uncovered() {
		if it.Witness != nil && !slices.Contains(witnesses, it.Witness.Case) {
			witnesses = append(witnesses, it.Witness.Case)
		}
	}
	if !strings.Contains(strings.Join(witnesses, ""), "Origin \"http://localhost:8081\"") {
		t.Errorf("witnesses:\n%s", strings.Join(witnesses, "\n"))
	}
	// A witness is a case that parses and passes as written.
	fx, err := lang.ParseFixtures("w.fixtures", []byte("fixtures 1\n\n"+strings.Join(witnesses, "\n")))
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

// TestCoverAcrossBuilds checks that a policy with a fixture file per build
// is covered once: what the production fixtures cover of the rules every
// build shares counts for the dev build too, and what only the dev build
// has is reported for it, with witnesses for its fixture file that test
// the dev build's own rule.
func TestCoverAcrossBuilds(t *testing.T) {
	c := policyOf(t, "testdata/builds/acme.fixtures", "testdata/builds/acme.dev.fixtures").Cover()
	if n := len(c.Policy.Builds); n != 2 {
		t.Fatalf("%d builds, want 2", n)
	}
	prod, dev := c.Policy.Builds[0], c.Policy.Builds[1]
	if prod.Profile != "" || dev.Profile != "dev" {
		t.Fatalf("builds %q and %q, want the build without a profile first, then dev", prod.Profile, dev.Profile)
	}
	if items, covered, _ := c.Count(prod); covered != items {
		t.Errorf("the production build: %d of %d items covered, want all: acme.fixtures covers them", covered, items)
	}
	allItems, _, _ := c.Count(nil)
	devItems, _, only := c.Count(dev)
	if devItems != allItems || only == 0 || only == devItems {
		t.Errorf("the dev build has %d of the %d items, %d only it; want all, some of them its own", devItems, allItems, only)
	}
	if len(c.Uncovered()) == 0 {
		t.Fatal("every item is covered; acme.dev.fixtures leaves some of the dev rule's uncovered")
	}
	for _, it := range c.Uncovered() {
		if !slices.Equal(it.Builds, []*corstest.Build{dev}) {
			t.Errorf("uncovered %s: in builds %v; only the dev build's own items are uncovered", it, it.Builds)
		}
		if !strings.Contains(it.What, "38:9") && !strings.HasPrefix(it.What, "region http://") {
			t.Errorf("uncovered %s is not about the dev rule at 38:9", it)
		}
		if it.Witness == nil {
			t.Errorf("uncovered %s has no witness", it)
			continue
		}
		if it.Witness.FixtureFile != "testdata/builds/acme.dev.fixtures" || !strings.Contains(it.Witness.Case, `"/api/x"`) ||
			!strings.Contains(it.Witness.Case, "expect rule 38") {
			t.Errorf("uncovered %s: the witness is not a dev case the dev rule decides:\n%s", it, it.Witness.Case)
		}
	}
}

// TestWitnessesCoverTheirItems holds every witness, pasted into its fixture
// file, to covering the items it names, and to passing: for every policy of
// the examples and the test data, with its own fixture files and with
// fixture files emptied of cases, where every item needs a witness.
func TestWitnessesCoverTheirItems(t *testing.T) {
	var files []string
	for _, pattern := range []string{"../examples/*.fixtures", "../examples/*/*.fixtures", "testdata/*.fixtures", "testdata/*/*.fixtures"} {
		matches, _ := filepath.Glob(pattern)
		files = append(files, matches...)
	}
	var suites []*corstest.Suite
	for _, f := range files {
		if s, err := corstest.Load(corstest.PolicyFor(f), f); err == nil {
			suites = append(suites, s)
		}
	}
	policies := corstest.Group(suites...)
	if len(policies) < 8 {
		t.Fatalf("%d policies, want the examples' and the test data's", len(policies))
	}
	for _, p := range policies {
		for _, emptied := range []bool{false, true} {
			name := p.File
			if emptied {
				name += "/emptied"
				p = withoutCases(p)
			}
			t.Run(name, func(t *testing.T) {
				checkWitnesses(t, p)
			})
		}
	}
}

// withoutCases returns the policy with fixture files that have no case.
func withoutCases(p *corstest.Policy) *corstest.Policy {
	var suites []*corstest.Suite
	for _, b := range p.Builds {
		for _, s := range b.Suites {
			empty := *s
			fx := *s.Fixtures
			fx.Cases = nil
			empty.Fixtures = &fx
			suites = append(suites, &empty)
		}
	}
	return corstest.Group(suites...)[0]
}

func checkWitnesses(t *testing.T, p *corstest.Policy) {
	c := p.Cover()
	done := map[*corstest.Witness]bool{}
	witnessed := 0
	for _, it := range c.Uncovered() {
		w := it.Witness
		if w == nil || done[w] {
			continue
		}
		done[w] = true
		witnessed++
		// Paste the case into its fixture file.
		var suites []*corstest.Suite
		var pasted *corstest.Suite
		for _, b := range p.Builds {
			for _, s := range b.Suites {
				if s.FixtureFile != w.FixtureFile {
					suites = append(suites, s)
					continue
				}
				var src strings.Builder
				if err := lang.FprintFixtures(&src, s.Fixtures); err != nil {
					t.Fatal(err)
				}
				src.WriteString("\n" + w.Case)
				fx, err := lang.ParseFixtures(s.FixtureFile, []byte(src.String()))
				if err != nil {
					t.Fatalf("the witness does not parse pasted: %v\n%s", err, w.Case)
				}
				if pasted, err = corstest.LoadParsed(s.PolicyFile, fx); err != nil {
					t.Fatal(err)
				}
				suites = append(suites, pasted)
			}
		}
		if pasted == nil {
			t.Fatalf("the witness is for %s, which does not test the policy", w.FixtureFile)
		}
		results := pasted.Run()
		if last := results[len(results)-1]; !last.Passed() {
			t.Errorf("the witness fails: %v\n%s", last.Failures, w.Case)
		}
		after := corstest.Group(suites...)[0].Cover()
		for _, covered := range w.Covers {
			i := slices.IndexFunc(after.Items, func(a *corstest.Item) bool { return a.What == covered.What })
			if i < 0 || !after.Items[i].Covered {
				t.Errorf("pasted into %s, the witness does not cover %s:\n%s", w.FixtureFile, covered.What, w.Case)
			}
		}
	}
	var unwitnessed []string
	for _, it := range c.Uncovered() {
		if it.Witness == nil {
			unwitnessed = append(unwitnessed, it.String())
		}
	}
	// Every item of these policies is one a request can cover: the lint
	// would flag a rule no request reaches.
	if len(unwitnessed) > 0 {
		t.Errorf("uncovered items without a witness:\n%s", strings.Join(unwitnessed, "\n"))
	}
	t.Logf("%d uncovered items, %d witnesses", len(c.Uncovered()), witnessed)
}

// TestMutate checks that mutations the small fixture file cannot see
// survive, and those it can are caught.
func TestMutate(t *testing.T) {
	ms, err := policyOf(t, "testdata/api.fixtures").Mutate()
	if err != nil {
		t.Fatal(err)
	}
	state := map[string]bool{}
	for _, m := range ms {
		state[m.String()] = m.Caught
	}
	for key, caught := range map[string]bool{
		"testdata/api.cors:7:5: allow -> deny":          true,  // the app's preflight fails
		"testdata/api.cors:7:5: without credentials":    true,  // Allow-Credentials expected
		"testdata/api.cors:7:5: methods without PUT":    true,  // the preflight asks for PUT
		"testdata/api.cors:7:5: methods without DELETE": false, // no case uses DELETE
		"testdata/api.cors:23:5: allow -> deny":         false, // no case comes from localhost
		"testdata/api.cors:16:5: allow -> deny":         true,  // the public table fails
	} {
		if got, ok := state[key]; !ok || got != caught {
			t.Errorf("%s: caught %v (tried %v), want %v", key, got, ok, caught)
		}
	}
}

// TestMutateAcrossBuilds checks that a change to a rule every build shares
// is caught when one build's fixtures catch it, and that a change to the
// dev build's own rule runs against the dev fixtures alone.
func TestMutateAcrossBuilds(t *testing.T) {
	p := policyOf(t, "testdata/builds/acme.fixtures", "testdata/builds/acme.dev.fixtures")
	ms, err := p.Mutate()
	if err != nil {
		t.Fatal(err)
	}
	state := map[string]corstest.Mutation{}
	for _, m := range ms {
		state[m.String()] = m
	}
	for key, want := range map[string]struct {
		caught bool
		builds int
	}{
		// acme.dev.fixtures uses no PUT of the app's rule; acme.fixtures does.
		"testdata/builds/acme.cors:13:5: methods without PUT":  {true, 2},
		"testdata/builds/acme.cors:22:5: methods without POST": {true, 2},
		// The dev rule's PUT is used by acme.dev.fixtures, its DELETE by
		// no fixture file of the dev build.
		"testdata/builds/acme.cors:38:9: methods without PUT":    {true, 1},
		"testdata/builds/acme.cors:38:9: methods without DELETE": {false, 1},
	} {
		m, ok := state[key]
		if !ok || m.Caught != want.caught || len(m.Builds) != want.builds {
			t.Errorf("%s: caught %v in %d builds (tried %v), want %v in %d", key, m.Caught, len(m.Builds), ok, want.caught, want.builds)
		}
	}
}

// TestExamples runs every example's fixtures through the Go API, and
// holds each policy, over the fixture files of all its builds, to full
// coverage and to catching every mutation.
func TestExamples(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.fixtures")
	more, _ := filepath.Glob("../examples/*/*.fixtures")
	files = append(files, more...)
	if len(files) == 0 {
		t.Skip("no example fixtures")
	}
	var suites []*corstest.Suite
	for _, fixtures := range files {
		policy := corstest.PolicyFor(fixtures)
		t.Run(filepath.Base(fixtures), func(t *testing.T) {
			corstest.Run(t, policy, fixtures)
		})
		s, err := corstest.Load(policy, fixtures)
		if err != nil {
			t.Fatal(err)
		}
		suites = append(suites, s)
	}
	for _, p := range corstest.Group(suites...) {
		t.Run(p.File, func(t *testing.T) {
			c := p.Cover()
			for _, it := range c.Uncovered() {
				t.Errorf("uncovered: %s", it)
			}
			ms, err := p.Mutate()
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

// TestThroughBundles checks coverage and mutations of a policy whose rules
// grant a bundle: the bundle's clauses count for each rule that uses it,
// and its values are mutated once in the bundle (caught by any rule's
// cases) and once for each rule (caught only by that rule's).
func TestThroughBundles(t *testing.T) {
	p := policyOf(t, "testdata/bundles/shop.fixtures")
	cov := p.Cover()
	var uncovered []string
	for _, it := range cov.Items {
		if !it.Covered {
			uncovered = append(uncovered, it.What)
		}
	}
	for _, want := range []string{"method PUT of the allow rule at 15:5", "header x-a of the allow rule at 15:5"} {
		if !slices.ContainsFunc(uncovered, func(s string) bool { return strings.HasPrefix(s, want) }) {
			t.Errorf("uncovered items %q lack %q", uncovered, want)
		}
	}
	for _, covered := range []string{"method PUT of the allow rule at 11:5", "header x-a of the allow rule at 11:5"} {
		if slices.ContainsFunc(uncovered, func(s string) bool { return strings.HasPrefix(s, covered) }) {
			t.Errorf("%q is uncovered", covered)
		}
	}
	ms, err := p.Mutate()
	if err != nil {
		t.Fatal(err)
	}
	state := map[string]bool{}
	for _, m := range ms {
		state[m.String()] = m.Caught
	}
	for key, caught := range map[string]bool{
		"testdata/bundles/shop.cors:5:1: grants spa: methods without PUT":        true,
		"testdata/bundles/shop.cors:5:1: grants spa: without the headers clause": true,
		"testdata/bundles/shop.cors:11:5: methods without PUT":                   true,
		"testdata/bundles/shop.cors:15:5: methods without PUT":                   false,
		"testdata/bundles/shop.cors:15:5: without the headers clause":            false,
	} {
		got, ok := state[key]
		if !ok || got != caught {
			t.Errorf("%s: caught %v (made %v), want %v; mutations: %v", key, got, ok, caught, ms)
		}
	}
}

// TestLoadRefusesUntrusted checks that a fixture file's policy with a
// trust finding is not run: Load, which Run and corsfmt test use, returns
// the finding with its code and position.
func TestLoadRefusesUntrusted(t *testing.T) {
	dir := t.TempDir()
	policy := filepath.Join(dir, "api.cors")
	fixtures := filepath.Join(dir, "api.fixtures")
	os.WriteFile(policy, []byte("cors 1\n\npolicy api {\n    allow null {\n        credentials\n    }\n}\n"), 0o644)
	os.WriteFile(fixtures, []byte("fixtures 1\n\ncase \"null\" {\n    GET \"/\"\n    Origin \"null\"\n\n    expect allowed\n}\n"), 0o644)
	_, err := corstest.Load(policy, fixtures)
	list, ok := err.(lang.ErrorList)
	if !ok || len(list) != 1 || list[0].Code != "S103" || list[0].Pos.Line != 4 || list[0].Pos.Column != 11 {
		t.Fatalf("Load: %v; want one S103 error at 4:11", err)
	}
}

// pinPolicy is a policy of overlapping rules, for the tests of what a case
// pins down: both rules grant GET to a.example.com, the second with
// credentials; b.example.com has the first alone.
const pinPolicy = `cors 1

policy p {
    allow "https://a.example.com", "https://b.example.com" {
        methods "GET", "PUT"
        headers "X-A"
    }

    allow "https://a.example.com" {
        methods "GET"
        credentials
    }
}
`

// pinned is suiteOf for pinPolicy.
func pinned(t *testing.T, cases string) *corstest.Policy { return suiteOf(t, pinPolicy, cases) }

// suiteOf writes a policy and fixture cases to a directory, as p.cors and
// p.fixtures, and returns the policy they test.
func suiteOf(t *testing.T, src, cases string) *corstest.Policy {
	t.Helper()
	dir := t.TempDir()
	policy, fixtures := filepath.Join(dir, "p.cors"), filepath.Join(dir, "p.fixtures")
	if err := os.WriteFile(policy, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fixtures, []byte("fixtures 1\n\n"+cases), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := corstest.Load(policy, fixtures)
	if err != nil {
		t.Fatal(err)
	}
	return corstest.Group(s)[0]
}

// TestExpectRuleAnyDecidingRule checks that "expect rule LINE" holds when
// the rule at LINE is any of the rules that decide the case, not only the
// first, and fails when it is none of them.
func TestExpectRuleAnyDecidingRule(t *testing.T) {
	p := pinned(t, `case "both rules decide" {
    GET "/"
    Origin "https://a.example.com"

    expect allowed
    expect rule 4
    expect rule 9
}

case "the second rule does not decide" {
    GET "/"
    Origin "https://b.example.com"

    expect rule 9
}
`)
	results := p.Builds[0].Suites[0].Run()
	if !results[0].Passed() {
		t.Errorf("%s: %v", results[0].Name, results[0].Failures)
	}
	if f := results[1].Failures; len(f) != 1 || !strings.Contains(f[0], "expected the rule at line 9 to decide, got line 4") {
		t.Errorf("%s: failures %q; want the rule at line 9 reported as not deciding", results[1].Name, f)
	}
}

// TestCoverNeedsAnAllowedCase checks that a method or request header a
// rule grants is covered only by an allowed case that uses it with the rule
// deciding: a case the rule decides but that is denied (for credentials,
// for private network access) shows nothing of the grant.
func TestCoverNeedsAnAllowedCase(t *testing.T) {
	c := pinned(t, `case "PUT with a cookie: the first rule denies it for credentials" {
    PUT "/"
    Origin "https://a.example.com"
    Cookie "session=1"

    expect denied
    expect check credentials
    expect rule 4
}

case "a preflight for X-A asking for private network access" {
    OPTIONS "/"
    Origin "https://b.example.com"
    Access-Control-Request-Method "GET"
    Access-Control-Request-Headers "x-a"
    Access-Control-Request-Private-Network "true"

    expect denied
    expect check private-network
    expect rule 4
}
`).Cover()
	covered := map[string]bool{}
	for _, it := range c.Items {
		covered[it.What] = it.Covered
	}
	for what, want := range map[string]bool{
		"allow rule at 4:5":                                             true, // it decides both cases
		"method PUT of the allow rule at 4:5":                           false,
		"method GET of the allow rule at 4:5":                           false,
		"header x-a of the allow rule at 4:5":                           false,
		"origin pattern https://a.example.com of the allow rule at 4:5": true,
	} {
		if got, ok := covered[what]; !ok || got != want {
			t.Errorf("%s: covered %v (an item: %v), want %v", what, got, ok, want)
		}
	}
	for _, r := range c.Policy.Builds[0].Suites[0].Run() {
		if !r.Passed() {
			t.Errorf("%s: %v", r.Name, r.Failures)
		}
	}
}

// TestMutateDropsEachOrigin checks that the mutation that drops one origin
// of a list drops it: with a case for each origin, each such mutant is
// caught, never taken for an equivalent.
func TestMutateDropsEachOrigin(t *testing.T) {
	ms, err := pinned(t, `case "b reads" {
    GET "/"
    Origin "https://b.example.com"

    expect allowed
}

case "a writes" {
    OPTIONS "/"
    Origin "https://a.example.com"
    Access-Control-Request-Method "PUT"

    expect allowed
}
`).Mutate()
	if err != nil {
		t.Fatal(err)
	}
	for _, change := range []string{"without origin https://a.example.com", "without origin https://b.example.com"} {
		i := slices.IndexFunc(ms, func(m corstest.Mutation) bool { return m.Rule.Line == 4 && m.Change == change })
		if i < 0 {
			t.Errorf("no mutation %q of the rule at line 4 among %v", change, ms)
			continue
		}
		if m := ms[i]; !m.Caught || m.Equivalent {
			t.Errorf("%s: caught %v, equivalent %v; want caught", m, m.Caught, m.Equivalent)
		}
	}
}

// TestCoverHeaderInAnyCase checks that a request header asked for in any
// case covers the rule's grant of it: header names are compared without
// regard to case.
func TestCoverHeaderInAnyCase(t *testing.T) {
	c := pinned(t, `case "a preflight for X-A" {
    OPTIONS "/"
    Origin "https://b.example.com"
    Access-Control-Request-Method "GET"
    Access-Control-Request-Headers "X-A"

    expect allowed
}
`).Cover()
	i := slices.IndexFunc(c.Items, func(it *corstest.Item) bool { return it.What == "header x-a of the allow rule at 4:5" })
	if i < 0 || !c.Items[i].Covered {
		t.Errorf("header x-a of the rule at 4:5 is not covered by a preflight asking for X-A")
	}
}

// mutationsOf returns the mutations of a policy's fixture cases by their
// report lines, the file's path left out.
func mutationsOf(t *testing.T, p *corstest.Policy) map[string]corstest.Mutation {
	t.Helper()
	ms, err := p.Mutate()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]corstest.Mutation{}
	for _, m := range ms {
		out[fmt.Sprintf("%d:%d: %s", m.Rule.Line, m.Rule.Column, m.Change)] = m
	}
	return out
}

// TestMutationsOneAtATime checks that each mutant differs from the policy
// by its own change only: the credentials dropped first are put back
// before the headers are changed, so that the case with a cookie, which
// catches the first, catches no change of the headers but X-A's.
func TestMutationsOneAtATime(t *testing.T) {
	ms := mutationsOf(t, suiteOf(t, `cors 1

policy p {
    allow "https://a.example.com" {
        credentials
        headers "X-A", "X-B"
        private-network
    }
}
`, `case "a reads with a cookie" {
    GET "/"
    Origin "https://a.example.com"
    Cookie "session=1"

    expect allowed
}

case "a preflight for X-A" {
    OPTIONS "/"
    Origin "https://a.example.com"
    Access-Control-Request-Method "GET"
    Access-Control-Request-Headers "x-a"

    expect allowed
}
`))
	for change, caught := range map[string]bool{
		"4:5: without credentials":     true,
		"4:5: headers without X-A":     true,
		"4:5: headers without X-B":     false,
		"4:5: without private-network": false,
	} {
		m, ok := ms[change]
		if !ok || m.Caught != caught || m.Equivalent {
			t.Errorf("%s: made %v, caught %v, equivalent %v; want caught %v, not equivalent", change, ok, m.Caught, m.Equivalent, caught)
		}
	}
}

// TestMutantSeenOnlyWithCredentials checks that a mutant that answers
// differently only to a request with credentials is not taken for an
// equivalent: dropping the credentials of the rule that exposes X-E leaves
// a credentialed GET to the other rule alone, without X-E, while every
// request without credentials, preflights included, is answered alike.
func TestMutantSeenOnlyWithCredentials(t *testing.T) {
	ms := mutationsOf(t, suiteOf(t, `cors 1

policy p {
    allow "https://a.example.com" {
        methods "GET"
        expose  "X-E"
        credentials
    }

    allow "https://a.example.com" {
        methods "GET"
        credentials
    }
}
`, `case "a reads" {
    GET "/"
    Origin "https://a.example.com"

    expect allowed
}
`))
	if m, ok := ms["4:5: without credentials"]; !ok || m.Caught || m.Equivalent {
		t.Errorf("without credentials: made %v, caught %v, equivalent %v; want a mutant no case catches, not an equivalent", ok, m.Caught, m.Equivalent)
	}
}

// TestUpdateDropsACheckThatHolds checks that -update drops an "expect
// check" line of a case that is now allowed, rather than writing a check
// named none, which does not parse as a failed check.
func TestUpdateDropsACheckThatHolds(t *testing.T) {
	s := pinned(t, `case "b reads" {
    GET "/"
    Origin "https://b.example.com"

    expect denied
    expect check method
}
`).Builds[0].Suites[0]
	out, err := s.Update()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "expect check") || !strings.Contains(string(out), "expect allowed") {
		t.Errorf("updated:\n%s", out)
	}
}

// TestUpdateTableCaseWhereOriginsDisagree checks that -update leaves the
// lines of a table case on which its origins' answers differ as they are,
// and takes the values on which they agree.
func TestUpdateTableCaseWhereOriginsDisagree(t *testing.T) {
	s := pinned(t, `case "a and c read" {
    GET "/"
    origins "https://a.example.com", "https://c.example.com"

    expect denied
    expect no Access-Control-Allow-Origin
    expect Vary "Cookie"
}
`).Builds[0].Suites[0]
	out, err := s.Update()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"expect denied\n", "expect no Access-Control-Allow-Origin\n", "expect Vary \"Origin\"\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("updated case lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "expect allowed") || strings.Contains(string(out), "Access-Control-Allow-Credentials") {
		t.Errorf("updated with one origin's answer:\n%s", out)
	}
}

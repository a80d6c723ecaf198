// Package corstest runs fixture files against compiled policies: the test
// cases that teams keep beside each policy, so that a change that opens or
// closes an origin fails in review. corsfmt test runs them from the command
// line; Run runs them in a service's own go test, one subtest per case.
package corstest

import (
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/eval"
	"github.com/corspolicy/cors/lang"
	"github.com/google/go-cmp/cmp"
)

// Suite is a fixture file and the policy it tests.
type Suite struct {
	PolicyFile  string
	FixtureFile string
	// Root is the directory the policy's imports must stay inside; ""
	// means the policy file's directory (compile.Options.Root).
	Root     string
	Table    *compile.Table
	Fixtures *lang.FixtureFile
	// Filter, when set, keeps the runs whose name it matches (a case's
	// name, "case/origin" for a table case's): Run returns only those,
	// and coverage and mutations count only those.
	Filter *regexp.Regexp
}

// Load compiles the policy file and parses the fixture file. The fixture
// file names the policy (needed when the file has several) and the profile.
// Imports are resolved as compile.LoadFile resolves them, inside the
// policy's directory.
func Load(policyFile, fixtureFile string) (*Suite, error) {
	return LoadIn("", policyFile, fixtureFile)
}

// LoadIn is Load with imports resolved inside root, a directory that holds
// the policy file, as compile.Options.Root says.
func LoadIn(root, policyFile, fixtureFile string) (*Suite, error) {
	fsrc, _, err := lang.ReadFile(fixtureFile)
	if err != nil {
		return nil, err
	}
	fx, err := lang.ParseFixtures(fixtureFile, fsrc)
	if err != nil {
		return nil, err
	}
	return load(root, policyFile, nil, fx)
}

// LoadParsed is Load for a fixture file already parsed.
func LoadParsed(policyFile string, fx *lang.FixtureFile) (*Suite, error) {
	return load("", policyFile, nil, fx)
}

// LoadParsedIn is LoadIn for a fixture file already parsed: for a caller
// that keeps the bytes it read, to write the file back over them alone.
func LoadParsedIn(root, policyFile string, fx *lang.FixtureFile) (*Suite, error) {
	return load(root, policyFile, nil, fx)
}

// LoadSource is Load for a policy given as source.
func LoadSource(policyFile string, src []byte, fx *lang.FixtureFile) (*Suite, error) {
	return load("", policyFile, src, fx)
}

// load compiles the policy file, or src in its place when it is not nil,
// with the imports inside root, and selects the policy fx tests.
func load(root, policyFile string, src []byte, fx *lang.FixtureFile) (*Suite, error) {
	opts := compile.Options{Root: root}
	if fx.Profile != nil {
		opts.Profile = fx.Profile.Name
	}
	loader, err := compile.NewLoader(policyFile, opts)
	if err != nil {
		return nil, err
	}
	defer loader.Close()
	if src == nil {
		if src, err = loader.ReadPolicy(); err != nil {
			return nil, err
		}
	}
	prog, err := loader.Compile(src)
	if list, ok := err.(lang.ErrorList); ok && fx.Profile != nil && len(list) == 1 && list[0].Code == compile.CodeProfile {
		// Say it where the profile is named: on the fixture file's line.
		return nil, lang.ErrorList{{Pos: fx.Profile.Pos, End: fx.Profile.EndPos, Code: compile.CodeProfile, Msg: list[0].Msg}}
	}
	if err != nil {
		return nil, err
	}
	if err := checkLabel(policyFile, fx, prog); err != nil {
		return nil, err
	}
	name := ""
	if fx.Policy != nil {
		name = fx.Policy.Name
	} else if names := prog.Names(); len(names) == 1 {
		name = names[0]
	} else {
		return nil, fmt.Errorf("%s: the policy file has %d policies; name one with a policy line", fx.Pos.Filename, len(names))
	}
	t, err := prog.Policy(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", fx.Pos.Filename, err)
	}
	return &Suite{PolicyFile: policyFile, FixtureFile: fx.Pos.Filename, Root: root, Table: t, Fixtures: fx}, nil
}

// checkLabel holds the label of a fixture file named NAME.LABEL.fixtures
// for NAME.cors to the build it tests: a label that is a profile of the
// file must be the one the profile line names, and a label close to one
// but not one (api.stagin.fixtures) is a misspelling, not a production
// build under another name. Other labels (api.prod.fixtures) are free.
func checkLabel(policyFile string, fx *lang.FixtureFile, prog *compile.Program) error {
	base := strings.TrimSuffix(filepath.Base(fx.Pos.Filename), ".fixtures")
	label, ok := strings.CutPrefix(base, strings.TrimSuffix(filepath.Base(policyFile), ".cors")+".")
	if !ok || label == "" {
		return nil
	}
	profiles := prog.Profiles()
	named := ""
	if fx.Profile != nil {
		named = fx.Profile.Name
	}
	at := lang.Position{Filename: fx.Pos.Filename, Line: 1, Column: 1}
	switch {
	case label == named:
		return nil
	case slices.Contains(profiles, label) && named == "":
		return lang.ErrorList{{Pos: at, Code: compile.CodeProfile,
			Msg: fmt.Sprintf("the file name says it tests the %s build, but it has no profile line; add: profile %s", label, label)}}
	case slices.Contains(profiles, label):
		return lang.ErrorList{{Pos: fx.Profile.Pos, End: fx.Profile.EndPos, Code: compile.CodeProfile,
			Msg: fmt.Sprintf("the file name says it tests the %s build, but its profile line names %s", label, named)}}
	}
	if near := lang.Nearest(label, profiles); near != "" {
		return lang.ErrorList{{Pos: at, Code: compile.CodeProfile,
			Msg: fmt.Sprintf("%s has no profile %s; did you mean %s? (profiles: %s); name the file %s.%s.fixtures",
				filepath.Base(policyFile), label, near, strings.Join(profiles, ", "), strings.TrimSuffix(filepath.Base(policyFile), ".cors"), near)}}
	}
	return nil
}

// Result is the outcome of one run of a case: one per case, or one per
// origin of a table case.
type Result struct {
	Case     *lang.Case
	Name     string // the case's name, and for a table case "/" and the origin
	Origin   string
	Request  eval.Request
	Decision eval.Decision
	Failures []string // what did not hold; empty when the case passed
}

// Passed reports whether every expectation held.
func (r *Result) Passed() bool { return len(r.Failures) == 0 }

// Run runs every case, and returns the results the filter keeps.
func (s *Suite) Run() []Result {
	var out []Result
	for _, c := range s.Fixtures.Cases {
		for _, r := range s.RunCase(c) {
			if s.Filter == nil || s.Filter.MatchString(r.Name) {
				out = append(out, r)
			}
		}
	}
	return out
}

// RunCase runs one case: once, or once per origin of a table case.
func (s *Suite) RunCase(c *lang.Case) []Result {
	origins := []string{""}
	for _, h := range c.Headers {
		if h.Name == lang.TableKeyword {
			origins = origins[:0]
			for _, v := range h.Values {
				origins = append(origins, v.Value)
			}
		}
	}
	var out []Result
	for _, origin := range origins {
		r := Result{Case: c, Name: c.Name.Value, Origin: origin}
		if origin != "" {
			r.Name += "/" + origin
		}
		hr := request(c, origin)
		r.Request = eval.RequestOf(hr)
		r.Decision = eval.Evaluate(s.Table, &r.Request)
		if len(hr.Header["Origin"]) == 1 {
			r.Origin = hr.Header["Origin"][0]
		}
		r.Failures = check(c, &r)
		out = append(out, r)
	}
	return out
}

// request builds the HTTP request a case describes.
func request(c *lang.Case, origin string) *http.Request {
	r, err := http.NewRequest(c.Request.Method, "http://service.test", nil)
	if err != nil {
		r = &http.Request{Method: c.Request.Method, Header: http.Header{}}
	}
	r.URL.Path = c.Request.Path.Value
	for _, h := range c.Headers {
		if h.Name == lang.TableKeyword {
			continue
		}
		for _, v := range h.Values {
			r.Header.Add(h.HeaderName(), v.Value)
		}
	}
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	return r
}

// check returns what did not hold of a case's expectations.
func check(c *lang.Case, r *Result) []string {
	var fails []string
	d := &r.Decision
	got := d.Header()
	for _, e := range c.Expects {
		switch {
		case e.Verdict != "":
			if want := e.Verdict == "allowed"; d.Allowed != want {
				fails = append(fails, fmt.Sprintf("%s: expected %s, got %s", e.Pos, e.Verdict, verdict(d)))
			}
		case e.Check != nil:
			if have := checkName(d.Failed); have != e.Check.Name {
				fails = append(fails, fmt.Sprintf("%s: expected the %s check to fail, got %s", e.Pos, e.Check.Name, have))
			}
		case e.Rule != nil:
			line := e.Rule.Number()
			if !slices.ContainsFunc(d.Rules, func(r *compile.Rule) bool { return r.Pos.Line == line }) {
				fails = append(fails, fmt.Sprintf("%s: expected the rule at line %d to decide, got %s", e.Pos, line, ruleLines(d.Rules)))
			}
		case e.Status != nil:
			if have := status(d); have != e.Status.Number() {
				fails = append(fails, fmt.Sprintf("%s: expected status %s, got %d", e.Pos, e.Status.Text, have))
			}
		case e.Absent != nil:
			if v := got.Values(e.Absent.Name); len(v) > 0 {
				fails = append(fails, fmt.Sprintf("%s: expected no %s header, got %q", e.Pos, canonical(e.Absent.Name), strings.Join(v, ", ")))
			}
		default:
			want := r.Origin
			if !e.Origin {
				want = e.Value.Value
			}
			if have := strings.Join(got.Values(e.Header.Name), ", "); have != want {
				fails = append(fails, fmt.Sprintf("%s: %s header: (-want +got)\n%s", e.Pos, canonical(e.Header.Name),
					cmp.Diff(want, have)))
			}
		}
	}
	return fails
}

func verdict(d *eval.Decision) string {
	if d.Allowed {
		return "allowed"
	}
	return "denied (" + checkName(d.Failed) + ")"
}

// checkName is the name an expect check line uses for a failed check.
func checkName(c eval.Check) string {
	if c == eval.CheckNone {
		return "none"
	}
	return strings.ReplaceAll(c.String(), " ", "-")
}

// status is the response status: the preflight's, or for other requests
// 200, the stand-in handler's.
func status(d *eval.Decision) int {
	if d.Kind == eval.Preflight {
		return d.Status
	}
	return http.StatusOK
}

func ruleLines(rules []*compile.Rule) string {
	if len(rules) == 0 {
		return "no rule"
	}
	var s []string
	for _, r := range rules {
		s = append(s, "line "+strconv.Itoa(r.Pos.Line))
	}
	return strings.Join(s, ", ")
}

func canonical(name string) string { return http.CanonicalHeaderKey(name) }

// Run runs a fixture file against a policy file as subtests of t, one per
// case (and per origin of a table case). A service calls it from its own
// tests, for the policy it embeds:
//
//	func TestCORS(t *testing.T) { corstest.Run(t, "api.cors", "api.fixtures") }
func Run(t *testing.T, policyFile, fixtureFile string) {
	t.Helper()
	s, err := Load(policyFile, fixtureFile)
	if err != nil {
		var b strings.Builder
		lang.PrintErrors(&b, err)
		t.Fatal(b.String())
	}
	if len(s.Fixtures.Cases) == 0 {
		t.Fatalf("%s has no case", fixtureFile)
	}
	for _, c := range s.Fixtures.Cases {
		t.Run(c.Name.Value, func(t *testing.T) {
			for _, r := range s.RunCase(c) {
				if !r.Passed() {
					t.Errorf("%s\n%s", strings.Join(r.Failures, "\n"), Explain(&r))
				}
			}
		})
	}
}

// Explain writes the request and the decision of a result, with the
// response headers and the deciding rules, as a failure report shows them.
func Explain(r *Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "    request: %s %s", r.Case.Request.Method, r.Request.Path)
	if r.Origin != "" {
		fmt.Fprintf(&b, " from %s", r.Origin)
	}
	fmt.Fprintf(&b, "\n    decision: %s %s, deciding rules: %s", r.Decision.Kind, verdict(&r.Decision), ruleLines(r.Decision.Rules))
	if r.Decision.Detail != "" {
		fmt.Fprintf(&b, " (%s)", r.Decision.Detail)
	}
	h := r.Decision.Header()
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range h {
			if !yield(k) {
				return
			}
		}
	}) {
		fmt.Fprintf(&b, "\n    %s: %s", k, strings.Join(h[k], ", "))
	}
	return b.String()
}

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/corspolicy/cors/corstest"
	"github.com/corspolicy/cors/lang"
)

const testUsage = `usage: corsfmt test [-run REGEXP] [-v] [-json] [-update] [-cover] [-mutate] [-root DIR] [path ...]

Test runs the fixture files (NAME.fixtures, beside NAME.cors, and
NAME.LABEL.fixtures, one a build) found in the paths, or in the current
directory; a policy file named stands for its fixture files. It ends with
the line "N passed, N failed". A failure shows what did not hold, with a
diff, and the decision with its deciding rules.
-cover and -mutate report once a policy, over the fixture files of all its
builds: an item or a rule the builds share needs a case in one of them;
-v adds a line a build. Imports stay inside each policy's directory, or
inside -root. Exit status is 1 when a case fails or none ran, 2 on a usage
error.

Flags:
`

// jsonResult is a case's result as -json prints it.
type jsonResult struct {
	File     string   `json:"file"`
	Case     string   `json:"case"`
	Origin   string   `json:"origin,omitempty"`
	Passed   bool     `json:"passed"`
	Failures []string `json:"failures,omitempty"`
}

// beforeUpdate, when set, is called by corsfmt test -update before it
// rewrites a fixture file, so that a test can change the file in between
// as an editor might.
var beforeUpdate func(name string)

// runTest is the test subcommand.
func runTest(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fset := subcommandFlags("corsfmt test", testUsage, stderr)
	runRx := fset.String("run", "", "run only the cases whose name matches this regular expression")
	verbose := fset.Bool("v", false, "list every case, passed or failed")
	asJSON := fset.Bool("json", false, "print the results as a JSON array")
	update := fset.Bool("update", false, "rewrite the expectations from what the engine answers")
	cover := fset.Bool("cover", false, "report what no case exercised, with witness cases")
	mutate := fset.Bool("mutate", false, "change each rule once and report the changes no case notices")
	root := rootFlag(fset)
	if status, ok := parseFlags(fset, args); !ok {
		return status
	}
	var filter *regexp.Regexp
	if *runRx != "" {
		var err error
		if filter, err = regexp.Compile(*runRx); err != nil {
			fmt.Fprintf(stderr, "corsfmt test: -run: %v\n", err)
			return 2
		}
	}
	passed, failed, status := 0, 0, 0
	paths, missing := fixturesNamed(fset.Args(), stderr)
	if missing {
		status = 1
	}
	var results []jsonResult
	var suites []*corstest.Suite
	eachFile(paths, fixtureFiles, func(path string, walked fs.FileInfo) {
		policy := corstest.PolicyFor(path)
		if info, err := os.Lstat(policy); walked != nil && err == nil && info.Mode()&fs.ModeSymlink != 0 {
			// The walk follows no link, and the policy of a fixture file
			// it found is found with it.
			fmt.Fprintf(stderr, "corsfmt: %s: a symbolic link met in a directory walk is not followed; name %s to run it\n", policy, path)
			status = 2
			return
		}
		// Read once: -update writes over these bytes, and over nothing
		// else, so an edit saved while the cases run is never lost.
		src, info, err := lang.ReadFile(path)
		if err == nil {
			if rerr := replacedInWalk(path, walked, info); rerr != nil {
				fmt.Fprintln(stderr, rerr)
				status = 2
				return
			}
		}
		var fx *lang.FixtureFile
		if err == nil {
			fx, err = lang.ParseFixtures(path, src)
		}
		var s *corstest.Suite
		if err == nil {
			s, err = corstest.LoadParsedIn(*root, policy, fx)
		}
		if err != nil {
			lang.PrintErrors(stderr, err)
			failed++
			return
		}
		s.Filter = filter
		suites = append(suites, s)
		for _, r := range s.Run() {
			results = append(results, jsonResult{File: path, Case: r.Name, Origin: r.Origin, Passed: r.Passed(), Failures: r.Failures})
			if r.Passed() {
				passed++
				if *verbose && !*asJSON {
					fmt.Fprintf(stdout, "--- PASS: %s: %s\n", path, r.Name)
				}
				continue
			}
			failed++
			if !*asJSON {
				fmt.Fprintf(stdout, "--- FAIL: %s: %s\n", path, r.Name)
				for _, f := range r.Failures {
					fmt.Fprintf(stdout, "    %s\n", f)
				}
				fmt.Fprintln(stdout, corstest.Explain(&r))
			}
		}
		if *update {
			if beforeUpdate != nil {
				beforeUpdate(path)
			}
			// Written as -w writes, in place, keeping the file's
			// identity, and only if nobody changed it since it was read.
			out, err := s.Update()
			if err == nil && !bytes.Equal(src, out) {
				if err = writeFile(path, src, info, out); err == nil {
					fmt.Fprintf(stderr, "corsfmt test: updated %s\n", path)
				}
			}
			if err != nil {
				fmt.Fprintln(stderr, err)
				status = 2
			}
		}
	}, func(err error) {
		fmt.Fprintln(stderr, err)
		status = 2
	}, stderr)
	// Coverage and mutations are judged per policy, over the fixture
	// files of all its builds.
	for _, p := range corstest.Group(suites...) {
		if *cover && !*asJSON {
			printCoverage(stdout, p.Cover(), *verbose)
		}
		if *mutate && !*asJSON {
			ms, err := p.Mutate()
			if err != nil {
				fmt.Fprintln(stderr, err)
				status = 2
				continue
			}
			printMutations(stdout, p, ms, *verbose)
		}
	}
	if *asJSON {
		if results == nil {
			results = []jsonResult{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(results)
	}
	summary := stdout
	if *asJSON {
		summary = stderr // standard output holds the JSON alone
	}
	fmt.Fprintf(summary, "%d passed, %d failed\n", passed, failed)
	switch {
	case status != 0:
		return status
	case failed > 0 || passed == 0:
		return 1
	}
	return 0
}

// fixturesNamed returns the paths to test: the current directory when none
// is given, and for a policy file named, the fixture files beside it, so
// that "corsfmt test api.cors" runs api.fixtures and api.LABEL.fixtures.
// It reports a policy file that has none, and says so on stderr.
func fixturesNamed(args []string, stderr io.Writer) (paths []string, missing bool) {
	if len(args) == 0 {
		return []string{"."}, false
	}
	for _, arg := range args {
		if info, err := os.Stat(arg); err != nil || info.IsDir() || !strings.HasSuffix(arg, ".cors") {
			paths = append(paths, arg)
			continue
		}
		fixtures, err := corstest.FixturesFor(arg)
		switch {
		case err != nil:
			fmt.Fprintln(stderr, err)
			missing = true
		case len(fixtures) == 0:
			name := strings.TrimSuffix(filepath.Base(arg), ".cors")
			fmt.Fprintf(stderr, "corsfmt test: %s has no fixture file beside it: write its cases in %s.fixtures (or %s.LABEL.fixtures, one a build)\n", arg, name, name)
			missing = true
		}
		paths = append(paths, fixtures...)
	}
	return paths, missing
}

// policyName names a policy in a summary line.
func policyName(p *corstest.Policy) string {
	s := fmt.Sprintf("%s (policy %s)", p.File, p.Name)
	if len(p.Builds) > 1 {
		s += fmt.Sprintf(", %d builds", len(p.Builds))
	}
	return s
}

// printCoverage prints a policy's coverage: a summary line, a line a build
// with verbose, each uncovered item and the witness cases, by the fixture
// file they are for.
func printCoverage(w io.Writer, c *corstest.Coverage, verbose bool) {
	p := c.Policy
	items, _, _ := c.Count(nil)
	fmt.Fprintf(w, "coverage: %s: %.1f%% of %d items\n", policyName(p), c.Percent(nil), items)
	if verbose {
		for _, b := range p.Builds {
			items, _, only := c.Count(b)
			fmt.Fprintf(w, "    %s (%s): %.1f%% of %d items", b.Name(), strings.Join(b.FixtureFiles(), ", "), c.Percent(b), items)
			if only > 0 && len(p.Builds) > 1 {
				fmt.Fprintf(w, ", %d only in this build", only)
			}
			fmt.Fprintln(w)
		}
	}
	var files []string
	witnesses := map[string][]string{}
	seen := map[*corstest.Witness]bool{}
	for _, it := range c.Uncovered() {
		fmt.Fprintf(w, "    uncovered: %s%s\n", it, inParens(p.OnlyIn(it.Builds)))
		if it.Witness != nil && !seen[it.Witness] {
			seen[it.Witness] = true
			file := it.Witness.FixtureFile
			if witnesses[file] == nil {
				files = append(files, file)
			}
			witnesses[file] = append(witnesses[file], it.Witness.Case)
		}
	}
	for _, file := range files {
		fmt.Fprintf(w, "    witness cases for %s, to paste in to cover the items above:\n", file)
		for _, c := range witnesses[file] {
			fmt.Fprintf(w, "\n%s", c)
		}
		fmt.Fprintln(w)
	}
}

// printMutations prints the mutations no case caught and a summary line,
// and with verbose a line a build.
func printMutations(w io.Writer, p *corstest.Policy, ms []corstest.Mutation, verbose bool) {
	caught, counted := 0, 0
	for _, m := range ms {
		switch {
		case m.Caught:
			caught++
			counted++
		case m.Equivalent:
			fmt.Fprintf(w, "    mutation not counted, no request tells it from the original: %s%s\n", m, inParens(p.OnlyIn(m.Builds)))
		default:
			counted++
			fmt.Fprintf(w, "    mutation survived: %s%s\n", m, inParens(p.OnlyIn(m.Builds)))
		}
	}
	fmt.Fprintf(w, "mutations: %s: %d of %d caught", policyName(p), caught, counted)
	if equivalent := len(ms) - counted; equivalent > 0 {
		fmt.Fprintf(w, ", %d equivalent to the original not counted", equivalent)
	}
	fmt.Fprintln(w)
	if verbose {
		for _, b := range p.Builds {
			caught, counted := 0, 0
			for _, m := range ms {
				if slices.Contains(m.Builds, b) && !m.Equivalent {
					counted++
					if m.Caught {
						caught++
					}
				}
			}
			fmt.Fprintf(w, "    %s (%s): %d of %d caught\n", b.Name(), strings.Join(b.FixtureFiles(), ", "), caught, counted)
		}
	}
}

// inParens returns " (s)", or "" for an empty s.
func inParens(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

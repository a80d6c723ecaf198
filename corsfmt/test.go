package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"

	"github.com/corspolicy/cors/corstest"
	"github.com/corspolicy/cors/lang"
)

const testUsage = `usage: corsfmt test [-run REGEXP] [-v] [-json] [-update] [-cover] [-mutate] [-root DIR] [path ...]

Test runs the fixture files (NAME.fixtures, beside NAME.cors) found in the
paths, or in the current directory, and ends with the line
"N passed, N failed". A failure shows what did not hold, with a diff, and
the decision with its deciding rules. Imports stay inside each policy's
directory, or inside -root. Exit status is 1 when a case fails
or none ran, 2 on a usage error.

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
	paths := fset.Args()
	if len(paths) == 0 {
		paths = []string{"."}
	}
	passed, failed, status := 0, 0, 0
	var results []jsonResult
	eachFile(paths, fixtureFiles, func(path string, walked fs.FileInfo) {
		policy := corstest.PolicyFor(path)
		if info, err := os.Lstat(policy); walked != nil && err == nil && info.Mode()&fs.ModeSymlink != 0 {
			// The walk follows no link, and the policy of a fixture file
			// it found is found with it.
			fmt.Fprintf(stderr, "corsfmt: %s: a symbolic link met in a directory walk is not followed; name %s to run it\n", policy, path)
			status = 2
			return
		}
		s, err := corstest.LoadIn(*root, policy, path)
		if err != nil {
			lang.PrintErrors(stderr, err)
			failed++
			return
		}
		var all []corstest.Result
		for _, r := range s.Run() {
			if filter != nil && !filter.MatchString(r.Name) {
				continue
			}
			all = append(all, r)
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
			out, err := s.Update()
			if err == nil {
				// Written as -w writes, in place, keeping the file's
				// identity, and only if nobody changed it meanwhile.
				old, info, rerr := lang.ReadFile(path)
				if err = rerr; err == nil && !bytes.Equal(old, out) {
					if err = writeFile(path, old, info, out); err == nil {
						fmt.Fprintf(stderr, "corsfmt test: updated %s\n", path)
					}
				}
			}
			if err != nil {
				fmt.Fprintln(stderr, err)
				status = 2
			}
		}
		if *cover && !*asJSON {
			c := s.Cover(all)
			fmt.Fprintf(stdout, "coverage: %s (policy %s): %.1f%% of %d items\n", path, s.Table.Name, c.Percent(), c.Items)
			for _, u := range c.Uncovered {
				fmt.Fprintf(stdout, "    uncovered: %s\n", u)
			}
			if len(c.Witnesses) > 0 {
				fmt.Fprintf(stdout, "    witness cases for the regions no case visits:\n")
				for _, w := range c.Witnesses {
					fmt.Fprintf(stdout, "\n%s", w)
				}
			}
		}
		if *mutate && !*asJSON {
			ms, err := s.Mutate()
			if err != nil {
				fmt.Fprintln(stderr, err)
				status = 2
				return
			}
			caught, equivalent := 0, 0
			for _, m := range ms {
				switch {
				case m.Caught:
					caught++
				case m.Equivalent:
					equivalent++
					fmt.Fprintf(stdout, "    mutation not counted: %s\n", m)
				default:
					fmt.Fprintf(stdout, "    mutation survived: %s\n", m)
				}
			}
			fmt.Fprintf(stdout, "mutations: %s: %d caught of %d (%d equivalent, not counted)\n", path, caught, len(ms)-equivalent, equivalent)
		}
	}, func(err error) {
		fmt.Fprintln(stderr, err)
		status = 2
	}, stderr)
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

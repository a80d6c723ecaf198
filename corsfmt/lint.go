package main

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/lang"
	"github.com/corspolicy/cors/lint"
)

const lintUsage = `usage: corsfmt lint [-json] [-profile P] [-root DIR] [-strict] [path ...]

Lint prints the compile errors and lint findings of each policy, all of
them, sorted: file:line:col: severity: message (CODE). A directory is
searched for .cors files. Without -profile every profile block is linted;
with it, the rules a build for that profile has. Imports stay inside each
policy's directory, or inside -root. Exit status is 1 when any error is
found (with -strict, any warning too), 2 on a usage or I/O error, 0
otherwise.

Flags:
`

// jsonFinding is a finding as -json prints it.
type jsonFinding struct {
	File      string `json:"file"`
	Line      int    `json:"line"`
	Column    int    `json:"column"`
	EndLine   int    `json:"end_line,omitempty"`
	EndColumn int    `json:"end_column,omitempty"`
	lint.Finding
}

// runLint is the lint subcommand.
func runLint(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fset := subcommandFlags("corsfmt lint", lintUsage, stderr)
	asJSON := fset.Bool("json", false, "print the findings as a JSON array")
	profile := fset.String("profile", "", "lint the rules of a build for this profile only")
	strict := fset.Bool("strict", false, "exit 1 on warnings too, for a CI that holds them")
	root := rootFlag(fset)
	if status, ok := parseFlags(fset, args); !ok {
		return status
	}
	paths := fset.Args()
	if len(paths) == 0 {
		paths = []string{"."}
	}
	var findings []lint.Finding
	status := 0
	eachFile(paths, policyFiles, func(path string, walked fs.FileInfo) {
		// The lint compiles the policy itself; the loader serves its
		// imports as compile.LoadFile would.
		loader, err := compile.NewLoader(path, compile.Options{Root: *root})
		if err != nil {
			fmt.Fprintln(stderr, err)
			status = 2
			return
		}
		defer loader.Close()
		src, err := loader.ReadPolicy()
		if err == nil {
			err = replacedInWalk(path, walked, loader.Files()[0].Info)
		}
		if err != nil {
			fmt.Fprintln(stderr, err)
			status = 2
			return
		}
		f, err := lang.Parse(path, src)
		if err != nil {
			findings = append(findings, lint.FromErrors(err)...)
			return
		}
		findings = append(findings, lint.Check(f, loader, *profile)...)
	}, func(err error) {
		fmt.Fprintln(stderr, err)
		status = 2
	}, stderr)
	lint.Sort(findings)
	if *asJSON {
		out := make([]jsonFinding, 0, len(findings))
		for _, f := range findings {
			out = append(out, jsonFinding{File: f.Pos.Filename, Line: f.Pos.Line, Column: f.Pos.Column,
				EndLine: f.End.Line, EndColumn: f.End.Column, Finding: f})
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(out)
	} else {
		for _, f := range findings {
			fmt.Fprintln(stdout, f)
			if f.Fix != "" {
				fmt.Fprintf(stdout, "\tfix: %s\n", f.Fix)
			}
		}
	}
	for _, f := range findings {
		if (f.Severity == lint.Error || *strict && f.Severity == lint.Warning) && status == 0 {
			status = 1
		}
	}
	return status
}

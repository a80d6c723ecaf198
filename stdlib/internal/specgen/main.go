// Command specgen writes the reference of the standard library, generated
// from the modules' doc comments, into SPEC.md between its markers. It is
// run by go generate in package stdlib.
package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/corspolicy/cors/stdlib"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: specgen SPEC.md")
		os.Exit(2)
	}
	spec, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	md, err := stdlib.Markdown()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := stdlib.Splice(spec, md)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if !bytes.Equal(out, spec) {
		if err := os.WriteFile(os.Args[1], out, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

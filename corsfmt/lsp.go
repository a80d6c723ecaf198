package main

import (
	"context"
	"fmt"
	"io"

	"github.com/corspolicy/cors/lsp"
)

const lspUsage = `usage: corsfmt lsp

Lsp runs the language server of .cors and .fixtures files, speaking the
Language Server Protocol over standard input and output, for an editor
to start. It exits when the editor sends exit: with status 0 after a
shutdown request, 1 otherwise.

Flags:
`

// runLSP is the lsp subcommand.
func runLSP(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fset := subcommandFlags("corsfmt lsp", lspUsage, stderr)
	if status, ok := parseFlags(fset, args); !ok {
		return status
	}
	if fset.NArg() > 0 {
		fmt.Fprintln(stderr, "corsfmt lsp: takes no arguments")
		return 2
	}
	code, err := lsp.Serve(context.Background(), stdin, stdout, lsp.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "corsfmt lsp: %v\n", err)
	}
	return code
}

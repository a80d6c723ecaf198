// Package lang reads and writes the .cors policy language.
//
// It holds the three front-end jobs that go/scanner, go/parser and go/printer
// split between them in the Go standard library: [Parse] turns source text into
// a [File] whose every node carries its exact [Span], [Fprint] writes an AST
// back in the one canonical layout, and [Format] is the gofmt-style facade that
// does both and proves the result means what the input meant.
//
// The package knows the syntax of the language and nothing of its meaning:
// whether an origin pattern is well formed, whether a name is declared or a
// method may be granted is decided by package compile.
package lang

// Corsfmt formats .cors policies.
//
// It puts a policy in the one canonical layout of the language, the layout
// of package lang's printer: four spaces per level of indentation, one
// statement a line, every comment kept next to what it was written beside.
// Formatting never changes what a policy means: corsfmt parses its own output
// again and refuses to use it if its tree or comments differ from the
// input's.
//
// Without an explicit path, it processes the standard input. Given a file,
// it operates on that file, whatever its name; given a directory, it
// operates on all .cors and .fixtures files in that directory, recursively, in lexical
// order. Files and directories whose names start with a period are ignored,
// except a path given on the command line itself. A symbolic link met in a
// directory is not followed, and is noted on standard error; one named on
// the command line is. By default, corsfmt prints
// the formatted sources to standard output.
//
// Usage:
//
//	corsfmt [flags] [path ...]
//
// The flags are:
//
//	-d
//		Do not print formatted sources to standard output.
//		If a file's formatting is different from corsfmt's, print a
//		unified diff to standard output. Its header names the old text
//		"path.orig" and the new one "path", as gofmt -d does, so that
//		"patch -p0" applies it when the paths are relative.
//	-l
//		Do not print formatted sources to standard output.
//		If a file's formatting is different from corsfmt's, print its
//		name to standard output.
//	-w
//		Do not print formatted sources to standard output.
//		If a file's formatting is different from corsfmt's, overwrite it
//		with corsfmt's version, in place, as gofmt does: the file keeps
//		its inode and hard links, every mode bit, its owner, and the
//		symbolic link it was named through. A file whose mode does not let
//		you write it (root included), or that changed since corsfmt read
//		it, is reported and not written. A file that is already formatted
//		is not written. -w cannot be used with standard input.
//
// The flags combine as gofmt's do: "corsfmt -l -w" lists the files it
// rewrites, and "corsfmt -d -w" shows what it changed.
//
// A file with syntax errors is left untouched: corsfmt prints each error as
// "file:line:col: message" on standard error and goes on with the other
// files.
//
// Exit status: 0 when every file was read, formatted and, with -w, written;
// 2 when a file did not parse, on an I/O error, and on a usage error. As with
// gofmt, finding files that need formatting is not an error: -l exits 0 even
// when it lists some.
//
// Subcommands (lint, test, eval) will be added later. They will be selected
// by the first argument; until then every argument is a path.
package main

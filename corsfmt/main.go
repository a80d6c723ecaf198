package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/corspolicy/cors/internal/linediff"
	"github.com/corspolicy/cors/lang"
)

// stdinName names the standard input in messages and in -l and -d output.
const stdinName = "<standard input>"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// A command runs one subcommand on its arguments, the ones after its name,
// and returns the exit status.
type command func(args []string, stdin io.Reader, stdout, stderr io.Writer) int

// run runs corsfmt with the given arguments, those after the program name,
// and returns the exit status. A first argument that names a subcommand
// selects it; any other is a flag or a path, for the formatter: a file
// named eval is formatted as ./eval.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if sc, ok := lookupSubcommand(args[0]); ok {
			return sc.run(args[1:], stdin, stdout, stderr)
		}
	}
	return runFormat(args, stdin, stdout, stderr)
}

const usageHead = `usage: corsfmt [flags] [path ...]

Corsfmt formats .cors policies. Without a path it formats standard input.
A file is formatted whatever its name; a directory is searched, recursively,
for .cors and .fixtures files, leaving out names that start with a period
and not following symbolic links. Without flags the formatted sources are
printed to standard output. -w writes a file in place, as gofmt does, and
refuses one whose mode does not let you write it or that changed since it
was read.

Flags:
`

const usageTail = `
The flags combine: -l -w lists the files it rewrites, -d -w shows what it
changed. Exit status is 2 when a file does not parse or on any I/O or usage
error, 0 otherwise, even when -l lists files.
`

// subcommandList lists the subcommands for the usage, a synopsis a line.
func subcommandList() string {
	var b strings.Builder
	b.WriteString("\nSubcommands, selected by the first argument (corsfmt help NAME tells more):\n")
	for _, sc := range subcommandTable() {
		if !sc.hidden {
			fmt.Fprintf(&b, "  %s\n", synopsis(sc.usage))
		}
	}
	return b.String()
}

// runFormat formats the files, directories or standard input that args
// name, as the flags in args say, and returns the exit status.
func runFormat(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("corsfmt", flag.ContinueOnError)
	fset.SetOutput(stderr)
	f := &formatter{stdout: &stickyWriter{w: stdout}, stderr: stderr}
	fset.BoolVar(&f.diff, "d", false, "print a unified diff, from path.orig to path, for each file whose formatting differs")
	fset.BoolVar(&f.list, "l", false, "list the files whose formatting differs")
	fset.BoolVar(&f.write, "w", false, "write the result back to each file whose formatting differs (not with standard input)")
	version := fset.Bool("version", false, "print the version of corsfmt and exit")
	usage := func(w io.Writer) {
		io.WriteString(w, usageHead)
		fset.SetOutput(w)
		fset.PrintDefaults()
		fset.SetOutput(stderr)
		io.WriteString(w, usageTail)
		io.WriteString(w, subcommandList())
	}
	// The flag package prints its own message for a bad flag; the usage
	// follows it, on standard error, or on standard output for -h.
	fset.Usage = func() {}
	if p, ok := stderr.(*flagProbe); ok {
		fset.Usage = func() { usage(fset.Output()) }
		p.fset = fset
	}
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout)
			return 0
		}
		usage(stderr)
		return 2
	}
	if *version {
		return runVersion(nil, stdin, stdout, stderr)
	}

	if fset.NArg() == 0 {
		if f.write {
			fmt.Fprintln(stderr, "corsfmt: cannot use -w with standard input")
			return 2
		}
		src, err := lang.ReadSource(stdinName, stdin)
		if err == nil {
			err = f.format(stdinName, src, nil)
		}
		if err != nil {
			f.report(err)
		}
		return f.exit()
	}
	eachFile(fset.Args(), allFiles, f.formatFile, f.report, stderr)
	return f.exit()
}

// A formatter formats files as the flags say and keeps the exit status.
type formatter struct {
	list, write, diff bool

	stdout *stickyWriter
	stderr io.Writer
	status int
}

// report prints err on standard error, every error of a list on its own
// line, and sets the exit status to 2.
func (f *formatter) report(err error) {
	lang.PrintErrors(f.stderr, err)
	f.status = 2
}

// exit returns the exit status, reporting first a failure to write
// standard output.
func (f *formatter) exit() int {
	if err := f.stdout.err; err != nil {
		f.report(fmt.Errorf("corsfmt: writing standard output: %w", err))
	}
	return f.status
}

// formatFile formats the file at path, reporting any error. walked is the
// file's information as a directory walk saw it, nil for a file named on
// the command line.
func (f *formatter) formatFile(path string, walked fs.FileInfo) {
	if err := f.formatPath(path, walked); err != nil {
		f.report(err)
	}
}

func (f *formatter) formatPath(path string, walked fs.FileInfo) error {
	src, info, err := lang.ReadFile(path)
	if err != nil {
		return err
	}
	if err := replacedInWalk(path, walked, info); err != nil {
		return err
	}
	return f.format(path, src, info)
}

// format formats src, the content of the file called name, and does with
// the result what the flags say. Info describes the file; it is nil for
// standard input, which cannot be written.
func (f *formatter) format(name string, src []byte, info fs.FileInfo) error {
	format := lang.Format
	if strings.HasSuffix(name, ".fixtures") {
		format = lang.FormatFixtures
	}
	out, err := format(name, src)
	if err != nil {
		return err
	}
	if !bytes.Equal(src, out) {
		if f.list {
			fmt.Fprintln(f.stdout, name)
		}
		if f.write {
			if err := writeFile(name, src, info, out); err != nil {
				return err
			}
		}
		if f.diff {
			newName := filepath.ToSlash(name)
			f.stdout.Write(linediff.Unified(newName+".orig", newName, src, out))
		}
	}
	if !f.list && !f.write && !f.diff {
		f.stdout.Write(out)
	}
	return nil
}

// A stickyWriter writes to w until a write fails, then keeps the error and
// writes nothing more, so that a closed standard output is reported once.
type stickyWriter struct {
	w   io.Writer
	err error
}

func (s *stickyWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	s.err = err
	return n, err
}

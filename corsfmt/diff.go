package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"strings"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/diff"
	"github.com/corspolicy/cors/lang"
	"github.com/corspolicy/cors/stdlib"
)

const diffUsage = `usage: corsfmt diff [-policy NAME] [-profile P] [-root DIR] [-json | -markdown] [-fail-on widen|change] OLD NEW

Diff compares two policy files by what they answer, not by their text: it
prints every change in the requests they allow and in the headers they
answer with, grouped as widened, narrowed and changed, each as origins,
paths, methods and kinds of request, with a witness request written as a
fixture case (the new policy's answer; the old one's in comments). A
reordered, reformatted or renamed policy shows no change.

OLD and NEW are files, or REV:PATH, read with git show, so that
"corsfmt diff HEAD~1:api.cors api.cors" needs no checkout of the old tree;
a relative import of REV:PATH is read from REV too. Imports stay inside
each policy's directory, or inside -root (for REV:PATH, a path in REV
written as PATH is). Without -profile every build either file has is
compared: without a profile, and for each profile.

Exit status: 1 when -fail-on finds what it names (widen: anything allowed
or granted that was not; change: any change), 2 on an error, 0 otherwise.

Flags:
`

// runDiff is the diff subcommand.
func runDiff(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fset := subcommandFlags("corsfmt diff", diffUsage, stderr)
	policy := fset.String("policy", "", "compare only this policy")
	profile := fset.String("profile", "", "compare only the build for this profile (\"\" for the build without one)")
	asJSON := fset.Bool("json", false, "print the changes as JSON")
	markdown := fset.Bool("markdown", false, "print a summary for a pull-request comment")
	failOn := fset.String("fail-on", "", "exit 1 on a widening (widen) or on any change (change)")
	root := rootFlag(fset)
	if status, ok := parseFlags(fset, args); !ok {
		return status
	}
	profileSet := false
	fset.Visit(func(f *flag.Flag) { profileSet = profileSet || f.Name == "profile" })
	switch {
	case fset.NArg() != 2:
		fmt.Fprintln(stderr, "corsfmt diff: want two policies, OLD and NEW")
		fset.Usage()
		return 2
	case *asJSON && *markdown:
		fmt.Fprintln(stderr, "corsfmt diff: -json and -markdown exclude each other")
		return 2
	case *failOn != "" && *failOn != "widen" && *failOn != "change":
		fmt.Fprintf(stderr, "corsfmt diff: -fail-on %s: want widen or change\n", *failOn)
		return 2
	}
	var inputs [2]diff.Input
	for i, arg := range fset.Args() {
		in, release, err := readPolicy(arg, *root)
		if err != nil {
			fmt.Fprintln(stderr, "corsfmt diff:", err)
			return 2
		}
		defer release()
		inputs[i] = in
	}
	cs, err := diff.Files(inputs[0], inputs[1], diff.Options{Policy: *policy, Profile: *profile, AllBuilds: !profileSet})
	if err != nil {
		lang.PrintErrors(stderr, err)
		return 2
	}
	write := diff.WriteText
	switch {
	case *asJSON:
		write = diff.WriteJSON
	case *markdown:
		write = diff.WriteMarkdown
	}
	if err := write(stdout, cs); err != nil {
		fmt.Fprintln(stderr, "corsfmt diff: writing standard output:", err)
		return 2
	}
	for _, c := range cs {
		if *failOn == "change" && !c.Empty() || *failOn == "widen" && c.Widens() {
			return 1
		}
	}
	return 0
}

// readPolicy reads a policy named on the command line, and returns it with
// the function that releases its importer: a file, read and imported from
// as every subcommand does (compile.Loader), or, when no file has that
// name, REV:PATH through git show, imported from by the same rule inside
// REV.
func readPolicy(arg, root string) (diff.Input, func(), error) {
	if _, err := os.Stat(arg); err == nil {
		l, err := compile.NewLoader(arg, compile.Options{Root: root})
		if err != nil {
			return diff.Input{}, nil, err
		}
		src, err := l.ReadPolicy()
		if err != nil {
			l.Close()
			return diff.Input{}, nil, err
		}
		return diff.Input{Name: arg, Src: src, Importer: l}, func() { l.Close() }, nil
	}
	rev, file, ok := strings.Cut(arg, ":")
	if !ok || rev == "" || file == "" {
		return diff.Input{}, nil, fmt.Errorf("%s: no such file, and not REV:PATH", arg)
	}
	if strings.HasPrefix(rev, "-") {
		// git show would read it as an option: --output=FILE writes FILE.
		return diff.Input{}, nil, fmt.Errorf("%s: no such file, and %s is not a revision", arg, rev)
	}
	imp, err := newGitImporter(rev, file, root)
	if err != nil {
		return diff.Input{}, nil, err
	}
	src, err := gitShow(rev, file)
	if err != nil {
		return diff.Input{}, nil, err
	}
	imp.reads.size = len(src)
	return diff.Input{Name: arg, Src: src, Importer: stdlib.Importer{Next: imp}}, func() {}, nil
}

// gitShow returns the content of file at revision rev, as git show
// REV:PATH does: PATH from the top of the repository, or from the current
// directory when it starts with ./ or ../.
func gitShow(rev, file string) ([]byte, error) {
	var out, errOut bytes.Buffer
	// --end-of-options: whatever rev holds, git reads it as a revision,
	// never as an option.
	cmd := exec.Command("git", "show", "--no-textconv", "--end-of-options", rev+":"+file)
	cmd.Stdout, cmd.Stderr = &limitedWriter{w: &out, n: lang.MaxFileSize + 1}, &errOut
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errOut.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("%s:%s: git show: %s", rev, file, msg)
	}
	if out.Len() > lang.MaxFileSize {
		return nil, fmt.Errorf("%s:%s: file is larger than the limit of %d bytes", rev, file, lang.MaxFileSize)
	}
	return out.Bytes(), nil
}

// limitedWriter keeps at most n bytes and drops the rest, so that a huge
// blob costs no more memory than the limit it breaks.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if len(p) > l.n {
		l.w.Write(p[:l.n])
		l.n = 0
		return len(p), nil
	}
	l.n -= len(p)
	return l.w.Write(p)
}

// gitImporter serves the relative imports of a policy read as REV:PATH
// from the same revision, by the rule of lang.ImportFile: ./ or ../, a
// .cors file, inside the root, the policy's directory in REV or -root.
type gitImporter struct {
	rev   string
	root  string // as git show takes a path: from the top of the tree, or ./ or ../ from the working directory
	reads *gitReads
}

// gitReads is what a gitImporter has read, as a compile.Loader keeps it:
// each module once, however often the policy is compiled, and the bytes
// of the policy and its modules together, bounded by compile.MaxLoadSize.
type gitReads struct {
	size    int
	modules map[string][]byte // by name as git show takes it
}

// newGitImporter returns the importer of the policy file at REV:file, with
// the root named, or the file's directory.
func newGitImporter(rev, file, root string) (gitImporter, error) {
	fromCwd := func(p string) bool { return strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../") }
	if root == "" {
		root = path.Dir(file)
		if fromCwd(file) && !fromCwd(root) {
			root = "./" + root
		}
	}
	if fromCwd(root) != fromCwd(file) {
		return gitImporter{}, fmt.Errorf("%s:%s: -root %s and the policy must both be written from the top of the tree, or both from the working directory", rev, file, root)
	}
	if _, err := relativeToGitRoot(root, file); err != nil {
		return gitImporter{}, fmt.Errorf("%s:%s: %w", rev, file, err)
	}
	return gitImporter{rev: rev, root: root, reads: &gitReads{modules: map[string][]byte{}}}, nil
}

// relativeToGitRoot returns the name of file inside root, both paths as
// git show takes them.
func relativeToGitRoot(root, file string) (string, error) {
	r, f := path.Clean(root), path.Clean(file)
	switch {
	case r == ".":
		if f == ".." || strings.HasPrefix(f, "../") {
			break
		}
		return f, nil
	case strings.HasPrefix(f, r+"/"):
		return strings.TrimPrefix(f, r+"/"), nil
	}
	return "", fmt.Errorf("the policy file is not inside the import root %s", root)
}

func (g gitImporter) Import(from, importPath string) (string, []byte, error) {
	_, file, _ := strings.Cut(from, ":")
	fromRel, err := relativeToGitRoot(g.root, file)
	if err != nil {
		return "", nil, fmt.Errorf("%w %q: %v", lang.ErrUnknownModule, importPath, err)
	}
	rel, err := lang.ImportFile(fromRel, importPath)
	if err != nil {
		return "", nil, err
	}
	name := path.Join(g.root, rel)
	if strings.HasPrefix(g.root, "./") && !strings.HasPrefix(name, "../") {
		name = "./" + name
	}
	src, ok := g.reads.modules[name]
	if !ok {
		if src, err = gitShow(g.rev, name); err != nil {
			return "", nil, errors.Join(lang.ErrUnknownModule, err)
		}
		if g.reads.size+len(src) > compile.MaxLoadSize {
			return "", nil, fmt.Errorf("%w %q: the policy and its modules are larger than the limit of %d bytes together",
				lang.ErrUnknownModule, importPath, compile.MaxLoadSize)
		}
		g.reads.size += len(src)
		g.reads.modules[name] = src
	}
	return g.rev + ":" + name, src, nil
}

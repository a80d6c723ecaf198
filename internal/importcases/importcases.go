//go:build unix

// Package importcases is the table of imports that every entry point
// reading policies from disk is tested with: compile.LoadFile and LoadFS,
// the watcher, corstest and each corsfmt subcommand. One table for all of
// them is how the tests hold them to one resolution rule (SPEC.md,
// Imports).
package importcases

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Secret is in every file of the tree that is not a policy or module. No
// error message may quote it.
const Secret = "SECRET-TOKEN-42"

// Origin is the origin every module of the tree names, so that a policy
// whose import succeeds allows it.
const Origin = "https://partner.example"

// A Case is a policy, svc/api.cors in the tree, that imports one path.
type Case struct {
	Name   string
	Wide   bool   // the root is the tree's repo directory, not svc
	Import string // the import path
	Err    string // a substring of the error; "" when the policy compiles
}

// Cases are the imports of SPEC.md's Imports section and the ways out of
// the root an attacker would try.
var Cases = []Case{
	{Name: "relative", Import: "./local.cors"},
	{Name: "relative in a subdirectory", Import: "./sub/deep.cors"},
	{Name: "../ inside a wider root", Wide: true, Import: "../shared/partners.cors"},
	{Name: "../ out of the default root", Import: "../shared/partners.cors", Err: "leads out of the import root"},
	{Name: "../ out of the wider root", Wide: true, Import: "../../outside.cors", Err: "leads out of the import root"},
	{Name: "../ out and back in", Import: "../svc/local.cors", Err: "leads out of the import root"},
	{Name: "absolute path", Import: "/etc/passwd.cors", Err: "a file import starts with ./ or ../"},
	{Name: "symbolic link out of the root", Wide: true, Import: "./link-out.cors", Err: "leads out of the import root"},
	{Name: "symbolic link out of the default root", Import: "./link-shared.cors", Err: "leads out of the import root"},
	{Name: "symbolic link inside the wider root", Wide: true, Import: "./link-shared.cors"},
	{Name: "symbolic link to /etc/passwd", Wide: true, Import: "./passwd-link.cors", Err: "leads out of the import root"},
	{Name: "symbolic link to /dev/zero", Import: "./zero-link.cors", Err: "leads out of the import root"},
	{Name: "not a .cors file", Import: "./notes.txt", Err: "a module is a .cors file"},
	{Name: "/etc/passwd by ../", Import: "../../../../../../../../../../etc/passwd", Err: "a module is a .cors file"},
	{Name: "/etc/passwd-like content", Import: "./passwd.cors", Err: "not a .cors module"},
	{Name: "a token that is not the version line", Import: "./token.cors", Err: "not a .cors module"},
	{Name: "a directory", Import: "./sub.cors", Err: "not a regular file (a directory)"},
	{Name: "a named pipe", Import: "./fifo.cors", Err: "not a regular file (a named pipe)"},
	{Name: "a character device like /dev/zero", Import: "./zero.cors", Err: "not a regular file"},
	{Name: "past the size limit", Import: "./big.cors", Err: "file is larger than the limit of 16777216 bytes"},
	{Name: "missing", Import: "./missing.cors", Err: "no such file or directory"},
}

// Tree builds the tree the cases import from, under a new temporary
// directory, and returns its repo directory:
//
//	outside.cors                   a module outside repo
//	repo/shared/partners.cors      a module outside svc
//	repo/svc/local.cors            a module beside the policy
//	repo/svc/sub/deep.cors         a module below it
//	repo/svc/sub.cors/             a directory
//	repo/svc/link-out.cors         -> ../../outside.cors
//	repo/svc/link-shared.cors      -> ../shared/partners.cors
//	repo/svc/passwd-link.cors      -> /etc/passwd
//	repo/svc/zero-link.cors        -> /dev/zero
//	repo/svc/notes.txt             a module, but not a .cors file
//	repo/svc/passwd.cors           /etc/passwd-like lines
//	repo/svc/token.cors            a file that starts with a word
//	repo/svc/fifo.cors             a named pipe
//	repo/svc/zero.cors             a character device, as /dev/zero (a named pipe without the right to make one)
//	repo/svc/big.cors              a sparse file one byte past lang.MaxFileSize
//
// The policy, repo/svc/api.cors, is written by Policy.
func Tree(t testing.TB) string {
	t.Helper()
	top := t.TempDir()
	repo := filepath.Join(top, "repo")
	module := "cors 1\n\norigins all = \"" + Origin + "\"\n"
	files := map[string]string{
		"outside.cors":              module,
		"repo/shared/partners.cors": module,
		"repo/svc/local.cors":       module,
		"repo/svc/sub/deep.cors":    module,
		"repo/svc/notes.txt":        module + "# " + Secret + "\n",
		"repo/svc/passwd.cors":      "root:x:0:0:" + Secret + ":/root:/bin/bash\n",
		"repo/svc/token.cors":       Secret + " is not a policy\n",
	}
	for name, content := range files {
		path := filepath.Join(top, filepath.FromSlash(name))
		must(t, os.MkdirAll(filepath.Dir(path), 0o755))
		must(t, os.WriteFile(path, []byte(content), 0o644))
	}
	svc := filepath.Join(repo, "svc")
	must(t, os.Mkdir(filepath.Join(svc, "sub.cors"), 0o755))
	for link, target := range map[string]string{
		"link-out.cors":    "../../outside.cors",
		"link-shared.cors": "../shared/partners.cors",
		"passwd-link.cors": "/etc/passwd",
		"zero-link.cors":   "/dev/zero",
	} {
		must(t, os.Symlink(target, filepath.Join(svc, link)))
	}
	must(t, syscall.Mkfifo(filepath.Join(svc, "fifo.cors"), 0o644))
	zero := filepath.Join(svc, "zero.cors")
	// /dev/zero is character device 1, 5 on Linux. Without the right to
	// make one, a named pipe stands in: still not a regular file.
	if syscall.Mknod(zero, syscall.S_IFCHR|0o666, 1<<8|5) != nil {
		must(t, syscall.Mkfifo(zero, 0o644))
	}
	big := filepath.Join(svc, "big.cors")
	must(t, os.WriteFile(big, nil, 0o644))
	must(t, os.Truncate(big, 16<<20+1))
	return repo
}

// Policy writes the policy of a case, repo/svc/api.cors, and returns its
// path. It allows the module's origins, so that it allows Origin exactly
// when the import succeeds.
func Policy(t testing.TB, repo string, c Case) string {
	t.Helper()
	path := filepath.Join(repo, "svc", "api.cors")
	src := "cors 1\n\nimport \"" + c.Import + "\" as m\n\npolicy api {\n    allow m.all\n}\n"
	must(t, os.WriteFile(path, []byte(src), 0o644))
	return path
}

// Root returns the root a case names: the repo directory for a wide one,
// or "" for the policy's directory.
func Root(repo string, c Case) string {
	if c.Wide {
		return repo
	}
	return ""
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// walkFiles calls visit for every file under root whose name ends in one of
// exts, in lexical order, leaving out names that start with a period below
// root, and report for every directory or link that cannot be read.
func walkFiles(root string, exts []string, visit func(path string), report func(error)) {
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			report(err)
			return nil // for a directory that cannot be read, skips it
		}
		name := d.Name()
		if path != root && strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !slices.ContainsFunc(exts, func(e string) bool { return strings.HasSuffix(name, e) }) {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			// WalkDir does not follow links. One to a file is a policy,
			// read through the link; any other is not a policy.
			info, err := os.Stat(path)
			if err != nil {
				report(err)
				return nil
			}
			if !info.Mode().IsRegular() {
				return nil
			}
		} else if !d.Type().IsRegular() {
			return nil // a named pipe or a device: not a policy
		}
		visit(path)
		return nil
	})
}

// Extensions of the files corsfmt reads.
var (
	policyFiles  = []string{".cors"}
	fixtureFiles = []string{".fixtures"}
	allFiles     = []string{".cors", ".fixtures"}
)

// eachFile calls visit for every path given, walking directories for files
// with one of exts, and report for every path that cannot be read.
func eachFile(paths, exts []string, visit func(path string), report func(error)) {
	for _, path := range paths {
		info, err := os.Stat(path)
		switch {
		case err != nil:
			report(err)
		case info.IsDir():
			walkFiles(path, exts, visit, report)
		default:
			visit(path)
		}
	}
}

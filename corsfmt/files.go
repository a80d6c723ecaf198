package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// walkPolicies calls visit for every .cors file under root, in lexical
// order, leaving out names that start with a period below root, and
// report for every directory or link that cannot be read.
func walkPolicies(root string, visit func(path string), report func(error)) {
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
		if d.IsDir() || !strings.HasSuffix(name, ".cors") {
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

// eachPolicy calls visit for every path given, walking directories, and
// reports whether every path could be read.
func eachPolicy(paths []string, visit func(path string), report func(error)) {
	for _, path := range paths {
		info, err := os.Stat(path)
		switch {
		case err != nil:
			report(err)
		case info.IsDir():
			walkPolicies(path, visit, report)
		default:
			visit(path)
		}
	}
}

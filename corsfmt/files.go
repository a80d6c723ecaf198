package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// afterWalk, when set, is called by walkFiles with each file it found,
// before it visits it, so that a test can replace the file in between.
var afterWalk func(path string)

// walkFiles calls visit for every regular file under root whose name ends
// in one of exts, in lexical order, with the file's information as the
// walk saw it, leaving out names that start with a period below root, and
// report for every directory that cannot be read. A symbolic link is not
// followed: it may lead out of the tree, and -w would then rewrite a file
// nobody asked it to; each one with a name corsfmt would read is noted on
// notes instead.
func walkFiles(root string, exts []string, visit func(path string, walked fs.FileInfo), report func(error), notes io.Writer) {
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
			fmt.Fprintf(notes, "corsfmt: %s: a symbolic link met in a directory walk is not followed; name it to process it\n", path)
			return nil
		}
		if !d.Type().IsRegular() {
			return nil // a named pipe or a device: not a policy
		}
		info, err := d.Info()
		if err != nil {
			report(err)
			return nil
		}
		if afterWalk != nil {
			afterWalk(path)
		}
		visit(path, info)
		return nil
	})
}

// replacedInWalk reports whether the file read, described by read, is not
// the file a directory walk found, described by walked (nil for a file
// named on the command line): replaced since, by a link perhaps. It then
// returns the error that refuses it.
func replacedInWalk(path string, walked, read fs.FileInfo) error {
	if walked == nil || os.SameFile(walked, read) {
		return nil
	}
	return fmt.Errorf("%s: not read: it was replaced while corsfmt walked its directory", path)
}

// Extensions of the files corsfmt reads.
var (
	policyFiles  = []string{".cors"}
	fixtureFiles = []string{".fixtures"}
	allFiles     = []string{".cors", ".fixtures"}
)

// eachFile calls visit for every path given, walking directories for files
// with one of exts, and report for every path that cannot be read. A file
// named in paths is visited with walked nil, and followed if it is a
// symbolic link: whoever named it chose it; so is a directory named
// through a link, whose files keep the link's name in their paths. A file
// found by a walk is visited with its information as the walk saw it.
func eachFile(paths, exts []string, visit func(path string, walked fs.FileInfo), report func(error), notes io.Writer) {
	for _, path := range paths {
		info, err := os.Stat(path)
		switch {
		case err != nil:
			report(err)
		case info.IsDir():
			if link, err := os.Lstat(path); err == nil && link.Mode()&fs.ModeSymlink != 0 {
				// filepath.WalkDir does not follow a root that is a link;
				// a trailing separator makes the system resolve it.
				path += string(filepath.Separator)
			}
			walkFiles(path, exts, visit, report, notes)
		default:
			visit(path, nil)
		}
	}
}

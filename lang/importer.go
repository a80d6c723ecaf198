package lang

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// Name returns the name under which the import brings its module's sets
// into scope: the alias after "as", or else the last element of the path
// without its ".cors" extension.
func (imp *Import) Name() string {
	if imp.Alias != nil {
		return imp.Alias.Name
	}
	return strings.TrimSuffix(path.Base(imp.Path.Value), ".cors")
}

// An Importer finds the source of the module an import names. from is the
// name of the importing file, as given to Parse, and importPath the string
// of the import declaration. It returns the module's file name, used in the
// positions of its nodes, and its source.
//
// The compiler resolves every import through an Importer, so that a caller
// can serve modules from disk, from an embedded fs.FS, or from memory in a
// test. The standard library ("std/...") is served by an Importer of its own.
type Importer interface {
	Import(from, importPath string) (filename string, src []byte, err error)
}

// ErrUnknownModule is returned, wrapped, by importers for a path they do not
// serve.
var ErrUnknownModule = errors.New("unknown module")

// FSImporter serves relative imports ("./x.cors", "../shared/y.cors") from a
// file system, resolved against the directory of the importing file; paths
// in the file system are slash-separated, as fs.FS requires.
type FSImporter struct {
	FS fs.FS
}

// Import implements Importer.
func (i FSImporter) Import(from, importPath string) (string, []byte, error) {
	if !strings.HasPrefix(importPath, "./") && !strings.HasPrefix(importPath, "../") {
		return "", nil, fmt.Errorf("%w %q: a file import starts with ./ or ../", ErrUnknownModule, importPath)
	}
	name := path.Join(path.Dir(from), importPath)
	if !fs.ValidPath(name) {
		return "", nil, fmt.Errorf("%w %q: it leads out of the policy directory", ErrUnknownModule, importPath)
	}
	src, err := fs.ReadFile(i.FS, name)
	if err != nil {
		return "", nil, fmt.Errorf("%w %q: %v", ErrUnknownModule, importPath, err)
	}
	return name, src, nil
}

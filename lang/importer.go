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
// file system, resolved by ImportFile against the directory of the
// importing file; paths in the file system are slash-separated, as fs.FS
// requires, and no import leads out of it. Modules are read by ReadFS: a
// file that is not regular, or is larger than MaxFileSize, is refused.
type FSImporter struct {
	FS fs.FS
}

// Import implements Importer.
func (i FSImporter) Import(from, importPath string) (string, []byte, error) {
	name, err := ImportFile(from, importPath)
	if err != nil {
		return "", nil, err
	}
	src, _, err := ReadFS(i.FS, name)
	if err != nil {
		return "", nil, ImportError(importPath, err)
	}
	return name, src, nil
}

// ImportFile returns the file a relative import leads to: the import path
// joined to the directory of the importing file from, both slash-separated
// and relative to the root that every import must stay inside. It refuses,
// wrapping ErrUnknownModule, an import path that does not start with ./ or
// ../ or does not end in .cors, and one that leads out of the root.
func ImportFile(from, importPath string) (string, error) {
	if !strings.HasPrefix(importPath, "./") && !strings.HasPrefix(importPath, "../") {
		return "", fmt.Errorf("%w %q: a file import starts with ./ or ../", ErrUnknownModule, importPath)
	}
	if !strings.HasSuffix(importPath, ".cors") {
		return "", fmt.Errorf("%w %q: a module is a .cors file", ErrUnknownModule, importPath)
	}
	name := path.Join(path.Dir(from), importPath)
	if !fs.ValidPath(name) {
		return "", fmt.Errorf("%w %q: it leads out of the import root", ErrUnknownModule, importPath)
	}
	return name, nil
}

// ImportError is the error of an import whose file could not be read:
// ErrUnknownModule, wrapped with the import path and the reason, without
// the file's name inside the root, which would repeat the import path
// less clearly.
func ImportError(importPath string, err error) error {
	var pathErr *fs.PathError
	switch {
	case errors.Is(err, ErrTooLarge):
		err = ErrTooLarge
	case errors.As(err, &pathErr) && pathErr.Err.Error() == rootEscape:
		return fmt.Errorf("%w %q: it leads out of the import root through a symbolic link", ErrUnknownModule, importPath)
	case errors.As(err, &pathErr):
		err = pathErr.Err
	}
	return fmt.Errorf("%w %q: %v", ErrUnknownModule, importPath, err)
}

// rootEscape is the text of the error an os.Root returns for a path that
// leads out of it, which package os does not export; a test of the
// compiler's import rule fails if it ever changes.
const rootEscape = "path escapes from parent"

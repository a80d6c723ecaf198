package compile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/corspolicy/cors/lang"
	"github.com/corspolicy/cors/stdlib"
)

// LoadFile reads and compiles the policy file at path. Its imports are
// resolved by a Loader: std/ modules from the standard library, relative
// imports from disk, inside the root (opts.Root, or the file's directory);
// unless opts names an importer, which then serves every import.
func LoadFile(path string, opts Options) (*Program, error) {
	l, err := NewLoader(path, opts)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	return l.Load()
}

// LoadFS reads and compiles the policy file name of fsys, such as an
// embed.FS, as LoadFile does: relative imports are served from fsys,
// inside the root, which is opts.Root, a directory of fsys, or the
// directory of name.
func LoadFS(fsys fs.FS, name string, opts Options) (*Program, error) {
	l, err := NewFSLoader(fsys, name, opts)
	if err != nil {
		return nil, err
	}
	return l.Load()
}

// A Loader reads a policy file and the modules it imports, under the one
// rule of SPEC.md's Imports section: a relative import resolves against
// the directory of the file that imports it, must end in .cors, and must
// stay inside the root, through ".." and symbolic links alike; every file
// is read by lang.ReadFS, capped and regular only. LoadFile, LoadFS, the
// watcher, corstest and every corsfmt subcommand read policies through a
// Loader, so that a policy imports the same files wherever it is compiled.
//
// A Loader is also the lang.Importer of that rule, for a tool that parses
// the policy itself (the lint), and it remembers the files it read, for a
// tool that watches them.
type Loader struct {
	opts   Options
	policy string // the policy file as named by the caller, its name in positions
	rel    string // the policy file's name inside the root, slash-separated
	dir    string // the root as named by the caller; module names in positions are under it
	fsys   fs.FS  // the root's files, no further than the root
	root   *os.Root
	join   func(dir, rel string) string
	// readPolicy reads the policy file.
	readPolicy func() ([]byte, fs.FileInfo, error)
	names      map[string]string // module name in positions -> name inside the root
	files      []File
	read       map[string]int // module name inside the root -> its entry in files
	size       int            // the bytes of files held

	// Overlay, when set, serves the source of a module in place of the
	// file, by the name the module has in positions: the text an editor
	// holds for it, saved or not. It is asked only once the import rule
	// has placed the module inside the root.
	Overlay func(name string) ([]byte, bool)
}

// A File is a file a Loader read, or tried to read: the policy file, then
// the file each relative import led to, in the order they were read.
type File struct {
	Name string      // as in positions: the root as named, joined with the name inside it
	Info fs.FileInfo // of the file as it was read; nil when it could not be read
	Src  []byte      // what was read; nil when it could not be read
	Err  error       // why it could not be read
}

// NewLoader returns a Loader for the policy file at path, on disk. The
// root is opts.Root, or path's directory when it is ""; the policy file
// must be inside it. The policy file itself is read through the path the
// caller gave, symbolic links included, as the caller named it; what it
// imports is read through an os.Root, which refuses every way out of the
// root. Close releases the root.
func NewLoader(path string, opts Options) (*Loader, error) {
	dir := opts.Root
	if dir == "" {
		dir = filepath.Dir(path)
	}
	rel, err := relativeTo(dir, path)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		var pathErr *fs.PathError
		if opts.Root == "" && errors.As(err, &pathErr) {
			// The root is the policy's own directory: say what the
			// caller named, the policy file.
			return nil, &fs.PathError{Op: "open", Path: path, Err: pathErr.Err}
		}
		return nil, fmt.Errorf("import root: %w", err)
	}
	l := newLoader(path, rel, dir, rootFS{root}, opts)
	l.root = root
	l.join = func(dir, rel string) string { return filepath.Join(dir, filepath.FromSlash(rel)) }
	l.readPolicy = func() ([]byte, fs.FileInfo, error) { return lang.ReadFile(path) }
	return l, nil
}

// relativeTo returns the slash-separated name of the file at path inside
// the directory dir, or an error when path is not inside dir.
func relativeTo(dir, path string) (string, error) {
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	absPath, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(absDir, absPath)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s: the policy file is not inside the import root %s", path, dir)
	}
	return filepath.ToSlash(rel), nil
}

// NewFSLoader returns a Loader for the policy file name of fsys. The root
// is opts.Root, a slash-separated directory of fsys ("." for all of it),
// or the directory of name when it is ""; name must be inside it. Names in
// positions are names of fsys.
func NewFSLoader(fsys fs.FS, name string, opts Options) (*Loader, error) {
	dir := opts.Root
	if dir == "" {
		dir = path.Dir(name)
	}
	if !fs.ValidPath(dir) || !fs.ValidPath(name) {
		return nil, fmt.Errorf("%s: not a valid name in the file system (root %s)", name, dir)
	}
	rel := name
	if dir != "." {
		var ok bool
		if rel, ok = strings.CutPrefix(name, dir+"/"); !ok {
			return nil, fmt.Errorf("%s: the policy file is not inside the import root %s", name, dir)
		}
	}
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		return nil, err
	}
	l := newLoader(name, rel, dir, sub, opts)
	l.join = func(dir, rel string) string { return path.Join(dir, rel) }
	l.readPolicy = func() ([]byte, fs.FileInfo, error) { return lang.ReadFS(fsys, name) }
	return l, nil
}

func newLoader(policy, rel, dir string, fsys fs.FS, opts Options) *Loader {
	return &Loader{opts: opts, policy: policy, rel: rel, dir: dir, fsys: fsys, names: map[string]string{}, read: map[string]int{}}
}

// Load reads the policy file and compiles it.
func (l *Loader) Load() (*Program, error) {
	src, err := l.ReadPolicy()
	if err != nil {
		return nil, err
	}
	return l.Compile(src)
}

// ReadPolicy reads the policy file.
func (l *Loader) ReadPolicy() ([]byte, error) {
	src, info, err := l.readPolicy()
	l.size += len(src)
	l.files = append(l.files, File{Name: l.policy, Info: info, Src: src, Err: err})
	return src, err
}

// Compile compiles src as the source of the policy file: positions name
// the policy file, and its relative imports are read by the Loader, unless
// the Options name an importer.
func (l *Loader) Compile(src []byte) (*Program, error) {
	opts := l.opts
	if opts.Importer == nil {
		opts.Importer = l
	}
	return CompileSource(l.policy, src, opts)
}

// Import implements lang.Importer: std/ modules come from the standard
// library, and relative imports from the root, by the rule of
// lang.ImportFile, read by lang.ReadFS.
func (l *Loader) Import(from, importPath string) (string, []byte, error) {
	if strings.HasPrefix(importPath, stdlib.Prefix) {
		return stdlib.Importer{}.Import(from, importPath)
	}
	fromRel, ok := l.names[from]
	if from == l.policy {
		fromRel, ok = l.rel, true
	}
	if !ok {
		return "", nil, fmt.Errorf("%w %q: %s was not read by this loader", lang.ErrUnknownModule, importPath, from)
	}
	rel, err := lang.ImportFile(fromRel, importPath)
	if err != nil {
		return "", nil, err
	}
	name := l.policy
	if rel != l.rel {
		name = l.join(l.dir, rel)
		l.names[name] = rel
	}
	// A module imported under several names, or by several modules, is
	// read once: what a policy makes the loader hold is the sum of its
	// distinct files, bounded by MaxLoadSize.
	if i, ok := l.read[rel]; ok {
		if f := l.files[i]; f.Err != nil {
			return "", nil, lang.ImportError(importPath, f.Err)
		}
		return name, l.files[i].Src, nil
	}
	var src []byte
	var info fs.FileInfo
	if overlay, ok := l.overlay(name); ok {
		src = overlay
	} else {
		src, info, err = lang.ReadFS(l.fsys, rel)
	}
	switch {
	case err != nil:
	case l.size+len(src) > MaxLoadSize:
		src, err = nil, errLoadTooLarge
	case !lang.HasVersionLine(src):
		// Any file the path reaches, which a caller may show: say what it
		// is not, and keep none of it.
		src, err = nil, errNotModule
	}
	l.size += len(src)
	l.read[rel] = len(l.files)
	l.files = append(l.files, File{Name: name, Info: info, Src: src, Err: err})
	if err != nil {
		return "", nil, lang.ImportError(importPath, err)
	}
	return name, src, nil
}

// MaxLoadSize is the most bytes a Loader reads for one policy, the policy
// file and its modules together: four files at the limit of one, far more
// than any policy imports, so that a policy importing many large modules
// costs no more memory than that.
const MaxLoadSize = 4 * lang.MaxFileSize

var errLoadTooLarge = fmt.Errorf("the policy and its modules are larger than the limit of %d bytes together", MaxLoadSize)

// overlay returns the Overlay's source for a module, if any.
func (l *Loader) overlay(name string) ([]byte, bool) {
	if l.Overlay == nil {
		return nil, false
	}
	return l.Overlay(name)
}

// Files returns the files the Loader has read, or tried to read: the
// policy file, then each file a relative import led to, once however
// often it is imported.
func (l *Loader) Files() []File { return l.files }

// Close releases the root of a Loader made by NewLoader.
func (l *Loader) Close() error {
	if l.root == nil {
		return nil
	}
	return l.root.Close()
}

// errNotModule is the reason given for an import whose file does not
// start with the version line.
var errNotModule = errors.New(`not a .cors module: it does not start with the version line "cors 1"`)

// rootFS is the file system of an os.Root, as its FS method makes it, but
// for one thing: it opens files without waiting for a writer, so that a
// file replaced by a named pipe after lang.ReadFS asked its kind cannot
// block the compile; ReadFS then refuses it.
type rootFS struct{ root *os.Root }

func (r rootFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	return r.root.OpenFile(name, os.O_RDONLY|openNonBlocking, 0)
}

func (r rootFS) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	return r.root.Stat(name)
}

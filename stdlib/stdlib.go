// Package stdlib embeds the standard library of the .cors language: modules
// of named sets and grant bundles that policies import as "std/NAME"
// (std/dev, std/headers, std/expose, std/methods, std/presets), written in
// the language itself, in this directory, and reviewed once for everyone.
package stdlib

//go:generate go run ./internal/specgen ../SPEC.md

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/corspolicy/cors/lang"
)

//go:embed *.cors
var modules embed.FS

// Prefix starts every import path of the standard library.
const Prefix = "std/"

// Importer serves the standard library's modules and passes every other
// import to Next, or refuses it when Next is nil. Modules are named
// "std/NAME.cors" in positions.
type Importer struct {
	Next lang.Importer
}

// Import implements lang.Importer.
func (i Importer) Import(from, importPath string) (string, []byte, error) {
	name, ok := strings.CutPrefix(importPath, Prefix)
	if !ok {
		if i.Next == nil {
			return "", nil, fmt.Errorf("%w %q: only std/ modules can be imported here", lang.ErrUnknownModule, importPath)
		}
		return i.Next.Import(from, importPath)
	}
	src, err := fs.ReadFile(modules, name+".cors")
	if err != nil || strings.Contains(name, "/") || name == "" {
		return "", nil, fmt.Errorf("%w %q: the standard library has %s", lang.ErrUnknownModule, importPath, strings.Join(Names(), ", "))
	}
	return Prefix + name + ".cors", src, nil
}

// Names returns the import paths of the standard library's modules, sorted.
func Names() []string {
	files, _ := fs.Glob(modules, "*.cors")
	var out []string
	for _, f := range files {
		out = append(out, Prefix+strings.TrimSuffix(path.Base(f), ".cors"))
	}
	slices.Sort(out)
	return out
}

// Source returns the source of a module by its import path.
func Source(importPath string) ([]byte, error) {
	_, src, err := Importer{}.Import("", importPath)
	return src, err
}

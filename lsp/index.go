package lsp

import (
	"reflect"
	"slices"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/lang"
)

// children returns the nodes directly inside n, in source order. It finds
// them by reflection over the AST's exported fields, so that a new kind of
// declaration or clause is walked, found at a position and listed among
// its parent's children without a change here.
func children(n lang.Node) []lang.Node {
	v := reflect.ValueOf(n)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	v = v.Elem()
	var out []lang.Node
	add := func(f reflect.Value) {
		if (f.Kind() == reflect.Pointer || f.Kind() == reflect.Interface) && !f.IsNil() {
			if n, ok := f.Interface().(lang.Node); ok {
				out = append(out, n)
			}
		}
	}
	for i := range v.NumField() {
		sf := v.Type().Field(i)
		if sf.Anonymous || !sf.IsExported() || sf.Name == "Comments" {
			continue
		}
		f := v.Field(i)
		if f.Kind() == reflect.Slice {
			for j := range f.Len() {
				add(f.Index(j))
			}
			continue
		}
		add(f)
	}
	slices.SortStableFunc(out, func(a, b lang.Node) int { return a.Start().Offset - b.Start().Offset })
	return out
}

// walk calls visit for n and every node inside it, parents first; visit
// returns false to skip a node's children.
func walk(n lang.Node, visit func(lang.Node) bool) {
	if !visit(n) {
		return
	}
	for _, c := range children(n) {
		walk(c, visit)
	}
}

// pathAt returns the nodes whose text contains the byte offset, from n
// inward. A node contains the offset just after its last byte too, where
// a cursor stands after typing a word.
func pathAt(n lang.Node, off int) []lang.Node {
	var path []lang.Node
	for n != nil && n.Start().Offset <= off && off <= n.End().Offset {
		path = append(path, n)
		var next lang.Node
		for _, c := range children(n) {
			if c.Start().Offset <= off && off <= c.End().Offset {
				next = c
				// An offset between two nodes (after one, before the
				// next) belongs to the one it starts.
				if c.Start().Offset == off {
					break
				}
			}
		}
		n = next
	}
	return path
}

// innermost returns the last node of a path of type T, and its index.
func innermost[T lang.Node](path []lang.Node) (T, int) {
	for i := len(path) - 1; i >= 0; i-- {
		if t, ok := path[i].(T); ok {
			return t, i
		}
	}
	var zero T
	return zero, -1
}

// An index is what the names of a policy file refer to: its sets and
// imports, the modules those load, and every reference.
type index struct {
	file  *lang.File
	scope *scope
}

// A scope is the names of one file: its sets and its imported modules.
type scope struct {
	file    *lang.File
	name    string // the file's name in positions
	src     []byte
	sets    map[string]*lang.SetDecl
	bundles map[string]*lang.Bundle
	imports map[string]*module
}

// A module is an import and what it loaded.
type module struct {
	imp      *lang.Import
	filename string // as the importer named it; "" when it failed
	scope    *scope // nil when it failed
	err      string // why it failed
}

// maxImportDepth bounds how deep imports of imports are loaded for
// navigation; the compiler reports cycles, this only stops them.
const maxImportDepth = 8

func newIndex(f *lang.File, imp lang.Importer) *index {
	return &index{file: f, scope: newScope(f, f.Pos.Filename, nil, imp, nil)}
}

func newScope(f *lang.File, name string, src []byte, imp lang.Importer, loading []string) *scope {
	s := &scope{file: f, name: name, src: src, sets: map[string]*lang.SetDecl{}, bundles: map[string]*lang.Bundle{}, imports: map[string]*module{}}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *lang.SetDecl:
			if _, dup := s.sets[d.Name.Name]; !dup {
				s.sets[d.Name.Name] = d
			}
		case *lang.Bundle:
			if _, dup := s.bundles[d.Name.Name]; !dup {
				s.bundles[d.Name.Name] = d
			}
		}
	}
	loading = append(loading, name)
	for _, im := range f.Imports {
		if _, dup := s.imports[im.Name()]; dup {
			continue
		}
		m := &module{imp: im}
		s.imports[im.Name()] = m
		filename, msrc, err := imp.Import(name, im.Path.Value)
		switch {
		case err != nil:
			m.err = err.Error()
			continue
		case slices.Contains(loading, filename) || len(loading) > maxImportDepth:
			m.err = "import cycle"
			continue
		}
		m.filename = filename
		mf, err := lang.Parse(filename, msrc)
		if err != nil {
			m.err = err.Error()
			continue
		}
		m.scope = newScope(mf, filename, msrc, imp, loading)
	}
	return s
}

// lookup returns the set a reference names, seen from scope s, and the
// scope it is declared in.
func (s *scope) lookup(module, name string) (*lang.SetDecl, *scope) {
	if module != "" {
		m := s.imports[module]
		if m == nil || m.scope == nil {
			return nil, nil
		}
		s = m.scope
	}
	if sd := s.sets[name]; sd != nil {
		return sd, s
	}
	return nil, nil
}

// lookupBundle returns the bundle a reference names, seen from scope s, and
// the scope it is declared in.
func (s *scope) lookupBundle(module, name string) (*lang.Bundle, *scope) {
	if module != "" {
		m := s.imports[module]
		if m == nil || m.scope == nil {
			return nil, nil
		}
		s = m.scope
	}
	if b := s.bundles[name]; b != nil {
		return b, s
	}
	return nil, nil
}

// A setValue is a value of a set with its references expanded: the value
// as written, and the sets it came through.
type setValue struct {
	text string
	via  []string
}

// maxSetValues bounds what hover lists of one set.
const maxSetValues = 200

// expand returns the values of a set, references to other sets replaced by
// their values, in order; cycles and unknown names are left as written.
func (s *scope) expand(sd *lang.SetDecl, via []string, seen map[*lang.SetDecl]bool, out *[]setValue) {
	if seen[sd] {
		*out = append(*out, setValue{text: sd.Name.Name + " (a cycle)", via: via})
		return
	}
	seen[sd] = true
	defer delete(seen, sd)
	for _, v := range sd.Values {
		if len(*out) >= maxSetValues {
			return
		}
		switch {
		case v.Literal != nil:
			*out = append(*out, setValue{text: `"` + v.Literal.Value + `"`, via: via})
		case v.Keyword != "":
			*out = append(*out, setValue{text: v.Keyword, via: via})
		case v.Ref != nil:
			inner, in := s.lookup(v.Ref.Module, v.Ref.Name)
			if inner == nil {
				*out = append(*out, setValue{text: v.Ref.String() + " (undefined)", via: via})
				continue
			}
			in.expand(inner, append(slices.Clip(via), v.Ref.String()), seen, out)
		}
	}
}

// maxCountedValues bounds the count of a set's values: past it, hover says
// "at least". References can double a set level after level, so a file of
// a few lines may name more values than an int holds; the compiler refuses
// a file past the same number (compile.MaxExpandedValues).
const maxCountedValues = compile.MaxExpandedValues

// A valueCounter counts the values expand would list for a set, with no
// limit on the list, without making it: hover's header states the set's
// size, not the length of what it lists. Sets are counted once each, so
// the work is bounded by the values written; a count that passes through
// a cycle depends on the sets being expanded and is not kept, so steps
// bounds the walk there.
type valueCounter struct {
	known   map[*lang.SetDecl]int
	onStack map[*lang.SetDecl]bool
	steps   int
}

// count returns the values of sd, at most maxCountedValues+1, and whether
// the count depends on a set being expanded further up (a cycle).
func (c *valueCounter) count(s *scope, sd *lang.SetDecl) (n int, cyclic bool) {
	if c.onStack[sd] {
		return 1, true // expand lists "NAME (a cycle)"
	}
	if n, ok := c.known[sd]; ok {
		return n, false
	}
	c.onStack[sd] = true
	defer delete(c.onStack, sd)
	for _, v := range sd.Values {
		if c.steps++; c.steps > maxCountedValues || n > maxCountedValues {
			return maxCountedValues + 1, true
		}
		if v.Ref == nil {
			n++
			continue
		}
		inner, in := s.lookup(v.Ref.Module, v.Ref.Name)
		if inner == nil {
			n++
			continue
		}
		k, cyc := c.count(in, inner)
		n, cyclic = min(n+k, maxCountedValues+1), cyclic || cyc
	}
	if !cyclic {
		c.known[sd] = n
	}
	return n, cyclic
}

// countValues returns how many values expand would list for sd with no
// limit, and false when there are more than it could count: then n is a
// lower bound.
func (s *scope) countValues(sd *lang.SetDecl) (n int, exact bool) {
	c := valueCounter{known: map[*lang.SetDecl]int{}, onStack: map[*lang.SetDecl]bool{}}
	n, _ = c.count(s, sd)
	if n > maxCountedValues {
		return maxCountedValues, false
	}
	return n, true
}

// refs returns every reference of the file.
func (ix *index) refs() []*lang.Ref {
	var out []*lang.Ref
	walk(ix.file, func(n lang.Node) bool {
		if r, ok := n.(*lang.Ref); ok {
			out = append(out, r)
		}
		return true
	})
	return out
}

// moduleOf returns the import of the file by its path's filename, for
// errors found in imported modules.
func (ix *index) moduleByFilename(filename string) *module {
	for _, m := range ix.scope.imports {
		if m.filename == filename {
			return m
		}
	}
	return nil
}

// kindOfList returns the kind of set a list of values in a node takes:
// "origins", "methods" or "headers", or "" for paths and other lists.
func kindOfList(n lang.Node) string {
	switch n := n.(type) {
	case *lang.SetDecl:
		return n.Kind
	case *lang.Rule:
		return "origins"
	case *lang.ListClause:
		switch n.Keyword {
		case "methods":
			return "methods"
		case "headers", "expose":
			return "headers"
		}
	}
	return ""
}

package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/corspolicy/cors/lang"
	"github.com/corspolicy/cors/lsp/protocol"
)

// A target is a named thing of the language a position can stand on: a
// set (through a reference or its declaration) or an imported module.
// Policies and profiles have names but nothing refers to them by name
// yet; a reusable grant bundle would be one more kind here.
type target struct {
	set    *lang.SetDecl // a set, declared in scope
	bundle *lang.Bundle  // or a bundle, declared in scope
	scope  *scope
	module *module // an imported module
}

// name returns the name of the set or bundle a target is, or nil.
func (t *target) name() *lang.Ident {
	switch {
	case t.set != nil:
		return t.set.Name
	case t.bundle != nil:
		return t.bundle.Name
	}
	return nil
}

// decl returns the declaration a target is, or nil.
func (t *target) decl() lang.Node {
	switch {
	case t.set != nil:
		return t.set
	case t.bundle != nil:
		return t.bundle
	}
	return nil
}

// targetAt returns what the node path at offset off names, or nil.
func targetAt(ix *index, path []lang.Node, off int) *target {
	if len(path) == 0 {
		return nil
	}
	switch n := path[len(path)-1].(type) {
	case *lang.Ref:
		if n.Module != "" && off <= n.Pos.Offset+len(n.Module) {
			if m := ix.scope.imports[n.Module]; m != nil {
				return &target{module: m}
			}
			return nil
		}
		if len(path) > 2 {
			if _, ok := path[len(path)-3].(*lang.GrantsClause); ok {
				if b, sc := ix.scope.lookupBundle(n.Module, n.Name); b != nil {
					return &target{bundle: b, scope: sc}
				}
				return nil
			}
		}
		if sd, sc := ix.scope.lookup(n.Module, n.Name); sd != nil {
			return &target{set: sd, scope: sc}
		}
	case *lang.Ident:
		if len(path) > 1 {
			switch p := path[len(path)-2].(type) {
			case *lang.SetDecl:
				return &target{set: p, scope: ix.scope}
			case *lang.Bundle:
				return &target{bundle: p, scope: ix.scope}
			case *lang.Import:
				return &target{module: ix.scope.imports[p.Name()]}
			}
		}
	case *lang.String:
		if len(path) > 1 {
			if p, ok := path[len(path)-2].(*lang.Import); ok {
				return &target{module: ix.scope.imports[p.Name()]}
			}
		}
	case *lang.Import:
		return &target{module: ix.scope.imports[n.Name()]}
	}
	return nil
}

// location returns where a target is declared.
func (s *Server) location(d *document, t *target) (protocol.Location, bool) {
	name := t.name()
	switch {
	case name != nil && t.scope.name == d.name:
		return protocol.Location{URI: d.uri, Range: d.rangeOf(s.enc, name.Pos.Offset, name.EndPos.Offset)}, true
	case name != nil:
		uri, md := s.moduleURI(t.scope.name), s.moduleDocument(t.scope.name)
		if uri == "" || md == nil {
			return protocol.Location{}, false
		}
		return protocol.Location{URI: uri, Range: md.rangeOf(s.enc, name.Pos.Offset, name.EndPos.Offset)}, true
	case t.module != nil && t.module.filename != "":
		uri := s.moduleURI(t.module.filename)
		return protocol.Location{URI: uri}, uri != ""
	}
	return protocol.Location{}, false
}

// at returns the document, its analysis and the byte offset a position
// request names.
func (s *Server) at(params json.RawMessage) (*document, *analysis, int, error) {
	p, err := decode[protocol.TextDocumentPositionParams](params)
	if err != nil {
		return nil, nil, 0, err
	}
	d, err := s.doc(p.TextDocument.URI)
	if err != nil {
		return nil, nil, 0, err
	}
	return d, d.analyze(), d.offset(s.enc, p.Position), nil
}

func (s *Server) definition(_ context.Context, params json.RawMessage) (any, error) {
	d, a, off, err := s.at(params)
	if err != nil || a.index == nil {
		return nil, err
	}
	t := targetAt(a.index, pathAt(a.file, off), off)
	if t == nil {
		return nil, nil
	}
	if loc, ok := s.location(d, t); ok {
		return []protocol.Location{loc}, nil
	}
	return nil, nil
}

// declKey identifies a declaration across the analyses of several
// documents: its file and offset.
type declKey struct {
	file   string
	offset int
}

func (s *Server) references(_ context.Context, params json.RawMessage) (any, error) {
	p, err := decode[protocol.ReferenceParams](params)
	if err != nil {
		return nil, err
	}
	d, a, off, err := s.at(params)
	if err != nil || a.index == nil {
		return nil, err
	}
	t := targetAt(a.index, pathAt(a.file, off), off)
	if t == nil || t.decl() == nil {
		return nil, nil
	}
	want := declKey{t.scope.name, t.decl().Start().Offset}
	out := []protocol.Location{}
	if p.Context.IncludeDeclaration {
		if loc, ok := s.location(d, t); ok {
			out = append(out, loc)
		}
	}
	// The references of this document, and of the other open policies,
	// which may import it or the same module.
	docs := []*document{d}
	s.mu.Lock()
	for _, o := range s.docs {
		if o != d && o.kind == kindPolicy && len(o.text) <= lang.MaxFileSize {
			docs = append(docs, o)
		}
	}
	s.mu.Unlock()
	for _, o := range docs {
		oa := o.analyze()
		if oa.index == nil {
			continue
		}
		for _, r := range oa.index.refs() {
			if sd, sc := oa.index.scope.lookup(r.Module, r.Name); sd != nil && (declKey{sc.name, sd.Pos.Offset}) == want ||
				t.bundle != nil && func() bool {
					b, bsc := oa.index.scope.lookupBundle(r.Module, r.Name)
					return b != nil && (declKey{bsc.name, b.Pos.Offset}) == want
				}() {
				out = append(out, protocol.Location{URI: o.uri, Range: o.rangeOf(s.enc, r.Pos.Offset, r.EndPos.Offset)})
			}
		}
	}
	return out, nil
}

// symbolOf describes a node as a document symbol: its name, detail and
// kind, and the node its name is; ok is false for nodes that are not
// symbols. A new kind of declaration needs one case here.
func symbolOf(n lang.Node) (name, detail string, kind int, sel lang.Node, ok bool) {
	switch n := n.(type) {
	case *lang.Import:
		return n.Path.Value, "import " + n.Name(), protocol.SymbolModule, n.Path, true
	case *lang.SetDecl:
		return n.Name.Name, n.Kind, protocol.SymbolConstant, n.Name, true
	case *lang.Bundle:
		return n.Name.Name, "grants", protocol.SymbolStruct, n.Name, true
	case *lang.Policy:
		return n.Name.Name, "policy", protocol.SymbolNamespace, n.Name, true
	case *lang.Profile:
		var names []string
		for _, id := range n.Names {
			names = append(names, id.Name)
		}
		return "profile " + strings.Join(names, ", "), "", protocol.SymbolModule, n, true
	case *lang.Rule:
		return n.Effect + " " + clipText(valuesText(n.Origins), 60), rulePaths(n), protocol.SymbolMethod, n, true
	case *lang.Case:
		return n.Name.Value, n.Request.Method + " " + n.Request.Path.Value, protocol.SymbolEvent, n.Name, true
	}
	return "", "", 0, nil, false
}

// valuesText writes a list of values as the source does.
func valuesText(vals []*lang.Value) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		switch {
		case v.Literal != nil:
			parts[i] = `"` + v.Literal.Value + `"`
		case v.Ref != nil:
			parts[i] = v.Ref.String()
		default:
			parts[i] = v.Keyword
		}
	}
	return strings.Join(parts, ", ")
}

func rulePaths(r *lang.Rule) string {
	if r.Block != nil {
		for _, c := range r.Block.Clauses {
			if l, ok := c.(*lang.ListClause); ok && l.Keyword == "paths" {
				return "paths " + clipText(valuesText(l.Values), 60)
			}
		}
	}
	return ""
}

func clipText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// symbolInformation is the flat form of a symbol, for clients without
// hierarchical document symbols.
type symbolInformation struct {
	Name          string            `json:"name"`
	Kind          int               `json:"kind"`
	Location      protocol.Location `json:"location"`
	ContainerName string            `json:"containerName,omitempty"`
}

func (s *Server) documentSymbol(_ context.Context, params json.RawMessage) (any, error) {
	p, err := decode[protocol.DocumentParams](params)
	if err != nil {
		return nil, err
	}
	d, err := s.doc(p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	a := d.analyze()
	var root lang.Node
	switch {
	case a.file != nil:
		root = a.file
	case a.fixtures != nil:
		root = a.fixtures
	default:
		return []protocol.DocumentSymbol{}, nil
	}
	var collect func(n lang.Node) []protocol.DocumentSymbol
	collect = func(n lang.Node) []protocol.DocumentSymbol {
		var out []protocol.DocumentSymbol
		for _, c := range children(n) {
			name, detail, kind, sel, ok := symbolOf(c)
			if !ok {
				out = append(out, collect(c)...)
				continue
			}
			out = append(out, protocol.DocumentSymbol{
				Name: name, Detail: detail, Kind: kind,
				Range:          d.rangeOf(s.enc, c.Start().Offset, c.End().Offset),
				SelectionRange: d.rangeOf(s.enc, sel.Start().Offset, sel.End().Offset),
				Children:       collect(c),
			})
		}
		return out
	}
	syms := collect(root)
	if syms == nil {
		syms = []protocol.DocumentSymbol{}
	}
	if s.hierarchal {
		return syms, nil
	}
	flat := []symbolInformation{}
	var flatten func(syms []protocol.DocumentSymbol, container string)
	flatten = func(syms []protocol.DocumentSymbol, container string) {
		for _, sym := range syms {
			flat = append(flat, symbolInformation{Name: sym.Name, Kind: sym.Kind, ContainerName: container,
				Location: protocol.Location{URI: d.uri, Range: sym.Range}})
			flatten(sym.Children, sym.Name)
		}
	}
	flatten(syms, "")
	return flat, nil
}

// String is for test failures.
func (t *target) String() string {
	switch {
	case t.set != nil:
		return fmt.Sprintf("set %s in %s", t.set.Name.Name, t.scope.name)
	case t.bundle != nil:
		return fmt.Sprintf("bundle %s in %s", t.bundle.Name.Name, t.scope.name)
	case t.module != nil:
		return "module " + t.module.imp.Path.Value
	}
	return "nothing"
}

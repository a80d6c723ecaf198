package compile

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/corspolicy/cors/lang"
	"github.com/corspolicy/cors/stdlib"
)

// Options says how to compile.
type Options struct {
	// Profile selects the profile blocks whose rules are included; ""
	// compiles the rules outside every profile block only.
	Profile string
	// Importer resolves imports. When nil, the standard library is served
	// and every other import refused; an importer that should serve the
	// standard library as well wraps itself in stdlib.Importer.
	Importer lang.Importer
	// AllProfiles includes the rules of every profile block, for tools
	// that look at a policy as written (the lint) rather than serve it.
	AllProfiles bool
	// Root is the directory every relative import must stay inside, for
	// LoadFile, LoadFS and a Loader: "" means the policy file's own
	// directory. A caller names a wider one, such as the repository's
	// policy directory, for policies that import "../shared/x.cors".
	Root string
}

// scope is what the names of one file refer to: its sets and its imports.
type scope struct {
	file    *lang.File
	sets    map[string]*setEntry
	imports map[string]*scope
}

type setEntry struct {
	decl      *lang.SetDecl
	resolving bool
	done      bool
	items     []item // the set's values with every reference expanded
}

// item is a value of a list after references are expanded: a string
// literal, or the keyword any or null, with the node it came from.
type item struct {
	lit     *lang.String
	keyword string
	at      *lang.Value
	via     *lang.Value // the reference of the list being expanded it came through, if any
}

// compiler holds the state of one compilation.
type compiler struct {
	opts    Options
	errs    lang.ErrorList
	loading []string // file names of the imports being loaded, for cycles
	modules map[string]*scope
}

func (c *compiler) errorf(pos, end lang.Position, code, format string, args ...any) {
	c.errs.Add(pos, end, code, format, args...)
}

// newScope collects the declarations of a file and loads its imports.
func (c *compiler) newScope(f *lang.File) *scope {
	s := &scope{file: f, sets: map[string]*setEntry{}, imports: map[string]*scope{}}
	for _, imp := range f.Imports {
		name := imp.Name()
		if _, dup := s.imports[name]; dup {
			c.errorf(imp.Pos, imp.EndPos, CodeImport, "a second import named %s; give one of them another name with as", name)
			continue
		}
		s.imports[name] = c.load(f.Pos.Filename, imp)
	}
	for _, d := range f.Decls {
		sd, ok := d.(*lang.SetDecl)
		if !ok {
			continue
		}
		name := sd.Name.Name
		if name == "any" || name == "null" {
			c.errorf(sd.Name.Pos, sd.Name.EndPos, CodeDuplicate, "%s is a keyword and cannot name a set", name)
			continue
		}
		if prev, dup := s.sets[name]; dup {
			c.errorf(sd.Name.Pos, sd.Name.EndPos, CodeDuplicate, "set %s is already declared at %d:%d",
				name, prev.decl.Pos.Line, prev.decl.Pos.Column)
			continue
		}
		s.sets[name] = &setEntry{decl: sd}
	}
	return s
}

// load resolves, parses and scopes an imported module; it returns nil, after
// reporting why, when it cannot.
func (c *compiler) load(from string, imp *lang.Import) *scope {
	importer := c.opts.Importer
	if importer == nil {
		importer = stdlib.Importer{}
	}
	filename, src, err := importer.Import(from, imp.Path.Value)
	if err != nil {
		msg := err.Error()
		if errors.Is(err, lang.ErrUnknownModule) {
			msg = strings.TrimPrefix(msg, lang.ErrUnknownModule.Error()+" ")
		}
		c.errorf(imp.Path.Pos, imp.Path.EndPos, CodeImport, "cannot import %s", msg)
		return nil
	}
	if s, ok := c.modules[filename]; ok {
		return s
	}
	if !lang.HasVersionLine(src) {
		// It may be any file the path reaches: say what it is not, and
		// quote none of it.
		c.errorf(imp.Path.Pos, imp.Path.EndPos, CodeImport, "cannot import %q: %v", imp.Path.Value, errNotModule)
		return nil
	}
	if slices.Contains(c.loading, filename) {
		c.errorf(imp.Path.Pos, imp.Path.EndPos, CodeCycle, "import cycle: %s imports itself through %s",
			filename, strings.Join(append(c.loading, filename), " -> "))
		return nil
	}
	f, err := lang.Parse(filename, src)
	if err != nil {
		var list lang.ErrorList
		if errors.As(err, &list) {
			c.errs = append(c.errs, list...)
		} else {
			c.errorf(imp.Path.Pos, imp.Path.EndPos, CodeImport, "cannot import %q: %v", imp.Path.Value, err)
		}
		return nil
	}
	c.loading = append(c.loading, filename)
	s := c.newScope(f)
	c.loading = c.loading[:len(c.loading)-1]
	c.modules[filename] = s
	return s
}

// expand returns the values of a list with every set reference replaced by
// the set's values. kind is "origins", "methods" or "headers".
func (c *compiler) expand(s *scope, values []*lang.Value, kind string) []item {
	var out []item
	for _, v := range values {
		switch {
		case v.Literal != nil:
			out = append(out, item{lit: v.Literal, at: v})
		case v.Keyword != "":
			out = append(out, item{keyword: v.Keyword, at: v})
		case v.Ref != nil:
			for _, it := range c.deref(s, v.Ref, kind) {
				it.via = v
				out = append(out, it)
			}
		}
	}
	return out
}

// deref returns the values of the set a reference names.
func (c *compiler) deref(s *scope, ref *lang.Ref, kind string) []item {
	target := s
	if ref.Module != "" {
		m, ok := s.imports[ref.Module]
		if !ok {
			c.errorf(ref.Pos, ref.EndPos, CodeUndefined, "undefined module %s in %s%s", ref.Module, ref, suggest(ref.Module, keys(s.imports)))
			return nil
		}
		if m == nil {
			return nil // the import failed and was reported
		}
		target = m
	}
	e, ok := target.sets[ref.Name]
	if !ok {
		c.errorf(ref.Pos, ref.EndPos, CodeUndefined, "undefined: %s%s", ref, suggest(ref.Name, keys(target.sets)))
		return nil
	}
	if e.decl.Kind != kind {
		c.errorf(ref.Pos, ref.EndPos, CodeWrongKind, "%s is a set of %s; a %s set is expected here", ref, e.decl.Kind, kind)
		return nil
	}
	if e.resolving {
		c.errorf(ref.Pos, ref.EndPos, CodeCycle, "set %s refers to itself", ref)
		return nil
	}
	if !e.done {
		e.resolving = true
		e.items = c.expand(target, e.decl.Values, kind)
		for _, it := range e.items {
			if it.keyword == "any" {
				c.errorf(it.at.Pos, it.at.EndPos, CodeMisplaced, "any cannot be put in a set; write it in the rule")
			}
		}
		e.resolving, e.done = false, true
	}
	return e.items
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// suggest returns "; did you mean X?" for the candidate nearest to name.
func suggest(name string, candidates []string) string {
	if best := lang.Nearest(name, candidates); best != "" {
		return fmt.Sprintf("; did you mean %s?", best)
	}
	return ""
}

// posIn returns the position of byte off of a string literal's value.
func posIn(s *lang.String, off int) lang.Position {
	p := s.Pos
	p.Offset += 1 + off
	p.Column += 1 + utf8.RuneCountInString(s.Value[:off])
	return p
}

// MaxMethodLength is the longest method a policy may grant and a preflight
// may ask for: the longest registered method is 17 bytes, and a requested
// method is echoed in some answers, so nothing longer is ever read.
const MaxMethodLength = 64

// IsToken reports whether s is an HTTP token (RFC 9110, 5.6.2), the syntax
// of methods and header names.
func IsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenByte[s[i]] {
			return false
		}
	}
	return true
}

// tokenByte tells the bytes a token may hold.
var tokenByte = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", byte(c)) >= 0
	}
	return t
}()

// lowerToken maps each byte a token may hold to its lower case, and every
// other byte to 0, so that a request header name is checked and folded
// with one load per byte.
var lowerToken = func() (t [256]byte) {
	for c := range 256 {
		switch {
		case c >= 'A' && c <= 'Z':
			t[c] = byte(c) + 'a' - 'A'
		case tokenByte[c]:
			t[c] = byte(c)
		}
	}
	return t
}()

// firstNonToken returns the offset of the first byte of s that cannot be in a token.
func firstNonToken(s string) int {
	for i := 0; i < len(s); i++ {
		if !IsToken(s[i : i+1]) {
			return i
		}
	}
	return 0
}

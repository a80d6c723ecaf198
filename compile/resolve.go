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

// scope is what the names of one file refer to: its sets, its bundles and
// its imports.
type scope struct {
	file    *lang.File
	sets    map[string]*setEntry
	bundles map[string]*lang.Bundle
	imports map[string]*scope
}

type setEntry struct {
	decl      *lang.SetDecl
	resolving bool
	done      bool
	items     []item // the set's values with every reference expanded, each once
	dups      []item // values written again, for the lint's R301; at most maxDuplicates
}

// item is a value of a list after references are expanded: a string
// literal, or the keyword any or null, with the node it came from.
type item struct {
	lit     *lang.String
	keyword string
	at      *lang.Value
	via     *lang.Value // the reference of the list being expanded it came through, if any
}

// through returns the item as it reached a rule through the reference via
// (a bundle's name in a grants clause), when via is set.
func (it item) through(via *lang.Value) item {
	if via != nil {
		it.via = via
	}
	return it
}

// compiler holds the state of one compilation.
type compiler struct {
	opts    Options
	errs    lang.ErrorList
	loading []string // file names of the imports being loaded, for cycles
	modules map[string]*scope

	expanded int  // values lists have expanded to so far
	tooLarge bool // past MaxExpandedValues: expansion stops

	patterns map[string]parsedPattern // origin patterns parsed, by text: a set's are parsed once
}

type parsedPattern struct {
	p   Pattern
	err *patternError
}

// pattern is ParsePattern, once per text: the origins of a set that many
// rules name are parsed once, not once per rule. The cache is made for
// size texts, the length of the first list that needs it: in a policy of
// many origins, the set of them.
func (c *compiler) pattern(text string, size int) (Pattern, *patternError) {
	if r, ok := c.patterns[text]; ok {
		return r.p, r.err
	}
	if c.patterns == nil {
		c.patterns = make(map[string]parsedPattern, size)
	}
	p, err := ParsePattern(text)
	c.patterns[text] = parsedPattern{p, err}
	return p, err
}

// MaxExpandedValues is the most values the lists of a file (the rules'
// and the sets', each set counted once) may expand to. Sets are expanded
// once each and without duplicates, so only a file that names a large set
// from very many lists comes near it; past it the file is refused (C017)
// rather than compiled for minutes.
const MaxExpandedValues = 1 << 20

// maxDuplicates is how many repeated values of one list are kept for the
// lint to report.
const maxDuplicates = 64

func (c *compiler) errorf(pos, end lang.Position, code, format string, args ...any) {
	c.errs.Add(pos, end, code, format, args...)
}

// newScope collects the declarations of a file and loads its imports.
func (c *compiler) newScope(f *lang.File) *scope {
	s := &scope{file: f, sets: map[string]*setEntry{}, bundles: map[string]*lang.Bundle{}, imports: map[string]*scope{}}
	for _, imp := range f.Imports {
		name := imp.Name()
		if _, dup := s.imports[name]; dup {
			c.errorf(imp.Pos, imp.EndPos, CodeImport, "a second import named %s; give one of them another name with as", name)
			continue
		}
		s.imports[name] = c.load(f.Pos.Filename, imp)
	}
	declared := map[string]lang.Node{} // sets and bundles share one namespace
	for _, d := range f.Decls {
		var name *lang.Ident
		switch d := d.(type) {
		case *lang.SetDecl:
			name = d.Name
		case *lang.Bundle:
			name = d.Name
		default:
			continue
		}
		if name.Name == "any" || name.Name == "null" {
			c.errorf(name.Pos, name.EndPos, CodeDuplicate, "%s is a keyword and cannot name a set or a bundle", name.Name)
			continue
		}
		if prev, dup := declared[name.Name]; dup {
			what := "set"
			if _, ok := prev.(*lang.Bundle); ok {
				what = "bundle"
			}
			c.errorf(name.Pos, name.EndPos, CodeDuplicate, "%s %s is already declared at %d:%d",
				what, name.Name, prev.Start().Line, prev.Start().Column)
			continue
		}
		declared[name.Name] = d
		switch d := d.(type) {
		case *lang.SetDecl:
			s.sets[name.Name] = &setEntry{decl: d}
		case *lang.Bundle:
			s.bundles[name.Name] = d
		}
	}
	return s
}

// bundle returns the bundle a grants clause names, and the scope its names
// resolve in; nil, after reporting why, when there is none.
func (c *compiler) bundle(s *scope, v *lang.Value) (*lang.Bundle, *scope) {
	if v.Ref == nil {
		c.errorf(v.Pos, v.EndPos, CodeMisplaced, "grants names a bundle declared with grants NAME { ... }, not a value")
		return nil, nil
	}
	ref := v.Ref
	target := c.scopeOf(s, ref)
	if target == nil {
		return nil, nil
	}
	b, ok := target.bundles[ref.Name]
	if !ok {
		if e, isSet := target.sets[ref.Name]; isSet {
			c.errorf(ref.Pos, ref.EndPos, CodeWrongKind, "%s is a set of %s; grants names a bundle", ref, e.decl.Kind)
			return nil, nil
		}
		c.errorf(ref.Pos, ref.EndPos, CodeUndefined, "undefined bundle: %s%s", ref, suggest(ref.Name, keys(target.bundles)))
		return nil, nil
	}
	return b, target
}

// checkBundle reports the clauses a bundle cannot hold, and the errors of
// its values, once, whether or not a rule uses it.
func (c *compiler) checkBundle(s *scope, b *lang.Bundle) {
	for _, cl := range b.Block.Clauses {
		switch kw := lang.Keyword(cl); kw {
		case "paths":
			c.errorf(cl.Start(), cl.End(), CodeClause, "a bundle holds no paths: where a rule applies is said in the rule")
		case "grants":
			c.errorf(cl.Start(), cl.End(), CodeClause, "a bundle holds no grants clause: name one bundle in the rule, and write the rest there")
		}
	}
	r := &lang.Rule{Span: b.Span, Effect: "allow", Block: &lang.Block{Span: b.Block.Span}}
	for _, cl := range b.Block.Clauses {
		if kw := lang.Keyword(cl); kw != "paths" && kw != "grants" {
			r.Block.Clauses = append(r.Block.Clauses, cl)
		}
	}
	c.rule(s, r)
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
// the set's values, each value once, and the values written again (those
// of the sets it names included), at most maxDuplicates of them. kind is
// "origins", "methods" or "headers".
func (c *compiler) expand(s *scope, values []*lang.Value, kind string) (out, dups []item) {
	if c.tooLarge {
		return nil, nil
	}
	if len(values) == 1 && values[0].Ref != nil {
		// A set alone: its values, each once already.
		v := values[0]
		items, setDups := c.deref(s, v.Ref, kind)
		if len(items) > 0 {
			out = make([]item, len(items))
			for i, it := range items {
				it.via = v
				out[i] = it
			}
		}
		return c.counted(values, out, withSetDuplicates(nil, setDups))
	}
	// The sets are expanded first, so that seen and out are made the size
	// of the list rather than grown to it: for a list of 100,000 origins,
	// 42 MiB less to allocate.
	sets := make([][]item, len(values))
	size := len(values)
	for i, v := range values {
		if v.Ref != nil {
			var setDups []item
			sets[i], setDups = c.deref(s, v.Ref, kind)
			size += len(sets[i])
			dups = withSetDuplicates(dups, setDups)
		}
	}
	// Literals by their text, in a map keyed by string, which Go hashes
	// fastest; keywords (any, null) apart, as few as they are.
	seen := make(map[string]struct{}, size)
	var keywords []string
	out = make([]item, 0, size)
	add := func(it item) {
		var again bool
		if it.lit != nil {
			n := len(seen)
			seen[it.lit.Value] = struct{}{}
			again = len(seen) == n // one hash, where a lookup and a store took two
		} else if again = slices.Contains(keywords, it.keyword); !again {
			keywords = append(keywords, it.keyword)
		}
		if !again {
			out = append(out, it)
		} else if len(dups) < maxDuplicates {
			dups = append(dups, it)
		}
	}
	for i, v := range values {
		switch {
		case v.Literal != nil:
			add(item{lit: v.Literal, at: v})
		case v.Keyword != "":
			add(item{keyword: v.Keyword, at: v})
		case v.Ref != nil:
			for _, it := range sets[i] {
				it.via = v
				add(it)
			}
		}
	}
	return c.counted(values, out, dups)
}

// withSetDuplicates appends to dups, up to maxDuplicates, the duplicates
// found within a set. Only their literals are read (a rule's list of
// duplicate origins), so which value reached the set is not recorded.
func withSetDuplicates(dups, setDups []item) []item {
	return append(dups, setDups[:min(len(setDups), max(0, maxDuplicates-len(dups)))]...)
}

// counted counts the values a list expanded to against MaxExpandedValues,
// and returns them, or nothing past the limit.
func (c *compiler) counted(values []*lang.Value, out, dups []item) ([]item, []item) {
	if c.expanded += len(out); c.expanded > MaxExpandedValues && !c.tooLarge && len(values) > 0 {
		c.tooLarge = true
		c.errorf(values[0].Pos, values[len(values)-1].EndPos, CodeTooLarge,
			"the lists of this file expand to more than %d values here: name fewer or smaller sets in fewer rules", MaxExpandedValues)
		return nil, nil
	}
	return out, dups
}

// scopeOf returns the scope a reference's name is declared in: s, or the
// module its prefix names; nil, after reporting why, when there is none.
func (c *compiler) scopeOf(s *scope, ref *lang.Ref) *scope {
	if ref.Module == "" {
		return s
	}
	m, ok := s.imports[ref.Module]
	if !ok {
		c.errorf(ref.Pos, ref.EndPos, CodeUndefined, "undefined module %s in %s%s", ref.Module, ref, suggest(ref.Module, keys(s.imports)))
		return nil
	}
	return m // nil when the import failed, which was reported
}

// deref returns the values of the set a reference names, and those written
// twice in it.
func (c *compiler) deref(s *scope, ref *lang.Ref, kind string) ([]item, []item) {
	target := c.scopeOf(s, ref)
	if target == nil {
		return nil, nil
	}
	e, ok := target.sets[ref.Name]
	if !ok {
		if hint := unquoted(ref, kind); hint != "" {
			c.errorf(ref.Pos, ref.EndPos, CodeUndefined, "undefined: %s; %s", ref, hint)
			return nil, nil
		}
		c.errorf(ref.Pos, ref.EndPos, CodeUndefined, "undefined: %s%s", ref, suggest(ref.Name, keys(target.sets)))
		return nil, nil
	}
	if e.decl.Kind != kind {
		c.errorf(ref.Pos, ref.EndPos, CodeWrongKind, "%s is a set of %s; a %s set is expected here", ref, e.decl.Kind, kind)
		return nil, nil
	}
	if e.resolving {
		c.errorf(ref.Pos, ref.EndPos, CodeCycle, "set %s refers to itself", ref)
		return nil, nil
	}
	if !e.done {
		e.resolving = true
		e.items, e.dups = c.expand(target, e.decl.Values, kind)
		for _, it := range e.items {
			if it.keyword == "any" {
				c.errorf(it.at.Pos, it.at.EndPos, CodeMisplaced, "any cannot be put in a set; write it in the rule")
			}
		}
		e.resolving, e.done = false, true
	}
	return e.items, e.dups
}

// unquoted says how to write a name that is no set but reads as a value
// written without its quotes: a method in a methods list (GET, PUT), a
// header name in a headers list (Content-Type). It returns "" for a name
// that reads as a set's.
func unquoted(ref *lang.Ref, kind string) string {
	if ref.Module != "" {
		return ""
	}
	name := ref.Name
	switch {
	case kind == "methods" && name == strings.ToUpper(name):
		return fmt.Sprintf("methods are quoted strings: write %q", name)
	case kind == "headers" && (strings.Contains(name, "-") && strings.ToLower(name) != name || slices.Contains(commonHeaders, strings.ToLower(name))):
		return fmt.Sprintf("header names are quoted strings: write %q", name)
	}
	return ""
}

// commonHeaders are header names that have no hyphen, which a list could
// hold unquoted by mistake.
var commonHeaders = []string{"authorization", "accept", "cookie", "origin", "range", "traceparent", "tracestate", "baggage", "b3", "etag", "location", "link"}

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

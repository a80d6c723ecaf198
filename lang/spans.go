package lang

import (
	"sort"

	"github.com/alecthomas/participle/v2/lexer"
)

// A spanner sets the Span of every node of a tree the parser built, in one
// walk beside the tokens the parser read, as participle would: a node
// starts at its first token and ends where the token after its last one in
// the source starts, whitespace and comments included, which is where its
// last token ends (unless the scanner skipped a character it reported
// there). Participle fills spans itself only by reflection, a conversion
// per position that cost a quarter of a parse; the walk costs a few
// comparisons a token.
//
// The walk knows the grammar: which tokens each node stands for, in order;
// a change to the grammar's tags in ast.go or fixture.go is a change here.
// It checks the type and text of each token against the tree (a keyword, a
// punctuation mark, a value the node holds), so a walk that strays from
// the grammar is caught at the first token out of place rather than giving
// wrong spans.
type spanner struct {
	tokens  []lexer.Token // those the parser read, whitespace and comments included
	scanned []lexer.Token // those of the source, where recovery left statements out of tokens
	next    int           // index in tokens of the next token to read
	last    int           // index in tokens of the last token read
	strayed bool          // a token was not the one the tree says
}

// newSpanner returns a spanner over tokens, the tokens the parser read,
// which are scanned or, after recovery, scanned with statements left out;
// both end with the EOF token.
func newSpanner(tokens, scanned []lexer.Token) *spanner {
	return &spanner{tokens: tokens, scanned: scanned, last: -1}
}

// start returns the position of the next token the walk will read.
func (s *spanner) start() Position {
	s.skipBlanks()
	return fromLexer(s.tokens[s.next].Pos)
}

// end returns the span from start to the end of the last token read.
func (s *spanner) end(start Position) Span {
	return Span{Pos: start, EndPos: s.after(s.last)}
}

// after returns where the token after tokens[i] in the source starts.
func (s *spanner) after(i int) Position {
	switch {
	case i < 0:
		return fromLexer(s.tokens[0].Pos) // nothing read: the walk strayed
	case len(s.tokens) == len(s.scanned):
		return fromLexer(s.tokens[i+1].Pos) // nothing left out
	}
	// Recovery may have left a statement out right after tokens[i]: the
	// node ends before it, not after.
	off := s.tokens[i].Pos.Offset
	j := sort.Search(len(s.scanned), func(j int) bool { return s.scanned[j].Pos.Offset > off })
	return fromLexer(s.scanned[j].Pos)
}

func (s *spanner) skipBlanks() {
	for s.next < len(s.tokens)-1 && elided(s.tokens[s.next].Type) {
		s.next++
	}
}

// take reads the next token, which must be of type typ with the text want.
func (s *spanner) take(typ lexer.TokenType, want string) {
	s.skipBlanks()
	if t := s.tokens[s.next]; t.Type != typ || t.Value != want {
		s.strayed = true
		return
	}
	s.last = s.next
	s.next++
}

// keyword reads a keyword, or a name: an identifier with the text want.
func (s *spanner) keyword(want string) { s.take(tokIdent, want) }

// punct reads a punctuation mark.
func (s *spanner) punct(want string) { s.take(tokPunct, want) }

// leaf reads the one token of a leaf node, of type typ with the text want,
// and returns its span.
func (s *spanner) leaf(typ lexer.TokenType, want string) Span {
	start := s.start()
	s.take(typ, want)
	return s.end(start)
}

// done reports whether the walk read every token but the EOF, each the
// one the tree says.
func (s *spanner) done() bool {
	s.skipBlanks()
	return !s.strayed && s.tokens[s.next].EOF()
}

func elided(t lexer.TokenType) bool { return t == tokWhitespace || t == tokComment }

// setFileSpans sets the spans of a policy file's nodes; false means the
// tree is not what the tokens say, a bug of the walk.
func setFileSpans(f *File, tokens, scanned []lexer.Token) bool {
	s := newSpanner(tokens, scanned)
	start := s.start()
	s.keyword("cors")
	f.Version.Number.Span = s.leaf(tokInt, f.Version.Number.Text)
	f.Version.Span = s.end(start)
	for _, imp := range f.Imports {
		s.importDecl(imp)
	}
	for _, d := range f.Decls {
		s.decl(d)
	}
	f.Span = s.end(start)
	return s.done()
}

func (s *spanner) importDecl(imp *Import) {
	start := s.start()
	s.keyword("import")
	imp.Path.Span = s.leaf(tokString, imp.Path.Value)
	s.named("as", imp.Alias)
	imp.Span = s.end(start)
}

func (s *spanner) decl(d Decl) {
	start := s.start()
	switch d := d.(type) {
	case *SetDecl:
		s.keyword(d.Kind)
		s.ident(d.Name)
		s.punct("=")
		s.values(d.Values)
		d.Span = s.end(start)
	case *Bundle:
		s.keyword("grants")
		s.ident(d.Name)
		s.block(d.Block)
		d.Span = s.end(start)
	case *Policy:
		s.keyword("policy")
		s.ident(d.Name)
		s.punct("{")
		for _, item := range d.Items {
			s.policyItem(item)
		}
		s.punct("}")
		d.Span = s.end(start)
	default:
		s.strayed = true
	}
}

func (s *spanner) policyItem(item PolicyItem) {
	switch item := item.(type) {
	case *Rule:
		s.rule(item)
	case *Profile:
		start := s.start()
		s.keyword("profile")
		s.idents(item.Names)
		s.punct("{")
		for _, r := range item.Rules {
			s.rule(r)
		}
		s.punct("}")
		item.Span = s.end(start)
	case *DevProfiles:
		start := s.start()
		s.keyword("dev-profiles")
		s.idents(item.Names)
		item.Span = s.end(start)
	default:
		s.strayed = true
	}
}

func (s *spanner) rule(r *Rule) {
	start := s.start()
	s.keyword(r.Effect)
	s.values(r.Origins)
	if r.Block != nil {
		s.block(r.Block)
	}
	r.Span = s.end(start)
}

func (s *spanner) block(b *Block) {
	start := s.start()
	s.punct("{")
	for _, c := range b.Clauses {
		s.clause(c)
	}
	s.punct("}")
	b.Span = s.end(start)
}

func (s *spanner) clause(c Clause) {
	start := s.start()
	switch c := c.(type) {
	case *ListClause:
		s.keyword(c.Keyword)
		s.values(c.Values)
		c.Span = s.end(start)
	case *FlagClause:
		s.keyword(c.Keyword)
		c.Span = s.end(start)
	case *MaxAgeClause:
		s.keyword("max-age")
		c.Duration.Span = s.leaf(tokDuration, c.Duration.Text)
		c.Span = s.end(start)
	case *StatusClause:
		s.keyword("preflight-status")
		c.Status.Span = s.leaf(tokInt, c.Status.Text)
		c.Span = s.end(start)
	case *GrantsClause:
		s.keyword("grants")
		s.value(c.Bundle)
		c.Span = s.end(start)
	default:
		s.strayed = true
	}
}

// values reads a comma-separated list of values.
func (s *spanner) values(vs []*Value) { commaList(s, vs, s.value) }

// commaList reads a comma-separated list, each element with read.
func commaList[T any](s *spanner, list []T, read func(T)) {
	for i, x := range list {
		if i > 0 {
			s.punct(",")
		}
		read(x)
	}
}

func (s *spanner) value(v *Value) {
	start := s.start()
	switch {
	case v.Literal != nil:
		v.Literal.Span = s.leaf(tokString, v.Literal.Value)
	case v.Ref != nil:
		if v.Ref.Module != "" {
			s.keyword(v.Ref.Module)
			s.punct(".")
		}
		s.keyword(v.Ref.Name)
		v.Ref.Span = s.end(start)
	default:
		s.keyword(v.Keyword)
	}
	v.Span = s.end(start)
}

func (s *spanner) ident(id *Ident) { id.Span = s.leaf(tokIdent, id.Name) }

// idents reads a comma-separated list of names.
func (s *spanner) idents(ids []*Ident) { commaList(s, ids, s.ident) }

// named reads, when id is set, a keyword and the name it introduces.
func (s *spanner) named(keyword string, id *Ident) {
	if id != nil {
		s.keyword(keyword)
		s.ident(id)
	}
}

// setFixtureSpans sets the spans of a fixture file's nodes, as setFileSpans.
func setFixtureSpans(f *FixtureFile, tokens, scanned []lexer.Token) bool {
	s := newSpanner(tokens, scanned)
	start := s.start()
	s.keyword("fixtures")
	f.Version.Span = s.leaf(tokInt, f.Version.Text)
	s.named("policy", f.Policy)
	s.named("profile", f.Profile)
	for _, c := range f.Cases {
		s.fixtureCase(c)
	}
	f.Span = s.end(start)
	return s.done()
}

func (s *spanner) fixtureCase(c *Case) {
	start := s.start()
	s.keyword("case")
	c.Name.Span = s.leaf(tokString, c.Name.Value)
	s.punct("{")
	reqStart := s.start()
	s.keyword(c.Request.Method)
	c.Request.Path.Span = s.leaf(tokString, c.Request.Path.Value)
	c.Request.Span = s.end(reqStart)
	for _, h := range c.Headers {
		hStart := s.start()
		s.keyword(h.Name)
		commaList(s, h.Values, func(v *String) { v.Span = s.leaf(tokString, v.Value) })
		h.Span = s.end(hStart)
	}
	for _, e := range c.Expects {
		s.expectation(e)
	}
	s.punct("}")
	c.Span = s.end(start)
}

func (s *spanner) expectation(e *Expectation) {
	start := s.start()
	s.keyword("expect")
	switch {
	case e.Verdict != "":
		s.keyword(e.Verdict)
	case e.Check != nil:
		s.keyword("check")
		s.ident(e.Check)
	case e.Rule != nil:
		s.keyword("rule")
		e.Rule.Span = s.leaf(tokInt, e.Rule.Text)
	case e.Status != nil:
		s.keyword("status")
		e.Status.Span = s.leaf(tokInt, e.Status.Text)
	case e.Absent != nil:
		s.keyword("no")
		s.ident(e.Absent)
	case e.Header != nil:
		s.ident(e.Header)
		if e.Value != nil {
			e.Value.Span = s.leaf(tokString, e.Value.Value)
		} else {
			s.keyword("origin")
		}
	default:
		s.strayed = true
	}
	e.Span = s.end(start)
}

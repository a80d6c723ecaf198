package lang

import "github.com/alecthomas/participle/v2/lexer"

// A spanner sets the Span of every node of a tree the parser built, in one
// walk beside the tokens the parser read, as participle would: a node
// starts at its first token and ends where the next token of any kind
// starts, whitespace and comments included, which is where its last token
// ends, since the scanner's tokens tile the source. Participle fills spans itself
// only by reflection, a conversion per position that cost a quarter of a
// parse; the walk costs a few comparisons a token.
//
// The walk knows the grammar: which tokens each node stands for, in order;
// a change to the grammar's tags in ast.go or fixture.go is a change here.
// It checks each token against the tree (a keyword, a punctuation mark or a
// value the node holds), so a walk that strays from the grammar is caught
// at the first token out of place rather than giving wrong spans.
type spanner struct {
	tokens  []lexer.Token // as scanned: whitespace and comments included
	next    int           // index of the next token to read
	last    int           // index of the last token read
	strayed bool          // a token was not the one the tree says
}

// newSpanner returns a spanner over tokens, which end with the EOF token.
func newSpanner(tokens []lexer.Token) *spanner { return &spanner{tokens: tokens, last: -1} }

// start returns the position of the next token the walk will read.
func (s *spanner) start() Position {
	s.skipBlanks()
	return fromLexer(s.tokens[s.next].Pos)
}

// end returns the span from start to the end of the last token read.
func (s *spanner) end(start Position) Span {
	return Span{Pos: start, EndPos: fromLexer(s.tokens[s.last+1].Pos)}
}

func (s *spanner) skipBlanks() {
	for s.next < len(s.tokens)-1 && elided(s.tokens[s.next].Type) {
		s.next++
	}
}

// take reads the next token, which must have the text want.
func (s *spanner) take(want string) {
	s.skipBlanks()
	if t := s.tokens[s.next]; t.EOF() || t.Value != want {
		s.strayed = true
		return
	}
	s.last = s.next
	s.next++
}

// leaf reads the one token of a leaf node, with the text want, and returns its span.
func (s *spanner) leaf(want string) Span {
	start := s.start()
	s.take(want)
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
func setFileSpans(f *File, tokens []lexer.Token) bool {
	s := newSpanner(tokens)
	start := s.start()
	s.take("cors")
	f.Version.Number.Span = s.leaf(f.Version.Number.Text)
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
	s.take("import")
	imp.Path.Span = s.leaf(imp.Path.Value)
	if imp.Alias != nil {
		s.take("as")
		s.ident(imp.Alias)
	}
	imp.Span = s.end(start)
}

func (s *spanner) decl(d Decl) {
	start := s.start()
	switch d := d.(type) {
	case *SetDecl:
		s.take(d.Kind)
		s.ident(d.Name)
		s.take("=")
		s.values(d.Values)
		d.Span = s.end(start)
	case *Bundle:
		s.take("grants")
		s.ident(d.Name)
		s.block(d.Block)
		d.Span = s.end(start)
	case *Policy:
		s.take("policy")
		s.ident(d.Name)
		s.take("{")
		for _, item := range d.Items {
			s.policyItem(item)
		}
		s.take("}")
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
		s.take("profile")
		s.idents(item.Names)
		s.take("{")
		for _, r := range item.Rules {
			s.rule(r)
		}
		s.take("}")
		item.Span = s.end(start)
	case *DevProfiles:
		start := s.start()
		s.take("dev-profiles")
		s.idents(item.Names)
		item.Span = s.end(start)
	default:
		s.strayed = true
	}
}

func (s *spanner) rule(r *Rule) {
	start := s.start()
	s.take(r.Effect)
	s.values(r.Origins)
	if r.Block != nil {
		s.block(r.Block)
	}
	r.Span = s.end(start)
}

func (s *spanner) block(b *Block) {
	start := s.start()
	s.take("{")
	for _, c := range b.Clauses {
		s.clause(c)
	}
	s.take("}")
	b.Span = s.end(start)
}

func (s *spanner) clause(c Clause) {
	start := s.start()
	switch c := c.(type) {
	case *ListClause:
		s.take(c.Keyword)
		s.values(c.Values)
		c.Span = s.end(start)
	case *FlagClause:
		s.take(c.Keyword)
		c.Span = s.end(start)
	case *MaxAgeClause:
		s.take("max-age")
		c.Duration.Span = s.leaf(c.Duration.Text)
		c.Span = s.end(start)
	case *StatusClause:
		s.take("preflight-status")
		c.Status.Span = s.leaf(c.Status.Text)
		c.Span = s.end(start)
	case *GrantsClause:
		s.take("grants")
		s.value(c.Bundle)
		c.Span = s.end(start)
	default:
		s.strayed = true
	}
}

// values reads a comma-separated list.
func (s *spanner) values(vs []*Value) {
	for i, v := range vs {
		if i > 0 {
			s.take(",")
		}
		s.value(v)
	}
}

func (s *spanner) value(v *Value) {
	start := s.start()
	switch {
	case v.Literal != nil:
		v.Literal.Span = s.leaf(v.Literal.Value)
	case v.Ref != nil:
		if v.Ref.Module != "" {
			s.take(v.Ref.Module)
			s.take(".")
		}
		s.take(v.Ref.Name)
		v.Ref.Span = s.end(start)
	default:
		s.take(v.Keyword)
	}
	v.Span = s.end(start)
}

func (s *spanner) ident(id *Ident) { id.Span = s.leaf(id.Name) }

// idents reads a comma-separated list of names.
func (s *spanner) idents(ids []*Ident) {
	for i, id := range ids {
		if i > 0 {
			s.take(",")
		}
		s.ident(id)
	}
}

// setFixtureSpans sets the spans of a fixture file's nodes, as setFileSpans.
func setFixtureSpans(f *FixtureFile, tokens []lexer.Token) bool {
	s := newSpanner(tokens)
	start := s.start()
	s.take("fixtures")
	f.Version.Span = s.leaf(f.Version.Text)
	if f.Policy != nil {
		s.take("policy")
		s.ident(f.Policy)
	}
	if f.Profile != nil {
		s.take("profile")
		s.ident(f.Profile)
	}
	for _, c := range f.Cases {
		s.fixtureCase(c)
	}
	f.Span = s.end(start)
	return s.done()
}

func (s *spanner) fixtureCase(c *Case) {
	start := s.start()
	s.take("case")
	c.Name.Span = s.leaf(c.Name.Value)
	s.take("{")
	reqStart := s.start()
	s.take(c.Request.Method)
	c.Request.Path.Span = s.leaf(c.Request.Path.Value)
	c.Request.Span = s.end(reqStart)
	for _, h := range c.Headers {
		hStart := s.start()
		s.take(h.Name)
		for i, v := range h.Values {
			if i > 0 {
				s.take(",")
			}
			v.Span = s.leaf(v.Value)
		}
		h.Span = s.end(hStart)
	}
	for _, e := range c.Expects {
		s.expectation(e)
	}
	s.take("}")
	c.Span = s.end(start)
}

func (s *spanner) expectation(e *Expectation) {
	start := s.start()
	s.take("expect")
	switch {
	case e.Verdict != "":
		s.take(e.Verdict)
	case e.Check != nil:
		s.take("check")
		s.ident(e.Check)
	case e.Rule != nil:
		s.take("rule")
		e.Rule.Span = s.leaf(e.Rule.Text)
	case e.Status != nil:
		s.take("status")
		e.Status.Span = s.leaf(e.Status.Text)
	case e.Absent != nil:
		s.take("no")
		s.ident(e.Absent)
	case e.Header != nil:
		s.ident(e.Header)
		if e.Value != nil {
			e.Value.Span = s.leaf(e.Value.Value)
		} else {
			s.take("origin")
		}
	default:
		s.strayed = true
	}
	e.Span = s.end(start)
}

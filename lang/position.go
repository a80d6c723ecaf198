package lang

import (
	"fmt"

	"github.com/alecthomas/participle/v2/lexer"
)

// Position is a place in a source file.
//
// The type belongs to this package, so users of the AST never import
// participle, and it is not convertible to participle's lexer.Position: if
// it were, participle would fill every node's Span by reflection, at a
// quarter of the parse's time. The parser sets spans in one walk over the
// tokens instead (see spans.go).
type Position struct {
	_        struct{} // not convertible to lexer.Position
	Filename string   // file name, as given to Parse
	Offset   int      // byte offset, starting at 0
	Line     int      // line number, starting at 1
	Column   int      // column number in runes, starting at 1
}

// IsValid reports whether the position was set.
func (p Position) IsValid() bool { return p.Line > 0 }

// String returns "file:line:col", leaving out the parts that are unknown.
func (p Position) String() string {
	s := p.Filename
	if p.IsValid() {
		if s != "" {
			s += ":"
		}
		s += fmt.Sprintf("%d:%d", p.Line, p.Column)
	}
	if s == "" {
		s = "-"
	}
	return s
}

// Span is the source range of a node. Pos is the node's first byte; EndPos is
// the byte just after its last one, so a node's text is src[Pos.Offset:EndPos.Offset].
//
// Every AST node embeds a Span; the parser fills it.
type Span struct {
	Pos    Position
	EndPos Position
}

// Start returns the position of the node's first byte.
func (s Span) Start() Position { return s.Pos }

// End returns the position just after the node's last byte.
func (s Span) End() Position { return s.EndPos }

// fromLexer returns the Position of participle's p.
func fromLexer(p lexer.Position) Position {
	return Position{Filename: p.Filename, Offset: p.Offset, Line: p.Line, Column: p.Column}
}

// toLexer returns p as participle's lexer.Position.
func toLexer(p Position) lexer.Position {
	return lexer.Position{Filename: p.Filename, Offset: p.Offset, Line: p.Line, Column: p.Column}
}

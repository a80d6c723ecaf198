package lang

import (
	"io"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// Token types of the .cors language. Whitespace and Comment are real tokens,
// elided by the parser, so that node ends are exact and comments can be kept.
const (
	tokWhitespace lexer.TokenType = iota + 1
	tokComment
	tokString
	tokDuration
	tokInt
	tokIdent
	tokPunct
)

// tokenNames names the token types in the grammar's struct tags and EBNF.
// It is a function, not a map variable, because the parser is built during
// package initialisation and must not depend on initialisation order.
func tokenNames() map[string]lexer.TokenType {
	return map[string]lexer.TokenType{
		"EOF":        lexer.EOF,
		"Whitespace": tokWhitespace,
		"Comment":    tokComment,
		"String":     tokString,
		"Duration":   tokDuration,
		"Int":        tokInt,
		"Ident":      tokIdent,
		"Punct":      tokPunct,
	}
}

// Limits on what the scanner reads. Past them a file is refused with an error
// rather than read for ever: policies are written by people, and nothing a
// person writes comes near them.
const (
	// MaxFileSize is the largest source Parse accepts, in bytes.
	MaxFileSize = 16 << 20
	// MaxLineLength is the longest line Parse accepts, in bytes.
	MaxLineLength = 64 << 10
	// maxScanErrors is how many lexical errors are reported before giving up.
	maxScanErrors = 10
)

// scanner splits source text into tokens, go/scanner style: by hand, one pass,
// positions counted in runes, every error reported with its position.
type scanner struct {
	src      string
	filename string
	offset   int // byte offset of the next rune
	line     int
	col      int
	lineHead int // offset where the current line starts
	tokens   []lexer.Token
	errs     ErrorList
}

// scan tokenises src. It returns every token, comments and whitespace
// included, followed by an EOF token; or the errors, when there are any.
func scan(filename string, src []byte) ([]lexer.Token, ErrorList) {
	s := &scanner{src: string(src), filename: filename, line: 1, col: 1}
	if len(src) > MaxFileSize {
		s.errs.Add(s.pos(), Position{}, CodeTooLarge,
			"file is %d bytes; the limit is %d", len(src), MaxFileSize)
		return nil, s.errs
	}
	// Size the token slice from the source: one token per five bytes is
	// about what real policies contain, and growing the slice costs more
	// than the guess wastes.
	s.tokens = make([]lexer.Token, 0, len(src)/5+1)
	for s.offset < len(s.src) && len(s.errs) < maxScanErrors {
		s.next()
	}
	if len(s.errs) > 0 {
		return nil, s.errs
	}
	s.tokens = append(s.tokens, lexer.EOFToken(lexer.Position(s.pos())))
	return s.tokens, nil
}

func (s *scanner) pos() Position {
	return Position{Filename: s.filename, Offset: s.offset, Line: s.line, Column: s.col}
}

// advance moves past n bytes that hold no newline and are valid UTF-8.
func (s *scanner) advance(n int) {
	s.col += utf8.RuneCountInString(s.src[s.offset : s.offset+n])
	s.offset += n
}

func (s *scanner) newline() {
	s.offset++
	s.line++
	s.col = 1
	s.lineHead = s.offset
}

func (s *scanner) emit(typ lexer.TokenType, start Position) {
	s.tokens = append(s.tokens, lexer.Token{
		Type:  typ,
		Value: s.src[start.Offset:s.offset],
		Pos:   lexer.Position(start),
	})
}

func (s *scanner) errorf(pos Position, n int, code, format string, args ...any) {
	end := pos
	end.Offset += n
	end.Column += utf8.RuneCountInString(s.src[pos.Offset : pos.Offset+n])
	s.errs.Add(pos, end, code, format, args...)
}

// next scans one token, or reports one error and skips the bytes at fault.
func (s *scanner) next() {
	start := s.pos()
	c := s.src[s.offset]
	switch {
	case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		for s.offset < len(s.src) {
			switch s.src[s.offset] {
			case ' ', '\t', '\r':
				s.offset++
				s.col++
			case '\n':
				s.checkLineLength()
				s.newline()
			default:
				s.emit(tokWhitespace, start)
				return
			}
		}
		s.emit(tokWhitespace, start)
	case c == '#':
		end := s.offset
		for end < len(s.src) && s.src[end] != '\n' && !(s.src[end] == '\r' && end+1 < len(s.src) && s.src[end+1] == '\n') {
			end++
		}
		if !s.checkText(s.offset, end) {
			return
		}
		s.advance(end - s.offset)
		s.emit(tokComment, start)
	case c == '"':
		s.scanString(start)
	case isDigit(c) || c == '-' && s.offset+1 < len(s.src) && isDigit(s.src[s.offset+1]):
		end := s.offset + 1
		for end < len(s.src) && isDigit(s.src[end]) {
			end++
		}
		typ := tokInt
		if end < len(s.src) && isLetter(s.src[end]) {
			// A number followed by letters is one duration token, so that
			// "10ms" is reported as a bad duration rather than as "10m"
			// followed by a stray "s".
			typ = tokDuration
			for end < len(s.src) && (isLetter(s.src[end]) || isDigit(s.src[end])) {
				end++
			}
		}
		s.advance(end - s.offset)
		s.emit(typ, start)
	case isLetter(c) || c == '_':
		end := s.offset + 1
		for end < len(s.src) && isIdentByte(s.src[end]) {
			end++
		}
		s.advance(end - s.offset)
		s.emit(tokIdent, start)
	case c == '{' || c == '}' || c == ',' || c == '=' || c == '.':
		s.advance(1)
		s.emit(tokPunct, start)
	default:
		s.badCharacter(start)
	}
}

// scanString scans a double-quoted string. Strings hold origins, header
// names, methods and paths, none of which need escapes, so there are none:
// every byte between the quotes is the value, and a column inside a string
// maps straight to a byte of the value.
func (s *scanner) scanString(start Position) {
	end := s.offset + 1
	for end < len(s.src) {
		switch c := s.src[end]; {
		case c == '"':
			if !s.checkText(s.offset, end+1) {
				return
			}
			s.advance(end + 1 - s.offset)
			// The token's value is the text between the quotes.
			s.tokens = append(s.tokens, lexer.Token{
				Type:  tokString,
				Value: s.src[start.Offset+1 : end],
				Pos:   lexer.Position(start),
			})
			return
		case c == '\n':
			s.errorf(start, end-s.offset, CodeUnterminated, "string literal not terminated before the end of the line")
			s.advance(end - s.offset)
			return
		case c == '\\':
			s.advance(end - s.offset)
			s.errorf(s.pos(), 1, CodeBadString, "strings have no escape sequences; a backslash cannot appear in a string")
			s.skipLine()
			return
		case c < 0x20 || c == 0x7f:
			if !s.checkText(s.offset, end+1) {
				return
			}
			s.advance(end - s.offset)
			s.errorf(s.pos(), 1, CodeBadString, "control character %U in string", rune(c))
			s.skipLine()
			return
		}
		end++
	}
	if s.checkText(s.offset, end) {
		s.errorf(start, end-s.offset, CodeUnterminated, "string literal not terminated before the end of the file")
		s.advance(end - s.offset)
	}
}

// checkText reports the first NUL byte or invalid UTF-8 sequence in
// src[from:to], skipping the rest of its line, and says whether there was none.
func (s *scanner) checkText(from, to int) bool {
	for i := from; i < to; {
		r, size := utf8.DecodeRuneInString(s.src[i:])
		switch {
		case r == 0:
			s.advance(i - s.offset)
			s.errorf(s.pos(), 1, CodeBadEncoding, "NUL byte in source")
		case r == utf8.RuneError && size == 1:
			s.advance(i - s.offset)
			s.errs.Add(s.pos(), s.pos(), CodeBadEncoding, "invalid UTF-8 byte %#02x; .cors files are UTF-8", s.src[i])
		case r == '\uFEFF':
			s.advance(i - s.offset)
			s.errorf(s.pos(), size, CodeBadCharacter, "byte order mark in source; .cors files are UTF-8 without one")
		default:
			i += size
			continue
		}
		s.skipLine()
		return false
	}
	return true
}

func (s *scanner) badCharacter(start Position) {
	if !s.checkText(s.offset, s.offset+1) {
		return
	}
	r, size := utf8.DecodeRuneInString(s.src[s.offset:])
	if r < 0x20 || r == 0x7f {
		s.errorf(start, size, CodeBadCharacter, "unexpected control character %U", r)
	} else if r == '\'' {
		s.errorf(start, size, CodeBadCharacter, "unexpected character ' (U+0027); strings are written in double quotes")
	} else {
		s.errorf(start, size, CodeBadCharacter, "unexpected character %c (%U)", r, r)
	}
	// What follows a stray character is seldom worth an error of its own.
	s.skipLine()
}

// skipLine moves to the start of the next line without looking at the bytes
// in between: after an encoding error they are not worth reading.
func (s *scanner) skipLine() {
	for s.offset < len(s.src) && s.src[s.offset] != '\n' {
		s.offset++
	}
	s.col = 1 // approximate: nothing on this line is reported any more
}

func (s *scanner) checkLineLength() {
	if n := s.offset - s.lineHead; n > MaxLineLength {
		s.errs.Add(Position{Filename: s.filename, Offset: s.lineHead, Line: s.line, Column: 1}, Position{},
			CodeTooLarge, "line is %d bytes long; the limit is %d", n, MaxLineLength)
	}
}

func isDigit(c byte) bool     { return '0' <= c && c <= '9' }
func isLetter(c byte) bool    { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isIdentByte(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' || c == '-' }

// definition gives participle the token types; the tokens themselves come
// from scan, so its Lex is only a convenience for tools that want a stream.
type definition struct{}

func (definition) Symbols() map[string]lexer.TokenType { return tokenNames() }

func (definition) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	src, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	toks, errs := scan(filename, src)
	if errs != nil {
		return nil, errs[0]
	}
	return &tokenStream{tokens: toks}, nil
}

// tokenStream hands participle a token slice that scan already made.
type tokenStream struct {
	tokens []lexer.Token
	next   int
}

func (t *tokenStream) Next() (lexer.Token, error) {
	if t.next >= len(t.tokens) {
		return t.tokens[len(t.tokens)-1], nil // the EOF token, again
	}
	tok := t.tokens[t.next]
	t.next++
	return tok, nil
}

package lang

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Diagnostic codes of the lang package. Each has a section in SPEC.md.
const (
	CodeSyntax       = "L001" // a token where the grammar wants another
	CodeBadCharacter = "L002" // a character that starts no token
	CodeUnterminated = "L003" // a string without its closing quote
	CodeBadString    = "L004" // a backslash or control character in a string
	CodeBadEncoding  = "L005" // invalid UTF-8 or a NUL byte
	CodeTooLarge     = "L006" // a file or line past the limits
	CodeVersion      = "L007" // a language version this parser does not read
	CodeBadDuration  = "L008" // a malformed duration literal
)

// parser reads the grammar in the tags of the AST's types; spans.go walks
// the same grammar to set the nodes' spans. It is used only through
// parseTokens, which hands it the tokens without whitespace and comments
// and sets the spans: participle's own entry points would do neither.
var parser = participle.MustBuild[File](
	participle.Lexer(definition{}),
	participle.Union[Decl](&SetDecl{}, &Bundle{}, &Policy{}),
	participle.Union[PolicyItem](&Rule{}, &Profile{}, &DevProfiles{}),
	participle.Union[Clause](&ListClause{}, &FlagClause{}, &MaxAgeClause{}, &StatusClause{}, &GrantsClause{}),
	// Every statement starts with its own keyword, so the grammar is LL(1);
	// unlimited lookahead makes participle report the token that is really
	// wrong instead of backtracking to the enclosing block.
	participle.UseLookahead(participle.MaxLookahead),
)

// Grammar returns the grammar of the language in EBNF, as the parser sees it.
func Grammar() string { return parser.String() }

// Parse parses the source of one .cors file. The filename is used only in
// positions. On failure the error is an ErrorList sorted by position, and
// the File is nil: a partial tree is not something to build on.
func Parse(filename string, src []byte) (*File, error) {
	file, _, err := parsePolicy(filename, src)
	return file, err
}

// parsePolicy is Parse, returning the tokens too, for Format's proof.
func parsePolicy(filename string, src []byte) (*File, []lexer.Token, error) {
	file, tokens, errs := parseTokens(parser, policyGrammar, setFileSpans, filename, src)
	if file != nil {
		errs = append(errs, check(file)...)
	}
	if len(errs) > 0 {
		return nil, nil, capErrors(errs)
	}
	file.Comments = comments(tokens)
	return file, tokens, nil
}

// recoveryBudget is how many tokens the parser reads, over all its passes,
// before it stops recovering from errors: ten passes over a large policy.
const recoveryBudget = 4 << 20

// maxErrors is how many errors a file gets before the parser stops, as
// gofmt stops: past it, the errors left are seldom worth reading before
// the first ones are fixed.
const maxErrors = 10

// parseTokens scans src and parses it with p, turning participle's errors
// into ones in the language's words; it returns the tokens too, for the
// comments, and the tree of what parsed once the statements at fault were
// left out, or nil. It reports every error of the file, up to maxErrors, as
// go/parser does: after a syntax error it leaves out the statement at
// fault, up to the next one of its block, and parses again, so that one
// mistake is reported once and the statements after it are read. At most
// one error is kept per line.
func parseTokens[T any](p *participle.Parser[T], g *grammar, setSpans func(tree *T, read, scanned []lexer.Token) bool, filename string, src []byte) (*T, []lexer.Token, ErrorList) {
	tokens, errs := scan(filename, src)
	if tokens == nil {
		errs.Sort()
		return nil, nil, errs
	}
	// Recovery leaves statements out of work; tokens stays whole, for the
	// comments. The first parse, which most files pass, needs no copy.
	work, copied := tokens, false
	var resume Position // where parsing resumed after the last statement left out
	// Each recovery parses the file again: a budget of tokens bounds the
	// work a huge file with many errors costs, at the price of reporting
	// fewer of its errors.
	budget := recoveryBudget
	for {
		// Participle reads only the tokens of the grammar: it neither
		// copies the blanks nor steps over them at each peek.
		peeker, err := lexer.Upgrade(&tokenStream{tokens: work, significant: true})
		if err != nil {
			errs = append(errs, &Error{Code: CodeSyntax, Msg: err.Error()})
			break
		}
		v, err := p.ParseFromLexer(peeker)
		if err == nil {
			if !setSpans(v, work, tokens) {
				errs = append(errs, &Error{Code: CodeSyntax, Msg: "internal error: the parse tree does not match the tokens; please report this file"})
				return nil, tokens, errs
			}
			// What is left parsed: the tree, partial when there were
			// errors, lets a caller check the statements read.
			return v, tokens, errs
		}
		e := syntaxError(err, work, g)
		whole := false
		if e.Pos.IsValid() && e.Pos.Offset == resume.Offset && resume.IsValid() {
			// An error where parsing resumed comes of what was left out
			// (a block that now lacks what it needs): not worth a
			// report; the whole statement that opened the block goes.
			whole = true
		} else {
			errs = append(errs, e)
		}
		if budget -= len(work); len(errs) > maxErrors || !e.Pos.IsValid() || budget < len(work) {
			break
		}
		if !copied {
			work, copied = slices.Clone(work), true
		}
		var skipped bool
		if work, resume, skipped = skipStatement(work, e.Pos, g, whole); !skipped {
			break
		}
	}
	return nil, tokens, errs
}

// capErrors sorts errs, keeps the first error of each line, and past
// maxErrors, ends the list with a "too many errors".
func capErrors(errs ErrorList) ErrorList {
	errs.Sort()
	errs = slices.CompactFunc(errs, func(a, b *Error) bool {
		return a.Pos.Filename == b.Pos.Filename && a.Pos.Line == b.Pos.Line && a.Pos.IsValid()
	})
	if len(errs) > maxErrors {
		last := errs[maxErrors-1]
		errs = append(errs[:maxErrors], &Error{Pos: last.Pos, Code: CodeSyntax, Msg: "too many errors; fix these and run again"})
	}
	return errs
}

// skipStatement removes from tokens the statement of the syntax error at
// pos: from the keyword that began it (or from the token at fault, when
// it stands first in its block) to the next token that begins a statement
// of the same block, or the brace that closes the block, or the end of the
// file; a block the statement opened goes with it. With whole, it removes
// instead the statement that opened the block the error is in, braces and
// all. It returns the tokens left, the position of the first token after
// what it removed, and whether it removed anything: with nothing left out,
// parsing again would find the same error.
func skipStatement(tokens []lexer.Token, pos Position, g *grammar, whole bool) ([]lexer.Token, Position, bool) {
	type open struct {
		keyword string
		opener  int // index of the keyword of the statement that opened the block
	}
	var blocks []open
	stmtStart, last := -1, lexer.Token{}
	bad := -1
	keywordsOf := func() []string {
		if n := len(blocks); n > 0 {
			return g.blocks[blocks[n-1].keyword]
		}
		return g.top
	}
	starts := func(prev, t lexer.Token, keywords []string) bool {
		return t.Type == tokIdent && slices.Contains(keywords, t.Value) &&
			!(prev.Type == tokPunct && (prev.Value == "," || prev.Value == "=" || prev.Value == "."))
	}
	opener, openerAt := "", -1 // the keyword that began the statement, which may open a block
	for i, t := range tokens {
		if t.Type == tokWhitespace || t.Type == tokComment {
			continue
		}
		if t.Pos.Offset >= pos.Offset {
			bad = i
			break
		}
		switch {
		case t.Type == tokPunct && t.Value == "{":
			blocks = append(blocks, open{opener, openerAt})
			stmtStart, opener, openerAt = -1, "", -1
		case t.Type == tokPunct && t.Value == "}":
			if len(blocks) > 0 {
				blocks = blocks[:len(blocks)-1]
			}
			stmtStart, opener, openerAt = -1, "", -1
		case starts(last, t, keywordsOf()):
			stmtStart, opener, openerAt = i, t.Value, i
		}
		last = t
	}
	if bad < 0 || tokens[bad].EOF() || last.Type == 0 {
		// At the end, or at the first token, where the version line is
		// missing: nothing after it can be read as meant.
		return tokens, Position{}, false
	}
	from, depth := bad, 0
	if stmtStart >= 0 {
		from = stmtStart
	}
	keywords := keywordsOf()
	if whole {
		n := len(blocks)
		if n == 0 || blocks[n-1].opener < 0 {
			return tokens, Position{}, false
		}
		from, depth = blocks[n-1].opener, 1
		if n > 1 {
			keywords = g.blocks[blocks[n-2].keyword]
		} else {
			keywords = g.top
		}
	}
	to := bad
scan:
	for prev := last; to < len(tokens); to++ {
		t := tokens[to]
		if t.Type == tokWhitespace || t.Type == tokComment {
			continue
		}
		if t.EOF() || to > from && depth == 0 && (t.Type == tokPunct && t.Value == "}" || starts(prev, t, keywords)) {
			break
		}
		switch {
		case t.Type == tokPunct && t.Value == "{":
			depth++
		case t.Type == tokPunct && t.Value == "}":
			depth--
			if whole && depth == 0 {
				to++ // the brace that closes the block goes too
				break scan
			}
		}
		prev = t
		if to == bad {
			// The token at fault joins nothing: a keyword after a comma
			// at fault ("origins a = ,") starts the next statement, not
			// more of a list.
			prev = lexer.Token{}
		}
	}
	if to <= from {
		return tokens, Position{}, false
	}
	resume := Position{}
	if to < len(tokens) {
		resume = fromLexer(tokens[to].Pos)
	}
	return slices.Delete(tokens, from, to), resume, true
}

// endOf returns the position just after a token that holds no newline.
func endOf(t lexer.Token) Position {
	end := fromLexer(t.Pos)
	end.Offset += len(t.Value)
	end.Column += utf8.RuneCountInString(t.Value)
	return end
}

// comments returns the comments among the tokens, in source order, each
// with the token it stands above (Comment.Above).
func comments(tokens []lexer.Token) []*Comment {
	var out []*Comment
	eachComment(tokens, func(at, above, _ int) {
		t := tokens[at]
		c := &Comment{Span: Span{Pos: fromLexer(t.Pos), EndPos: endOf(t)}, Text: commentText(t)}
		if above >= 0 {
			c.Above = fromLexer(tokens[above].Pos)
		}
		out = append(out, c)
	})
	return out
}

// eachComment calls f for each comment token, in order, with its index
// in tokens, the index of the token it stands above, and that token's
// ordinal among the tokens the parser reads; both -1 for a comment at the
// end of a line of code, or followed by none. A comment stands above the
// first token after it when it is on a line of its own.
func eachComment(tokens []lexer.Token, f func(at, above, ordinal int)) {
	var waiting []int // comments on lines of their own, waiting for a token
	codeLine, read := 0, 0
	for i, t := range tokens {
		switch {
		case t.Type == tokWhitespace:
		case t.Type == tokComment:
			if t.Pos.Line == codeLine {
				f(i, -1, -1) // at the end of a line of code: above nothing
				continue
			}
			waiting = append(waiting, i)
		case t.EOF():
			for _, c := range waiting {
				f(c, -1, -1)
			}
			return
		default:
			codeLine = t.Pos.Line
			for _, c := range waiting {
				f(c, i, read)
			}
			waiting, read = waiting[:0], read+1
		}
	}
}

// commentText is a comment token's text as the tree and Format's proof
// hold it: trailing blanks carry nothing, and the printer drops them.
func commentText(t lexer.Token) string { return strings.TrimRight(t.Value, " \t\r") }

package lang

import (
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

var parser = participle.MustBuild[File](
	participle.Lexer(definition{}),
	participle.Elide("Whitespace", "Comment"),
	participle.Union[Decl](&SetDecl{}, &Policy{}),
	participle.Union[PolicyItem](&Rule{}, &Profile{}, &DevProfiles{}),
	participle.Union[Clause](&ListClause{}, &FlagClause{}, &MaxAgeClause{}, &StatusClause{}),
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
	file, tokens, errs := parseTokens(parser, policyGrammar, filename, src)
	if errs != nil {
		return nil, errs
	}
	file.Comments = comments(tokens)
	if errs = check(file); errs != nil {
		errs.Sort()
		return nil, errs
	}
	return file, nil
}

// parseTokens scans src and parses it with p, turning participle's error
// into one in the language's words; it returns the tokens too, for the
// comments.
func parseTokens[T any](p *participle.Parser[T], g *grammar, filename string, src []byte) (*T, []lexer.Token, ErrorList) {
	tokens, errs := scan(filename, src)
	if errs != nil {
		errs.Sort()
		return nil, nil, errs
	}
	peeker, err := lexer.Upgrade(&tokenStream{tokens: tokens}, tokWhitespace, tokComment)
	if err != nil {
		return nil, nil, ErrorList{{Code: CodeSyntax, Msg: err.Error()}}
	}
	v, err := p.ParseFromLexer(peeker)
	if err != nil {
		return nil, nil, ErrorList{syntaxError(err, tokens, g)}
	}
	return v, tokens, nil
}

// endOf returns the position just after a token that holds no newline.
func endOf(t lexer.Token) Position {
	end := Position(t.Pos)
	end.Offset += len(t.Value)
	end.Column += utf8.RuneCountInString(t.Value)
	return end
}

// comments returns the comments among the tokens, in source order.
func comments(tokens []lexer.Token) []*Comment {
	var out []*Comment
	for _, t := range tokens {
		if t.Type == tokComment {
			out = append(out, &Comment{
				Span: Span{Pos: Position(t.Pos), EndPos: endOf(t)},
				// Trailing blanks carry nothing and the printer drops them.
				Text: strings.TrimRight(t.Value, " \t\r"),
			})
		}
	}
	return out
}

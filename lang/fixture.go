package lang

import (
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// FixtureVersion is the version of the fixture format this package reads.
const FixtureVersion = 1

// FixtureFile is a parsed fixture file: test cases for the policy in the
// .cors file of the same name.
//
//	fixtures 1
//
//	policy api
//
//	case "the app's preflight for PUT" {
//	    OPTIONS "/api/items"
//	    Origin "https://app.example.com"
//	    Access-Control-Request-Method "PUT"
//
//	    expect allowed
//	    expect Access-Control-Allow-Origin origin
//	}
type FixtureFile struct {
	Span
	Version *Int    `parser:"'fixtures':Ident @@"`
	Policy  *Ident  `parser:"('policy':Ident @@)?"`
	Profile *Ident  `parser:"('profile':Ident @@)?"`
	Cases   []*Case `parser:"@@*"`

	// Comments holds every comment of the file in source order.
	Comments []*Comment
}

// Case is one test case: a request and what the answer must be.
type Case struct {
	Span
	Name    *String        `parser:"'case':Ident @@ '{':Punct"`
	Request *RequestLine   `parser:"@@"`
	Headers []*HeaderLine  `parser:"@@*"`
	Expects []*Expectation `parser:"@@* '}':Punct"`
}

// RequestLine is the method and path of a case's request.
type RequestLine struct {
	Span
	Method string  `parser:"@Ident"`
	Path   *String `parser:"@@"`
}

// HeaderLine is a request header and its values, one header line each; the
// name "origins" is not a header but makes the case a table, run once for
// each origin it lists.
type HeaderLine struct {
	Span
	Name   string    `parser:"@Ident"`
	Values []*String `parser:"@@ (',':Punct @@)*"`
}

// Expectation is one "expect" line: exactly one of its fields is set.
type Expectation struct {
	Span
	Verdict string  `parser:"'expect':Ident ( @('allowed':Ident | 'denied':Ident)"`
	Check   *Ident  `parser:"         | 'check':Ident @@"`
	Rule    *Int    `parser:"         | 'rule':Ident @@"`
	Status  *Int    `parser:"         | 'status':Ident @@"`
	Absent  *Ident  `parser:"         | 'no':Ident @@"`
	Header  *Ident  `parser:"         | @@"`
	Value   *String `parser:"             ( @@"`
	Origin  bool    `parser:"             | @'origin':Ident ) )"`
}

// TableKeyword is the header-line name that lists the origins of a table case.
const TableKeyword = "origins"

// fixtureParser is parser's counterpart for fixture files.
var fixtureParser = participle.MustBuild[FixtureFile](
	participle.Lexer(definition{}),
	participle.UseLookahead(participle.MaxLookahead),
)

var fixtureGrammar = &grammar{
	version:    "fixtures",
	versionNum: FixtureVersion,
	top:        []string{"policy", "profile", "case"},
	blocks:     map[string][]string{"case": {"expect"}},
	nouns:      map[string]string{"case": "header line, expect"},
	openers:    []string{"case"},
	valueKeywords: map[string][]string{
		"expect": {"allowed", "denied", "check", "rule", "status", "no"},
	},
}

// FixtureGrammar returns the grammar of fixture files in EBNF.
func FixtureGrammar() string { return fixtureParser.String() }

// ParseFixtures parses a fixture file. Errors are as Parse's.
func ParseFixtures(filename string, src []byte) (*FixtureFile, error) {
	f, _, err := parseFixtures(filename, src)
	return f, err
}

// parseFixtures is ParseFixtures, returning the tokens too, for
// FormatFixtures' proof.
func parseFixtures(filename string, src []byte) (*FixtureFile, []lexer.Token, error) {
	f, tokens, errs := parseTokens(fixtureParser, fixtureGrammar, setFixtureSpans, filename, src)
	if f != nil && f.Version.Number() != FixtureVersion {
		addVersionError(&errs, f.Version.Pos, f.Version.EndPos, "fixture", f.Version.Text, FixtureVersion)
	}
	if len(errs) > 0 {
		return nil, nil, capErrors(errs)
	}
	f.Comments = comments(tokens)
	return f, tokens, nil
}

// Number returns the value of the literal, or -1 when it does not fit an int.
func (i *Int) Number() int {
	n, err := strconv.Atoi(i.Text)
	if err != nil {
		return -1
	}
	return n
}

// IsTable reports whether the case runs once per origin of an origins line.
func (c *Case) IsTable() bool {
	for _, h := range c.Headers {
		if h.Name == TableKeyword {
			return true
		}
	}
	return false
}

// HeaderName returns the canonical name of a header line's header.
func (h *HeaderLine) HeaderName() string {
	return canonicalHeader(h.Name)
}

func canonicalHeader(s string) string {
	parts := strings.Split(strings.ToLower(s), "-")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "-")
}

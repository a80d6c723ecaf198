package lang

// The parser tags of these types are the grammar participle parses;
// spans.go walks the same grammar to set each node's Span, so a change to
// one is a change to the other.

// Node is implemented by every AST node.
type Node interface {
	Start() Position // first byte of the node
	End() Position   // byte just after the node
}

// File is a parsed .cors file.
type File struct {
	Span
	Version *Version  `parser:"@@"`
	Imports []*Import `parser:"@@*"`
	Decls   []Decl    `parser:"@@*"`

	// Comments holds every comment of the file in source order. The
	// grammar never sees comments; the printer puts them back by offset.
	Comments []*Comment
}

// Comment is a "#" comment; Text includes the "#" and runs to the end of the line.
type Comment struct {
	Span
	Text string

	// Above is where the token the comment stands above starts: the
	// first token after it, when the comment is on a line of its own;
	// the zero Position when it ends a line that holds code, or nothing
	// follows it. The formatter moves lines but keeps what stands above
	// what, so this, not a line number, is what a comment is about.
	Above Position
}

// Version is the line "cors 1" that opens every file.
type Version struct {
	Span
	Number *Int `parser:"'cors':Ident @@"`
}

// Import brings a module's named sets into scope under a name: the last
// element of its path, or the name after "as".
type Import struct {
	Span
	Path  *String `parser:"'import':Ident @@"`
	Alias *Ident  `parser:"('as':Ident @@)?"`
}

// Decl is a top-level declaration: a *SetDecl, a *Bundle or a *Policy.
type Decl interface {
	Node
	declNode()
}

// SetDecl names a set of origins, methods or headers,
// as in: origins partners = "https://a.example", "https://b.example".
type SetDecl struct {
	Span
	Kind   string   `parser:"@('origins':Ident | 'methods':Ident | 'headers':Ident)"`
	Name   *Ident   `parser:"@@ '=':Punct"`
	Values []*Value `parser:"@@ (',':Punct @@)*"`
}

// Bundle names clauses that allow rules grant together with a grants
// clause, as in: grants spa-api { methods "GET", "PUT" credentials }. It
// holds any clause a rule may hold but paths and grants: where a rule
// applies stays in the rule.
type Bundle struct {
	Span
	Name  *Ident `parser:"'grants':Ident @@"`
	Block *Block `parser:"@@"`
}

// Policy is a named set of rules that a service selects by name.
type Policy struct {
	Span
	Name  *Ident       `parser:"'policy':Ident @@ '{':Punct"`
	Items []PolicyItem `parser:"@@* '}':Punct"`
}

// PolicyItem is what a policy holds: a *Rule, a *Profile or *DevProfiles.
type PolicyItem interface {
	Node
	policyItemNode()
}

// Profile holds rules that apply only when the policy is compiled for one of
// the profiles it names.
type Profile struct {
	Span
	Names []*Ident `parser:"'profile':Ident @@ (',':Punct @@)* '{':Punct"`
	Rules []*Rule  `parser:"@@* '}':Punct"`
}

// DevProfiles names the profiles of a policy that are development builds,
// as in: dev-profiles dev, local. Only there may a local origin or plain http
// be granted credentials.
type DevProfiles struct {
	Span
	Names []*Ident `parser:"'dev-profiles':Ident @@ (',':Punct @@)*"`
}

// Rule allows or denies the origins it names; its block, when present,
// narrows what it covers (paths, methods) and says what it grants.
type Rule struct {
	Span
	Effect  string   `parser:"@('allow':Ident | 'deny':Ident)"`
	Origins []*Value `parser:"@@ (',':Punct @@)*"`
	Block   *Block   `parser:"@@?"`
}

// Block is the braced list of clauses of a rule.
type Block struct {
	Span
	Clauses []Clause `parser:"'{':Punct @@* '}':Punct"`
}

// Clause is one line of a rule's block: a *ListClause, *FlagClause,
// *MaxAgeClause, *StatusClause or *GrantsClause.
type Clause interface {
	Node
	clauseNode()
}

// ListClause is a keyword followed by a list: paths, methods, headers or expose.
type ListClause struct {
	Span
	Keyword string   `parser:"@('paths':Ident | 'methods':Ident | 'headers':Ident | 'expose':Ident)"`
	Values  []*Value `parser:"@@ (',':Punct @@)*"`
}

// FlagClause is a keyword that stands alone: credentials or private-network.
type FlagClause struct {
	Span
	Keyword string `parser:"@('credentials':Ident | 'private-network':Ident)"`
}

// MaxAgeClause says how long a browser may cache a preflight response.
type MaxAgeClause struct {
	Span
	Duration *Duration `parser:"'max-age':Ident @@"`
}

// StatusClause sets the status code of a successful preflight response.
type StatusClause struct {
	Span
	Status *Int `parser:"'preflight-status':Ident @@"`
}

// GrantsClause gives a rule the clauses of a bundle: grants spa-api, or
// grants presets.spa for a bundle an import brings in. A clause the rule
// writes itself replaces the bundle's of the same keyword.
type GrantsClause struct {
	Span
	Bundle *Value `parser:"'grants':Ident @@"`
}

// Value is one element of a list: exactly one of Literal, Keyword and Ref is set.
type Value struct {
	Span
	Literal *String `parser:"  @@"`
	Keyword string  `parser:"| @('any':Ident | 'null':Ident)"`
	Ref     *Ref    `parser:"| @@"`
}

// Ref names a set: Name alone for a set of this file, Module.Name for a set
// that an import brings in.
type Ref struct {
	Span
	Module string `parser:"(@Ident '.':Punct)?"`
	Name   string `parser:"@Ident"`
}

// String is a double-quoted literal. Value is the text between the quotes;
// strings have no escapes, so byte i of Value is at offset Pos.Offset+1+i.
type String struct {
	Span
	Value string `parser:"@String"`
}

// Ident is a name: of a policy, a set, a profile or an import.
type Ident struct {
	Span
	Name string `parser:"@Ident"`
}

// Int is a decimal integer literal, kept as written.
type Int struct {
	Span
	Text string `parser:"@Int"`
}

// Duration is a duration literal such as 90s, 10m, 2h or 1h30m, kept as written.
type Duration struct {
	Span
	Text string `parser:"@Duration"`
}

func (*SetDecl) declNode() {}
func (*Bundle) declNode()  {}
func (*Policy) declNode()  {}

func (*Rule) policyItemNode()        {}
func (*Profile) policyItemNode()     {}
func (*DevProfiles) policyItemNode() {}

func (*ListClause) clauseNode()   {}
func (*FlagClause) clauseNode()   {}
func (*MaxAgeClause) clauseNode() {}
func (*StatusClause) clauseNode() {}
func (*GrantsClause) clauseNode() {}

// String returns the reference as written: "name" or "module.name".
func (r *Ref) String() string {
	if r.Module == "" {
		return r.Name
	}
	return r.Module + "." + r.Name
}

package compile

// Diagnostic codes of the compiler. Each has a section in SPEC.md.
const (
	CodeUndefined    = "C001" // a name that no declaration or import defines
	CodeDuplicate    = "C002" // a name declared twice
	CodeWrongKind    = "C003" // a set of one kind where another is expected
	CodeMisplaced    = "C004" // a value that cannot stand in this list
	CodeOrigin       = "C005" // an origin pattern that is not one
	CodeMethod       = "C006" // a method that is not an HTTP token
	CodeHeader       = "C007" // a header name that is not an HTTP token
	CodePath         = "C008" // a path pattern that is not one
	CodeClause       = "C009" // a clause repeated, or not allowed in a deny rule
	CodeAnyWithCreds = "C010" // any (origin, methods, headers, expose) with credentials
	CodeValue        = "C011" // a max-age or status out of range
	CodeImport       = "C012" // an import that cannot be resolved
	CodeCycle        = "C013" // sets or imports that refer to themselves
	CodePolicy       = "C014" // a policy that does not exist
	CodeProfile      = "C015" // a profile that no block of the policy declares
	CodeTooManyRules = "C016" // more rules match one origin class than a table cell holds
	CodeTooLarge     = "C017" // lists that expand past MaxExpandedValues
)

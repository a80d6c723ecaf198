package lang

// equalFiles reports whether two trees hold the same policy and the same
// comments, positions aside: what go-cmp reports with
// cmpopts.IgnoreTypes(Span{}, Position{}), nil and empty lists told apart as go-cmp
// tells them, but written out node by node, for Diff. TestEqual holds the
// two to the same answers, and requires Equal to notice a change to any
// field of any node.
func equalFiles(a, b *File) bool {
	if a == nil || b == nil {
		return a == b
	}
	return eqPtr(a.Version, b.Version, eqVersion) && eqList(a.Imports, b.Imports, eqImport) &&
		eqList(a.Decls, b.Decls, eqDecl) && eqList(a.Comments, b.Comments, eqComment)
}

// eqPtr compares two nodes that may be nil.
func eqPtr[T any](a, b *T, eq func(a, b *T) bool) bool {
	if a == nil || b == nil {
		return a == b
	}
	return eq(a, b)
}

// eqList compares two lists element by element; a nil list differs from an
// empty one, as go-cmp has it.
func eqList[T any](a, b []T, eq func(a, b T) bool) bool {
	if len(a) != len(b) || (a == nil) != (b == nil) {
		return false
	}
	for i := range a {
		if !eq(a[i], b[i]) {
			return false
		}
	}
	return true
}

// eqNode adapts a comparison of nodes that may be nil to eqList.
func eqNode[T any](eq func(a, b *T) bool) func(a, b *T) bool {
	return func(a, b *T) bool { return eqPtr(a, b, eq) }
}

func eqComment(a, b *Comment) bool {
	return eqPtr(a, b, func(a, b *Comment) bool { return a.Text == b.Text })
}
func eqVersion(a, b *Version) bool   { return eqPtr(a.Number, b.Number, eqInt) }
func eqInt(a, b *Int) bool           { return a.Text == b.Text }
func eqString(a, b *String) bool     { return a.Value == b.Value }
func eqIdent(a, b *Ident) bool       { return a.Name == b.Name }
func eqDuration(a, b *Duration) bool { return a.Text == b.Text }
func eqRef(a, b *Ref) bool           { return a.Module == b.Module && a.Name == b.Name }

func eqImport(a, b *Import) bool {
	return eqPtr(a, b, func(a, b *Import) bool {
		return eqPtr(a.Path, b.Path, eqString) && eqPtr(a.Alias, b.Alias, eqIdent)
	})
}

func eqValue(a, b *Value) bool {
	return eqPtr(a, b, func(a, b *Value) bool {
		return a.Keyword == b.Keyword && eqPtr(a.Literal, b.Literal, eqString) && eqPtr(a.Ref, b.Ref, eqRef)
	})
}

func eqDecl(a, b Decl) bool {
	switch a := a.(type) {
	case *SetDecl:
		b, ok := b.(*SetDecl)
		return ok && eqPtr(a, b, func(a, b *SetDecl) bool {
			return a.Kind == b.Kind && eqPtr(a.Name, b.Name, eqIdent) && eqList(a.Values, b.Values, eqValue)
		})
	case *Bundle:
		b, ok := b.(*Bundle)
		return ok && eqPtr(a, b, func(a, b *Bundle) bool {
			return eqPtr(a.Name, b.Name, eqIdent) && eqPtr(a.Block, b.Block, eqBlock)
		})
	case *Policy:
		b, ok := b.(*Policy)
		return ok && eqPtr(a, b, func(a, b *Policy) bool {
			return eqPtr(a.Name, b.Name, eqIdent) && eqList(a.Items, b.Items, eqPolicyItem)
		})
	}
	return a == nil && b == nil
}

func eqPolicyItem(a, b PolicyItem) bool {
	switch a := a.(type) {
	case *Rule:
		b, ok := b.(*Rule)
		return ok && eqPtr(a, b, eqRule)
	case *Profile:
		b, ok := b.(*Profile)
		return ok && eqPtr(a, b, func(a, b *Profile) bool {
			return eqList(a.Names, b.Names, eqNode(eqIdent)) && eqList(a.Rules, b.Rules, eqNode(eqRule))
		})
	case *DevProfiles:
		b, ok := b.(*DevProfiles)
		return ok && eqPtr(a, b, func(a, b *DevProfiles) bool { return eqList(a.Names, b.Names, eqNode(eqIdent)) })
	}
	return a == nil && b == nil
}

func eqRule(a, b *Rule) bool {
	return a.Effect == b.Effect && eqList(a.Origins, b.Origins, eqValue) && eqPtr(a.Block, b.Block, eqBlock)
}

func eqBlock(a, b *Block) bool { return eqList(a.Clauses, b.Clauses, eqClause) }

func eqClause(a, b Clause) bool {
	switch a := a.(type) {
	case *ListClause:
		b, ok := b.(*ListClause)
		return ok && eqPtr(a, b, func(a, b *ListClause) bool {
			return a.Keyword == b.Keyword && eqList(a.Values, b.Values, eqValue)
		})
	case *FlagClause:
		b, ok := b.(*FlagClause)
		return ok && eqPtr(a, b, func(a, b *FlagClause) bool { return a.Keyword == b.Keyword })
	case *MaxAgeClause:
		b, ok := b.(*MaxAgeClause)
		return ok && eqPtr(a, b, func(a, b *MaxAgeClause) bool { return eqPtr(a.Duration, b.Duration, eqDuration) })
	case *StatusClause:
		b, ok := b.(*StatusClause)
		return ok && eqPtr(a, b, func(a, b *StatusClause) bool { return eqPtr(a.Status, b.Status, eqInt) })
	case *GrantsClause:
		b, ok := b.(*GrantsClause)
		return ok && eqPtr(a, b, func(a, b *GrantsClause) bool { return eqValue(a.Bundle, b.Bundle) })
	}
	return a == nil && b == nil
}

package lang

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// diffTrees compares two trees of either file format, positions aside,
// with go-cmp, as Format once did.
func diffTrees(a, b any) string {
	if cmp.Equal(a, b, ignorePositions) {
		return ""
	}
	return cmp.Diff(a, b, ignorePositions)
}

// everyFieldPolicy is a policy in which every field of every node is set
// somewhere, so that TestEqualNoticesEveryField can change each.
const everyFieldPolicy = `# a comment
cors 1

import "std/dev" as d
import "./x.cors"

origins o = "https://a.example.com", any, null, d.localhost, other
methods m = "GET"

grants b {
    methods "GET"
    credentials
}

policy p {
    allow o, "https://b.example.com" {
        paths            "/api/**"
        headers          any
        expose           "X-A"
        private-network
        max-age          10m
        preflight-status 200
        grants           b
    } # trailing

    deny "https://c.example.com"

    profile dev, staging {
        allow "http://localhost:*"
        deny null
    }

    dev-profiles dev, staging
}
`

// TestEqualAgreesWithCmp holds equalFiles to go-cmp with the positions
// ignored, over the policies of the repository and mutations of them that
// still parse: every pair of a file and a variant, a file and itself
// formatted, and neighbours.
func TestEqualAgreesWithCmp(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var policies []*File
	for _, pattern := range []string{"testdata/*/*.cors", "testdata/format/*.input", "../examples/*.cors", "../stdlib/*.cors"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			for range 40 {
				if f, err := Parse(name, mutate(rng, src)); err == nil {
					policies = append(policies, f)
				}
			}
			if f, err := Parse(name, src); err == nil {
				policies = append(policies, f)
				out, err := Format(name, src)
				if err != nil {
					t.Fatal(err)
				}
				g, err := Parse(name, out)
				if err != nil {
					t.Fatal(err)
				}
				policies = append(policies, g)
			}
		}
	}
	if len(policies) < 100 {
		t.Fatalf("only %d policies to compare", len(policies))
	}
	equalOnes := 0
	for i, a := range policies {
		for _, b := range []*File{a, policies[(i+1)%len(policies)], policies[rng.IntN(len(policies))]} {
			want := cmp.Equal(a, b, ignorePositions)
			if got := equalFiles(a, b); got != want {
				t.Fatalf("equalFiles = %v, go-cmp says %v:\n%s", got, want, cmp.Diff(a, b, ignorePositions))
			}
			if want {
				equalOnes++
			}
		}
	}
	t.Logf("%d policies, %d equal pairs", len(policies), equalOnes)
}

// TestEqualNoticesEveryField changes every field of every node of a tree
// in which all are set, one at a time: a string, a flag, a node dropped, a
// list one shorter or empty rather than absent, a position moved. Each
// change but the position's must make the tree differ, for equalFiles and
// go-cmp alike; and every field of every node type must have been changed.
func TestEqualNoticesEveryField(t *testing.T) {
	changed := map[string]bool{}
	policy, err := Parse("every.cors", []byte(everyFieldPolicy))
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, mutable, original any, equal func() bool) {
		changeEach(t, reflect.ValueOf(mutable), changed, func(path string, span bool) {
			want := span // a moved position changes nothing
			if got := equal(); got != want {
				t.Errorf("%s: after changing %s, equal = %v, want %v", what, path, got, want)
			}
			if got := cmp.Equal(original, mutable, ignorePositions); got != want {
				t.Errorf("%s: after changing %s, go-cmp says equal = %v, want %v", what, path, got, want)
			}
		})
		if !equal() {
			t.Fatalf("%s: the tree differs once every change is undone", what)
		}
	}
	original, _ := Parse("every.cors", []byte(everyFieldPolicy))
	check("policy", policy, original, func() bool { return equalFiles(original, policy) })

	// Every field of every node type reachable from the root.
	seen := map[reflect.Type]bool{}
	var walk func(typ reflect.Type)
	walk = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			typ = typ.Elem()
		}
		if typ.Kind() == reflect.Interface {
			for _, impl := range nodeTypes {
				if impl.Implements(typ) {
					walk(impl)
				}
			}
			return
		}
		if typ.Kind() != reflect.Struct || seen[typ] || typ == reflect.TypeFor[Span]() || typ == reflect.TypeFor[Position]() {
			return
		}
		seen[typ] = true
		for i := range typ.NumField() {
			f := typ.Field(i)
			if !changed[typ.Name()+"."+f.Name] {
				t.Errorf("no change was tried to %s.%s: set it in everyFieldPolicy", typ.Name(), f.Name)
			}
			walk(f.Type)
		}
	}
	walk(reflect.TypeFor[File]())
}

// nodeTypes are the node types that stand behind the AST's interfaces.
var nodeTypes = []reflect.Type{
	reflect.TypeFor[*SetDecl](), reflect.TypeFor[*Bundle](), reflect.TypeFor[*Policy](),
	reflect.TypeFor[*Rule](), reflect.TypeFor[*Profile](), reflect.TypeFor[*DevProfiles](),
	reflect.TypeFor[*ListClause](), reflect.TypeFor[*FlagClause](), reflect.TypeFor[*MaxAgeClause](),
	reflect.TypeFor[*StatusClause](), reflect.TypeFor[*GrantsClause](),
}

// changeEach walks the tree v and changes each field it finds set, one at a
// time, calling after with the field's path and whether it is a position,
// then undoes the change. It records in changed each "Type.Field" it
// changed.
func changeEach(t *testing.T, v reflect.Value, changed map[string]bool, after func(path string, span bool)) {
	var walk func(v reflect.Value, path string)
	try := func(field reflect.Value, to reflect.Value, key, path string, span bool) {
		old := reflect.New(field.Type()).Elem()
		old.Set(field)
		field.Set(to)
		changed[key] = true
		after(path, span)
		field.Set(old)
	}
	walk = func(v reflect.Value, path string) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem(), path)
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i), path+"["+itoa(i)+"]")
			}
		case reflect.Struct:
			typ := v.Type()
			if typ == reflect.TypeFor[Span]() {
				line := v.FieldByName("Pos").FieldByName("Line")
				try(line, reflect.ValueOf(line.Int()+1).Convert(line.Type()), "", path+".Pos.Line", true)
				return
			}
			for i := range typ.NumField() {
				f, fv := typ.Field(i), v.Field(i)
				key, fpath := typ.Name()+"."+f.Name, path+"."+f.Name
				if fv.Type() == reflect.TypeFor[Position]() {
					// A position outside a span (Comment.Above) moves with
					// the layout too.
					line := fv.FieldByName("Line")
					try(line, reflect.ValueOf(line.Int()+1).Convert(line.Type()), key, fpath+".Line", true)
					continue
				}
				switch fv.Kind() {
				case reflect.String:
					try(fv, reflect.ValueOf(fv.String()+"x"), key, fpath, false)
				case reflect.Bool:
					try(fv, reflect.ValueOf(!fv.Bool()), key, fpath, false)
				case reflect.Pointer, reflect.Interface:
					if !fv.IsNil() {
						try(fv, reflect.Zero(fv.Type()), key, fpath, false)
					}
				case reflect.Slice:
					if fv.Len() > 0 {
						try(fv, fv.Slice(0, fv.Len()-1), key, fpath+" (one shorter)", false)
					} else if fv.IsNil() {
						try(fv, reflect.MakeSlice(fv.Type(), 0, 0), key, fpath+" (empty, not absent)", false)
					}
				case reflect.Struct:
					if f.Anonymous && f.Type == reflect.TypeFor[Span]() {
						changed[key] = true
					}
				}
				walk(fv, fpath)
			}
		}
	}
	walk(v, "")
}

func itoa(i int) string { return string(rune('0'+i/10%10)) + string(rune('0'+i%10)) }

package region_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/eval"
	"github.com/corspolicy/cors/internal/goldentest"
	"github.com/corspolicy/cors/region"
	"github.com/corspolicy/cors/stdlib"
)

// load compiles one policy of a file under examples/.
func load(t testing.TB, file, profile string) *compile.Table {
	t.Helper()
	prog, err := compile.LoadFile(filepath.Join("..", "examples", file), compile.Options{Profile: profile, Importer: stdlib.Importer{}})
	if err != nil {
		t.Fatal(err)
	}
	tab, err := prog.Policy(prog.Names()[0])
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// TestGolden lists the regions of two example policies with the engine's
// verdict for each witness, so that a change to the enumeration shows in
// review as a change of requests.
func TestGolden(t *testing.T) {
	for _, name := range []string{"spa-with-cookies", "admin-api-with-denies"} {
		t.Run(name, func(t *testing.T) {
			tab := load(t, name+".cors", "")
			var b strings.Builder
			for _, r := range region.Enumerate(tab) {
				d := eval.Evaluate(tab, &r.Witness)
				verdict := "allowed"
				if !d.Allowed {
					verdict = "denied (" + d.Failed.String() + ")"
				}
				fmt.Fprintf(&b, "%s => %s\n", r, verdict)
			}
			goldentest.Compare(t, filepath.Join("testdata", name+".golden"), []byte(b.String()))
		})
	}
}

// TestWitnessesBelongToTheirRegion checks, for every example policy, that
// each witness is the request its region names: its origin leads to the
// class's cell, its path and method are the region's, and no two regions
// share a witness.
func TestWitnessesBelongToTheirRegion(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "examples", "*.cors"))
	if len(files) == 0 {
		t.Fatal("no example policies")
	}
	for _, f := range files {
		tab := load(t, filepath.Base(f), "")
		cells := map[string]*compile.Cell{}
		for _, c := range tab.Classes() {
			cells[c.Label] = c.Cell
		}
		seen := map[string]bool{}
		regions := region.Enumerate(tab)
		if len(regions) == 0 {
			t.Fatalf("%s: no region", f)
		}
		for _, r := range regions {
			if seen[r.String()] {
				t.Errorf("%s: region %q listed twice", f, r)
			}
			seen[r.String()] = true
			w := r.Witness
			if w.Path != r.Path {
				t.Errorf("%s: %q: witness path %q", f, r, w.Path)
			}
			switch r.Kind {
			case region.NotCORS:
				if w.Origin != nil {
					t.Errorf("%s: %q: a request without Origin has one", f, r)
				}
				continue
			case region.Preflight:
				if w.Method != "OPTIONS" || len(w.RequestMethod) != 1 || w.RequestMethod[0] != r.Method {
					t.Errorf("%s: %q: not a preflight for %s: %+v", f, r, r.Method, w)
				}
			case region.Actual:
				if w.Method != r.Method || w.RequestMethod != nil {
					t.Errorf("%s: %q: not an actual %s: %+v", f, r, r.Method, w)
				}
			}
			cell, ok := tab.Lookup(w.Origin[0])
			if !ok || cell != cells[r.Class] {
				t.Errorf("%s: %q: witness origin %s is not in its class", f, r, w.Origin[0])
			}
		}
	}
}

// TestEveryMethodAndHeaderAsked checks that the regions ask for every method
// and every request header an allow rule of the policy grants, with an
// origin the rule names: a drift in any grant has a witness.
func TestEveryMethodAndHeaderAsked(t *testing.T) {
	tab := load(t, "gateway-microservices.cors", "")
	regions := region.Enumerate(tab)
	for _, rule := range tab.Rules {
		for _, m := range rule.Methods {
			found := false
			for _, r := range regions {
				found = found || r.Kind == region.Preflight && r.Method == m && r.Class == rule.Origins[0].String()
			}
			if !found {
				t.Errorf("no preflight for %s from %s", m, rule.Origins[0])
			}
		}
		for _, h := range rule.Headers {
			found := false
			for _, r := range regions {
				found = found || len(r.Witness.RequestHeaders) == 1 && strings.Contains(","+r.Witness.RequestHeaders[0]+",", ","+h+",")
			}
			if !found {
				t.Errorf("no preflight asks for %s", h)
			}
		}
	}
}

func TestConcretePath(t *testing.T) {
	for glob, want := range map[string]string{
		"/api/**":                      "/api/x",
		"/widget/v1/products/*/rating": "/widget/v1/products/x/rating",
		"/a/**/b":                      "/a/x/b",
		"/v*":                          "/vx",
		"/":                            "/",
	} {
		pp, err := compile.ParsePathPattern(glob)
		if err != nil {
			t.Fatal(err)
		}
		got := region.ConcretePath(glob)
		if got != want || !pp.Match(got) {
			t.Errorf("ConcretePath(%q) = %q, want %q, matched by the pattern", glob, got, want)
		}
	}
}

func ExampleEnumerate() {
	src := []byte(`cors 1

policy api {
    allow "https://app.example.com" {
        paths   "/api/**"
        methods "GET", "PUT"
    }
}
`)
	prog, err := compile.CompileSource("api.cors", src, compile.Options{})
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	tab, _ := prog.Policy("api")
	for _, r := range region.Enumerate(tab) {
		if r.Path == "/api/x" && r.Class == "https://app.example.com" {
			fmt.Println(r)
		}
	}
	// Output:
	// https://app.example.com | /api/x | actual DELETE
	// https://app.example.com | /api/x | actual DELETE | credentials
	// https://app.example.com | /api/x | preflight DELETE
	// https://app.example.com | /api/x | actual GET
	// https://app.example.com | /api/x | actual GET | credentials
	// https://app.example.com | /api/x | preflight GET
	// https://app.example.com | /api/x | actual PUT
	// https://app.example.com | /api/x | actual PUT | credentials
	// https://app.example.com | /api/x | preflight PUT
	// https://app.example.com | /api/x | preflight PUT | ungranted header
	// https://app.example.com | /api/x | preflight PUT | authorization
	// https://app.example.com | /api/x | preflight PUT | private network
}

package nginx_test

import (
	"fmt"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/corstest"
	"github.com/corspolicy/cors/eval"
	nginxexport "github.com/corspolicy/cors/export/nginx"
	"github.com/corspolicy/cors/export/nginx/nginxtest"
)

// namePolicy is a policy of the given name that uses every kind of
// variable: paths, a deny rule, a method-scoped one, a rule naming any, a
// value with "$".
func namePolicy(name, origin string) string {
	return fmt.Sprintf(`cors 1
policy %s {
    allow %q {
        paths "/api/**"
        methods "GET", "PUT"
        headers "X-A"
        expose "X-$"
        credentials
    }
    allow any { paths "/pub/**" }
    deny %q { paths "/api/admin/**" }
    deny %q { methods "PUT" paths "/api/ro/**" }
}
`, name, origin, origin, origin)
}

// variables returns the nginx variables and njs import names a
// configuration declares or reads, folded to lower case as nginx reads
// them.
func variables(conf string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`cors_[A-Za-z0-9_]+(\.js)?`).FindAllString(conf, -1) {
		if !strings.HasSuffix(m, ".js") {
			out = append(out, strings.ToLower(m))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestVariablesOfTwoPolicies holds the exports of any two policies to
// disjoint variables as nginx reads them, case folded, so that they can
// share an http block: "API" and "api" shared theirs (the second file's
// maps silently answered for the first), "api-v1" and "api_v1" too (nginx
// -t failed). The names are tricky ones, and each name followed by the
// part of a variable's suffix before a "_", where one export's prefix
// could end inside another's variable.
func TestVariablesOfTwoPolicies(t *testing.T) {
	names := []string{"api", "API", "Api", "aPI", "api-v1", "api_v1", "api--v1", "api-_v1", "api__v1", "api_-v1", "a", "A",
		"_a", "_", "__", "a_", "a-", "a__", "a--", "_A", "aB", "a-b", "a_b", "ab", "a_0", "a-0", "a_1", "a-1", "a_B", "a-B",
		"_1", "_0", "b_", "B"}
	conf := func(name string) string {
		prog, err := compile.CompileSource("p.cors", []byte(namePolicy(name, "https://a.example")), compile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		table, err := prog.Policy(name)
		if err != nil {
			t.Fatal(err)
		}
		c, err := nginxexport.Config(table, goldenOptions)
		if err != nil {
			t.Fatal(err)
		}
		return string(c)
	}
	for _, v := range variables(conf("a")) {
		suffix := strings.TrimPrefix(v, nginxexport.VariablePrefix("a"))
		for i, c := range suffix {
			if c == '_' {
				names = append(names, "a-"+strings.ReplaceAll(suffix[:i], "_", "-"), "a_"+suffix[:i])
			}
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	seen := map[string]string{}
	for _, n := range names {
		for _, v := range variables(conf(n)) {
			if other, ok := seen[v]; ok {
				t.Errorf("policies %s and %s both declare %s", other, n, v)
			}
			seen[v] = n
		}
	}
	t.Logf("%d names, %d variables, none shared", len(names), len(seen))
}

// TestVariablePrefix keeps the prefix of the common name readable and
// stable: lower case, digits and "-".
func TestVariablePrefix(t *testing.T) {
	for name, want := range map[string]string{"api": "cors_api_", "api-v1": "cors_api_v1_", "spa-api": "cors_spa_api_",
		"API": "cors___a_p_i_", "api_v1": "cors__api_0v1_", "Api-v1": "cors___api_1v1_"} {
		if got := nginxexport.VariablePrefix(name); got != want {
			t.Errorf("%s: got %s, want %s", name, got, want)
		}
	}
}

// TestTwoPoliciesInOneHTTPBlock loads the exports of policies whose names
// nginx once read as one (API and api, api-v1 and api_v1) into one http
// block, each behind a port of its own, and requires each to answer as
// its own policy does in the Go middleware, to its own origin and to the
// other's.
func TestTwoPoliciesInOneHTTPBlock(t *testing.T) {
	nginxtest.Binary(t)
	for _, names := range [][2]string{{"API", "api"}, {"api-v1", "api_v1"}} {
		t.Run(names[0]+","+names[1], func(t *testing.T) {
			src := namePolicy(names[0], "https://one.example") + strings.TrimPrefix(namePolicy(names[1], "https://two.example"), "cors 1\n")
			prog, err := compile.CompileSource("p.cors", []byte(src), compile.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var tables []*compile.Table
			for _, n := range names {
				table, err := prog.Policy(n)
				if err != nil {
					t.Fatal(err)
				}
				tables = append(tables, table)
			}
			up := httptest.NewServer(&upstream{})
			t.Cleanup(up.Close)
			second := nginxtest.FreePort(t)
			ngx := nginxtest.Start(t, func(listen, module string) ([]byte, error) {
				var all []byte
				for i, table := range tables {
					l := listen
					if i == 1 {
						l = second
					}
					c, err := nginxexport.Config(table, nginxexport.Options{Upstream: up.URL, Listen: []string{l}, Module: module})
					if err != nil {
						return nil, err
					}
					all = append(all, c...)
				}
				return all, nil
			}, nginxtest.Options{})
			var probes []corstest.Probe
			for _, table := range tables {
				probes = append(probes, corstest.RegionProbes(table)...)
			}
			for i, table := range tables {
				goSrv := httptest.NewServer(eval.NewMiddleware(table).Wrap(&upstream{}))
				t.Cleanup(goSrv.Close)
				addr := ngx.Addr
				if i == 1 {
					addr = second
				}
				p := &pair{nginx: addr, goAddr: goSrv.Listener.Addr().String(), up: &upstream{}, table: table}
				c := p.compare(t, probes)
				t.Logf("policy %s: %d requests compared, %d differ", table.Name, c.compared, c.differed)
			}
		})
	}
}

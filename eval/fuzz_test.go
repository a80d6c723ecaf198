package eval

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corspolicy/cors/compile"
)

// FuzzEvaluate answers random requests with the example policies. Whatever
// the request, the evaluator must not panic, must reflect an origin only
// when it is the one serialised origin the request sent, must send no CORS
// grant on a denial, and must vary on Origin wherever the answer depends
// on it.
func FuzzEvaluate(f *testing.F) {
	var tables []*compile.Table
	files, _ := filepath.Glob("../examples/*.cors")
	files = append(files, "testdata/api.cors")
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		for _, profile := range []string{"", "dev"} {
			prog, err := compile.CompileSource(path, src, compile.Options{Profile: profile})
			if err != nil {
				f.Fatal(err)
			}
			for _, name := range prog.Names() {
				tab, _ := prog.Policy(name)
				tables = append(tables, tab)
			}
		}
	}
	f.Add(uint8(0), "OPTIONS", "/api/items", "https://app.example.com", "PUT", "content-type,x-request-id", "", false)
	f.Add(uint8(1), "GET", "/public/x", "null", "", "", "true", true)
	f.Add(uint8(2), "GET", "/admin/../api", "https://a.tenant.example.com", "", "", "", false)
	f.Add(uint8(3), "OPTIONS", "/", "https://APP.example.com", "patch", strings.Repeat(",", 5000), "true", false)
	f.Fuzz(func(t *testing.T, which uint8, method, path, origin, acrm, acrh, pna string, creds bool) {
		tab := tables[int(which)%len(tables)]
		r := Request{Method: method, Path: path, PrivateNetwork: pna, Credentials: creds}
		if origin != "" {
			r.Origin = strings.Split(origin, "\n")
		}
		if acrm != "" {
			r.RequestMethod = []string{acrm}
		}
		if acrh != "" {
			r.RequestHeaders = strings.Split(acrh, "\n")
		}
		d := Evaluate(tab, &r)
		if d.AllowOrigin != "" && d.AllowOrigin != "*" {
			if len(r.Origin) != 1 || d.AllowOrigin != r.Origin[0] {
				t.Fatalf("reflects %q for Origin lines %q", d.AllowOrigin, r.Origin)
			}
			if _, ok := tab.Lookup(d.AllowOrigin); !ok {
				t.Fatalf("reflects %q, which is not a serialised origin", d.AllowOrigin)
			}
		}
		if d.Kind != NotCORS && !d.Allowed && (d.AllowOrigin != "" && d.AllowOrigin != "*" || d.AllowCredentials != "" || d.AllowMethods != "" || d.AllowHeaders != "") {
			t.Fatalf("a denial grants: %+v", d)
		}
		if d.AllowCredentials != "" && d.AllowOrigin == "*" {
			t.Fatal("credentials beside *")
		}
		if d.Kind != Preflight && tab.OriginDependent(r.Path) && d.Vary != "Origin" {
			t.Fatalf("the answer depends on the origin but Vary is %q", d.Vary)
		}
	})
}

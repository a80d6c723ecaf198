package nginx_test

import (
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/corspolicy/cors/corstest"
	nginxexport "github.com/corspolicy/cors/export/nginx"
)

// TestDefaultMapHashSizes loads, with nginx's default map_hash_bucket_size
// (64) and map_hash_max_size, exports whose exact map keys once outgrew a
// bucket: nginx -t refused "could not build map_hash" for an exact origin
// of 46 bytes or more, and for 43 allow rules, as the grant map's keys grew
// a bit per rule. Each must load and answer as the middleware does.
func TestDefaultMapHashSizes(t *testing.T) {
	var long, many, origins strings.Builder
	long.WriteString("cors 1\npolicy p {\n")
	for _, o := range []string{
		"https://customer-dashboard.eu-west-1.example.com",
		"https://" + strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 57) + ":65535",
	} {
		fmt.Fprintf(&long, "    allow %q { methods \"GET\", \"PUT\" credentials }\n", o)
	}
	long.WriteString("    allow \"https://*.example.com\" { methods \"GET\" }\n}\n")
	many.WriteString("cors 1\npolicy p {\n")
	for i := range 60 {
		fmt.Fprintf(&many, "    allow \"https://s%d.example.com\", \"https://*.s%d.example.org\" { methods \"GET\", \"PUT\" max-age %ds }\n", i, i, 60+i)
	}
	many.WriteString("    deny \"https://s7.example.com\" { methods \"PUT\" paths \"/ro/**\" }\n}\n")
	origins.WriteString("cors 1\npolicy p {\n    allow ")
	for i := range 120 {
		if i > 0 {
			origins.WriteString(", ")
		}
		// Names that do not hash in step, as real tenants' do not.
		fmt.Fprintf(&origins, "\"https://%.6x.customers.example.com\"", sha256.Sum256([]byte{byte(i), byte(i >> 8)}))
	}
	origins.WriteString(" { credentials }\n}\n")
	policies := []struct{ name, policy string }{
		{"long exact origins", long.String()},
		{"60 allow rules", many.String()},
		{"120 exact origins", origins.String()},
	}
	// Every exact key fits a bucket, which nginx -t alone would not show
	// where the bucket is larger than the default.
	for _, tc := range policies {
		conf, err := nginxexport.Config(compileOne(t, tc.policy), goldenOptions)
		if err != nil {
			t.Fatal(err)
		}
		inMap := false
		for _, line := range strings.Split(string(conf), "\n") {
			line = strings.TrimSpace(line)
			switch {
			case strings.HasPrefix(line, "map "):
				inMap = true
			case line == "}":
				inMap = false
			case inMap && !strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "default ") && !strings.HasPrefix(line, `"~`):
				key, _, _ := strings.Cut(line, " ")
				if k, err := strconv.Unquote(key); err == nil {
					key = k
				}
				if len(key) > nginxexport.MaxExactKey {
					t.Errorf("%s: the key %s is longer than %d bytes", tc.name, key, nginxexport.MaxExactKey)
				}
			}
		}
	}
	for _, tc := range policies {
		t.Run(tc.name, func(t *testing.T) {
			table := compileOne(t, tc.policy)
			p := startPair(t, table)
			c := p.compare(t, corstest.RegionProbes(table))
			t.Logf("%d requests compared, %d differ", c.compared, c.differed)
		})
	}
}

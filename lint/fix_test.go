package lint

import (
	"testing"

	"github.com/corspolicy/cors/lang"
)

// TestFixes holds every code's fix line to the case it is printed for: for
// each, a policy where the finding fires and the one thing the reader must
// do there, word for word (the empty string when there is no single thing).
func TestFixes(t *testing.T) {
	const head = "cors 1\n\npolicy p {\n"
	tests := []struct {
		name, code, body, fix string
	}{
		{"S101", "S101", `allow "https://*.github.io" { credentials }`, "list the exact origins"},
		{"S102", "S102", `allow "https://*.github.io"`, "list the exact origins"},
		{"S103 without credentials", "S103", `allow null`, "name the origins that need access"},
		{"S103 with credentials", "S103", `allow null { credentials }`, "name the origins that need access"},
		{"S104 outside a development build", "S104", `allow "http://app.example.com" { credentials }`, "use https"},
		{"S104 in a development build", "S104", "dev-profiles dev\nprofile dev { allow \"http://app.example.com\" { credentials } }", "use https"},
		{"S105 with credentials, outside profile blocks", "S105", `allow "http://localhost:3000" { credentials }`,
			"move the rule into a profile block, and name that profile in the policy's dev-profiles if it is a development build"},
		{"S105 with credentials, in a profile not declared a development build", "S105", "profile local-dev { allow \"http://localhost:3000\" { credentials } }",
			"if local-dev is a development build, say so: dev-profiles local-dev; otherwise remove the credentials"},
		{"S105 with credentials, one of two profiles declared", "S105", "dev-profiles dev\nprofile dev, staging { allow \"http://localhost:3000\" { credentials } }",
			"if staging is a development build, say so: dev-profiles staging; otherwise remove the credentials"},
		{"S105 without credentials, outside profile blocks", "S105", `allow "http://localhost:3000"`,
			"move the rule into a profile block, and name that profile in the policy's dev-profiles"},
		{"S105 without credentials, in a profile block", "S105", "profile development { allow \"http://localhost:3000\" }",
			"name development in the policy's dev-profiles if that is a development build"},
		{"S106", "S106", `allow "https://a.example.com" { headers "Cookie" }`, "remove it"},
		{"S107", "S107", `allow "https://a.example.com" { methods "GET", "TRACE" }`, "remove it"},
		{"U201", "U201", `allow "https://a.example.com" { headers any }`, `write headers any, "Authorization" if clients send it`},
		{"U202", "U202", `allow "https://a.example.com" { headers "Accept" }`, ""},
		{"U204 upper-cased method", "U204", `allow "https://a.example.com" { methods "GET", "put" }`, `write "PUT"`},
		{"U204 patch", "U204", `allow "https://a.example.com" { methods "GET", "patch" }`, `write "PATCH"`},
		{"U205", "U205", `allow "https://a.example.com" { max-age 3h }`, "use 2h at most"},
		{"U206", "U206", `allow "https://a.example.com" { expose "Set-Cookie" }`, "remove it"},
		{"U207", "U207", `allow "https://a.example.com" { paths "/a/../b" }`, "write the path as browsers send it, without dot segments or escaped slashes"},
		{"U208", "U208", `allow "https://a.example.com" { methods "PUT" }`, `add "GET" if scripts read these paths`},
		{"R301", "R301", `allow "https://a.example.com", "https://a.example.com"`, "remove it"},
		{"R302", "R302", "allow \"https://a.example.com\"\ndeny \"https://a.example.com\"", "remove the allow rule or narrow the deny rule"},
		{"R303", "R303", "allow \"https://a.example.com\"\nallow \"https://a.example.com\" { max-age 10m }", "remove it, or merge what differs into the other rule"},
		{"R304", "R304", "allow \"https://a.example.com\"\ndeny \"https://b.example.com\"", "remove it"},
		{"X001", "X001", "# corsfmt:ignore S103\nallow null", "say why the finding does not apply"},
		{"X002", "X002", "# corsfmt:ignore S103 the frame is ours\nallow \"https://a.example.com\"", "remove it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := head + tt.body + "\n}\n"
			f, err := lang.Parse("p.cors", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, fd := range Check(f, nil, "") {
				if fd.Code != tt.code {
					continue
				}
				found = true
				if fd.Fix != tt.fix {
					t.Errorf("%s: fix %q, want %q", fd, fd.Fix, tt.fix)
				}
			}
			if !found {
				t.Errorf("no %s finding for:\n%s\ngot %v", tt.code, src, Check(f, nil, ""))
			}
		})
	}
}

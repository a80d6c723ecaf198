package lang_test

import (
	"fmt"
	"os"

	"github.com/corspolicy/cors/lang"
)

func ExampleFormat() {
	src := []byte(`cors 1
# The API.
policy api { allow "https://app.example.com" { methods "GET","PUT" credentials max-age 10m } }
`)
	out, err := lang.Format("api.cors", src)
	if err != nil {
		fmt.Println(err)
		return
	}
	os.Stdout.Write(out)
	// Output:
	// cors 1
	//
	// # The API.
	// policy api {
	//     allow "https://app.example.com" {
	//         methods "GET", "PUT"
	//         credentials
	//         max-age 10m
	//     }
	// }
}

func ExampleParse() {
	src := []byte("cors 1\n\npolicy api {\n    allow \"https://app.example.com\" {\n        method \"GET\"\n    }\n}\n")
	_, err := lang.Parse("api.cors", src)
	lang.PrintErrors(os.Stdout, err)
	// Output:
	// api.cors:5:9: expected clause or "}", found "method"; did you mean "methods"? (L001)
}

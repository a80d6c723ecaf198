package diff

import "github.com/corspolicy/cors/eval"

// ChangesOf returns what the two policies of a result answer differently
// to a request, as an entry writes it, for the tests to compare with the
// entry that holds the request.
func ChangesOf(res *Result, req *eval.Request) []Change {
	old, new := eval.Evaluate(res.Old, req), eval.Evaluate(res.New, req)
	a, b := res.answer(&old), res.answer(&new)
	if a.Equal(b) {
		return nil
	}
	return changes(a, b, echoes{
		oldMethod: echoesMethod(&old), newMethod: echoesMethod(&new),
		oldHeaders: echoesHeaders(&old, req), newHeaders: echoesHeaders(&new, req),
	})
}

module github.com/corspolicy/cors/peerprobe

go 1.26.0

replace github.com/corspolicy/cors => ../

require (
	github.com/corspolicy/cors v0.0.0-00010101000000-000000000000
	github.com/gorilla/handlers v1.5.2
	github.com/jub0bs/cors v1.0.1
	github.com/rs/cors v1.11.1
)

require (
	github.com/alecthomas/participle/v2 v2.1.4 // indirect
	github.com/felixge/httpsnoop v1.0.3 // indirect
	github.com/google/go-cmp v0.7.0 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/text v0.43.0 // indirect
)

module github.com/corspolicy/cors/bench

go 1.26.0

replace github.com/corspolicy/cors => ../

require (
	github.com/jub0bs/cors v1.0.1 // indirect
	github.com/rs/cors v1.11.1 // indirect
	golang.org/x/net v0.53.0 // indirect
	golang.org/x/text v0.36.0 // indirect
)

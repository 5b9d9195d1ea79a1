// Its go.mod asks for a Go that does not exist yet: build-error.
package main

func main() {}

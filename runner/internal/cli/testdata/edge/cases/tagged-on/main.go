//go:build special

// Built only with the "special" tag: without it, build-error.
package main

func main() {}

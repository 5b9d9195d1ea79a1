// Does not compile: build-error.
package main

func main() { undefinedFunction() }

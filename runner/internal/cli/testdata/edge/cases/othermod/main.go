// Its go.mod names another module path: built as it is, complete.
package main

func main() {}

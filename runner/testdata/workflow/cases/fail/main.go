// Panics: fail.
package main

func main() { panic("boom") }

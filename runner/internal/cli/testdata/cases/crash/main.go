// Panics: fail, with the panic as the fatal line.
package main

func main() { panic("boom") }

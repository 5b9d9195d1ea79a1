// A case whose directory name holds a space, a semicolon and $(x): it
// reaches processes as a literal path, never through a shell.
package main

import "fmt"

func main() { fmt.Println("odd") }

// Exits 0 at once: complete. (No imports: the cases build with the
// runtime alone, so a cold build cache compiles little.)
package main

func main() { println("ok") }

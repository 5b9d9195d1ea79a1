// Spins forever: hang, once the matrix's timeout is up.
package main

func main() {
	for {
	}
}

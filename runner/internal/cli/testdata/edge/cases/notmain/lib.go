// Not a main package: build-error.
package lib

func F() int { return 1 }

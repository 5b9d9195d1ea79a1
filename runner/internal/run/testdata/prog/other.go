//go:build !unix

package main

import (
	"fmt"
	"os"
	"os/exec"
)

func setSid(*exec.Cmd, bool) {}

func pgidMain() {
	fmt.Println(os.Getpid(), os.Getpid())
}

// Starts a grandchild that would outlive it, then exits 0: complete, and
// the runner must kill the grandchild (the test looks for "sleep 97531").
package main

import (
	"fmt"
	"os/exec"
)

func main() {
	cmd := exec.Command("sleep", "97531")
	if err := cmd.Start(); err != nil {
		panic(err)
	}
	fmt.Println("child", cmd.Process.Pid)
}

//go:build unix

// Starts a child that stays in the cell's process group, one in a session
// of its own (setsid: out of the group), and a daemon (setsid, its parent
// gone at once), then spins until the runner is killed. Every process
// inherits the environment, and with it the test's marker.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "sleep":
			for {
				time.Sleep(time.Hour)
			}
		case "spawn":
			start("sleep", false)
			return // orphans the sleeper
		}
	}
	start("sleep", false)
	start("sleep", true)
	c := start("spawn", true)
	c.Wait()
	fmt.Println("started")
	for {
	}
}

func start(mode string, setsid bool) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		panic(err)
	}
	c := exec.Command(exe, mode)
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: setsid}
	if err := c.Start(); err != nil {
		panic(err)
	}
	return c
}

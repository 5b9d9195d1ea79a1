//go:build unix

package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

func setSid(c *exec.Cmd, setsid bool) {
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: setsid}
}

func pgidMain() {
	fmt.Println(os.Getpid(), syscall.Getpgrp())
}

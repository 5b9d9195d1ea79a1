//go:build !unix

package build

import "os/exec"

func setProcessGroup(cmd *exec.Cmd) {}

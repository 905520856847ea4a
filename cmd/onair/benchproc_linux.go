package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel stop the child with SIGTERM if the
// benchmark dies without stopping it (SIGKILL, a crash): no onair is left
// running against a database that is about to be removed.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}

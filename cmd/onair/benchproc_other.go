//go:build !linux

package main

import "os/exec"

// dieWithParent does nothing where the kernel offers no parent-death
// signal: the benchmark stops its children itself, Ctrl-C included.
func dieWithParent(*exec.Cmd) {}

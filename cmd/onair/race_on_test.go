//go:build race

package main

// raceDetector tells whether the tests run under the race detector, which
// makes onair about ten times slower (SQLite and the templates above all):
// the fault tests of large sends send fewer messages under it.
const raceDetector = true

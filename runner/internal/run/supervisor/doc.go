// Package supervisor is the process that starts a cell's binary for the
// runner, on unix, and what the runner needs to talk to it.
//
// A supervisor is the program that links this package (the runner, a test
// binary), executed again with Env set to Proto: the package's init
// function then runs Main and exits, before the rest of the program is
// initialised. So every program that can run a cell can supervise one,
// with no hook in its main or TestMain, and `go run ./runner` works too.
//
// # Protocol
//
// The runner and a supervisor talk over a unix stream socket, the
// supervisor's descriptor 3, in lines. The runner sends
//
//	run SPEC               SPEC a Spec in JSON, with two descriptors attached
//	                       (SCM_RIGHTS): the cell's stdout and stderr
//	end                    the runner is done with the cell
//
// and the supervisor answers (times are Now readings)
//
//	start PID T0 T1        to run: the binary started; T0 just before the
//	                       fork, T1 once exec had succeeded
//	error MESSAGE          to run: the binary could not be started
//	exit STATUS MAXRSS T   the main process ended and was reaped at T: its
//	                       wait status and ru_maxrss
//	ready                  to end: nothing of the cell is left; send the next run
//
// One supervisor runs one cell at a time and can run any number, one after
// another: the runner keeps the idle ones, so a run does not pay for a
// supervisor's start (a few milliseconds of a Go runtime starting).
//
// # Nothing outlives a cell
//
// The binary is started with stdin the null device, in a process group of
// its own and, on Linux, with SIGKILL as its parent-death signal. On Linux
// the supervisor is a child subreaper: a process of the cell whose parent
// dies is reparented to it, not to init, so that every process the cell
// ever started stays among its descendants; it reaps them as they die. On
// end — and when the socket reaches EOF, the runner being dead, even by
// SIGKILL, or on SIGINT, SIGTERM or SIGHUP — it kills every process of the
// cell that is left (elsewhere than Linux: the cell's process group) and
// reaps them all; at EOF or on a signal it then exits.
package supervisor

// Package run runs one cell's built binary and classifies the run as
// complete, hang or fail.
//
// # Running
//
// The binary is executed directly, never through `go run` or a shell, with
// the environment the caller built and nothing else, an empty standard
// input (the null device), and its standard output and standard error each
// on a pipe of its own. On unix it leads a new process group; on Linux it
// also gets SIGKILL as its parent-death signal, so it dies with the runner
// even when the runner is killed by SIGKILL. On Windows it is put in a job
// object, which is killed when the runner's handle to it closes.
//
// The timeout clock starts when the process has started: building is never
// part of it. Both pipes are read continuously as output arrives; complete
// lines are matched one by one as soon as they are read.
//
// # Outcomes
//
// A run ends in one of three outcomes, decided by whichever of these comes
// first:
//
//   - complete: if Spec.CompleteOn is set, a line of output (stdout, stderr
//     or either, per Spec.CompleteStream) matched it before the timeout. The
//     whole process group is then killed at once, and the exit status that
//     kill causes does not matter. Reason: `output matched "<regexp>"`.
//     A line is the bytes before a newline (a trailing "\r" is dropped), or
//     the bytes left when the stream ends without one; only the first 64 KiB
//     of a longer line are matched. A line still in the pipe when the
//     process exits counts too: what the program printed before it died
//     completes the cell whatever its exit status.
//   - complete: if Spec.CompleteOn is nil, the process exited with status 0.
//     Reason: "exit status 0".
//   - hang: the timeout passed first. The runner sends SIGQUIT to the main
//     process, to which the Go runtime answers with a dump of every
//     goroutine on stderr and exit status 2 (a program that catches or
//     ignores SIGQUIT prints nothing). After Spec.Grace, if the process has
//     not exited, the whole process group is killed with SIGKILL. Reason:
//     "timeout after <Timeout>"; Signal is the last signal sent, SIGQUIT or
//     SIGKILL; GoroutineDump holds what stderr carried after the SIGQUIT,
//     from its first "goroutine N" line on. On Windows there is no SIGQUIT:
//     the job is killed at once and there is no dump.
//   - fail: the process exited with a non-zero status (reason "exit status
//     N"), was killed by a signal it did not catch (reason "killed by
//     SIGABRT"; note that the Go runtime turns most crashes, SIGSEGV among
//     them, into a panic and exit status 2), exited 0 while CompleteOn is
//     set and no line matched (reason `exited 0 without output matching
//     "<regexp>"`), or used more resident memory than Spec.MemoryLimit
//     (reason "memory limit exceeded (N MiB)"; the group is killed at once).
//     The memory of the main process and of the other members of its group
//     is read from /proc every 25 ms: the limit is enforced on Linux only.
//
// A marker line read after the timeout has passed does not complete the
// cell. For every outcome the result keeps the exit code (nil when a signal
// ended the process), the signal, and FatalLine: the first line of stderr,
// written before any SIGQUIT of ours, that starts as the Go runtime's
// reports of a fatal error do ("panic: ", "fatal error: ", "runtime: ",
// "fatal: ", "unexpected signal ", "unexpected fault address ", or a signal
// name and colon such as "SIGSEGV: ").
//
// # Nothing outlives a cell
//
// On unix, once the main process has exited, or as it is killed, the runner
// stops its process group (SIGSTOP), so that nothing in it can fork or exit
// while it is counted, kills every process in it with SIGKILL and counts
// those other than the main process in Leftovers. On Linux it also finds,
// through the parent links in /proc, the descendants of the main process and
// of the group's members that left the group (setsid), and kills them too;
// at a timeout it notes them before the SIGQUIT, since the main process,
// exiting after its dump, orphans them. If a pipe is still open 10 ms after
// all that, every process that holds its write end is killed, wherever it is
// (Linux). The pipes are then read for at most 150 ms more and closed, so
// that whatever escaped cannot stall the runner. On Windows, the job object
// is terminated and Leftovers counts the other processes it held.
//
// What can still escape: on Linux, a descendant that left the group, was
// orphaned before the runner looked (for a cell that ends by its own exit,
// any such descendant of the main process is) and closed both pipes — a
// daemon; on macOS and the BSDs, any descendant that left the group; on
// Windows, a process that broke away from the job. Only the main process
// gets the parent-death signal: if the runner is killed by SIGKILL, the
// other members of its group live on.
//
// # Output
//
// Of each stream the first and the last Spec.OutputLimit bytes are kept
// and every byte is counted (Head, Tail and Bytes of a results.Output, the
// type results.json stores them in), so memory stays bounded whatever a
// program prints.
//
// # Cancellation
//
// If the context is cancelled, every process of the cell is killed and
// reaped, and Cell returns ctx.Err() with no result.
package run

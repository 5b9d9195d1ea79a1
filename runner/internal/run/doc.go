// Package run runs one cell's built binary and classifies the run as
// complete, hang or fail.
//
// # Running
//
// The binary is executed directly, never through `go run` or a shell, with
// the environment the caller built and nothing else, an empty standard
// input (the null device), and its standard output and standard error each
// on a pipe of its own, in a process group of its own. On unix it is
// started by a supervisor (see "Nothing outlives a cell"), on Linux with
// SIGKILL as its parent-death signal. On Windows it is put in a job
// object, which is killed when the runner's handle to it closes.
//
// The timeout clock starts when the process is started: building is never
// part of it. Both pipes are read continuously as output arrives; complete
// lines are matched one by one as soon as they are read.
//
// # Timing
//
// Result.CompletedAfter (complete_ms in results.json) and Result.Duration
// (duration_ms) are measured so that their error has a known sign: each is
// the runner's interval, which contains the interval the program could
// measure itself, from its first instruction to its write of the marker
// line, or to its exit.
//
//   - The start is read just before the fork that starts the binary: on
//     unix by the supervisor, on CLOCK_MONOTONIC, a clock the runner shares,
//     so that neither the supervisor's own start nor a runner slowed down by
//     load shortens the interval; without a supervisor, by the runner just
//     before it starts the process. Result.Spawn is the time from the start
//     until exec had succeeded: at most that much of the interval passed
//     before the program's first instruction.
//   - The end of CompletedAfter is read by the goroutine that reads the
//     pipe, as the read that brought the marker line's newline (or EOF)
//     returns: after the program's write, by the time the runner took to
//     be scheduled.
//   - The end of Duration, and of CompletedAfter for a cell that completes
//     by exiting 0, is when the supervisor (else the runner) had reaped the
//     process.
//
// So both are never shorter than the program's own interval, and longer by
// the fork and exec (Spawn), the Go runtime's start before main, and the
// delay before the runner reads the line or the supervisor reaps the
// process. For the sysmon case on the 2-core machine of TestCompleteMsSign
// that was, in all, 2 ms (median; 1.2–6 ms) idle, and 7–9 ms (median;
// 1.6–20 ms) with both cores kept busy by other processes; before the
// start was read before the fork, 3 runs of 60 under that load came out
// shorter than the program's own figure, by up to 3 ms. The clock reads
// nanoseconds; results.json keeps microseconds.
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
// through the parent links in /proc, the descendants of the main process, of
// the group's members and of the supervisor that left the group (setsid),
// and kills them too (started without a supervisor, it notes them at a
// timeout before the SIGQUIT, since the main process, exiting after its
// dump, orphans them). If a pipe is still open 10 ms after all that, every
// process that holds its write end is killed, wherever it is (Linux). The
// pipes are then read for at most 150 ms more and closed, so that whatever
// escaped cannot stall the runner. On Windows, the job object is terminated
// and Leftovers counts the other processes it held.
//
// That needs a runner alive to do it. A runner killed by SIGKILL (as CI
// systems do on cancel and timeout) can do nothing, and the parent-death
// signal reaches only its own children: a cell's main process died with it,
// but the processes that process started were reparented to init and lived
// on (measured: 3 of 4 survived; TestKilledRunnerDirect). So on unix a
// cell's binary is started by a supervisor (package supervisor): the
// runner's own executable, started again. The supervisor is a child
// subreaper (Linux, PR_SET_CHILD_SUBREAPER): a process of the cell whose
// parent dies comes back to it, not to init, so every process the cell ever
// started stays among its descendants, in the group or not. It watches a
// socket to the runner; when the runner dies the socket reaches EOF, and
// the supervisor kills every descendant it has and reaps them before it
// exits: measured, none of the 8 processes of two cells was left a
// millisecond after the runner's death, where 6 survived before
// (cli.TestKill9; TestKilledRunnerLeavesNothing). The runner, while alive, also looks for the cell's
// processes among the supervisor's descendants, so a daemon the cell left
// behind (setsid, parent gone) is found, killed and counted too.
//
// Why a supervisor: cgroup v2's cgroup.kill would take a delegated cgroup,
// which CI runners seldom grant; process groups recorded and reaped at the
// next start would leave the cell running until then, and miss whatever
// left the group. A supervisor needs nothing of the system, works on every
// unix for the process group, and on Linux for all descendants. It is kept
// cheap: a supervisor runs one cell after another and the idle ones are
// kept, so a run pays a few messages on a socket, not a process start
// (supervisor-ms of BenchmarkCompleteOverhead: 0.4 ms a run on a 2-core
// VM); its start-up is never part of the timings (see "Timing"). If the
// supervisor cannot be started, the runner starts the binary itself, as it
// does for every cell on Windows.
//
// What can still escape: a process that left the group, on macOS and the
// BSDs (no subreaper: the supervisor kills the group only, at once rather
// than at the next start); on Linux, a process of a cell whose supervisor
// was itself killed by SIGKILL (the main process dies then, by its
// parent-death signal; the others are reparented to init); on Windows, a
// process that broke away from the job.
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

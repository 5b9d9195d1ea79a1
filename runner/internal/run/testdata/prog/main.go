// Command prog is the program the tests of package run start: its first
// argument says how to misbehave.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"time"
)

func main() {
	if f := os.Getenv("PIDFILE"); f != "" {
		// Written then renamed, so a reader never sees half a pid.
		os.WriteFile(f+".tmp", []byte(strconv.Itoa(os.Getpid())), 0o666)
		os.Rename(f+".tmp", f)
	}
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: prog mode [args]")
		os.Exit(2)
	}
	arg := func(i int) int {
		n, err := strconv.Atoi(os.Args[i])
		if err != nil {
			panic(err)
		}
		return n
	}
	switch os.Args[1] {
	case "exit":
		fmt.Println("bye")
		os.Exit(arg(2))
	case "print":
		// print stream text: print a line without a newline at the end.
		w := os.Stdout
		if os.Args[2] == "stderr" {
			w = os.Stderr
		}
		io.WriteString(w, strings.ReplaceAll(os.Args[3], `\n`, "\n"))
	case "marker":
		// marker stream: print "hi" then sleep for ever.
		w := os.Stdout
		if os.Args[2] == "stderr" {
			w = os.Stderr
		}
		fmt.Fprintln(w, "hello")
		fmt.Fprintln(w, "hi")
		sleepForever()
	case "spin":
		// With GOMAXPROCS=1 and GODEBUG=asyncpreemptoff=1 the goroutine
		// that prints never runs.
		go fmt.Println("hi")
		for {
		}
	case "sleep":
		time.Sleep(time.Duration(arg(2)) * time.Second)
	case "panic":
		panic("boom")
	case "deadlock":
		var c chan int
		<-c
	case "nilderef":
		var p *int
		*p = 1
	case "fork":
		// fork setsid: start "prog sleep 1000" with no output, print its
		// pid, exit 0.
		c := child(os.Args[2] == "setsid", false)
		fmt.Println(c.Process.Pid)
	case "hold":
		// hold setsid: as fork, but the child keeps our stdout and stderr.
		c := child(os.Args[2] == "setsid", true)
		fmt.Println(c.Process.Pid)
	case "forkwait":
		// forkwait setsid: start a child and wait for it, printing its pid.
		c := child(os.Args[2] == "setsid", false)
		fmt.Println(c.Process.Pid)
		c.Wait()
	case "family":
		// family: start a child in our group, one in a session of its own,
		// and a daemon (in a session of its own, its parent gone at once);
		// write their pids to FAMILYFILE, one a line; sleep.
		a := child(false, false)
		b := child(true, false)
		d := daemon()
		writeFile(os.Getenv("FAMILYFILE"), fmt.Sprintf("%d\n%d\n%d\n", a.Process.Pid, b.Process.Pid, d))
		sleepForever()
	case "ignore":
		// Catch every signal: SIGTERM, SIGINT and SIGQUIT do nothing.
		c := make(chan os.Signal, 100)
		signal.Notify(c)
		go func() {
			for range c {
			}
		}()
		fmt.Println("ready")
		sleepForever()
	case "spew":
		// spew bytes linelen: print bytes bytes in lines of linelen
		// (0: no newline at all), then "\nend\n".
		total, linelen := arg(2), arg(3)
		w := bufio.NewWriterSize(os.Stdout, 1<<20)
		line := []byte(strings.Repeat("x", max(linelen, 1<<16)))
		if linelen > 0 {
			line = line[:linelen]
			line[linelen-1] = '\n'
		}
		for n := 0; n < total; {
			k := min(len(line), total-n)
			w.Write(line[:k])
			n += k
		}
		w.WriteString("\nend\n")
		w.Flush()
	case "alloc":
		// Allocate and touch 16 MiB at a time, up to 4 GiB, then sleep.
		var keep [][]byte
		for range 256 {
			b := make([]byte, 16<<20)
			for i := 0; i < len(b); i += 4096 {
				b[i] = 1
			}
			keep = append(keep, b)
			time.Sleep(time.Millisecond)
		}
		fmt.Println(len(keep))
		sleepForever()
	case "stdin":
		b, err := io.ReadAll(os.Stdin)
		fmt.Println(len(b), err)
	case "env":
		for _, kv := range os.Environ() {
			fmt.Println(kv)
		}
	case "pgid":
		pgidMain()
	case "pwd":
		wd, err := os.Getwd()
		fmt.Println(wd, err)
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", os.Args[1])
		os.Exit(2)
	}
}

func sleepForever() {
	for {
		time.Sleep(time.Hour)
	}
}

// daemon starts "prog fork nosetsid" in a session of its own, which starts
// "prog sleep 1000" and exits, and returns the pid of that grandchild.
func daemon() int {
	exe, err := os.Executable()
	if err != nil {
		panic(err)
	}
	c := exec.Command(exe, "fork", "nosetsid")
	c.Env = []string{}
	setSid(c, true)
	out, err := c.Output()
	if err != nil {
		panic(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		panic(err)
	}
	return pid
}

// writeFile writes s to f through a rename, so a reader never sees half of it.
func writeFile(f, s string) {
	if f == "" {
		return
	}
	os.WriteFile(f+".tmp", []byte(s), 0o666)
	os.Rename(f+".tmp", f)
}

// child starts "prog sleep 1000", in a new session if setsid, with our
// stdout and stderr if output.
func child(setsid, output bool) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		panic(err)
	}
	c := exec.Command(exe, "sleep", "1000")
	c.Env = []string{} // no PIDFILE
	if output {
		c.Stdout = os.Stdout
		c.Stderr = os.Stderr
	}
	setSid(c, setsid)
	if err := c.Start(); err != nil {
		panic(err)
	}
	if f := os.Getenv("CHILDPIDFILE"); f != "" {
		os.WriteFile(f+".tmp", []byte(strconv.Itoa(c.Process.Pid)), 0o666)
		os.Rename(f+".tmp", f)
	}
	return c
}

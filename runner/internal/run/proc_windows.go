package run

import (
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// canPollRSS is false: the MemoryLimit is not enforced on Windows.
const canPollRSS = false

// goneTimeout bounds the wait for the job's processes to be gone.
const goneTimeout = time.Second

// On Windows there is no SIGQUIT, hence no goroutine dump on timeout, and no
// process group to signal. The main process is started in a new console
// process group and put in a job object: terminating the job kills every
// process the cell started that did not break away from it, and closing the
// job's last handle does the same, so the cell dies with the runner.
type sysProc struct {
	job windows.Handle // 0 if no job could be made: then only the main process is killed
}

// jobAccounting is JOBOBJECT_BASIC_ACCOUNTING_INFORMATION.
type jobAccounting struct {
	TotalUserTime             int64
	TotalKernelTime           int64
	ThisPeriodTotalUserTime   int64
	ThisPeriodTotalKernelTime int64
	TotalPageFaultCount       uint32
	TotalProcesses            uint32
	ActiveProcesses           uint32
	TotalTerminatedProcesses  uint32
}

func (p *proc) configure() {
	p.cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: windows.CREATE_NEW_PROCESS_GROUP}
}

func (p *proc) startProcess() error {
	p.start = time.Now()
	if err := p.cmd.Start(); err != nil {
		return err
	}
	p.spawn = time.Since(p.start)
	p.pid = p.cmd.Process.Pid
	// The process runs before it is in the job: a child it started in that
	// instant would escape. A Go program forks nothing that early.
	p.job = newJob(p.pid)
	return nil
}

func newJob(pid int) windows.Handle {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return 0
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{
		BasicLimitInformation: windows.JOBOBJECT_BASIC_LIMIT_INFORMATION{
			LimitFlags: windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
		},
	}
	_, err = windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info)))
	if err != nil {
		windows.CloseHandle(job)
		return 0
	}
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(pid))
	if err != nil {
		windows.CloseHandle(job)
		return 0
	}
	defer windows.CloseHandle(h)
	if err := windows.AssignProcessToJobObject(job, h); err != nil {
		windows.CloseHandle(job)
		return 0
	}
	return job
}

// active counts the live processes of the job.
func (p *proc) active() (int, bool) {
	var info jobAccounting
	err := windows.QueryInformationJobObject(p.job, windows.JobObjectBasicAccountingInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info)), nil)
	return int(info.ActiveProcesses), err == nil
}

func (p *proc) quit() bool { return false }

func (p *proc) end() {
	if p.job != 0 {
		if n, ok := p.active(); ok {
			if !p.reaped {
				n-- // the main process
			}
			p.leftN = max(p.leftN, n)
		}
		windows.TerminateJobObject(p.job, 1)
	}
	if !p.reaped {
		p.cmd.Process.Kill()
	}
}

func (p *proc) finish() {
	p.end()
	if p.job == 0 {
		return
	}
	deadline := time.Now().Add(goneTimeout)
	for n, ok := p.active(); ok && n > 0 && time.Now().Before(deadline); n, ok = p.active() {
		time.Sleep(2 * time.Millisecond)
	}
	windows.CloseHandle(p.job)
	p.job = 0
}

// track does nothing: the job holds every process of the cell.
func (p *proc) track() {}

"""SIGKILL the target of `ariadne record` mid-run: `ariadne report` must
recover every call the program said had completed before it was killed.
  kill_test.py ARIADNE KILLED_TARGET WORKDIR MIN_STEPS"""
import os
import signal
import subprocess
import sys

from e2e_common import calls_of, fail, fresh_dir, report_calls

ariadne, target, work, min_steps = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
os.makedirs(work, exist_ok=True)
data = os.path.join(work, "killed.data")
fresh_dir(data)

rec = subprocess.Popen([ariadne, "record", "-o", data, "--", target],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
pid = None
completed = 0
for line in rec.stdout:
    if line.startswith("pid "):
        pid = int(line.split()[1])
    elif line.startswith("completed step="):
        completed = int(line.split("=")[1])
        if completed >= min_steps and pid is not None:
            os.kill(pid, signal.SIGKILL)
            break
if pid is None:
    fail(f"the target never printed its pid; record stderr: {rec.stderr.read()}")
# Lines already in the pipe were printed before the kill, too.
for line in rec.stdout:
    if line.startswith("completed step="):
        completed = max(completed, int(line.split("=")[1]))
err = rec.stderr.read()
status = rec.wait()
print(f"target {pid} killed after it reported {completed} completed calls of step(); "
      f"ariadne record exited {status}")
print(err.strip())
if status not in (128 + 9, -9):
    fail(f"expected ariadne record to end like its target (SIGKILL), got {status}")

calls, text = report_calls(ariadne, data)
print(text)
got = calls_of(calls, "step")
print(f"report: step() {got} calls, program reported {completed} before the kill")
if got < completed:
    fail(f"lost calls: the recording has {got} calls of step(), the program completed {completed}")
if got > completed + 500:
    fail(f"more calls than the program can have completed: {got} > {completed} + one round of 500")
print("kill_test: OK (every completed call recovered)")

# drive_prompts.py: run a command in a pseudo-terminal and answer its prompts, for testing the
# interactive paths of matrixctl (dialoguer only prompts on a real terminal).
# Usage: drive_prompts.py EXPECT1 ANSWER1 [EXPECT2 ANSWER2 ...] -- COMMAND [ARGS...]
# Waits (10 s each) for every EXPECT text in order, then types its ANSWER and Enter. Prints the
# whole transcript, and exits with the command's exit code (or 124 if a prompt never came).
import os
import pty
import select
import sys
import time

args = sys.argv[1:]
sep = args.index("--")
pairs = list(zip(args[:sep:2], args[1:sep:2]))
command = args[sep + 1:]

pid, fd = pty.fork()
if pid == 0:
    os.execvp(command[0], command)

transcript = b""


def read_some(timeout):
    global transcript
    r, _, _ = select.select([fd], [], [], timeout)
    if not r:
        return False
    try:
        data = os.read(fd, 4096)
    except OSError:
        return None
    if not data:
        return None
    transcript += data
    return True


seen = 0
for expect, answer in pairs:
    deadline = time.time() + 10
    while expect.encode() not in transcript[seen:]:
        if time.time() > deadline or read_some(0.2) is None:
            sys.stdout.write(transcript.decode(errors="replace"))
            print(f"\n[drive_prompts] never saw prompt {expect!r}")
            os.kill(pid, 9)
            sys.exit(124)
    seen = transcript.index(expect.encode(), seen) + len(expect)
    time.sleep(0.05)
    os.write(fd, answer.encode() + b"\r")

while read_some(10):
    pass
_, status = os.waitpid(pid, 0)
sys.stdout.write(transcript.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))

#!/usr/bin/env python3
"""Top frames of a dotnet-trace speedscope file, leaving out threads' waiting frames (sampled thread time counts
idle threads too). Usage: speedscope-top.py <file.speedscope.json> [N]"""
import json, re, sys
from collections import Counter

WAIT = re.compile(r"LowLevelLifoSemaphore|Monitor\.Wait|WaitHandle\.Wait|LowLevelSpinWaiter|SpinWait|Thread\.Sleep|"
                  r"PollGC|ReceiveMessage|epoll|WaitForSocketEvents|SemaphoreSlim\.Wait|ManualResetEventSlim\.Wait|"
                  r"Interop\+Sys\.(Poll|Read|WaitForSocketEvents)|Missing Symbol|Thread\.StartCore|UNMANAGED_CODE_TIME|CPU_TIME|"
                  # a thread's root frames as the leaf: time between samples of an idle thread
                  r"WorkerThreadStart|SocketAsyncEngine\.EventLoop|SingleThreadEventExecutor|^Thread \(|^\?!\?|"
                  r"ThreadPoolWorkQueue\.Dispatch|TimerQueue\.TimerThread|^Process\d+ ")

def main():
    path, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 15
    doc = json.load(open(path))
    frames = [f["name"] for f in doc["shared"]["frames"]]
    self_t, incl, busy = Counter(), Counter(), 0.0
    for p in doc["profiles"]:
        if p.get("type") == "sampled":
            items = zip(p["samples"], p["weights"])
        else:  # evented: rebuild stacks from open/close events
            items, stack, last = [], [], None
            for e in p["events"]:
                if last is not None and stack: items.append((list(stack), e["at"] - last))
                last = e["at"]
                if e["type"] == "O": stack.append(e["frame"])
                elif stack: stack.pop()
        for stack, w in items:
            if not stack or WAIT.search(frames[stack[-1]]): continue
            busy += w
            self_t[frames[stack[-1]]] += w
            for f in set(stack): incl[frames[f]] += w
    if busy == 0: print("no busy samples"); return
    print(f"Top {n} frames by self time, waiting frames excluded:")
    for name, w in self_t.most_common(n): print(f"  {100*w/busy:5.1f}%  {name[:150]}")
    print(f"Top {n} ActorCdc / Npgsql / Akka frames by inclusive busy time:")
    ours = [(k, v) for k, v in incl.items() if re.match(r"(ActorCdc|Npgsql|Akka|RocksDbSharp)", k)]
    for name, w in sorted(ours, key=lambda kv: -kv[1])[:n]: print(f"  {100*w/busy:5.1f}%  {name[:150]}")

main()

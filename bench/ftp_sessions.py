"""Sessions per second against an FTP server: CONCURRENCY clients, each in a loop of
connect, USER anonymous, PASS, PASV + LIST, PASV + RETR FILE, QUIT, for DURATION seconds.
Prints "sessions_per_s errors". Usage: ftp_sessions.py PORT FILE DURATION CONCURRENCY"""
import asyncio
import sys
import time


async def reply(r):
    line = await r.readline()
    if line[3:4] == b"-":
        code = line[:3]
        while True:
            l = await r.readline()
            if not l or (l[:3] == code and l[3:4] == b" "):
                break
    return line


async def cmd(r, w, text):
    w.write(text.encode() + b"\r\n")
    return await reply(r)


async def fetch(r, w, port, what):
    line = await cmd(r, w, "PASV")
    nums = line[line.index(b"(") + 1:line.index(b")")].split(b",")
    dr, dw = await asyncio.open_connection("127.0.0.1", int(nums[4]) * 256 + int(nums[5]))
    if not (await cmd(r, w, what)).startswith(b"150"):
        raise RuntimeError(what)
    while await dr.read(65536):
        pass
    dw.close()
    if not (await reply(r)).startswith(b"226"):
        raise RuntimeError(what)


async def session(port, name):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    await reply(r)
    await cmd(r, w, "USER anonymous")
    if not (await cmd(r, w, "PASS bench@")).startswith(b"230"):
        raise RuntimeError("login")
    await cmd(r, w, "TYPE I")
    await fetch(r, w, port, "LIST")
    await fetch(r, w, port, "RETR " + name)
    await cmd(r, w, "QUIT")
    w.close()


async def main(port, name, duration, concurrency):
    done = errors = 0
    end = time.monotonic() + duration

    async def worker():
        nonlocal done, errors
        while time.monotonic() < end:
            try:
                await asyncio.wait_for(session(port, name), 10)
                done += 1
            except Exception:
                errors += 1

    t0 = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    print(f"{done / (time.monotonic() - t0):.0f} {errors}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), int(sys.argv[4])))

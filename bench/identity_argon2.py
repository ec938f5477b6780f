"""argon2id cost on this machine: time per hash for a few (t, m, p) sets, to choose identity's parameters.

    .venv/bin/python bench/identity_argon2.py [--n 15]

Each set hashes N different passwords (after one warm-up) and prints the median, p90 and max time per hash, and how
many hashes per second one and two cores can do. OWASP's password-storage guidance asks for argon2id with at least
19 MiB of memory (t=2, p=1) and equivalents trading memory for passes; we aim at 50-100 ms per hash so that a sign-in
costs a guesser dearly but the two-core machine still serves ~20 sign-ins a second. Sign-in verification costs the
same as hashing, so this is also the CPU cost of one sign-in.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import time

from argon2 import PasswordHasher, Type

# (time_cost, memory_cost KiB, parallelism): OWASP's minimum and its equivalents, RFC 9106's second recommendation
# (argon2-cffi's default), and a few between.
CANDIDATES: list[tuple[int, int, int]] = [
    (2, 19 * 1024, 1),  # OWASP minimum
    (1, 46 * 1024, 1),  # OWASP equivalent
    (3, 19 * 1024, 1),
    (4, 19 * 1024, 1),
    (2, 24 * 1024, 1),
    (3, 24 * 1024, 1),
    (2, 32 * 1024, 1),
    (3, 32 * 1024, 1),
    (2, 46 * 1024, 1),
    (2, 64 * 1024, 2),
    (3, 64 * 1024, 4),  # RFC 9106 second recommendation, argon2-cffi default
]


def measure(t: int, m: int, p: int, n: int) -> list[float]:
    hasher = PasswordHasher(time_cost=t, memory_cost=m, parallelism=p, type=Type.ID)
    hasher.hash("warm-up passphrase")
    times = []
    for _ in range(n):
        password = secrets.token_urlsafe(16)
        started = time.perf_counter()
        hasher.hash(password)
        times.append(time.perf_counter() - started)
    return sorted(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=15, help="hashes per parameter set")
    args = parser.parse_args()
    print(f"cpus: {os.cpu_count()}  hashes per set: {args.n}")
    print(f"{'t':>2} {'m MiB':>6} {'p':>2} | {'median ms':>9} {'p90 ms':>7} {'max ms':>7} | {'/s 1 core':>9}")
    for t, m, p in CANDIDATES:
        times = measure(t, m, p, args.n)
        median = statistics.median(times)
        p90 = times[min(len(times) - 1, int(0.9 * len(times)))]
        print(
            f"{t:>2} {m // 1024:>6} {p:>2} | {median * 1000:>9.1f} {p90 * 1000:>7.1f} {times[-1] * 1000:>7.1f} | "
            f"{1 / median:>9.1f}"
        )


if __name__ == "__main__":
    main()

"""Benchmark: in-process policy decision latency (goal: p50 ≤ 30 µs), embedded regorus.

    python bench/policy.py [--decisions 20000] [--runs 5]

Inputs come from the generated corpus of the engine-agreement test (every action, role, purpose and
consent state), so the figure covers cheap denies and full allows alike. Prints per-run p50/p90/p99 and
the median of the runs' p50s. Not a test: figures depend on the machine.
"""

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gateway.policy.engine import EmbeddedRegoEngine, decide
from tests.policies.test_engines_agree import corpus


async def run(decisions: int, runs: int) -> None:
    engine = EmbeddedRegoEngine()
    await engine.start()
    inputs = corpus(2000, seed=7)
    for entrypoint, policy_input in inputs[:200]:  # warm up
        await decide(engine, entrypoint, policy_input)
    p50s = []
    print("| run | decisions | p50 µs | p90 µs | p99 µs |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for run_no in range(1, runs + 1):
        samples = []
        for i in range(decisions):
            entrypoint, policy_input = inputs[i % len(inputs)]
            started = time.perf_counter()
            await decide(engine, entrypoint, policy_input)
            samples.append((time.perf_counter() - started) * 1e6)
        samples.sort()
        p50, p90, p99 = (samples[int(len(samples) * q)] for q in (0.5, 0.9, 0.99))
        p50s.append(p50)
        print(f"| {run_no} | {decisions:,} | {p50:.1f} | {p90:.1f} | {p99:.1f} |")
    print(f"\nmedian p50 over {runs} runs: {statistics.median(p50s):.1f} µs (policy revision {engine.revision})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--decisions", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.decisions, args.runs))

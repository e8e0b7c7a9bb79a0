#!/usr/bin/env python3
"""Folded stacks, a flame graph SVG and the top methods of a service, from `perf script` output or folded stacks.

    python3 flamegraph.py fold    <perf-script.txt> <out.folded>            # perf script text -> folded stacks
    python3 flamegraph.py names   <in.folded> <out.folded>                  # .NET frames of folded stacks named as fold does
    python3 flamegraph.py svg     <in.folded> <out.svg> <title> [--icicle]  # folded stacks -> flame graph (or icicle) SVG
    python3 flamegraph.py top     <in.folded> <hz> [n]                      # top-n methods, inclusive and exclusive, ms of CPU
    python3 flamegraph.py top-md  <in.folded> <hz> <service> [n]            # the same as a markdown table

A folded line is `frame;frame;...;leaf count`, root first (Brendan Gregg's format). .NET frames come from the
perf-<pid>.map files the runtime writes with DOTNET_PerfMapEnabled=1; their signatures are cut to
`Namespace.Type::Method` so that one method is one frame whatever its tier (Tier0, Tier1, OSR).
A sample stands for 1/hz s of CPU on one thread: ms = samples * 1000 / hz.
"""
import html
import re
import sys
from collections import defaultdict

# "[OptimizedTier1]", "[Tier0]", "[PreJIT]" … after a .NET method's signature.
_TIER = re.compile(r"\[(?:Optimized|Tier|PreJIT|QuickJitted|OSR|Instrumented)[^\]]*\]$")
# "+0x305" after a native symbol: one function is one frame wherever in it the sample fell.
_OFFSET = re.compile(r"\+0x[0-9a-f]+$")
# Return type and assembly before the method: "instance void [HpcAspire.Processor] HpcAspire.Processor.X::Run(...)".
# A generic type's instantiation ("List`1[System.__Canon]") is cut too; generic methods' symbols may have no arguments.
_MANAGED = re.compile(r"(?:\[[^\]]+\] )?([\w.`<>+$|]+::[\w.`<>|$]+)(?:<[^(]*>)?(?:\(|$)")
# A generic type's instantiation ("List`1[System.__Canon]", not the assembly's "[System.Linq] "), innermost first: cut,
# so one type is one name.
_INSTANTIATION = re.compile(r"(?<=[\w>])\[[^\[\]]*\]")


def _without_instantiations(symbol: str) -> str:
    while True:
        cut = _INSTANTIATION.sub("", symbol)
        if cut == symbol:
            return symbol
        symbol = cut


def frame_name(symbol: str, dso: str) -> str:
    """A short, stable name for one frame: Type::Method for .NET code, symbol (library) for native code."""
    symbol = _without_instantiations(_OFFSET.sub("", _TIER.sub("", symbol.strip())))
    managed = _MANAGED.search(symbol)
    if managed:
        return managed.group(1)
    if symbol in ("", "[unknown]"):
        base = dso.rsplit("/", 1)[-1] if dso else "?"
        return f"[unknown] ({base})" if base not in ("", "unknown") else "[unknown]"
    symbol = symbol.split("(")[0] if "::" in symbol else symbol
    base = dso.rsplit("/", 1)[-1]
    return f"{symbol} ({base})" if base and not base.startswith("perf-") else symbol


def fold(perf_script: str) -> dict:
    """perf script's text (header line, then one frame a line, leaf first, blank line between samples) -> folded counts."""
    stacks = defaultdict(int)
    frames = []
    thread = None
    frame_line = re.compile(r"^\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$")

    def flush():
        if thread is not None and frames:
            stacks[";".join([thread] + frames[::-1])] += 1

    with open(perf_script, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if not line.strip():
                flush()
                frames, thread = [], None
            elif not line[0].isspace():
                flush()
                frames = []
                # "comm pid/tid time: period event:" — the thread's name (its comm, numbers cut) is the root frame.
                header = re.match(r"^(.*?)\s+\d+(?:/\d+)?\s+(?:\[\d+\]\s+)?\d+\.\d+:", line)
                comm = header.group(1) if header else line.split(None, 1)[0]
                name = re.sub(r"[-_ .#]?\d+$", "", comm.strip()) or "?"
                thread = f"[thread] {name}"
            else:
                match = frame_line.match(line)
                if match:
                    name = frame_name(match.group(1), match.group(2)).replace(";", ",")
                    # Runs of unnamed frames of one library (a stripped libcoreclr) are one frame: depth without names says nothing.
                    if not (name.startswith("[unknown]") and frames and frames[-1] == name):
                        frames.append(name)
    flush()
    return stacks


def read_folded(path: str) -> dict:
    stacks = defaultdict(int)
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if stack:
                stacks[stack] += int(count)
    return stacks


def write_folded(stacks: dict, path: str) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for stack, count in sorted(stacks.items()):
            out.write(f"{stack} {count}\n")


def top(stacks: dict, hz: float, n: int = 3, own_prefix: str = "HpcAspire."):
    """Exclusive (leaf) and inclusive (anywhere on the stack, once a sample) samples per frame, as ms of CPU."""
    exclusive = defaultdict(int)
    inclusive = defaultdict(int)
    total = 0
    for stack, count in stacks.items():
        frames = stack.split(";")[1:]  # the thread root is not a method
        total += count
        if frames:
            exclusive[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    ms = 1000.0 / hz

    def ranked(counts, keep=lambda f: True):
        # Ties by name, so that a ranking does not depend on the order of a set.
        return [(f, c * ms, 100.0 * c / total) for f, c in sorted(counts.items(), key=lambda x: (-x[1], x[0])) if keep(f)][:n]

    own = lambda f: f.startswith(own_prefix)
    return {
        "samples": total,
        "cpu_ms": total * ms,
        "exclusive": ranked(exclusive),
        "exclusive_own": ranked(exclusive, own),
        # A service's own methods: the loop's entry points hold everything under them, so the top few are its spine.
        "inclusive_own": ranked(inclusive, own),
        "inclusive": ranked(inclusive, lambda f: not f.startswith("[unknown]")),
    }


def _color(name: str) -> str:
    h = sum(ord(c) * (i + 1) for i, c in enumerate(name)) % 1000 / 1000.0
    if name.startswith("HpcAspire."):
        return f"rgb({int(60 + 60 * h)},{int(160 + 60 * h)},{int(70 + 40 * h)})"  # the product's own code: green
    if "::" in name:
        return f"rgb({int(200 + 50 * h)},{int(140 + 60 * h)},{int(40 + 40 * h)})"  # other .NET code: orange
    if name.startswith("[unknown]"):
        return "rgb(190,190,190)"
    if name.startswith("[thread]"):
        return "rgb(170,190,220)"
    return f"rgb({int(200 + 55 * h)},{int(70 + 60 * h)},{int(60 + 40 * h)})"  # native code: red


def svg(stacks: dict, path: str, title: str, icicle: bool = False, width: int = 1200, row: int = 16, min_px: float = 0.3) -> None:
    """A flame graph (root at the bottom) or an icicle graph (root at the top), one box per frame, width = samples."""
    root = {"n": 0, "c": {}}
    for stack, count in stacks.items():
        node = root
        node["n"] += count
        for frame in stack.split(";"):
            node = node["c"].setdefault(frame, {"n": 0, "c": {}})
            node["n"] += count
    total = max(1, root["n"])
    boxes = []
    depth_max = 0

    def walk(node, x, depth):
        nonlocal depth_max
        for name, child in sorted(node["c"].items()):
            w = child["n"] / total * (width - 20)
            if w >= min_px:
                boxes.append((name, x, depth, w, child["n"]))
                depth_max = max(depth_max, depth)
                walk(child, x, depth + 1)
            x += w

    walk(root, 10.0, 0)
    top_pad, bottom_pad = 40, 20
    height = top_pad + (depth_max + 1) * row + bottom_pad
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="Verdana, sans-serif" font-size="11">',
           f'<rect width="100%" height="100%" fill="#fdfdf5"/>',
           f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="15">{html.escape(title)}</text>',
           f'<text x="{width / 2}" y="33" text-anchor="middle" font-size="11" fill="#555">{total:,} samples; width = share of CPU samples; '
           f'green: HpcAspire code, orange: other .NET, red: native; hover for names</text>']
    for name, x, depth, w, n in boxes:
        y = top_pad + depth * row if icicle else height - bottom_pad - (depth + 1) * row
        label = html.escape(name)
        out.append(f'<g><title>{label} ({n:,} samples, {100.0 * n / total:.2f} %)</title>'
                   f'<rect x="{x:.1f}" y="{y}" width="{max(w - 0.5, 0.1):.1f}" height="{row - 1}" fill="{_color(name)}" rx="1"/>')
        chars = int(w / 7)
        if chars >= 4:
            text = name if len(name) <= chars else name[: chars - 2] + ".."
            out.append(f'<text x="{x + 3:.1f}" y="{y + row - 4}">{html.escape(text)}</text>')
        out.append("</g>")
    out.append("</svg>")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def _code(name: str) -> str:
    """A markdown code span, doubled when the name has a backtick (a generic type's arity)."""
    return f"`` {name} ``" if "`" in name else f"`{name}`"


def top_markdown(stacks: dict, hz: float, service: str, n: int = 3) -> str:
    t = top(stacks, hz, n)
    lines = [f"**{service}**: {t['samples']:,} samples = {t['cpu_ms']:,.0f} ms of CPU", "",
             "| rank | inclusive (HpcAspire methods) | ms | % | exclusive (any frame) | ms | % |", "|---|---|---|---|---|---|---|"]
    for i in range(n):
        inc = t["inclusive_own"][i] if i < len(t["inclusive_own"]) else ("", 0, 0)
        exc = t["exclusive"][i] if i < len(t["exclusive"]) else ("", 0, 0)
        lines.append(f"| {i + 1} | {_code(inc[0])} | {inc[1]:,.0f} | {inc[2]:.1f} | {_code(exc[0])} | {exc[1]:,.0f} | {exc[2]:.1f} |")
    return "\n".join(lines)


def main(argv):
    if len(argv) >= 3 and argv[0] == "fold":
        write_folded(fold(argv[1]), argv[2])
    elif len(argv) >= 3 and argv[0] == "names":
        # Folded stacks (from this script's older versions or other tools) with .NET frames named as `fold` names them.
        stacks = defaultdict(int)
        for stack, count in read_folded(argv[1]).items():
            frames = stack.split(";")
            named = frames[:1] + [f if f.endswith(")") and not _MANAGED.search(f) else frame_name(f, "") for f in frames[1:]]
            stacks[";".join(named)] += count
        write_folded(stacks, argv[2])
    elif len(argv) >= 4 and argv[0] == "svg":
        svg(read_folded(argv[1]), argv[2], argv[3], icicle="--icicle" in argv)
    elif len(argv) >= 3 and argv[0] == "top":
        t = top(read_folded(argv[1]), float(argv[2]), int(argv[3]) if len(argv) > 3 else 3)
        print(f"{t['samples']} samples, {t['cpu_ms']:.0f} ms of CPU")
        for key in ("inclusive_own", "exclusive", "exclusive_own", "inclusive"):
            print(key)
            for name, ms, share in t[key]:
                print(f"  {ms:10.0f} ms {share:5.1f} %  {name}")
    elif len(argv) >= 4 and argv[0] == "top-md":
        print(top_markdown(read_folded(argv[1]), float(argv[2]), argv[3], int(argv[4]) if len(argv) > 4 else 3))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

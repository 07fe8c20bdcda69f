# SPDX-License-Identifier: GPL-2.0
"""Parsing: the guests' console logs and the host's wall-clock files."""
import os
import re
import time
from typing import Any, Dict, Optional, Tuple

def watch(logf: str, wall: str) -> None:
    done = wall + ".done"
    while not os.path.exists(logf):
        if os.path.exists(done):
            return
        time.sleep(0.05)
    with open(logf, "rb") as f, open(wall, "w") as out:
        buf = b""
        while True:
            chunk = f.read(65536)
            if chunk:
                t = time.monotonic()
                buf += chunk
                *lines, buf = buf.split(b"\n")
                for raw in lines:
                    line = raw.decode("utf-8", "replace").rstrip("\r")
                    if line.startswith("BENCH:"):
                        out.write("%.6f %s\n" % (t, line))
                out.flush()
                continue
            if os.path.exists(done):
                chunk = f.read()
                if not chunk:
                    return
                continue
            time.sleep(0.01)


def markers() -> Dict[str, str]:
    """The console markers, from their one source (guest/markers.sh)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "guest",
                        "markers.sh")
    with open(path) as f:
        return dict(re.findall(r"^(MARK_\w+)='([^']*)'$", f.read(), re.M))


MARK = markers()


def kv(text: str) -> Dict[str, str]:
    return dict(re.findall(r"(\w+)=(\S+)", text))


# "BENCH: TAG k=v ..." lines kept as dicts: every one, or the last one
LISTS = {"LAT": "lat", "FILL": "fill", "DRV": "drv", "RECLAIM": "reclaim", "RUSE": "ruse",
         "ARRIVE": "arrive", "SWITCH": "switch", "SWITCHBACK": "switchback"}
LATEST = {"OCCUPY": "occupy", "ARM": "arm", "RARM": "rarm", "DONE": "done"}


def parse_log(path: str) -> Optional[Dict[str, Any]]:
    """The BENCH lines of one boot, as dicts."""
    res = {"lat": [], "fill": [], "vmstat": {}, "mem": {}, "na": [], "workload": None,
           "notes": [], "hot": {}, "arm": None, "occupy": None,
           "done": None, "end": False, "wall_s": None, "drv": [],
           "reclaim": [], "ruse": [], "rarm": None, "arrive": [],
           "switch": [], "switchback": []}
    if not os.path.exists(path):
        return None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            m = re.match(re.escape(MARK["MARK_HOST"]) + r"(\d+) wall=([\d.]+)s", line)
            if m:
                res["qemu_exit"] = int(m.group(1))
                res["wall_s"] = float(m.group(2))
            if line.startswith(MARK["MARK_END"] + "0"):
                res["end"] = True
            if not line.startswith("BENCH: "):
                continue
            body = line[7:]
            tag, _, rest = body.partition(" ")
            d = kv(rest)
            if tag in LISTS:
                res[LISTS[tag]].append(d)
            elif tag in LATEST:
                res[LATEST[tag]] = d
            elif tag == "WORKLOAD":
                res["workload"] = {k: int(v) if v.lstrip("-").isdigit() else v
                                   for k, v in d.items()}
            elif tag == "VMSTAT":
                sc = d.pop("scenario")
                res["vmstat"][sc] = {k: int(v) for k, v in d.items() if v.isdigit()}
            elif tag == "MEM":
                res["mem"][d.get("when")] = d
            elif tag == "NA":
                res["na"].append(rest)
            elif tag == "NOTE":
                res["notes"].append(rest)
            elif tag == "HOT" and "test" in d:
                res["hot"][d["test"]] = d
    return res


def parse_wall(path: str) -> Dict[Tuple[str, Optional[str], int], float]:
    """Host seconds spent inside the measured blocks (R+ .. R-) of each size."""
    out = {}
    if not os.path.exists(path):
        return out
    key, t_plus, acc = None, None, 0.0
    with open(path) as f:
        for line in f:
            t, _, body = line.rstrip("\n").partition(" ")
            t = float(t)
            body = body[7:]
            if body.startswith("SIZE "):
                d = kv(body)
                key = (d["scenario"], d.get("arm"), int(d["pages"]))
                acc = 0.0
            elif body == "R+":
                t_plus = t
            elif body == "R-" and t_plus is not None and key:
                acc += t - t_plus
                out[key] = acc
                t_plus = None
    return out


def hot_values(hot: Dict[str, Dict[str, str]]) -> Dict[str, float]:
    """{test: ns} from the HOT lines of one boot."""
    r = {}
    f = hot.get("anon_fault_64MiB")
    if f:
        r["anon_fault_64MiB"] = float(f["median"])
    o = hot.get("order0_alloc_free")
    if o:
        vals = o["totals_loops"].split(",")
        per = sorted(int(vals[i]) / int(vals[i + 1]) for i in range(0, len(vals), 2))
        r["order0_alloc_free"] = per[len(per) // 2]
    return r

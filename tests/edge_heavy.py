"""A project whose modules record more dependency edges than the table shoal sizes from its
file count holds (the tests of the master moving to a larger heap)."""
from __future__ import annotations

#: star-imported submodules of ``pkg``, the functions each defines, modules reading them
SUBS, PER, USERS = 10, 30, 110


def edge_heavy_files() -> dict[str, str]:
    """``pkg`` star-imports its submodules; each of the users calls a hundred names through
    it (about 670 edges a module, as networkx's ``nx.`` reads make 445; the stdlib's 22);
    ``app.py`` imports a name ``pkg`` lacks (SH001)."""
    files: dict[str, str] = {"pkg/__init__.py": "".join(
        f"from pkg.s{i} import *  # noqa: F403\n" for i in range(SUBS))}
    for i in range(SUBS):
        files[f"pkg/s{i}.py"] = "".join(f"def f{i}_{j}():\n    return {j}\n\n\n"
                                        for j in range(PER))
    reads = "".join(f"    p.f{i}_{j}()\n" for i in range(SUBS) for j in range(0, PER, 3))
    for m in range(USERS):
        files[f"pkg/user{m}.py"] = f"import pkg as p\n\n\ndef run():\n{reads}"
    files["app.py"] = "from pkg import f0_0, nothere\n"
    return files

"""`shoal deps TARGET`: who depends on a module or a name, from the dependency table.

The table holds what the selected project rules read (each lookup through the index records
``key -> reader``), so the answer is per key (``pkg.mod:func ← pkg.a, pkg.b``) and depends on
the selection, which the output names. For a name it also says what `shoal watch` would
recheck after a body-only edit, a signature change and a deletion: the engine's own
recheck computation, run on the recorded table (docs/contracts.md §12).
"""
from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from analyzer.interfaces import exit_codes

if TYPE_CHECKING:
    from analyzer.engine import CheckPlan, Insight

__all__ = ["DepsError", "Target", "deps_answer", "owner", "render_deps", "resolve_target",
           "run_deps", "selected_project_rules"]


class DepsError(Exception):
    """A target the project does not have: one line, exit code 2."""


@dataclass(frozen=True)
class Target:
    """A module, or one name of it."""

    module: str
    name: str | None = None

    @property
    def text(self) -> str:
        """``pkg.mod`` or ``pkg.mod:name``."""
        return self.module if self.name is None else f"{self.module}:{self.name}"


def resolve_target(text: str, insight: Insight) -> Target:
    """``pkg.mod``, ``pkg.mod:name`` or a path of the project as a :class:`Target`."""
    module, _, name = text.partition(":")
    if module not in insight.modules and (os.sep in text or text.endswith(".py")
                                          or os.path.exists(text)):
        wanted = os.path.abspath(text)
        for candidate, info in insight.modules.items():
            if info.path == wanted or (info.is_package and os.path.dirname(info.path) == wanted):
                return Target(candidate)
        raise DepsError(f"{text} is not a module of the project")
    if module not in insight.modules:
        raise DepsError(f"no module {module!r} in the project (give a module name, "
                        f"pkg.mod:name, or a path)")
    if name and not insight.defines(module, name) and not insight.reader_modules(text):
        raise DepsError(f"{module} defines no {name!r} and no selected rule read it")
    return Target(module, name or None)


def owner(key: str) -> str:
    """The module a key describes (``*``, ``sys.modules[]`` and ``fact[NAME]`` describe the
    project): ``content[pkg.mod]``, ``ref[pkg.mod]``, ``fact[NAME]:pkg.mod`` and
    ``pkg.mod:name`` describe ``pkg.mod``."""
    from analyzer.model import key_owner

    return key_owner(key)


def deps_answer(insight: Insight, target: Target, *, direction: str, transitive: bool,
                project_rules: list[str]) -> dict[str, Any]:
    """The JSON-shaped answer (docs/contracts.md §12)."""
    answer: dict[str, Any] = {
        "target": target.text, "module": target.module, "name": target.name,
        "direction": direction, "project_rules": project_rules,
    }
    if direction == "dependents":
        keys = [target.text] if target.name else insight.keys_of(target.module)
        rows = [{"key": k, "readers": insight.reader_modules(k)} for k in keys]
        answer["keys"] = rows
        direct = sorted({m for row in rows for m in row["readers"]} - {target.module})
        answer["modules"] = direct
        if target.name is not None:
            answer["rechecks"] = _rechecks(insight, target)
    else:
        read = insight.keys_read_by(target.module)
        answer["keys"] = [{"key": k, "module": owner(k)} for k in read]
        direct = sorted({owner(k) for k in read} & insight.modules.keys() - {target.module})
        answer["modules"] = direct
    if transitive:
        answer["transitive"] = _closure(insight, target.module, direct, direction)
    answer["unnamed_edges"] = insight.unnamed_edges
    return answer


def _rechecks(insight: Insight, target: Target) -> dict[str, list[str]]:
    """What an update rechecks after each kind of edit of the name's definition."""
    from analyzer.model import content_key

    module, name = target.module, target.name
    assert name is not None
    # Every edit changes the module's content: its readers of trees are rechecked each time.
    content = content_key(module)
    deleted = {f"{module}:{name}", content}
    if insight.public(module, name):
        deleted.add(f"{module}:*")
    if name == "__getattr__":  # part of the module's own ("") digest
        deleted.add(module)
    return {
        "body": insight.rechecks(module, {content}),
        "signature": insight.rechecks(module, {f"{module}:{name}", content}),
        "deletion": insight.rechecks(module, deleted),
    }


def _closure(insight: Insight, start: str, direct: list[str],
             direction: str) -> list[dict[str, Any]]:
    """Modules reached through modules, breadth first: each with its depth and one module
    it was reached through (module level: a reader of any key of the previous one)."""
    found: dict[str, tuple[int, str]] = {m: (1, start) for m in direct}
    frontier = list(direct)
    depth = 1
    while frontier:
        depth += 1
        nxt = []
        for module in frontier:
            if direction == "dependents":
                reached = {r for k in insight.keys_of(module) for r in insight.reader_modules(k)}
            else:
                reached = {owner(k) for k in insight.keys_read_by(module)}
            for other in sorted(reached & insight.modules.keys()):
                if other != start and other not in found:
                    found[other] = (depth, module)
                    nxt.append(other)
        frontier = nxt
    return [{"module": m, "depth": d, "via": via}
            for m, (d, via) in sorted(found.items(), key=lambda item: (item[1][0], item[0]))]


def render_deps(answer: dict[str, Any]) -> str:
    """The text output: one line per key, then the recheck sets and the closure."""
    rules = ", ".join(answer["project_rules"]) or "none (the dependency table is empty)"
    lines = [f"project rules selected: {rules}"]
    arrow = "←" if answer["direction"] == "dependents" else "→"
    if answer["direction"] == "dependents":
        for row in answer["keys"]:
            lines.append(f"{row['key']} {arrow} {', '.join(row['readers']) or '(nobody)'}")
        if not answer["keys"]:
            lines.append(f"{answer['target']} {arrow} (nobody)")
    else:
        by_owner: dict[str, list[str]] = {}
        for row in answer["keys"]:
            by_owner.setdefault(row["module"], []).append(row["key"])
        for module, keys in sorted(by_owner.items()):
            lines.append(f"{answer['target']} {arrow} {module}: {', '.join(keys)}")
        if not answer["keys"]:
            lines.append(f"{answer['target']} {arrow} (nothing read)")
    rechecks = answer.get("rechecks")
    if rechecks:
        lines.append(f"`shoal watch` rechecks, after an edit of {answer['target']}:")
        for kind, label in (("body", "body only"), ("signature", "signature change"),
                            ("deletion", "deletion")):
            lines.append(f"  {label + ':':<18}{', '.join(rechecks[kind]) or '(nothing)'}")
    if "transitive" in answer:
        lines.append(f"transitive {answer['direction']}: {len(answer['transitive'])} modules")
    for row in answer.get("transitive", ()):
        lines.append(f"  depth {row['depth']}: {row['module']} (via {row['via']})")
    if answer["unnamed_edges"]:
        lines.append(f"({answer['unnamed_edges']} recorded reads are of keys shoal cannot "
                     f"name; they are in no answer above)")
    return "\n".join(lines) + "\n"


def selected_project_rules(plan: CheckPlan) -> list[str]:
    """The codes of the selected project rules (they record what the table holds)."""
    return sorted(info.code for info in plan.registry
                  if info.kind == "project" and info.code in plan.selected)


def run_deps(args: argparse.Namespace, plan: CheckPlan) -> int:
    """`shoal deps`: answer from the warm cache (a check first when it is cold or stale); the
    text of an answer is kept beside the cache and printed again while nothing changes."""
    import sys

    from analyzer.engine import CheckError, keep_output, kept_output, load_insight
    from analyzer.interfaces._front_write import remember_answer, remember_view
    from analyzer.interfaces._kept import query_key

    if args.direction == "dependencies" and ":" in args.target:
        print("shoal: error: --direction dependencies takes a module (a module reads, "
              "not a name)", file=sys.stderr)
        return exit_codes.ERROR
    key = query_key(args, plan)
    found = kept_output(plan, key)
    if found is not None:
        sys.stdout.write(found.text)
        remember_answer(args, plan, (found.files, found.checked_at_ns), found.text, found.code)
        return found.code
    try:
        insight = load_insight(plan)
        text = deps_text(args, insight, selected_project_rules(plan))
    except (CheckError, DepsError) as exc:
        print(f"shoal: error: {exc}", file=sys.stderr)
        return exit_codes.ERROR
    sys.stdout.write(text)
    if insight.generation:  # printed again while nothing changes
        keep_output(plan, insight.generation, key, text, exit_codes.SUCCESS)
        remember_answer(args, plan, (insight.files, insight.checked_at_ns), text,
                        exit_codes.SUCCESS)
        remember_view(args, plan, insight, selected_project_rules(plan))
    return exit_codes.SUCCESS


def deps_text(args: argparse.Namespace, insight: Insight, project_rules: list[str]) -> str:
    """The text of a ``shoal deps`` answer on ``insight``; DepsError for a bad target."""
    if args.direction == "dependencies" and ":" in args.target:
        raise DepsError("--direction dependencies takes a module (a module reads, not a name)")
    target = resolve_target(args.target, insight)
    answer = deps_answer(insight, target, direction=args.direction,
                         transitive=args.transitive, project_rules=project_rules)
    if args.format == "json":
        return json.dumps(answer, indent=2) + "\n"
    return render_deps(answer)

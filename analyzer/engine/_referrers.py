"""Who references whom, for ``ProjectIndex.references`` (SH005): target module -> the modules
whose facts name something in it.

The master keeps the map across updates and brings it up to date from the digest maps of the
modules an update touched (a ``ref[T]`` entry per target, docs/contracts.md §2), so its work
per recheck follows what changed; a fresh session (a cold or warm start) builds it once.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping

from analyzer.engine._versions import Overlay

__all__ = ["Referrers", "moved_targets", "referrers_after"]

#: target module -> the referencing modules, sorted (sorted: the run context that carries it
#: is stored under a digest of its pickle, which must not follow set order).
Referrers = dict[str, tuple[str, ...]]

_PREFIX = "ref["


def _targets(digests: Mapping[str, str] | None) -> set[str]:
    if not digests:
        return set()
    return {entry[4:-1] for entry in digests if entry.startswith(_PREFIX)}


def referrers_after(previous: Mapping[str, tuple[str, ...]] | None,
                    old: Mapping[str, Mapping[str, str]], new: Mapping[str, Mapping[str, str]],
                    touched: Iterable[str]) -> MutableMapping[str, tuple[str, ...]]:
    """The map after an update: ``previous`` (the map of ``old``; None: build it from
    ``new``) with the references of the ``touched`` modules moved from ``old`` to ``new``
    (over ``previous``, not in it: ``_versions.applied`` writes them in once committed)."""
    if previous is None:
        built: dict[str, list[str]] = {}
        for module in sorted(new):
            for target in _targets(new[module]):
                built.setdefault(target, []).append(module)
        return {target: tuple(mods) for target, mods in built.items()}
    out: Overlay[str, tuple[str, ...]] = Overlay(previous)
    for module in touched:
        before, after = _targets(old.get(module)), _targets(new.get(module))
        for target in before - after:
            kept = tuple(m for m in out.get(target, ()) if m != module)
            if kept:
                out[target] = kept
            else:
                out.pop(target, None)
        for target in after - before:
            out[target] = tuple(sorted({*out.get(target, ()), module}))
    return out


def moved_targets(old: Mapping[str, Mapping[str, str]], new: Mapping[str, Mapping[str, str]],
                  touched: Iterable[str]) -> set[str]:
    """The targets whose referrers :func:`referrers_after` may change for ``touched``."""
    moved: set[str] = set()
    for module in touched:
        moved |= _targets(old.get(module)) ^ _targets(new.get(module))
    return moved

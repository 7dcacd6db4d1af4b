"""Rule selection: which codes run, from ``select``/``ignore`` and their ``extend-`` forms in
the configuration and on the command line (ruff's precedence: the most specific selector
wins, ignore at equal specificity)."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from analyzer.frontend._config import _SELECTOR, ALL, Config, ConfigError, _selects

__all__ = ["check_selectors", "resolve_selection", "withheld_fixes"]



def _specificity(selector: str) -> int:
    return 0 if selector == ALL else len(selector)


def check_selectors(
    selectors: Iterable[str], known: Iterable[str], where: str, path: Path | None = None
) -> None:
    """Raise ``ConfigError`` for the first of ``selectors`` that matches none of the
    ``known`` codes (``ALL`` matches all), naming ``where`` it came from and the closest."""
    known = tuple(known)
    for selector in selectors:
        if selector == ALL:
            continue
        if not _SELECTOR.match(selector) or not any(code.startswith(selector) for code in known):
            import difflib  # here: only a mistake needs it

            close = difflib.get_close_matches(selector, known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConfigError(
                f"unknown rule selector '{selector}' in {where}{hint}", path=path, key=selector
            )


def resolve_selection(
    config: Config,
    *,
    select: Iterable[str] | None = None,
    extend_select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    extend_ignore: Iterable[str] = (),
    known_codes: Mapping[str, bool],
    always_on: Iterable[str] = ("SH900",),
) -> frozenset[str]:
    """The codes to run: the configuration's selection, then the command line's, as ruff
    layers them (:func:`_layer`).

    The base is every rule whose default is enabled. A layer's ``select`` replaces the set
    (the command line's discards the configuration's ignores too), its ``extend-select`` adds
    and its ``ignore``/``extend-ignore`` remove; per rule the most specific matching
    selector of the layer decides, ignore winning a tie. A non-default rule is on only when
    a selector (even ``ALL``) turns it on. ``always_on`` codes are added whatever was asked.

    :param known_codes: every known rule code -> whether it is enabled by default.
    :raises ConfigError: a selector (also in ``per-file-ignores``) that matches no known rule.
    """
    select = tuple(select) if select is not None else None
    extend_select, ignore, extend_ignore = tuple(extend_select), tuple(ignore), tuple(extend_ignore)
    where = f"[tool.shoal] of {config.path}" if config.path else "the configuration"
    known = tuple(known_codes)
    for name, selectors in (
        ("select", config.select or ()),
        ("extend-select", config.extend_select),
        ("ignore", config.ignore),
        ("extend-ignore", config.extend_ignore),
        ("per-file-ignores", [c for _, codes in config.per_file_ignores for c in codes]),
        ("fixable", config.fixable or ()),
        ("extend-fixable", config.extend_fixable),
        ("unfixable", config.unfixable),
    ):
        if not config.borrowed:  # another tool's codes, shoal's or not: most match nothing
            check_selectors(selectors, known, f"'{name}' of {where}", config.path)
    for name, selectors in (
        ("--select", select or ()),
        ("--extend-select", extend_select),
        ("--ignore", ignore),
        ("--extend-ignore", extend_ignore),
    ):
        check_selectors(selectors, known, name, None)

    # ruff's layers, one after the other: the defaults, the configuration, the command line.
    chosen = {code for code, default_on in known_codes.items() if default_on}
    chosen = _layer(chosen, known, config.select, config.extend_select,
                    config.ignore + config.extend_ignore, config.governs)
    chosen = _layer(chosen, known, select, extend_select, ignore + extend_ignore, None)
    return frozenset(chosen | set(always_on))


def _layer(current: set[str], known: Iterable[str], select: tuple[str, ...] | None,
           extend_select: tuple[str, ...], ignores: tuple[str, ...],
           governs: Callable[[str], bool] | None) -> set[str]:
    """One layer of ruff's rule selection over ``current``: per rule, the most specific of
    the layer's selectors that match it decides (an ignore winning a tie); a layer with a
    ``select`` replaces the whole set, one without only turns on and off what it names, so
    a later layer may turn back on what an earlier one ignored (``--select F841`` reports
    F841 whatever the configuration ignores). A rule ``governs`` refuses (shoal's own,
    under a lent configuration) keeps its place."""
    selects = (select or ()) + extend_select
    updates: dict[str, bool] = {}
    for code in known:
        if governs is not None and not governs(code):
            continue
        best_select = max((_specificity(s) for s in selects if _selects(s, code)), default=-1)
        best_ignore = max((_specificity(s) for s in ignores if _selects(s, code)), default=-1)
        if best_select >= 0 or best_ignore >= 0:
            updates[code] = best_select > best_ignore
    if select is not None:
        kept = {code for code in current if governs is not None and not governs(code)}
        return kept | {code for code, on in updates.items() if on}
    result = set(current)
    for code, on in updates.items():
        if on:
            result.add(code)
        else:
            result.discard(code)
    return result


def withheld_fixes(config: Config, codes: Iterable[str]) -> frozenset[str]:
    """Those of ``codes`` whose fixes ``fixable``, ``extend-fixable`` and ``unfixable`` take
    away, as ruff decides it: per rule the most specific matching selector, ``unfixable``
    winning a tie; a rule ``fixable`` (when set) does not match is withheld too."""
    fixable = None if config.fixable is None else config.fixable + config.extend_fixable
    if fixable is None and not config.unfixable:
        return frozenset()
    withheld = set()
    for code in codes:
        if not config.governs(code):
            continue  # another tool's selectors say nothing of shoal's own rules
        best_fixable = (0 if fixable is None else
                        max((_specificity(s) for s in fixable if _selects(s, code)), default=-1))
        best_unfixable = max((_specificity(s) for s in config.unfixable if _selects(s, code)),
                             default=-1)
        if best_fixable < 0 or best_unfixable >= best_fixable:
            withheld.add(code)
    return frozenset(withheld)

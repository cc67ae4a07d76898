"""The check engine: files -> documents -> findings -> stamped problems.

Data flows one way. Rules see every document of the project (so cross-file
rules stay complete when pre-commit passes only the changed files); the
engine then keeps the problems in the files that were asked about, or whose
related locations are there (what a change breaks elsewhere).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from msgspec import Struct, field

from slopolicy.check.waivers import apply_waivers
from slopolicy.config.settings import Config, RuleSetting
from slopolicy.model.problems import Problem, resolve
from slopolicy.model.waivers import Waiver
from slopolicy.rules import Rule
from slopolicy.rules.context import Context


class Result(Struct):
    problems: list[Problem]
    files: int
    documents: int
    checked: list[str] = field(default_factory=list)  # the files reported on, sorted
    skipped: int = 0  # files that held documents of no format slopolicy reads

    def count(self, severity: str) -> int:
        return sum(1 for p in self.problems if p.severity == severity and not p.waived)

    @property
    def waived(self) -> int:
        return sum(1 for p in self.problems if p.waived)


def run_rules(
    ctx: Context,
    rules: Mapping[str, Rule],
    config: Config,
    select: frozenset[str] | None = None,
    ignore: frozenset[str] = frozenset(),
    after_waivers: bool = False,
) -> Iterator[Problem]:
    for rule in rules.values():
        if rule.after_waivers != after_waivers:
            continue
        setting = _setting(rule, ctx, config, select, ignore)
        if setting is None:
            continue
        for finding in rule.check(ctx, setting.options):
            yield resolve(finding, rule.id, setting.severity)


def _setting(
    rule: Rule,
    ctx: Context,
    config: Config,
    select: frozenset[str] | None,
    ignore: frozenset[str],
) -> RuleSetting | None:
    """How ``rule`` runs in this run, or None when it does not run."""
    if select is not None and rule.id not in select or rule.id in ignore:
        return None
    if rule.needs_base and ctx.base is None:
        return None
    setting = config.setting(rule)
    return None if setting.severity == "off" else setting


def check(
    ctx: Context,
    rules: Mapping[str, Rule],
    config: Config,
    select: frozenset[str] | None = None,
    ignore: frozenset[str] = frozenset(),
    report: frozenset[str] | None = None,
) -> list[Problem]:
    """Rules, waivers, then the rules that judge waivers; sorted problems of ``report``."""
    found = list(run_rules(ctx, rules, config, select, ignore))
    return finish(ctx, found, rules, config, select, ignore, report)


def finish(
    ctx: Context,
    found: list[Problem],
    rules: Mapping[str, Rule],
    config: Config,
    select: frozenset[str] | None = None,
    ignore: frozenset[str] = frozenset(),
    report: frozenset[str] | None = None,
) -> list[Problem]:
    """Waivers over what the rules ``found``, then the rules that judge waivers.

    Waivers are matched against the whole project's problems, before keeping
    the files asked about, so whether a waiver is used never depends on
    which files were named.
    """
    found, unused = apply_waivers(found, config.waivers, ctx.today)
    judging = ctx.judging_waivers([w for w in unused if _judged(w, ctx, rules, config, select,
                                                                ignore)])
    found += run_rules(judging, rules, config, select, ignore, after_waivers=True)
    # the same problem found twice (two routes to one mistake) is shown once
    return sorted(dict.fromkeys(keep_reported(found, report)))


def _judged(
    waiver: Waiver,
    ctx: Context,
    rules: Mapping[str, Rule],
    config: Config,
    select: frozenset[str] | None,
    ignore: frozenset[str],
) -> bool:
    """Whether this run could have matched ``waiver``: its rule ran, without a base."""
    rule = rules.get(waiver.rule)
    if rule is None or ctx.base is not None:
        return False  # with --base the base's waivers are in force: left to plain runs
    return _setting(rule, ctx, config, select, ignore) is not None


def keep_reported(problems: Iterable[Problem], report: frozenset[str] | None) -> list[Problem]:
    """Problems in the files asked about, or pointing into them."""
    if report is None:
        return list(problems)
    return [
        p
        for p in problems
        if p.file in report or any(r.file in report for r in p.related)
    ]



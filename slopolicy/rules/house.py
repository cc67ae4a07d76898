"""House rules: ``Policy`` documents whose rules are CEL expressions.

A Policy (``apiVersion: slopolicy/v1``, ``kind: Policy``) lists rules; each
selects documents (``match``) and asserts a CEL expression over one of them.
CEL is side-effect free and terminating, so a policy from a pull request can
fail a check but never run code. Every expression is compiled once, when the
configuration is read: a syntax error, or a name that is no variable or
function, is a :class:`ConfigError` (exit 2) naming the file, the rule id and
the position in the expression. Evaluating a rule on one document can still
fail (a missing field, an operator on mismatched types); that is a finding of
the rule at that document, never a crash.

CEL terminates, but nested macros can still take hours
(``[...].all(a, [...].all(b, ...))``), and cel-python has no cost limit of
its own: every node the evaluator visits is a step, and one evaluation may
take :data:`EVALUATION_STEPS`, all house rules of a run :data:`RUN_STEPS`.
A rule past either limit is a finding of that rule, saying which. The run's
limit counts the steps a cold run would take, so the cache never changes the
answer: a kept verdict costs the steps its evaluation took (and is evaluated
again where that would cross the limit), and the project index keeps each
file's steps (:mod:`slopolicy.check.incremental`).

The activation is the document (``apiVersion``, ``kind``, ``metadata``,
``spec``) and ``documents``, every known document of the project, for rules
that span documents. YAML integers are CEL ints and YAML decimals CEL
doubles; comparisons between the two work (CEL's heterogeneous numeric
comparison), so ``targetPercent >= 99.9`` holds for ``targetPercent: 100``.
"""
from __future__ import annotations

import decimal
import fnmatch
import functools
import hashlib
import operator
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, cast

import celpy
import lark
from celpy import celtypes
from celpy.celparser import CELParseError
from celpy.evaluation import CELEvalError, Evaluator, base_functions
from msgspec import Struct, field

from slopolicy.cache.codec import codec
from slopolicy.cache.facts import NOT_KEPT, Fact, FactFamily
from slopolicy.load import schemas
from slopolicy.load.files import load_bytes
from slopolicy.load.readers import Reader
from slopolicy.model.documents import Document
from slopolicy.model.errors import ConfigError
from slopolicy.model.problems import SEVERITIES, Finding
from slopolicy.rules import Rule
from slopolicy.rules.context import CEL_STEPS, Derived
from slopolicy.text.hints import with_article
from slopolicy.text.yamlsource import Path as DocPath

if TYPE_CHECKING:
    from slopolicy.rules.context import Context

API_VERSION, KIND = "slopolicy/v1", "Policy"
VARIABLES = frozenset({"apiVersion", "kind", "metadata", "spec", "documents"})
MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})
TYPE_NAMES = frozenset(
    {"int", "uint", "double", "bool", "string", "bytes", "list", "map", "null_type", "type"}
)
DEFAULT_PATH: DocPath = ("metadata", "name")
POLICY_SUFFIXES = (".yaml", ".yml", ".json")


# -- compiling -------------------------------------------------------------------------


class ExpressionError(Exception):
    """A CEL expression that cannot be compiled, at a 1-based position in it."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def _numeric(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], Any]:
    """A comparison that also orders int against double, as the CEL spec now does.

    cel-python compares only like types, so ``99 >= 99.9`` would be an error
    whenever a YAML integer meets a decimal literal.
    """
    numbers = (celtypes.IntType, celtypes.UintType, celtypes.DoubleType)
    plain = celpy.evaluation.boolean(cast(Any, compare))

    def apply(left: Any, right: Any) -> Any:
        mixed = type(left) is not type(right)
        if mixed and isinstance(left, numbers) and isinstance(right, numbers):
            return celtypes.BoolType(compare(float(left), float(right)))
        return plain(left, right)

    return apply


FUNCTIONS: dict[str, Any] = {
    "_<_": _numeric(operator.lt),
    "_<=_": _numeric(operator.le),
    "_>_": _numeric(operator.gt),
    "_>=_": _numeric(operator.ge),
    "_==_": _numeric(operator.eq),
    "_!=_": _numeric(operator.ne),
}
KNOWN_FUNCTIONS = frozenset(base_functions) | frozenset(FUNCTIONS) | {"has"}


@functools.lru_cache(maxsize=1)
def _environment() -> celpy.Environment:
    return celpy.Environment()


class Expression(Struct, frozen=True):
    text: str
    runner: Any  # celpy.Runner
    names: frozenset[str]  # the activation variables it reads


def compile_expression(text: str) -> Expression:
    """Parse and check ``text``; raise :class:`ExpressionError` with its position."""
    env = _environment()
    try:
        tree = env.compile(text)
    except CELParseError as exc:
        raise ExpressionError(_syntax_message(exc), exc.line or 1, exc.column or 1) from None
    names = _check_names(tree)
    return Expression(text, env.program(tree, functions=FUNCTIONS), names)


def _syntax_message(exc: CELParseError) -> str:
    cause = exc.__context__
    if isinstance(cause, lark.exceptions.UnexpectedToken):
        if cause.token.type == "$END":
            return "syntax error: the expression ends too soon"
        return f"syntax error: unexpected {str(cause.token)!r}"
    if isinstance(cause, lark.exceptions.UnexpectedCharacters):
        return f"syntax error: unexpected character {cause.char!r}"
    return "syntax error"


def _check_names(tree: lark.Tree[Any]) -> frozenset[str]:
    """Every name is a variable, a macro's bound variable or a function (cel-go's
    checker would say so; cel-python has none, so a typo would only surface
    on evaluation, as a finding on every document)."""
    used: set[str] = set()
    stack: list[tuple[Any, frozenset[str]]] = [(tree, frozenset())]
    while stack:
        node, bound = stack.pop()
        if not isinstance(node, lark.Tree):
            continue
        if node.data in ("ident", "dot_ident"):
            name = cast(lark.Token, node.children[0])
            if name not in bound and name not in TYPE_NAMES:
                if name not in VARIABLES:
                    raise _undeclared(name)
                used.add(str(name))
        elif node.data == "ident_arg":
            _known_function(cast(lark.Token, node.children[0]))
            stack += [(child, bound) for child in node.children[1:]]
        elif node.data == "member_dot":
            stack.append((node.children[0], bound))
        elif node.data == "member_dot_arg":
            stack += _method(node, bound)
        else:
            stack += [(child, bound) for child in node.children]
    return frozenset(used)


def _method(node: lark.Tree[Any], bound: frozenset[str]) -> list[tuple[Any, frozenset[str]]]:
    target, name, *rest = node.children
    assert isinstance(name, lark.Token)
    args = list(rest[0].children) if rest else []
    if name not in MACROS:
        _known_function(name)
        return [(target, bound)] + [(arg, bound) for arg in args]
    variable = _bound_variable(args[0] if args else None, name)
    return [(target, bound)] + [(arg, bound | {variable}) for arg in args[1:]]


def _bound_variable(arg: Any, macro: lark.Token) -> str:
    node = arg
    # A bare name parses as a chain of one-child nodes (expr -> ... -> ident).
    while isinstance(node, lark.Tree) and len(node.children) == 1 and node.data != "ident":
        node = node.children[0]
    if not (isinstance(node, lark.Tree) and node.data == "ident"):
        raise ExpressionError(
            f"{macro}() takes a variable name first, e.g. list.{macro}(x, ...)",
            macro.line or 1,
            macro.column or 1,
        )
    return str(node.children[0])


def _known_function(name: lark.Token) -> None:
    if name not in KNOWN_FUNCTIONS:
        raise ExpressionError(f"unknown function {str(name)!r}", name.line or 1, name.column or 1)


def _undeclared(name: lark.Token) -> ExpressionError:
    listed = ", ".join(sorted(VARIABLES))
    return ExpressionError(
        f"undeclared reference {str(name)!r} (the variables are {listed})",
        name.line or 1,
        name.column or 1,
    )


# -- evaluating ------------------------------------------------------------------------

EVALUATION_STEPS = 1_000_000  # nodes one evaluation may visit: about 5 s of cel-python
RUN_STEPS = 20_000_000  # nodes all house rules may visit in one run


class EvaluationError(Exception):
    """A rule that could not be evaluated on one document (a finding, not a crash)."""


class RunBudgetSpent(Exception):
    """The run's house rules used up :data:`RUN_STEPS`: none is evaluated again."""


class _OverBudget(Exception):
    """Raised through cel-python's evaluator when the steps run out."""


class Budget(Struct):
    """The steps the house rules have used in this run, and where the evaluation under way stops."""

    used: int = 0
    stop: int = 0
    run_limit: int = field(default_factory=lambda: RUN_STEPS)
    by_rule: dict[str, int] = field(default_factory=dict)

    def start(self) -> None:
        self.stop = min(self.used + EVALUATION_STEPS, self.run_limit)

    def charge(self, rule_id: str, before: int) -> None:
        """Put the steps taken since ``before`` on ``rule_id``'s account."""
        self.by_rule[rule_id] = self.by_rule.get(rule_id, 0) + self.used - before

    @property
    def spent(self) -> bool:
        return self.used >= self.run_limit


class _Metered(Evaluator):
    """cel-python's evaluator, counting every node it visits against a :class:`Budget`."""

    budget: Budget

    def sub_evaluator(self, ast: lark.Tree) -> Evaluator:  # type: ignore[type-arg]
        sub = _Metered(ast, activation=self.activation)
        sub.budget = self.budget
        return sub

    def _visit_tree(self, tree: Any) -> Any:
        budget = self.budget
        if budget.used >= budget.stop:
            raise _OverBudget()
        budget.used += 1
        return super()._visit_tree(tree)


def to_cel(value: Any) -> Any:
    """Loaded YAML data -> CEL values: ints stay ints, decimals become doubles."""
    if isinstance(value, bool):
        return celtypes.BoolType(value)
    if isinstance(value, int):
        try:
            return celtypes.IntType(value)
        except ValueError:  # beyond int64: CEL has no bigger integer
            return celtypes.DoubleType(float(value))
    if isinstance(value, (decimal.Decimal, float)):
        return celtypes.DoubleType(float(value))
    if isinstance(value, str):
        return celtypes.StringType(value)
    if value is None:
        return None
    if isinstance(value, Mapping):
        return celtypes.MapType({to_cel(k): to_cel(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return celtypes.ListType([to_cel(v) for v in value])
    return celtypes.StringType(str(value))


def evaluate(expression: Expression, activation: Mapping[str, Any],
             budget: Budget | None = None) -> Any:
    """The expression's value; EvaluationError, or RunBudgetSpent when ``budget`` ran out."""
    budget = budget if budget is not None else Budget()
    budget.start()
    runner = expression.runner
    evaluator = _Metered(ast=runner.ast, activation=runner.new_activation())
    evaluator.budget = budget
    try:
        value = evaluator.evaluate(dict(activation))
    except _OverBudget:
        if budget.spent:
            raise RunBudgetSpent() from None
        raise EvaluationError(
            f"stopped after {EVALUATION_STEPS:,} steps, the CEL cost limit of one evaluation; "
            "make the expression cheaper (fewer nested macros over lists)") from None
    except CELEvalError as exc:
        raise EvaluationError(_reason(exc)) from None
    except RecursionError:
        raise EvaluationError("the data is nested too deeply to evaluate") from None
    except Exception as exc:  # noqa: BLE001 -- cel-python's own failures: still a finding
        raise EvaluationError(_python_reason(exc)) from None
    if isinstance(value, CELEvalError):
        raise EvaluationError(_reason(value))
    return value


_MEMBER = re.compile(r"no such member in mapping: '([^']*)'")
_NULL = re.compile(r"None with type: .*? does not support field selection")
_FIELD_OF = re.compile(r"with type: '<class '(?:[\w.]*\.)?(\w+)'>' does not support field selection")
_OVERLOAD = re.compile(
    r"no matching overload for (?:Token\('RULE', '(\w+)'\)|(\S+)) applied to '\(([^)]*)\)'"
)
_TYPE = re.compile(r"(?:celtypes\.|')(\w+?)(?:Type)?'>")
_OPERATORS = {
    "addition_add": "+", "addition_sub": "-", "multiplication_mul": "*",
    "multiplication_div": "/", "multiplication_mod": "%", "relation_in": "in",
    "relation_lt": "<", "relation_le": "<=", "relation_gt": ">", "relation_ge": ">=",
    "relation_eq": "==", "relation_ne": "!=", "unary_neg": "-", "unary_not": "!",
}


def _reason(exc: CELEvalError) -> str:
    """cel-python's error, innermost first, in a user's words."""
    text = str(exc.args)
    member = _MEMBER.search(text)
    if member:
        return (
            f"no field {member.group(1)!r} here (test optional fields with has(), "
            f"e.g. has(spec.{member.group(1)}))"
        )
    if _NULL.search(text):
        return "a field of null was read (test with has() first)"
    field_of = _FIELD_OF.search(text)
    if field_of:
        return (f"a field of {with_article(_type_name(field_of.group(1)))} was read; only maps have fields "
                "(test with has() first, or compare type(x) == map)")
    for match in _OVERLOAD.finditer(text):
        operands = [_type_name(t) for t in _TYPE.findall(match.group(3))]
        if "CELEvalError" in match.group(3):
            continue
        op = _OPERATORS.get(match.group(1) or "", match.group(2) or match.group(1))
        return (
            f"no operator {op} for {' and '.join(operands)} (CEL does not convert "
            "implicitly: use double(x), int(x) or string(x))"
        )
    for known, shown in (("divide by zero", "division by zero"), ("index out of range",
                         "list index out of range"), ("no such key", "no such key in a map"),
                         ("return error for overflow", _RANGE)):
        if known in text:
            return shown
    first = exc.args[0] if exc.args else type(exc).__name__
    return str(first)


_RANGE = ("a value out of range, or one that does not convert (int(), uint(), double(), "
          "duration() or timestamp() of an unsuitable value, or an integer overflow)")


def _python_reason(exc: Exception) -> str:
    """A failure inside cel-python, in CEL's words rather than Python's class names."""
    if isinstance(exc, (ArithmeticError, ValueError)):
        return _RANGE
    if isinstance(exc, (TypeError, AttributeError)):
        return "no matching overload: the function or operator does not apply to these values"
    if isinstance(exc, (KeyError, IndexError)):
        return "no such key or index"
    return "the evaluator failed on this value"


def _type_name(raw: str) -> str:
    """``ListType``/``'str'``/``NoneType`` -> ``list``/``string``/``null``."""
    name = raw[:-4] if raw.endswith("Type") and raw != "Type" else raw
    return {"None": "null", "str": "string", "float": "double"}.get(name, name.lower())


# -- rules -----------------------------------------------------------------------------


class Match(Struct, frozen=True):
    """Which documents a rule applies to; every given selector must hold."""

    api_versions: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    name: str | None = None  # a glob (fnmatch)
    labels: Mapping[str, str] = field(default_factory=dict)

    def selects(self, doc: Document) -> bool:
        if self.api_versions and doc.api_version not in self.api_versions:
            return False
        if self.kinds and doc.kind not in self.kinds:
            return False
        # Without a kind, a house rule is about SLOs and SLAs, not the policies themselves.
        if not self.kinds and doc.kind == KIND and doc.api_version == API_VERSION:
            return False
        if self.name is not None and not fnmatch.fnmatchcase(doc.name, self.name):
            return False
        return all(_has_label(doc, key, value) for key, value in self.labels.items())


def _has_label(doc: Document, key: str, value: str) -> bool:
    metadata = doc.data.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, Mapping) else None
    found = labels.get(key) if isinstance(labels, Mapping) else None
    # OpenSLO allows a list of values per label key.
    return found == value or isinstance(found, list) and value in found


class CustomRule(Struct, frozen=True, dict=True):
    id: str
    severity: str
    description: str
    match: Match
    assertion: Expression
    message: str | None
    message_expression: Expression | None
    path: DocPath
    source: str  # file:line of its definition, for `rules explain`

    @property
    def reads_documents(self) -> bool:
        names = self.assertion.names
        if self.message_expression is not None:
            names |= self.message_expression.names
        return "documents" in names

    @functools.cached_property
    def fingerprint(self) -> str:
        """What its findings on a document depend on, besides the document: its definition.

        The description too (the message of a rule without one) and the path
        (where its findings point, which a waiver may name): an edit of either
        must be seen by the kept verdicts and the project index.
        """
        definition = (self.id, self.match, self.assertion.text, self.message,
                      self.message_expression.text if self.message_expression else None,
                      self.description, self.path)
        return "house-rule:" + hashlib.sha256(repr(definition).encode()).hexdigest()[:24]

    @property
    def limits(self) -> tuple[int, int]:
        """The CEL cost limits (of one evaluation, of the run) its verdicts are reached under."""
        return EVALUATION_STEPS, RUN_STEPS

    @property
    def verdict_key(self) -> str:
        """What its kept verdicts on a document depend on: its definition and the limit of
        one evaluation (a verdict stopped there says so, and took that many steps)."""
        return f"{self.fingerprint}:{EVALUATION_STEPS}"


def check_rule(rule: CustomRule, ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    """Judge every document the rule matches.

    CEL is slow to interpret, and a rule that does not read ``documents``
    depends on nothing but the document and its own definition: its verdicts
    are kept with each document in the cache, as a built-in rule's are, with
    the steps they took, which a verdict reused costs the run as a cold run
    pays them (the run's limit counts the steps a cold run would take).
    """
    budget = ctx.derive(BUDGET)
    steps = ctx.derive(CEL_STEPS)
    steps.limit = RUN_STEPS
    by_file = steps.by_file
    documents = _all_documents(ctx) if rule.reads_documents else None

    def judge(doc: Document) -> Verdict:
        before = budget.used
        messages = _judge(rule, ctx, doc, None, budget)
        return budget.used - before, messages

    verdicts = VERDICTS.member(rule.verdict_key, judge)
    for number, doc in enumerate(ctx.documents):
        before = budget.used
        try:
            if documents is not None:
                messages = _judge(rule, ctx, doc, documents, budget)
            else:
                # A verdict cut short by the run's budget raises, so it is never kept.
                messages = _reused(verdicts, doc, budget)
        except RunBudgetSpent:
            steps.spent = True
            budget.charge(rule.id, before)
            yield Finding(_spent(rule, budget, len(ctx.documents) - number), doc, rule.path)
            return
        budget.charge(rule.id, before)
        path = doc.source.path
        by_file[path] = by_file.get(path, 0) + budget.used - before
        for message in messages:
            yield Finding(message, doc, rule.path)
    steps.spent = steps.spent or budget.spent


# what a house rule that reads one document found there (its messages), and the CEL steps
# that took, by the rule's definition and the limit of one evaluation
Verdict = tuple[int, tuple[str, ...]]
VERDICTS: FactFamily[Verdict] = FactFamily("house-judged", codec(tuple[int, tuple[str, ...]]))


def _reused(verdicts: Fact[Verdict], doc: Document, budget: Budget) -> tuple[str, ...]:
    """The rule's messages on ``doc``: kept, with the steps they took charged to ``budget``
    as a cold run's evaluation charges them; evaluated (and kept) when not kept yet, or when
    those steps would reach the run's limit (the evaluation then stops where a cold run's
    does)."""
    kept = verdicts.known(doc)
    if kept is NOT_KEPT:
        return verdicts.of(doc)[1]
    taken, messages = kept
    if budget.used + taken < budget.run_limit:
        budget.used += taken
        return messages
    return verdicts.compute(doc)[1]


def _spent(rule: CustomRule, budget: Budget, left: int) -> str:
    costliest = max(budget.by_rule, key=budget.by_rule.__getitem__)
    share = ", ".join(f"{rule_id} {steps:,}" for rule_id, steps in sorted(
        budget.by_rule.items(), key=lambda item: -item[1]) if steps)
    return (f"{rule.id} was stopped here: the house rules took {budget.run_limit:,} steps, the "
            f"CEL cost limit of one run ({share}), so {left:,} document{'s' if left != 1 else ''}"
            f" (this one on) went unjudged by it; make {costliest} cheaper (narrow its match, or "
            "avoid a macro over documents inside another)")


def _judge(rule: CustomRule, ctx: Context, doc: Document, documents: Any,
           budget: Budget | None = None) -> tuple[str, ...]:
    """The messages of the rule's findings on ``doc`` (none, or one)."""
    if not rule.match.selects(doc):
        return ()
    activation = _activation(ctx, doc, documents)
    try:
        verdict = evaluate(rule.assertion, activation, budget)
    except EvaluationError as exc:
        return (f"cannot evaluate {rule.id} on {doc.label}: {exc}",)
    if not isinstance(verdict, celtypes.BoolType):
        return (f"the assert of {rule.id} gave {_type_name(type(verdict).__name__)}, "
                "not true or false; fix the expression in its policy",)
    return () if verdict else (_message(rule, activation, budget),)


def _message(rule: CustomRule, activation: Mapping[str, Any], budget: Budget | None = None) -> str:
    fallback = rule.message or rule.description.strip().split("\n")[0] or (
        f"{rule.id}: failed {rule.assertion.text}"
    )
    if rule.message_expression is None:
        return fallback
    try:
        value = evaluate(rule.message_expression, activation, budget)
    except EvaluationError as exc:
        return f"{fallback} (messageExpression failed: {exc})"
    if not isinstance(value, str):  # StringType, or a plain str from cel-python's +
        return f"{fallback} (messageExpression gave {_type_name(type(value).__name__)}, not a string)"
    return str(value)


def _activation(ctx: Context, doc: Document, documents: Any) -> dict[str, Any]:
    converted = _converted(ctx, doc)
    activation = {
        "apiVersion": converted.get(celtypes.StringType("apiVersion"), celtypes.StringType("")),
        "kind": converted.get(celtypes.StringType("kind"), celtypes.StringType("")),
        # Absent in a broken document (schema reports that): an empty map keeps has() usable.
        "metadata": _map_or_empty(_field(converted, "metadata")),
        "spec": _map_or_empty(_field(converted, "spec")),
    }
    if documents is not None:
        activation["documents"] = documents
    return activation


def _field(converted: Any, name: str) -> Any:
    """A top-level field of a converted document, or None: cel-python's ``MapType.get``
    raises KeyError for an absent key unless a default other than None is given."""
    key = celtypes.StringType(name)
    return converted[key] if key in converted else None


def _map_or_empty(value: Any) -> Any:
    return value if isinstance(value, celtypes.MapType) else celtypes.MapType({})


def _converted(ctx: Context, doc: Document) -> Any:
    """Each document is converted once per run, however many rules read it."""
    cache = ctx.derive(CONVERTED)
    key = id(doc)
    if key not in cache:
        cache[key] = to_cel(doc.data)
    return cache[key]


def _all_documents(ctx: Context) -> Any:
    return celtypes.ListType([_converted(ctx, doc) for doc in ctx.documents])


# -- loading ---------------------------------------------------------------------------


def load(reader: Reader, entries: list[str], folder: str) -> list[Rule]:
    """The rules of every Policy file that ``policies:`` lists (files or folders).

    The entries are relative to ``folder``, the configuration's, and read on
    ``reader``'s side: the working tree, or the base ref that judges a change.
    """
    paths = _policy_files(reader, entries, folder)
    contents = reader.read(paths)
    rules: list[Rule] = []
    for path in paths:
        rules += _load_file(reader, path, contents.get(path))
    return rules


def _policy_files(reader: Reader, entries: list[str], folder: str) -> list[str]:
    files: list[str] = []
    for entry in entries:
        path = reader.join(folder, entry)
        if reader.is_folder(path):
            # Only the folder's own files: case folders of `slopolicy test` may sit below.
            files += [p for p in reader.files_in(path)
                      if posixpath.splitext(posixpath.basename(p))[1] in POLICY_SUFFIXES]
        elif reader.exists(path):
            files.append(path)
        else:
            raise ConfigError(f"policies: {entry!r}: no such file or folder (relative to "
                              f"{reader.shown(folder)})")
    return files


def _load_file(reader: Reader, path: str, raw: bytes | None) -> list[Rule]:
    shown = reader.shown(path)
    if raw is None:
        raise ConfigError(f"{shown}: cannot read: not a readable file")
    source = load_bytes(shown, raw)
    if source.problems:
        first = source.problems[0]
        raise ConfigError(f"{shown}:{first.line}:{first.column}: {first.message}")
    if source.foreign:
        line, column, why = source.foreign[0]
        raise ConfigError(f"{shown}:{line}:{column}: {why}; a policy file holds Policy documents")
    rules: list[Rule] = []
    for doc in source.documents:
        _validate(shown, doc)
        for index, raw_rule in enumerate(doc.spec.get("rules") or []):
            rules.append(_rule(shown, reader.name(path), doc, index, raw_rule))
    return rules


def _validate(shown: str, doc: Document) -> None:
    if doc.identity[:2] != (API_VERSION, KIND):
        line, column = doc.locate(("kind",))
        raise ConfigError(
            f"{shown}:{line}:{column}: {doc.label} is not a Policy; a policy file holds "
            f"documents of apiVersion {API_VERSION}, kind {KIND}"
        )
    errors = schemas.kind_errors(API_VERSION, KIND, doc.data)
    if errors:
        where, key, message = next(schemas.describe(errors[0]))
        line, column = doc.locate(where, key)
        raise ConfigError(f"{shown}:{line}:{column}: {message}")


def _rule(shown: str, rel: str, doc: Document, index: int, raw: Mapping[str, Any]) -> Rule:
    at: DocPath = ("spec", "rules", index)
    rule_id = str(raw["id"])
    compiled = CustomRule(
        id=rule_id,
        severity=str(raw.get("severity", "error")),
        description=str(raw.get("description", "")),
        match=_match(raw.get("match") or {}),
        assertion=_compile(shown, doc, at + ("assert",), rule_id, raw["assert"]),
        message=raw.get("message"),
        message_expression=(
            _compile(shown, doc, at + ("messageExpression",), rule_id, raw["messageExpression"])
            if "messageExpression" in raw else None
        ),
        path=_path(shown, doc, at + ("path",), rule_id, raw.get("path")),
        source=f"{rel}:{doc.locate(at + ('id',))[0]}",
    )
    assert compiled.severity in SEVERITIES  # the schema's enum
    return Rule(
        id=rule_id,
        severity=compiled.severity,
        options={},
        doc=_doc(compiled, doc),
        check=functools.partial(check_rule, compiled),
        source=compiled.source,
    )


def _compile(shown: str, doc: Document, at: DocPath, rule_id: str, text: str) -> Expression:
    try:
        return compile_expression(text)
    except ExpressionError as exc:
        line, column = doc.locate(at)
        pointer = _pointer(text, exc.line, exc.column)
        raise ConfigError(
            f"{shown}:{line}:{column}: rule {rule_id}: {at[-1]} (expression line {exc.line}, "
            f"column {exc.column}): {exc.message}\n" + pointer, excerpt=pointer
        ) from None


def _pointer(text: str, line: int, column: int) -> str:
    lines = text.splitlines() or [""]
    source = lines[min(line, len(lines)) - 1]
    return f"    {source}\n    {' ' * (column - 1)}^"


_PATH_PART = re.compile(r'\.?([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\["([^"]*)"\]')


def parse_path(text: str) -> DocPath | None:
    """``spec.objectives[0].target`` -> ("spec", "objectives", 0, "target"); None if malformed."""
    parts: list[str | int] = []
    position = 0
    while position < len(text):
        found = _PATH_PART.match(text, position)
        if found is None or (found.group(0).startswith(".") and not parts):
            return None
        name, number, quoted = found.groups()
        parts.append(int(number) if number is not None else (name or quoted or ""))
        position = found.end()
    return tuple(parts)


def _path(shown: str, doc: Document, at: DocPath, rule_id: str, text: str | None) -> DocPath:
    if text is None:
        return DEFAULT_PATH
    parsed = parse_path(text)
    if not parsed:
        line, column = doc.locate(at)
        raise ConfigError(
            f"{shown}:{line}:{column}: rule {rule_id}: path: {text!r} is not a path like "
            "spec.objectives[0].target"
        )
    return parsed


def _match(raw: Mapping[str, Any]) -> Match:
    return Match(
        api_versions=_strings(raw.get("apiVersion")),
        kinds=_strings(raw.get("kind")),
        name=raw.get("name"),
        labels={str(k): str(v) for k, v in (raw.get("labels") or {}).items()},
    )


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (str(value),) if isinstance(value, str) else tuple(str(v) for v in value)


def _doc(rule: CustomRule, doc: Document) -> str:
    """What `slopolicy rules explain` prints for a house rule."""
    summary = rule.description.strip() or f"House rule {rule.id}."
    selectors = _describe_match(rule.match)
    lines = [
        summary,
        "",
        f"Defined in {rule.source} ({doc.label}).",
        f"Applies to: {selectors}.",
        f"Asserts (CEL): {rule.assertion.text.strip()}",
    ]
    if rule.message:
        lines.append(f"Message: {rule.message}")
    if rule.message_expression is not None:
        lines.append(f"Message (CEL): {rule.message_expression.text.strip()}")
    return "\n".join(lines)


def _describe_match(match: Match) -> str:
    parts = []
    if match.api_versions:
        parts.append("apiVersion " + " or ".join(match.api_versions))
    if match.kinds:
        parts.append("kind " + " or ".join(match.kinds))
    if match.name is not None:
        parts.append(f"name {match.name}")
    parts += [f"label {k}={v}" for k, v in match.labels.items()]
    return ", ".join(parts) or "every document but policies"


# Documents as CEL values, by id(document), filled as rules read them.
CONVERTED: Derived[dict[int, Any]] = Derived("documents as CEL values", lambda ctx: {})
# The steps the house rules have taken in this run.
# (A check of part of the project may take what the rest of it leaves.)
BUDGET: Derived[Budget] = Derived("CEL steps of the run", lambda ctx: Budget(
    run_limit=RUN_STEPS - ctx.derive(CEL_STEPS).reserved))

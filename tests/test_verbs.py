"""One contract per verb across the rules core (the docstring of ``kyosai/__init__.py``).

Every public function of every module of :mod:`kyosai` (and every classmethod of its public classes)
named ``is_…``, ``validate…``, ``compute…`` or ``format…`` is called with hostile arguments — in each
position it takes, the others either plausible or hostile too:

- an ``is_…`` returns a bool and never raises;
- a ``validate…``, ``compute…`` or ``format…`` either returns or raises a KyosaiError — never a
  TypeError, ValueError or AttributeError from deeper down.

New functions are found by walking the package, so a new module is held to the contract too.
"""

import datetime
import enum
import importlib
import inspect
import pkgutil

import pytest

import kyosai
from kyosai import codes, inputs, loans
from kyosai.errors import KyosaiError
from kyosai.month import Month
from kyosai.schedule import Contract

HOSTILE = [None, "", "x", -1, 1.5, float("nan"), [], {}, object()]
VERBS = ("is_", "validate", "compute", "format")
ON = datetime.date(2025, 4, 1)

# A plausible value for a parameter, by what its annotation names (first match wins), so that a
# hostile value in one position gets past the checks of the others.
PLAUSIBLE = (
    ("Contract", Contract("sky", 10000, ON)),
    ("Month", Month(2025, 4)),
    ("date", ON),
    ("Scheme", "sky"),
    ("Industry", "製造業"),
    ("MemberType", "個人事業主"),
    ("int", 10000),
)


def _modules():
    for info in pkgutil.iter_modules(kyosai.__path__):
        if info.name.startswith("_") or info.name == "cli":  # the command line: an edge, not a rule module
            continue
        yield importlib.import_module(f"kyosai.{info.name}")


def _verbs():
    """(name, callable) of every public verb of the core: module functions and class methods."""
    for module in _modules():
        for name, obj in sorted(vars(module).items()):
            if name.startswith("_"):
                continue
            if inspect.isfunction(obj) and obj.__module__ == module.__name__ and name.startswith(VERBS):
                yield f"{module.__name__}.{name}", obj
            elif (
                inspect.isclass(obj)
                and obj.__module__ == module.__name__
                and not (issubclass(obj, enum.Enum) and not len(obj))
            ):  # not a base Enum without members
                # every class's own names, not dir(): that hides the methods of an Enum
                names = {n for klass in obj.__mro__ for n in vars(klass) if n.startswith(VERBS)}
                for method_name in sorted(names):
                    method = getattr(obj, method_name)
                    if inspect.ismethod(method) and method.__self__ is obj:  # a classmethod: no instance needed
                        yield f"{module.__name__}.{name}.{method_name}", method


VERB_FUNCTIONS = dict(_verbs())


def _plausible(parameter: inspect.Parameter):
    if parameter.default is not inspect.Parameter.empty and parameter.default is not None:
        return parameter.default
    annotation = str(parameter.annotation)
    return next((value for key, value in PLAUSIBLE if key in annotation), "1")


def _calls(function):
    """Every (args, kwargs) with one hostile value in one position, the others plausible or hostile."""
    parameters = [
        p for p in inspect.signature(function).parameters.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    for position in range(len(parameters)):
        for hostile in HOSTILE:
            for others in ("plausible", "hostile"):
                args, kwargs = [], {}
                for index, parameter in enumerate(parameters):
                    value = hostile if index == position or others == "hostile" else _plausible(parameter)
                    if parameter.kind is parameter.KEYWORD_ONLY:
                        kwargs[parameter.name] = value
                    else:
                        args.append(value)
                yield args, kwargs


def test_the_walk_finds_the_verbs_of_every_module():
    for name in (
        "kyosai.codes.is_valid_corporate_number",
        "kyosai.codes.format_postal_code",
        "kyosai.calendar.is_business_day",
        "kyosai.premium.validate",
        "kyosai.premium.format",
        "kyosai.debit.compute",
        "kyosai.deduction.compute",
        "kyosai.loans.is_valid_request",
        "kyosai.eligibility.validate_safety",
        "kyosai.rejoin.is_premium_deductible",
        "kyosai.labels.Scheme.is_valid",
    ):
        assert name in VERB_FUNCTIONS, name
    assert not any(name.endswith(".is_refused") for name in VERB_FUNCTIONS)  # renamed: it read inverted


@pytest.mark.parametrize("name", sorted(n for n in VERB_FUNCTIONS if n.rsplit(".", 1)[-1].startswith("is_")))
def test_an_is_function_answers_a_bool_and_never_raises(name):
    function = VERB_FUNCTIONS[name]
    wrong = []
    for args, kwargs in _calls(function):
        try:
            answer = function(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - any exception breaks the contract: report it
            wrong.append(f"{args!r} {kwargs!r} raised {type(error).__name__}: {error}")
        else:
            if type(answer) is not bool:
                wrong.append(f"{args!r} {kwargs!r} answered {answer!r}")
    assert not wrong, "\n".join(wrong[:10])


@pytest.mark.parametrize("name", sorted(n for n in VERB_FUNCTIONS if not n.rsplit(".", 1)[-1].startswith("is_")))
def test_a_validate_compute_or_format_function_raises_only_kyosai_errors(name):
    function = VERB_FUNCTIONS[name]
    wrong = []
    for args, kwargs in _calls(function):
        try:
            function(*args, **kwargs)
        except KyosaiError as error:
            assert error.message_ja and error.message_en
        except Exception as error:  # noqa: BLE001 - anything but a KyosaiError breaks the contract
            wrong.append(f"{args!r} {kwargs!r} raised {type(error).__name__}: {error}")
    assert not wrong, "\n".join(wrong[:10])


def test_the_examples_of_the_issue():
    assert codes.is_valid_corporate_number("") is False  # raised MissingValue
    assert codes.is_valid_corporate_number("7000012050002") is True
    joined, failed = datetime.date(2024, 1, 15), datetime.date(2024, 7, 15)
    assert loans.is_valid_request(joined, failed, datetime.date(2025, 1, 16), 6) is True
    assert loans.is_valid_request(joined, failed, datetime.date(2025, 1, 17), 6) is False
    assert loans.is_valid_request(None, failed, datetime.date(2025, 1, 16), 6) is False  # raised


def test_accepts_swallows_kyosai_errors_only():
    def refuses():
        raise KyosaiError("だめ", "no")

    def breaks():
        return {}["bug"]

    assert inputs.accepts(refuses) is False
    assert inputs.accepts(lambda: 1) is True
    with pytest.raises(KeyError):  # a bug in a validator is not an answer: it shows
        inputs.accepts(breaks)

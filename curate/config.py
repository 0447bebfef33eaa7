"""Rule sets: loading, validation and the built-in sets.

A rule set is validated completely before any data is read. Every mistake becomes one line naming
the file, the key and the valid choices (RuleSetError -> exit 2 in the CLI).
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import hashlib
import json
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curate.errors import RuleSetError

TOP_KEYS = ("name", "description", "text_column", "id_column", "rules", "gates")
# how alike a misspelt built-in rule set name must be to one to be suggested (difflib's ratio):
# `gohper` -> gopher (0.83), `defualt` -> default (0.86); `nope` is as far from gopher (0.6) as
# from anything
CLOSE_NAME = 0.75
# the parameters that hold language codes, checked when the rule set is loaded (a code the rule
# cannot match would otherwise judge every document as in another language)
LANGUAGE_PARAMS = {"language-mismatch": ("expected", "equivalent")}


@dataclass(frozen=True)
class RuleSpec:
    rule: str
    action: str
    params: Any  # the rule's Params dataclass instance

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "action": self.action, **dataclasses.asdict(self.params)}


@dataclass(frozen=True)
class RuleSet:
    name: str
    rules: tuple[RuleSpec, ...]
    text_column: str = "text"
    id_column: str | None = None
    description: str = ""
    gates: dict[str, Any] = field(default_factory=dict)
    source: str = "<dict>"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "text_column": self.text_column,
            "id_column": self.id_column,
            "rules": [r.as_dict() for r in self.rules],
            "gates": self.gates,
        }

    @property
    def hash(self) -> str:
        """Stable hash of the normalised rule set (defaults filled in): goes into every report."""
        canonical = json.dumps(self.as_dict(), sort_keys=True, ensure_ascii=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def build(self) -> list:
        """Instantiate the rules, in rule-set order."""
        from curate.checks import get_rule

        return [get_rule(s.rule)(s.params, s.action) for s in self.rules]

    def with_overrides(
        self, text_column: str | None = None, id_column: str | None = None
    ) -> RuleSet:
        return dataclasses.replace(
            self,
            text_column=text_column or self.text_column,
            id_column=id_column if id_column is not None else self.id_column,
        )


# -- built-in rule sets ----------------------------------------------------------------------------


def _builtin_dir() -> Path:
    # installed: rules/ is shipped as the package-data folder curate/_rules;
    # a source checkout (editable install, PYTHONPATH): the rule sets sit beside the package
    here = Path(__file__).resolve().parent
    installed = here / "_rules"
    return installed if installed.is_dir() else here.parent / "rules"


def builtin_rulesets() -> dict[str, Path]:
    return {p.stem: p for p in sorted(_builtin_dir().glob("*.yaml"))}


# -- loading ---------------------------------------------------------------------------------------


def load_ruleset(ref: str | Path | dict[str, Any]) -> RuleSet:
    """Load a rule set from a YAML file, a built-in name, or a dict (Python API)."""
    if isinstance(ref, dict):
        return parse_ruleset(ref, "<dict>")
    ref_s = str(ref)
    path = Path(ref_s)
    builtins = builtin_rulesets()
    if not path.exists():
        if ref_s in builtins:
            path = builtins[ref_s]
        else:
            looks_like_file = "/" in ref_s or path.suffix in (".yaml", ".yml")
            if looks_like_file:
                raise RuleSetError(f"rules file {ref_s}: not found")
            hint = difflib.get_close_matches(ref_s, list(builtins), n=1, cutoff=CLOSE_NAME)
            extra = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise RuleSetError(
                f"rules {ref_s!r}: no such file or built-in rule set{extra}; "
                f"built-in: {', '.join(builtins)}"
            )
    if path.is_dir():
        raise RuleSetError(f"rules file {path}: is a folder, not a YAML file")
    import yaml

    try:
        raw = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise RuleSetError(f"rules file {path}: cannot read it ({e.__class__.__name__})") from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise RuleSetError(f"rules file {path}: not valid YAML{where}") from None
    ruleset = parse_ruleset(data, str(path))
    if builtins.get(ref_s) == path:  # reports name a built-in set, not where it is installed
        ruleset = dataclasses.replace(ruleset, source=f"built-in:{ref_s}")
    return ruleset


def parse_ruleset(data: Any, source: str) -> RuleSet:
    from curate.checks import all_rules, closest_rule
    from curate.checks.base import ACTIONS

    def fail(msg: str) -> typing.NoReturn:
        raise RuleSetError(f"rules file {source}: {msg}")

    if not isinstance(data, dict):
        fail("must be a mapping with the keys name and rules")
    for key in data:
        if key not in TOP_KEYS:
            fail(f"unknown key {key!r}{_suggest(key, TOP_KEYS)}; valid keys: {', '.join(TOP_KEYS)}")
    name = data.get("name", Path(source).stem)
    for key in ("name", "text_column", "description"):
        if key in data and not isinstance(data[key], str):
            fail(f"{key} must be a string")
    if data.get("id_column") is not None and not isinstance(data["id_column"], str):
        fail("id_column must be a string")
    rules_raw = data.get("rules")
    if not isinstance(rules_raw, list) or not rules_raw:
        fail("rules must be a non-empty list of {rule: NAME, action: ACTION, ...}")

    known = all_rules()
    specs: list[RuleSpec] = []
    seen: set[str] = set()
    for i, item in enumerate(rules_raw):
        where = f"rules[{i}]"
        if not isinstance(item, dict) or "rule" not in item:
            fail(f"{where} must be a mapping with a 'rule' key")
        rname = item["rule"]
        if not isinstance(rname, str) or rname not in known:
            hint = closest_rule(str(rname))
            did = f" (did you mean {hint!r}?)" if hint else ""
            fail(f"{where}.rule: unknown rule {rname!r}{did}; see `curate rules` for the list")
        if rname in seen:
            fail(f"{where}.rule: {rname} appears twice; a rule set uses each rule once")
        seen.add(rname)
        cls = known[rname]
        where = f"rules[{i}] ({rname})"
        action = item.get("action", "flag")
        if action not in ACTIONS or action not in cls.actions:
            fail(
                f"{where}.action: {action!r} is not an action of {rname} "
                f"(choose from {', '.join(cls.actions)})"
            )
        kwargs = {k: v for k, v in item.items() if k not in ("rule", "action")}
        params = build_params(cls, kwargs, fail, where)
        for key in LANGUAGE_PARAMS.get(rname, ()):
            _check_language_codes(getattr(params, key), f"{where}.{key}", fail)
        specs.append(RuleSpec(rname, action, params))

    gates = data.get("gates") or {}
    if not isinstance(gates, dict):
        fail("gates must be a mapping")
    from curate.gate import validate_gates

    validate_gates(gates, {s.rule for s in specs}, fail)
    return RuleSet(
        name=name,
        rules=tuple(specs),
        text_column=data.get("text_column", "text"),
        id_column=data.get("id_column"),
        description=data.get("description", ""),
        gates=gates,
        source=source,
    )


def build_params(cls: type, kwargs: dict[str, Any], fail, where: str) -> Any:
    """Typed parameters: unknown keys, wrong types and out-of-range values are rejected."""
    from curate.checks.base import param_fields, param_types

    fields = param_fields(cls.Params)
    hints = param_types(cls.Params)
    for key, value in kwargs.items():
        if key not in fields:
            keys = ["action", *fields]
            valid = ", ".join(keys)
            fail(f"{where}: unknown key {key!r}{_suggest(key, keys)}; valid keys: {valid}")
        err = _type_error(value, hints[key])
        if err and key in LANGUAGE_PARAMS.get(cls.name, ()) and _holds_false(value):
            # YAML 1.1 reads the Norwegian code `no` as false
            fail(f"{where}.{key}: False is not a language code; quote it, e.g. 'no'")
        if err:
            fail(f"{where}.{key}: {err}")
        meta = fields[key].metadata
        lo, hi = meta.get("min"), meta.get("max")
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, int | float) and not isinstance(v, bool):
                if lo is not None and v < lo or hi is not None and v > hi:
                    fail(f"{where}.{key}: {v} is out of range {_range(lo, hi)}")
    try:
        params = cls.Params(**kwargs)
        check = getattr(params, "validate", None)
        if check:
            check()
    except (TypeError, ValueError) as e:
        fail(f"{where}: {e}")
    return params


def _type_error(value: Any, hint: Any) -> str | None:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if any(_type_error(value, o) is None for o in options):
            return None
        return f"{value!r} is not {_type_name(hint)}"
    if hint is type(None):
        return None if value is None else "must be empty"
    if origin is list:
        (inner,) = typing.get_args(hint) or (Any,)
        if not isinstance(value, list):
            return f"{value!r} is not a list"
        for v in value:
            e = _type_error(v, inner)
            if e:
                return f"item {e}"
        return None
    if origin is dict:
        k_t, v_t = typing.get_args(hint) or (Any, Any)
        if not isinstance(value, dict):
            return f"{value!r} is not a mapping"
        for k, v in value.items():
            e = _type_error(k, k_t) or _type_error(v, v_t)
            if e:
                return f"entry {k!r}: {e}"
        return None
    if hint is Any:
        return None
    if hint is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, hint)
    return None if ok else f"{value!r} is not {_type_name(hint)}"


def _type_name(hint: Any) -> str:
    names = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}
    if hint in names:
        return names[hint]
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(hint) if a is not type(None))
    if origin is list:
        return "a list"
    if origin is dict:
        return "a mapping"
    return str(hint)


def _suggest(key: str, valid: Any) -> str:
    hint = difflib.get_close_matches(str(key), list(valid), n=1)
    return f" (did you mean {hint[0]!r}?)" if hint else ""


def _range(lo, hi) -> str:
    """A parameter's allowed range as a reader says it: [0, 1], (must be >= 1.0) or
    (must be <= 10)."""
    if lo is not None and hi is not None:
        return f"[{lo}, {hi}]"
    return f"(must be >= {lo})" if lo is not None else f"(must be <= {hi})"


# -- language codes --------------------------------------------------------------------------------
# ISO 639-1: the codes the language rule reports and a rule set names languages by (plus `sh`,
# Serbo-Croatian, withdrawn from the standard and still used for text in that language)
_ISO_639_1 = """
aa Afar|ab Abkhazian|ae Avestan|af Afrikaans|ak Akan|am Amharic|an Aragonese|ar Arabic|as Assamese|
av Avaric|ay Aymara|az Azerbaijani|ba Bashkir|be Belarusian|bg Bulgarian|bi Bislama|bm Bambara|
bn Bengali|bo Tibetan|br Breton|bs Bosnian|ca Catalan|ce Chechen|ch Chamorro|co Corsican|cr Cree|
cs Czech|cu Church Slavic|cv Chuvash|cy Welsh|da Danish|de German|dv Divehi|dz Dzongkha|ee Ewe|
el Greek|en English|eo Esperanto|es Spanish|et Estonian|eu Basque|fa Persian|ff Fulah|fi Finnish|
fj Fijian|fo Faroese|fr French|fy Western Frisian|ga Irish|gd Scottish Gaelic|gl Galician|
gn Guarani|gu Gujarati|gv Manx|ha Hausa|he Hebrew|hi Hindi|ho Hiri Motu|hr Croatian|ht Haitian|
hu Hungarian|hy Armenian|hz Herero|ia Interlingua|id Indonesian|ie Interlingue|ig Igbo|
ii Sichuan Yi|ik Inupiaq|io Ido|is Icelandic|it Italian|iu Inuktitut|ja Japanese|jv Javanese|
ka Georgian|kg Kongo|ki Kikuyu|kj Kuanyama|kk Kazakh|kl Kalaallisut|km Khmer|kn Kannada|ko Korean|
kr Kanuri|ks Kashmiri|ku Kurdish|kv Komi|kw Cornish|ky Kyrgyz|la Latin|lb Luxembourgish|lg Ganda|
li Limburgish|ln Lingala|lo Lao|lt Lithuanian|lu Luba-Katanga|lv Latvian|mg Malagasy|
mh Marshallese|mi Maori|mk Macedonian|ml Malayalam|mn Mongolian|mr Marathi|ms Malay|mt Maltese|
my Burmese|na Nauru|nb Norwegian Bokmal|nd North Ndebele|ne Nepali|ng Ndonga|nl Dutch|
nn Norwegian Nynorsk|no Norwegian|nr South Ndebele|nv Navajo|ny Chichewa|oc Occitan|oj Ojibwa|
om Oromo|or Odia|os Ossetian|pa Punjabi|pi Pali|pl Polish|ps Pashto|pt Portuguese|qu Quechua|
rm Romansh|rn Rundi|ro Romanian|ru Russian|rw Kinyarwanda|sa Sanskrit|sc Sardinian|sd Sindhi|
se Northern Sami|sg Sango|sh Serbo-Croatian|si Sinhala|sk Slovak|sl Slovenian|sm Samoan|sn Shona|
so Somali|sq Albanian|sr Serbian|ss Swati|st Sotho|su Sundanese|sv Swedish|sw Swahili|ta Tamil|
te Telugu|tg Tajik|th Thai|ti Tigrinya|tk Turkmen|tl Tagalog|tn Tswana|to Tonga|tr Turkish|
ts Tsonga|tt Tatar|tw Twi|ty Tahitian|ug Uyghur|uk Ukrainian|ur Urdu|uz Uzbek|ve Venda|
vi Vietnamese|vo Volapuk|wa Walloon|wo Wolof|xh Xhosa|yi Yiddish|yo Yoruba|za Zhuang|zh Chinese|
zu Zulu
"""
LANGUAGE_NAMES: dict[str, str] = dict(
    entry.strip().split(" ", 1) for entry in _ISO_639_1.replace("\n", "").split("|")
)
# other names users write for a language, and country codes written for its language
_OTHER_NAMES = {"farsi": "fa", "filipino": "tl", "bahasa": "id", "castilian": "es"}
_COUNTRY_CODES = {
    "cn": "zh", "cz": "cs", "dk": "da", "gb": "en", "gr": "el", "il": "he", "jp": "ja",
    "kr": "ko", "rs": "sr", "ua": "uk", "us": "en", "vn": "vi",
}  # fmt: skip
_UNDETERMINED = "und"


def language_code(value: str) -> str | None:
    """The ISO 639-1 code `value` names, as the language rule compares it (`EN` -> `en`,
    `pt_BR` -> `pt`, `ind` -> `id`, `in` -> `id`), or None when it is not a language code (a
    language's name, a country code, a typo). The one definition of a valid code: the rule set's
    `expected`, `equivalent` and `gates.languages` codes."""
    from curate.langid.detect import normalise_code

    code = normalise_code(value)
    return code if code in LANGUAGE_NAMES else None


def language_of(value: str) -> str | None:
    """language_code(value), or the code of the language `value` names in English
    (`Indonesian` -> `id`, `farsi` -> `fa`): for values read from data (an expected-language
    column), where a language's name is as clear as its code. None: it names no language."""
    return language_code(value) or _by_name().get(value.strip().lower())


@functools.cache
def _by_name() -> dict[str, str]:
    """Each language's English name, lower case, and the other names users write -> its code."""
    return {name.lower(): code for code, name in LANGUAGE_NAMES.items()} | _OTHER_NAMES


def language_code_hint(value: str) -> str:
    """What to write instead of `value`, which is not a language code: `; write 'en' (English)`
    for a language's name, ` (did you mean 'id', Indonesian?)` for a close one, else the form."""
    by_name = _by_name()
    key = value.strip().lower()
    if key in by_name:
        code = by_name[key]
        return f"; write {code!r} ({LANGUAGE_NAMES[code]})"
    close = _COUNTRY_CODES.get(key)
    if close is None:
        match = difflib.get_close_matches(key, list(by_name), n=1, cutoff=0.8)
        close = by_name[match[0]] if match else None
    if close is not None:
        return f" (did you mean {close!r}, {LANGUAGE_NAMES[close]}?)"
    return " (ISO 639-1, e.g. en, id, zh)"


def _check_language_codes(value: Any, where: str, fail) -> None:
    """Every code in `value` (a list of codes, or of lists of codes) names a language."""
    for item in value:
        if isinstance(item, list):
            _check_language_codes(item, where, fail)
        elif language_code(item) is None:
            if item.strip().lower() == _UNDETERMINED:
                fail(f"{where}: 'und' (undetermined) cannot be expected: the rule reports it for "
                     "text it cannot judge, never as a language")  # fmt: skip
            fail(f"{where}: {item!r} is not a language code{language_code_hint(item)}")


def _holds_false(value: Any) -> bool:
    """A list (or list of lists) holding False: YAML's reading of an unquoted `no`."""
    return isinstance(value, list) and any(
        v is False or (isinstance(v, list) and any(x is False for x in v)) for v in value
    )

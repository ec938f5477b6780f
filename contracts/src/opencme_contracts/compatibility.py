"""Which differences between two event JSON Schemas break a consumer.

A topic keeps its history and services upgrade one at a time, so a message written under one schema is read under the
other in both directions: a consumer on the old contract reads new messages, and a consumer on the new contract
replays old ones. Hence any change to what a field may hold is breaking, widening as much as narrowing. The only safe
change within a version is a new optional property, which old consumers ignore.

Handles the shapes pydantic v2 produces: `$defs`/`$ref`, `anyOf` with null for optionals, Decimal as number-or-string,
tuples as `items`/`prefixItems`, dicts as `additionalProperties`, Literal as `enum`/`const`, `format` for dates, uuids.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

Schema = dict[str, Any]
Variant = tuple[str | None, Schema]  # an alternative of a union: the $defs name it came from (if any), and its schema
Visit = tuple[str | None, str | None]  # a pair of $defs names being compared, to stop on self-reference

JSON_TYPES = ("array", "boolean", "integer", "null", "number", "object", "string")
# Value constraints pydantic emits from Field(ge=..., max_length=..., pattern=...) and friends.
CONSTRAINTS = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
)
_ANY = frozenset(JSON_TYPES)


def check_compatible(old: Schema, new: Schema) -> list[str]:
    """Breaking changes for a consumer written against `old` when messages follow `new`; empty when compatible."""
    problems: list[str] = []
    _Comparison(old, new, problems).compare(old, new, path="", seen=frozenset())
    return list(dict.fromkeys(problems))  # union alternatives can lead to the same field twice


class _Comparison:
    def __init__(self, old_root: Schema, new_root: Schema, problems: list[str]) -> None:
        self.old_root = old_root
        self.new_root = new_root
        self.problems = problems

    def report(self, path: str, message: str) -> None:
        self.problems.append(f"{path or '<root>'}: {message}")

    def compare(self, old: Schema, new: Schema, *, path: str, seen: frozenset[Visit]) -> None:
        old_variants, new_variants = _variants(self.old_root, old), _variants(self.new_root, new)

        old_types, new_types = _types(old_variants), _types(new_variants)
        if old_types != new_types:
            self.report(path, f"type changed from {_show_types(old_types)} to {_show_types(new_types)}")
        self._compare_values(old_variants, new_variants, path)

        old_objects, new_objects = _of_type(old_variants, "object"), _of_type(new_variants, "object")
        for (o_owner, o), (n_owner, n) in self._pair(old_objects, new_objects, path):
            # A self-referencing model would recurse forever; a pair of $defs already being compared is skipped.
            visit = (o_owner, n_owner)
            if visit != (None, None) and visit in seen:
                continue
            self._compare_objects(o, n, path=path, owner=o_owner, seen=seen | {visit})
        for (_, o), (_, n) in zip(_of_type(old_variants, "array"), _of_type(new_variants, "array"), strict=False):
            self._compare_arrays(o, n, path=path, seen=seen)

    def _compare_values(self, old_variants: list[Variant], new_variants: list[Variant], path: str) -> None:
        old_values, new_values = _allowed_values(old_variants), _allowed_values(new_variants)
        if old_values is not None and new_values is None:
            self.report(path, f"no longer restricted to {_show_values(old_values)}")
        elif old_values is None and new_values is not None:
            self.report(path, f"now restricted to {_show_values(new_values)}")
        elif old_values is not None and new_values is not None:
            if removed := old_values - new_values:
                self.report(path, f"allowed values removed: {_show_values(removed)}")
            if added := new_values - old_values:
                self.report(path, f"allowed values added: {_show_values(added)} (old consumers reject them)")

        old_formats, new_formats = _keyword_by_type(old_variants, "format"), _keyword_by_type(new_variants, "format")
        for json_type in sorted(old_formats.keys() & new_formats.keys()):
            if old_formats[json_type] != new_formats[json_type]:
                before, after = old_formats[json_type] or "none", new_formats[json_type] or "none"
                self.report(path, f"format changed from {before} to {after}")
        for keyword in CONSTRAINTS:
            before, after = _keyword_by_type(old_variants, keyword), _keyword_by_type(new_variants, keyword)
            for json_type in sorted(before.keys() & after.keys()):
                if before[json_type] != after[json_type]:
                    self.report(path, f"constraint {keyword} changed from {before[json_type]} to {after[json_type]}")

    def _compare_objects(
        self, old: Schema, new: Schema, *, path: str, owner: str | None, seen: frozenset[Visit]
    ) -> None:
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))

        def where(name: str) -> str:
            return f"{path}.{name}" if path else name

        def named(name: str) -> str:
            return f" ({owner}.{name})" if owner else ""

        for name, old_prop in old_props.items():
            if name not in new_props:
                self.report(where(name), f"property removed{named(name)}")
                continue
            if name in old_required and name not in new_required:
                self.report(where(name), f"required property became optional{named(name)}")
            elif name not in old_required and name in new_required:
                self.report(where(name), f"optional property became required{named(name)}")
            self.compare(old_prop, new_props[name], path=where(name), seen=seen)
        for name in new_props:
            if name not in old_props and name in new_required:
                self.report(where(name), f"new required property{named(name)}")

        # Dict values: `additionalProperties` absent or true means anything, false means nothing.
        old_extra, new_extra = old.get("additionalProperties", True), new.get("additionalProperties", True)
        if old_extra is not False and new_extra is False:
            self.report(path, "no longer accepts additional properties")
        elif old_extra is False and new_extra is not False:
            self.report(path, "now accepts additional properties")
        elif isinstance(old_extra, dict) or isinstance(new_extra, dict):
            self.compare(_as_schema(old_extra), _as_schema(new_extra), path=f"{path}{{}}", seen=seen)

    def _compare_arrays(self, old: Schema, new: Schema, *, path: str, seen: frozenset[Visit]) -> None:
        old_prefix, new_prefix = old.get("prefixItems"), new.get("prefixItems")
        if (old_prefix is None) != (new_prefix is None):
            self.report(path, "array changed between a fixed-length tuple and a variable-length sequence")
            return
        if old_prefix is not None and new_prefix is not None:
            if len(old_prefix) != len(new_prefix):
                self.report(path, f"tuple length changed from {len(old_prefix)} to {len(new_prefix)}")
            for index, (o, n) in enumerate(zip(old_prefix, new_prefix, strict=False)):
                self.compare(o, n, path=f"{path}[{index}]", seen=seen)
        old_items, new_items = old.get("items", True), new.get("items", True)
        if old_items is False or new_items is False:
            if old_items is not new_items:
                self.report(path, "array now accepts a different number of items")
            return
        if isinstance(old_items, dict) or isinstance(new_items, dict):
            self.compare(_as_schema(old_items), _as_schema(new_items), path=f"{path}[]", seen=seen)

    def _pair(self, old: list[Variant], new: list[Variant], path: str) -> list[tuple[Variant, Variant]]:
        """Match the object alternatives of a union; a single one on each side is the same object whatever its name."""
        if len(old) <= 1 or len(new) <= 1:
            return list(zip(old, new, strict=False))
        new_by_name = {_name(owner, s): (owner, s) for owner, s in new}
        pairs = []
        for owner, schema in old:
            match = new_by_name.get(_name(owner, schema))
            if match is None:
                self.report(path, f"union alternative {_name(owner, schema)} removed")
            else:
                pairs.append(((owner, schema), match))
        for name in sorted(new_by_name.keys() - {_name(o, s) for o, s in old}):
            self.report(path, f"union alternative {name} added (old consumers reject it)")
        return pairs


def _resolve(root: Schema, schema: Schema) -> tuple[str | None, Schema]:
    """Follow `$ref` (keywords beside it, like a description, stay); returns the $def name it led to, if any."""
    name = None
    while "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"only local $refs are supported, got {ref!r}")
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        name = ref.rsplit("/", 1)[-1]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return name, schema


def _variants(root: Schema, schema: Schema) -> list[tuple[str | None, Schema]]:
    """The alternatives a value may take, with `anyOf`/`oneOf` flattened and single-item `allOf` unwrapped."""
    owner, schema = _resolve(root, schema)
    if len(schema.get("allOf", ())) == 1:
        rest = {k: v for k, v in schema.items() if k != "allOf"}
        return _variants(root, {**rest, **schema["allOf"][0]})
    for keyword in ("anyOf", "oneOf"):
        if keyword in schema:
            rest = {k: v for k, v in schema.items() if k not in (keyword, "title", "description", "default")}
            return [v for option in schema[keyword] for v in _variants(root, {**rest, **option})]
    return [(owner, schema)]


def _as_schema(value: Schema | bool) -> Schema:
    """`true` (or an absent keyword) accepts anything, like the empty schema."""
    return value if isinstance(value, dict) else {}


def _schema_types(schema: Schema) -> frozenset[str]:
    declared = schema.get("type")
    if isinstance(declared, str):
        return frozenset({declared})
    if isinstance(declared, list):
        return frozenset(declared)
    values = _values_of(schema)
    if values is not None:
        return frozenset(_json_type(v) for v in values)
    if "properties" in schema or "additionalProperties" in schema:
        return frozenset({"object"})
    if "items" in schema or "prefixItems" in schema:
        return frozenset({"array"})
    return _ANY


def _types(variants: list[Variant]) -> frozenset[str]:
    return frozenset[str]().union(*(_schema_types(s) for _, s in variants))


def _of_type(variants: list[Variant], json_type: str) -> list[Variant]:
    return [(owner, s) for owner, s in variants if json_type in _schema_types(s)]


def _values_of(schema: Schema) -> frozenset[Hashable] | None:
    if "const" in schema:
        return frozenset({_hashable(schema["const"])})
    if "enum" in schema:
        return frozenset(_hashable(v) for v in schema["enum"])
    return None


def _allowed_values(variants: list[Variant]) -> frozenset[Hashable] | None:
    """The enumerated values of the non-null alternatives, or None when any of them accepts an open range."""
    allowed: set[Hashable] = set()
    for _, schema in variants:
        if _schema_types(schema) == {"null"}:
            continue
        values = _values_of(schema)
        if values is None:
            return None
        allowed |= values
    return frozenset(allowed)


def _keyword_by_type(variants: list[Variant], keyword: str) -> dict[str, Any]:
    """keyword value per JSON type, e.g. {"string": "date-time"}; alternatives of one type are merged into a set."""
    found: dict[str, set[Hashable]] = {}
    for _, schema in variants:
        for json_type in _schema_types(schema) - {"null"}:
            found.setdefault(json_type, set()).add(_hashable(schema.get(keyword)))
    return {t: (next(iter(v)) if len(v) == 1 else tuple(sorted(v, key=repr))) for t, v in found.items()}


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, tuple) else "object"


def _name(owner: str | None, schema: Schema) -> str:
    return owner or schema.get("title") or "<anonymous object>"


def _show_types(types: frozenset[str]) -> str:
    return "any" if types == _ANY else " | ".join(sorted(types)) or "nothing"


def _show_values(values: frozenset[Hashable]) -> str:
    return ", ".join(sorted(repr(v) for v in values))

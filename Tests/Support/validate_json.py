#!/usr/bin/env python3
"""Validates JSON documents against one of Baton's JSON Schemas (draft 2020-12).

Usage:
    python3 validate_json.py [--json] SCHEMA [FILE ...]

Each FILE holds one JSON document (`.yaml`/`.yml` files too, when PyYAML is installed). Without
FILE, or with `-`, documents are read from standard input as JSON lines: one document per
non-empty line, named `stdin:<line>`.

Every violation is printed as `<document>: <JSON Pointer>: <message> [<keyword> at <schema path>]`,
and the exit status says how it went:
    0  every document is valid
    1  at least one document is invalid
    2  usage error, unreadable file, invalid JSON, or a schema that is itself invalid
    3  the Python package `jsonschema` is missing (pip install jsonschema)

With `--json`, one JSON object per document is printed instead, on its own line:
    {"document": "...", "valid": false, "errors": [{"pointer": "/attempt", "field": "/attempt",
     "keyword": "minimum", "schemaPath": "/properties/attempt/minimum", "message": "..."}]}
`pointer` is where jsonschema reports the error; `field` is the offending field itself, which
differs for a missing property (`required` reports the parent object, `field` names the property).
The contract tests read this form to assert exactly which field failed.

Formats are checked. The checks of `date-time`, `uri` and `uri-reference` are built in here rather
than left to jsonschema's optional extras, so a plain `pip install jsonschema` checks them too and
every machine gives the same answer. Sibling `*.schema.json` files are registered by their `$id`,
so one schema may `$ref` another.
"""

import json
import os
import re
import sys

try:
    import jsonschema
    from jsonschema import Draft202012Validator, FormatChecker
except ImportError:  # pragma: no cover - depends on the machine
    sys.stderr.write(
        "validate_json.py needs the Python package jsonschema (4.18 or later): pip install jsonschema\n"
    )
    sys.exit(3)

try:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012
except ImportError:  # pragma: no cover - jsonschema < 4.18
    Registry = None


# MARK: Formats

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$"
)
_URI_CHARS = r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*"
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:" + _URI_CHARS + r"$")
_RELATIVE_REF = re.compile(r"^" + _URI_CHARS + r"$")
_DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def is_date_time(value):
    """RFC 3339 `date-time`: a date, `T`, a time, and `Z` or a numeric offset."""
    if not isinstance(value, str):
        return True
    m = _RFC3339.match(value)
    if not m:
        return False
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    if not 1 <= month <= 12 or not 1 <= day <= _DAYS_IN_MONTH[month - 1]:
        return False
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if month == 2 and day == 29 and not leap:
        return False
    if hour > 23 or minute > 59 or second > 60:
        return False
    if m.group(7) and (int(m.group(8)) > 23 or int(m.group(9)) > 59):
        return False
    return True


def is_uri(value):
    """RFC 3986 absolute URI: a scheme, `:`, and only characters a URI may contain."""
    if not isinstance(value, str):
        return True
    return bool(_URI.match(value))


def is_uri_reference(value):
    """RFC 3986 URI reference: a URI, or a relative reference whose first segment has no `:`."""
    if not isinstance(value, str):
        return True
    if _URI.match(value):
        return True
    first_segment = re.split(r"[/?#]", value, maxsplit=1)[0]
    return ":" not in first_segment and bool(_RELATIVE_REF.match(value))


def format_checker():
    checker = FormatChecker()
    checker.checks("date-time")(is_date_time)
    checker.checks("uri")(is_uri)
    checker.checks("uri-reference")(is_uri_reference)
    return checker


# MARK: Loading


class UsageError(Exception):
    pass


def load_file(path):
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise UsageError(f"{path}: cannot read: {e.strerror}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UsageError(f"{path}: not UTF-8 (byte {e.start})")
    if path.endswith((".yaml", ".yml")):
        try:
            import yaml
        except ImportError:
            raise UsageError(f"{path}: reading YAML needs PyYAML (pip install pyyaml); or convert it to JSON")
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise UsageError(f"{path}: invalid YAML: {e}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise UsageError(f"{path}: invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}")


def stdin_documents():
    for number, line in enumerate(sys.stdin.buffer.read().decode("utf-8").split("\n"), start=1):
        if not line.strip():
            continue
        name = f"stdin:{number}"
        try:
            yield name, json.loads(line)
        except json.JSONDecodeError as e:
            raise UsageError(f"{name}: invalid JSON at column {e.colno}: {e.msg}")


def registry_for(schema_path):
    """Every `*.schema.json` next to the schema, by `$id`, so schemas can refer to each other."""
    if Registry is None:
        return None
    resources = []
    folder = os.path.dirname(os.path.abspath(schema_path))
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".schema.json"):
            continue
        try:
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                contents = json.load(f)
        except (OSError, ValueError):
            continue
        if isinstance(contents, dict) and isinstance(contents.get("$id"), str):
            resources.append((contents["$id"], Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


# MARK: Reporting


def pointer(path):
    """An RFC 6901 JSON Pointer for a jsonschema path (a deque of keys and indices)."""
    tokens = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(tokens) if tokens else ""


def violations(validator, document):
    """Flat list of violations, innermost-first for `oneOf`/`anyOf` so the reason is visible."""
    found = []

    def add(error):
        if error.context and error.validator in ("oneOf", "anyOf"):
            # Prefer a branch of the right type: "not an integer" says little about a bad string.
            typed = [e for e in error.context if e.validator != "type"]
            best = jsonschema.exceptions.best_match(typed or error.context)
            detail = f" (closest: {pointer(best.absolute_path) or '/'}: {best.message})" if best is not None else ""
        else:
            detail = ""
        location = pointer(error.absolute_path)
        field = location
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = [n for n in error.validator_value if n not in error.instance and repr(n) in error.message]
            if missing:
                field = location + "/" + str(missing[0]).replace("~", "~0").replace("/", "~1")
        found.append({
            "pointer": location,
            "field": field,
            "keyword": str(error.validator),
            "schemaPath": pointer(error.absolute_schema_path),
            "message": error.message + detail,
        })

    for error in sorted(validator.iter_errors(document), key=lambda e: (list(map(str, e.absolute_path)), str(e.validator))):
        add(error)
    return found


def main(argv):
    args = list(argv[1:])
    as_json = False
    if args and args[0] == "--json":
        as_json = True
        args = args[1:]
    if not args or args[0] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        return 2
    schema_path, files = args[0], args[1:]
    try:
        schema = load_file(schema_path)
        try:
            Draft202012Validator.check_schema(schema)
        except jsonschema.exceptions.SchemaError as e:
            raise UsageError(f"{schema_path}: not a valid 2020-12 schema: at {pointer(e.absolute_path) or '/'}: {e.message}")
        options = {"format_checker": format_checker()}
        registry = registry_for(schema_path)
        if registry is not None:
            options["registry"] = registry
        validator = Draft202012Validator(schema, **options)

        if not files or files == ["-"]:
            documents = stdin_documents()
        else:
            documents = ((path, load_file(path)) for path in files)

        invalid = 0
        checked = 0
        for name, document in documents:
            checked += 1
            errors = violations(validator, document)
            if errors:
                invalid += 1
            if as_json:
                print(json.dumps({"document": name, "valid": not errors, "errors": errors}, ensure_ascii=False))
            else:
                for e in errors:
                    print(f"{name}: {e['pointer'] or '/'}: {e['message']} [{e['keyword']} at {e['schemaPath']}]")
        if not as_json:
            summary = f"{checked - invalid} of {checked} document(s) valid against {os.path.basename(schema_path)}"
            print(summary, file=sys.stderr)
        return 1 if invalid else 0
    except UsageError as e:
        sys.stderr.write(f"validate_json.py: {e}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""A small renderer for Helm charts written in a subset of Go templates and sprig.

`helm` cannot be installed on the machines this project builds on, so the chart under
deploy/helm/berth is rendered here by this module instead, the way `helm template` would:

- values: the chart's values.yaml, merged with `--set`-style overrides ("a.b=c,d=1"; typed as
  helm's strvals does: true/false, null, integers, everything else a string). Numbers read from a
  YAML file are floats, as in Helm (it reads values through JSON), while `--set` integers are
  ints: templates that compare numbers must convert them with `int`, as real charts must.
- built-in objects: .Values, .Release (Name, Namespace, Service, IsInstall, IsUpgrade,
  Revision), .Chart (Name, Version, AppVersion, ...), .Template (Name, BasePath). A field that is
  not there is an error, as it is for Helm's structs; a missing key of a values map is nil.
- the language: text, {{ }} actions with `{{-`/`-}}` trimming and comments, pipelines with `|`,
  parenthesised pipelines, variables (`$x := ...`, `$x = ...`, `$`), fields of maps, if / else
  if / else, with / else, range over lists and maps (with `$i, $v :=`), define and the `include`
  function; `template`, `block`, `break` and `continue` are refused.
- functions: exactly FUNCTIONS below: toYaml, nindent, indent, quote, default, eq, ne, gt, not,
  and, or, b64enc, printf (%s %v %d %q), trimSuffix, fail, required, randAlphaNum, lookup,
  urlquery, include, and two more the chart needs: int (Helm's values-file numbers are float64,
  and Go's comparisons refuse float64 against int) and b64dec (to reuse a looked-up password).
  An unknown function stops the parse, so a template that uses something outside the subset
  fails here instead of passing by accident.
- `lookup` returns an empty map, as it does under `helm template` (no cluster to ask).
- output: every template not starting with `_` is rendered, split into YAML documents on `---`
  lines and parsed; empty documents are dropped. NOTES.txt is rendered but is not a manifest.

Usage as a script: python3 helm_render.py CHART_DIR [--set a.b=c ...] prints the manifests.
"""
import base64
import copy
import decimal
import json
import os
import random
import re
import string
import sys
import urllib.parse

import yaml


class TemplateError(Exception):
    """A parse or execution error, named after the template and line like helm's."""


class FailError(TemplateError):
    """Raised by the `fail` and `required` functions: the chart refused its values."""


class SchemaError(TemplateError):
    """The merged values do not validate against values.schema.json."""


# ---------------------------------------------------------------------------------------------
# Values


class Struct(dict):
    """A Go struct (Release, Chart, Template, the root object): unknown fields are errors."""


def _helm_file_numbers(value, as_float=True):
    """Helm reads values files through JSON, so every number in them is a float64."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value) if as_float else value
    if isinstance(value, dict):
        return {k: _helm_file_numbers(v, as_float) for k, v in value.items()}
    if isinstance(value, list):
        return [_helm_file_numbers(v, as_float) for v in value]
    return value


def _typed_set_value(text):
    # helm's strvals.typedVal: booleans, null, integers (no leading zero); all else is a string.
    if text in ("true", "false"):
        return text == "true"
    if text == "null":
        return None
    if text == "0":
        return 0
    if re.fullmatch(r"-?[1-9][0-9]*", text):
        return int(text)
    return text


def parse_set(expression):
    """Parses one --set argument ("a.b=c,d.e=f") into (dotted key, typed value) pairs."""
    pairs, key, value, in_value, escaped = [], "", "", False, False
    for ch in expression + ",":
        if escaped:
            if in_value:
                value += ch
            else:
                key += ch
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "=" and not in_value:
            in_value = True
        elif ch == ",":
            if key:
                if not in_value:
                    raise TemplateError(f"--set {expression!r}: key {key!r} has no value")
                if "[" in key:
                    raise TemplateError(f"--set {expression!r}: list indexes are not supported here")
                pairs.append((key, _typed_set_value(value)))
            key, value, in_value = "", "", False
        elif in_value:
            value += ch
        else:
            key += ch
    return pairs


def merge_values(base, overrides):
    """Returns base with overrides applied; maps merge key by key, a null deletes (as in Helm)."""
    result = copy.deepcopy(base)
    for key, value in overrides.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge_values(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def set_overrides(sets):
    """--set arguments as a nested dict of overrides."""
    overrides = {}
    for expression in sets:
        for dotted, value in parse_set(expression):
            node = overrides
            parts = dotted.split(".")
            for part in parts[:-1]:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    raise TemplateError(f"--set {dotted}: {part} is not a map")
            node[parts[-1]] = value
    return overrides


# ---------------------------------------------------------------------------------------------
# Printing values as Go's fmt does (%v)


def go_float(f):
    """strconv.FormatFloat(f, 'g', -1, 64): the shortest digits, %e from exponent 6 or below -4."""
    if f != f:
        return "NaN"
    if f in (float("inf"), float("-inf")):
        return "+Inf" if f > 0 else "-Inf"
    if f == 0:
        return "0"
    sign, digits, exponent = decimal.Decimal(repr(f)).as_tuple()
    digits = list(digits)
    while len(digits) > 1 and digits[-1] == 0:
        digits.pop()
        exponent += 1
    nd = len(digits)
    dp = nd + exponent  # position of the decimal point
    x = dp - 1
    text = "".join(map(str, digits))
    prefix = "-" if sign else ""
    if x < -4 or x >= 6:
        mantissa = text[0] + ("." + text[1:] if nd > 1 else "")
        return f"{prefix}{mantissa}e{'-' if x < 0 else '+'}{abs(x):02d}"
    if dp <= 0:
        return f"{prefix}0.{'0' * -dp}{text}"
    if dp >= nd:
        return prefix + text + "0" * (dp - nd)
    return prefix + text[:dp] + "." + text[dp:]


def go_str(value):
    """fmt.Sprint of a template value; nil prints as "" (helm drops "<no value>")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + " ".join(go_str(v) if v is not None else "<nil>" for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_str(value[k]) if value[k] is not None else '<nil>'}"
                                 for k in sorted(value)) + "]"
    raise TemplateError(f"cannot print a {type(value).__name__}")


def go_type(value):
    if value is None:
        return "<nil>"
    return {bool: "bool", int: "int", float: "float64", str: "string"}.get(type(value)) or (
        "[]interface {}" if isinstance(value, list) else "map[string]interface {}")


def go_quote(text):
    """strconv.Quote for the strings charts quote."""
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def truth(value):
    """Go template truth: false, 0, nil and empty strings, lists and maps are false."""
    if value is None:
        return False
    if isinstance(value, (bool, int, float, str, list, dict)):
        return bool(value)
    return True


def empty(value):
    """sprig's empty (used by default): the same as not truth for the values templates see."""
    return not truth(value)


# ---------------------------------------------------------------------------------------------
# Functions: the subset. Each takes already-evaluated arguments, except and/or (lazy).


def _kind(value):
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    return None


def _basic(value, what):
    kind = _kind(value)
    if kind is None:
        raise TemplateError(f"error calling {what}: invalid type for comparison")
    return kind


def fn_eq(arg1, *rest):
    if not rest:
        raise TemplateError("error calling eq: missing argument for comparison")
    for arg in rest:
        if arg1 is None or arg is None:
            if (arg1 is None) == (arg is None):
                return True
            continue
        if isinstance(arg1, (list, dict)) or isinstance(arg, (list, dict)):
            raise TemplateError("error calling eq: non-comparable type")
        if _basic(arg1, "eq") != _basic(arg, "eq"):
            raise TemplateError("error calling eq: incompatible types for comparison")
        if arg1 == arg:
            return True
    return False


def fn_ne(arg1, arg2):
    return not fn_eq(arg1, arg2)


def _ordered(name, a, b):
    ka, kb = _basic(a, name), _basic(b, name)
    if ka != kb:
        raise TemplateError(f"error calling {name}: incompatible types for comparison")
    if ka == "bool":
        raise TemplateError(f"error calling {name}: invalid type for comparison")
    return a, b


def fn_gt(a, b):
    a, b = _ordered("gt", a, b)
    return a > b


def fn_not(value):
    return not truth(value)


def _need_str(name, value):
    if not isinstance(value, str):
        raise TemplateError(f"error calling {name}: wrong type for value; expected string; got {go_type(value)}")
    return value


def _need_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TemplateError(f"error calling {name}: wrong type for value; expected int; got {go_type(value)}")
    return value


def fn_to_yaml(value):
    """sprig/helm toYaml: YAML with sorted keys and no trailing newline."""
    def plain(v):
        if isinstance(v, float) and v.is_integer() and abs(v) < 1e21:
            return int(v)
        if isinstance(v, dict):
            return {str(k): plain(x) for k, x in v.items()}
        if isinstance(v, list):
            return [plain(x) for x in v]
        return v
    text = yaml.safe_dump(plain(value), default_flow_style=False, sort_keys=True, width=1 << 20)
    if text.endswith("\n...\n"):
        text = text[: -len("...\n")]
    return text.rstrip("\n") if text.endswith("\n") else text


def fn_indent(spaces, text):
    pad = " " * _need_int("indent", spaces)
    return pad + _need_str("indent", text).replace("\n", "\n" + pad)


def fn_nindent(spaces, text):
    return "\n" + fn_indent(spaces, text)


def _strval(value):
    return value if isinstance(value, str) else go_str(value)


def fn_quote(*values):
    return " ".join(go_quote(_strval(v)) for v in values if v is not None)


def fn_default(default_value, *given):
    if not given or empty(given[0]):
        return default_value
    return given[0]


def fn_b64enc(text):
    return base64.b64encode(_strval(text).encode()).decode()


def fn_b64dec(text):
    try:
        return base64.b64decode(_strval(text), validate=True).decode()
    except Exception as error:  # sprig returns the error's text instead of failing
        return str(error)


def fn_trim_suffix(suffix, text):
    suffix, text = _need_str("trimSuffix", suffix), _need_str("trimSuffix", text)
    return text[: -len(suffix)] if suffix and text.endswith(suffix) else text


def fn_fail(message):
    raise FailError(_need_str("fail", message))


def fn_required(message, value):
    if value is None or (isinstance(value, str) and value == ""):
        raise FailError(_need_str("required", message))
    return value


def fn_rand_alpha_num(count):
    alphabet = string.ascii_letters + string.digits
    rng = random.SystemRandom()
    return "".join(rng.choice(alphabet) for _ in range(_need_int("randAlphaNum", count)))


def fn_lookup(api_version, kind, namespace, name):
    # `helm template` has no cluster to ask: lookup answers an empty map.
    for value in (api_version, kind, namespace, name):
        _need_str("lookup", value)
    return {}


def fn_urlquery(*values):
    # text/template's urlquery: fmt.Sprint of the arguments, then url.QueryEscape.
    text = "".join(go_str(v) for v in values)
    return urllib.parse.quote_plus(text, safe="")


def fn_int(value):
    # sprig's int (cast.ToInt): numbers truncate, numeric strings parse, anything else is 0.
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip(), 0) if value.strip() else 0
        except ValueError:
            return 0
    return 0


def _verb(spec, arg):
    verb = spec[-1]
    if verb == "v":
        return go_str(arg) if arg is not None else "<nil>"
    if verb == "s":
        if isinstance(arg, str):
            return arg
        return f"%!s({go_type(arg)}={go_str(arg)})"
    if verb == "d":
        if isinstance(arg, int) and not isinstance(arg, bool):
            return str(arg)
        return f"%!d({go_type(arg)}={go_str(arg)})"
    if verb == "q":
        if isinstance(arg, str):
            return go_quote(arg)
        return f"%!q({go_type(arg)}={go_str(arg)})"
    raise TemplateError(f"printf: verb %{verb} is not implemented here")


def fn_printf(form, *args):
    out, index, i = [], 0, 0
    form = _need_str("printf", form)
    while i < len(form):
        ch = form[i]
        if ch != "%":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= len(form):
            out.append("%!(NOVERB)")
            break
        spec = form[i + 1]
        i += 2
        if spec == "%":
            out.append("%")
            continue
        if spec not in "vsdq":
            raise TemplateError(f"printf: verb %{spec} is not implemented here")
        if index >= len(args):
            out.append(f"%!{spec}(MISSING)")
            continue
        out.append(_verb(spec, args[index]))
        index += 1
    if index < len(args):
        out.append("%!(EXTRA " + ", ".join(f"{go_type(a)}={go_str(a)}" for a in args[index:]) + ")")
    return "".join(out)


FUNCTIONS = {
    "toYaml": fn_to_yaml,
    "nindent": fn_nindent,
    "indent": fn_indent,
    "quote": fn_quote,
    "default": fn_default,
    "eq": fn_eq,
    "ne": fn_ne,
    "gt": fn_gt,
    "not": fn_not,
    "b64enc": fn_b64enc,
    "b64dec": fn_b64dec,
    "printf": fn_printf,
    "trimSuffix": fn_trim_suffix,
    "fail": fn_fail,
    "required": fn_required,
    "randAlphaNum": fn_rand_alpha_num,
    "lookup": fn_lookup,
    "urlquery": fn_urlquery,
    "int": fn_int,
    # evaluated by the engine itself: and, or (short-circuit, as in Go 1.18+), include.
    "and": None,
    "or": None,
    "include": None,
}


# ---------------------------------------------------------------------------------------------
# Lexing: text and actions


class Action:
    def __init__(self, content, line):
        self.content = content
        self.line = line


def split_template(source, name):
    """Splits a template into text strings and Actions, applying {{- and -}} trimming."""
    parts, i, line = [], 0, 1
    trim_next = False
    while True:
        start = source.find("{{", i)
        text = source[i:] if start < 0 else source[i:start]
        if trim_next:
            text = text.lstrip(" \t\r\n")
        if start < 0:
            parts.append(text)
            break
        j = start + 2
        trim_left = source.startswith("- ", j) or source.startswith("-\t", j) or source.startswith("-\n", j) \
            or source.startswith("-\r", j)
        if trim_left:
            text = text.rstrip(" \t\r\n")
            j += 1
        parts.append(text)
        line += source.count("\n", i, start)
        # find the closing braces outside quoted strings
        k, quote = j, None
        while k < len(source):
            ch = source[k]
            if quote:
                if ch == "\\" and quote != "`":
                    k += 2
                    continue
                if ch == quote:
                    quote = None
            elif source.startswith("/*", k):
                end = source.find("*/", k + 2)
                if end < 0:
                    raise TemplateError(f"{name}:{line}: unclosed comment")
                k = end + 2
                continue
            elif ch in "\"'`":
                quote = ch
            elif source.startswith("}}", k):
                break
            k += 1
        else:
            raise TemplateError(f"{name}:{line}: unclosed action")
        content = source[j:k]
        trim_right = bool(re.search(r"[ \t\r\n]-$", content))
        if trim_right:
            content = content[:-1]
        stripped = content.strip()
        if stripped.startswith("/*"):
            # Go accepts a comment only right at the delimiters: {{/* */}} or {{- /* */ -}}.
            if not re.fullmatch(r"(-[ \t\r\n])?/\*.*?\*/([ \t\r\n]-)?", source[start + 2:k], re.S):
                raise TemplateError(f"{name}:{line}: a comment must start and end at the delimiters")
        else:
            parts.append(Action(stripped, line))
        line += source.count("\n", start, k + 2)
        i = k + 2
        trim_next = trim_right
    return parts


TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<char>'(?:[^'\\]|\\.)')
  | (?P<declare>:=)
  | (?P<assign>=)
  | (?P<pipe>\|)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<comma>,)
  | (?P<number>[-+]?(?:0[xX][0-9a-fA-F_]+|(?:[0-9][0-9_]*)?\.?[0-9]+(?:[eE][-+]?[0-9]+)?))
  | (?P<variable>\$[A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<field>(?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
""", re.VERBOSE)


def tokenize(content, where):
    """(kind, text, follows_space) triples: `(x).a` is a field of x, `(x) .a` another operand."""
    tokens, i, spaced = [], 0, False
    while i < len(content):
        m = TOKEN.match(content, i)
        if not m:
            raise TemplateError(f"{where}: unexpected {content[i:i + 20]!r}")
        i = m.end()
        kind = m.lastgroup
        if kind == "space":
            spaced = True
            continue
        tokens.append((kind, m.group(), spaced))
        spaced = False
    return tokens


# ---------------------------------------------------------------------------------------------
# Parsing actions into pipelines


class Node:
    pass


class Literal(Node):
    def __init__(self, value):
        self.value = value


class Field(Node):
    """A chain of fields on dot (.a.b), a variable ($x.a) or a parenthesised pipeline."""

    def __init__(self, base, names):
        self.base, self.names = base, names  # base: "." | "$name" | Pipeline


class Call(Node):
    def __init__(self, name, args):
        self.name, self.args = name, args


class Pipeline(Node):
    def __init__(self, commands, declare=None, assign=False):
        self.commands, self.declare, self.assign = commands, declare or [], assign


class ActionParser:
    def __init__(self, tokens, where):
        self.tokens, self.pos, self.where = tokens, 0, where

    def peek(self, offset=0):
        i = self.pos + offset
        return self.tokens[i][:2] if i < len(self.tokens) else (None, None)

    def spaced(self):
        return self.pos < len(self.tokens) and self.tokens[self.pos][2]

    def take(self):
        token = self.peek()
        self.pos += 1
        return token

    def error(self, message):
        raise TemplateError(f"{self.where}: {message}")

    def pipeline(self, allow_declare=True):
        declare, assign = [], False
        if allow_declare and self.peek()[0] == "variable":
            # $x := / $x = / $i, $v :=
            names, save = [], self.pos
            while self.peek()[0] == "variable" and "." not in self.peek()[1]:
                names.append(self.take()[1])
                if self.peek()[0] == "comma" and len(names) == 1:
                    self.take()
                    continue
                break
            if names and self.peek()[0] in ("declare", "assign"):
                assign = self.take()[0] == "assign"
                declare = names
            else:
                self.pos = save
        commands = [self.command()]
        while self.peek()[0] == "pipe":
            self.take()
            commands.append(self.command())
        return Pipeline(commands, declare, assign)

    def command(self):
        operands = []
        while self.peek()[0] not in (None, "pipe", "rparen"):
            operands.append(self.operand())
        if not operands:
            self.error("empty command")
        return operands

    def operand(self):
        kind, text = self.take()
        if kind == "string":
            node = Literal(json.loads(text))
        elif kind == "raw":
            node = Literal(text[1:-1])
        elif kind == "char":
            node = Literal(ord(json.loads('"' + text[1:-1] + '"')))
        elif kind == "number":
            clean = text.replace("_", "")
            try:
                node = Literal(int(clean, 0))
            except ValueError:
                node = Literal(float(clean))
        elif kind == "ident":
            if text in ("true", "false"):
                node = Literal(text == "true")
            elif text == "nil":
                node = Literal(None)
            elif text in FUNCTIONS:
                node = Call(text, None)
            else:
                self.error(f'function "{text}" not defined (not in the subset helm_render.py implements)')
        elif kind == "field":
            node = Field(".", [] if text == "." else text[1:].split("."))
        elif kind == "variable":
            head, *names = text.split(".")
            node = Field(head, names)
        elif kind == "lparen":
            inner = self.pipeline(allow_declare=False)
            if self.take()[0] != "rparen":
                self.error("unclosed parenthesis")
            node = inner
        else:
            self.error(f"unexpected {text!r}")
        # a field chain right after an operand: (pipeline).a.b
        if self.peek()[0] == "field" and self.peek()[1] != "." and isinstance(node, Pipeline) and not self.spaced():
            node = Field(node, self.take()[1][1:].split("."))
        return node

    def done(self):
        if self.pos != len(self.tokens):
            self.error(f"unexpected {self.peek()[1]!r}")


# ---------------------------------------------------------------------------------------------
# The tree of a template


class Text(Node):
    def __init__(self, text):
        self.text = text


class Output(Node):
    def __init__(self, pipeline, line):
        self.pipeline, self.line = pipeline, line


class Branch(Node):
    """if / with / range: a pipeline, a body and an else list (which may hold another Branch)."""

    def __init__(self, keyword, pipeline, line):
        self.keyword, self.pipeline, self.line = keyword, pipeline, line
        self.body, self.otherwise = [], []


class Template:
    def __init__(self, name):
        self.name = name
        self.body = []


def parse_template(source, name, defines):
    """Parses source into a body; `define` blocks are added to `defines`."""
    template = Template(name)
    # Each entry: [state, node]; state "root"/"define"/"body" fills node.body, "else" node.otherwise.
    stack = [["root", template]]

    def current():
        state, node = stack[-1]
        return node.otherwise if state == "else" else node.body

    def pipeline_of(tokens, where):
        parser = ActionParser(tokens, where)
        pipeline = parser.pipeline()
        parser.done()
        return pipeline

    for part in split_template(source, name):
        if isinstance(part, str):
            if part:
                current().append(Text(part))
            continue
        where = f"{name}:{part.line}"
        tokens = tokenize(part.content, where)
        if not tokens:
            raise TemplateError(f"{where}: empty action")
        keyword = tokens[0][1] if tokens[0][0] == "ident" else None
        if keyword in ("if", "with", "range"):
            branch = Branch(keyword, pipeline_of(tokens[1:], where), part.line)
            current().append(branch)
            stack.append(["body", branch])
        elif keyword == "else":
            state, branch = stack[-1]
            if state != "body":
                raise TemplateError(f"{where}: unexpected else")
            if len(tokens) == 1:
                stack[-1][0] = "else"
                continue
            chained = tokens[1][1]
            if chained != branch.keyword or chained not in ("if", "with"):
                raise TemplateError(f"{where}: else {chained} inside {branch.keyword} is not supported")
            # {{ else if x }} is {{ else }}{{ if x }} whose end is shared: the link replaces the top.
            inner = Branch(chained, pipeline_of(tokens[2:], where), part.line)
            branch.otherwise.append(inner)
            stack[-1] = ["body", inner]
        elif keyword == "end":
            if len(tokens) != 1 or len(stack) == 1:
                raise TemplateError(f"{where}: unexpected end")
            state, node = stack.pop()
            if state == "define":
                defines[node.name] = node
        elif keyword == "define":
            if len(stack) != 1:
                raise TemplateError(f"{where}: define must be at the top level")
            if len(tokens) != 2 or tokens[1][0] not in ("string", "raw"):
                raise TemplateError(f"{where}: define needs one quoted name")
            define = Template(json.loads(tokens[1][1]) if tokens[1][0] == "string" else tokens[1][1][1:-1])
            stack.append(["define", define])
        elif keyword in ("template", "block", "break", "continue"):
            raise TemplateError(f"{where}: {keyword} is not in the subset (use include)")
        else:
            current().append(Output(pipeline_of(tokens, where), part.line))
    if len(stack) != 1:
        raise TemplateError(f"{name}: missing end for {stack[-1][1].__class__.__name__.lower()}")
    return template


# ---------------------------------------------------------------------------------------------
# Execution


class Scope:
    def __init__(self, parent=None):
        self.parent, self.variables = parent, {}

    def lookup(self, name, where):
        scope = self
        while scope:
            if name in scope.variables:
                return scope
            scope = scope.parent
        raise TemplateError(f'{where}: undefined variable "{name}"')


class Engine:
    def __init__(self, defines):
        self.defines = defines
        self.depth = 0

    def field(self, value, name, where):
        if isinstance(value, Struct):
            if name not in value:
                raise TemplateError(f"{where}: can't evaluate field {name}")
            return value[name]
        if isinstance(value, dict):
            return value.get(name)
        if value is None:
            raise TemplateError(f"{where}: nil pointer evaluating interface {{}}.{name}")
        raise TemplateError(f"{where}: can't evaluate field {name} in type {go_type(value)}")

    def operand(self, node, dot, scope, where):
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Field):
            if isinstance(node.base, Pipeline):
                value = self.pipeline(node.base, dot, scope, where)
            elif node.base == ".":
                value = dot
            else:
                value = scope.lookup(node.base, where).variables[node.base]
            for name in node.names:
                value = self.field(value, name, where)
            return value
        if isinstance(node, Pipeline):
            return self.pipeline(node, dot, scope, where)
        if isinstance(node, Call):  # a function name as an argument: a call without arguments
            return self.call(node.name, [], None, dot, scope, where, has_final=False)
        raise TemplateError(f"{where}: cannot evaluate {node!r}")

    def call(self, name, arg_nodes, final, dot, scope, where, has_final):
        if name in ("and", "or"):
            values = list(arg_nodes) + ([("value", final)] if has_final else [])
            if not values:
                raise TemplateError(f"{where}: {name} needs arguments")
            result = None
            for item in values:
                result = item[1] if isinstance(item, tuple) else self.operand(item, dot, scope, where)
                if truth(result) != (name == "and"):
                    return result
            return result
        args = [self.operand(a, dot, scope, where) for a in arg_nodes]
        if has_final:
            args.append(final)
        if name == "include":
            if len(args) != 2:
                raise TemplateError(f"{where}: include takes a name and a value")
            return self.include(args[0], args[1], where)
        try:
            return FUNCTIONS[name](*args)
        except FailError as error:
            raise FailError(f"{where}: {error}") from None
        except TemplateError as error:
            raise TemplateError(f"{where}: {error}") from None
        except TypeError as error:
            raise TemplateError(f"{where}: error calling {name}: {error}") from None

    def include(self, name, data, where):
        if name not in self.defines:
            raise TemplateError(f'{where}: no template "{name}" associated with template')
        self.depth += 1
        if self.depth > 100:
            raise TemplateError(f"{where}: include nested too deeply (recursion?)")
        try:
            scope = Scope()
            scope.variables["$"] = data
            return self.body(self.defines[name].body, data, scope, name)
        finally:
            self.depth -= 1

    def pipeline(self, pipeline, dot, scope, where):
        value, has_value = None, False
        for command in pipeline.commands:
            head = command[0]
            if isinstance(head, Call):
                value = self.call(head.name, command[1:], value, dot, scope, where, has_final=has_value)
            else:
                if len(command) > 1:
                    raise TemplateError(f"{where}: can't give arguments to a non-function")
                if has_value:
                    raise TemplateError(f"{where}: can't pipe into a non-function")
                value = self.operand(head, dot, scope, where)
            has_value = True
        if pipeline.declare:
            if pipeline.assign:
                for name in pipeline.declare:
                    scope.lookup(name, where).variables[name] = value
            else:
                scope.variables[pipeline.declare[-1]] = value
        return value

    def body(self, nodes, dot, scope, name):
        out = []
        for node in nodes:
            if isinstance(node, Text):
                out.append(node.text)
            elif isinstance(node, Output):
                value = self.pipeline(node.pipeline, dot, scope, f"{name}:{node.line}")
                if not node.pipeline.declare:
                    out.append(go_str(value))
            elif isinstance(node, Branch):
                out.append(self.branch(node, dot, scope, name))
        return "".join(out)

    def branch(self, node, dot, scope, name):
        where = f"{name}:{node.line}"
        inner = Scope(scope)
        if node.keyword == "range":
            declare = node.pipeline.declare
            plain = Pipeline(node.pipeline.commands)
            value = self.pipeline(plain, dot, inner, where)
            if value is None:
                items = []
            elif isinstance(value, list):
                items = list(enumerate(value))
            elif isinstance(value, dict):
                items = [(k, value[k]) for k in sorted(value)]
            elif isinstance(value, int) and not isinstance(value, bool):
                items = [(i, i) for i in range(value)]
            else:
                raise TemplateError(f"{where}: range can't iterate over {go_str(value)}")
            if not items:
                return self.body(node.otherwise, dot, Scope(scope), name)
            out = []
            for key, item in items:
                each = Scope(scope)
                if len(declare) == 1:
                    each.variables[declare[0]] = item
                elif len(declare) == 2:
                    each.variables[declare[0]] = key
                    each.variables[declare[1]] = item
                out.append(self.body(node.body, item, each, name))
            return "".join(out)
        value = self.pipeline(node.pipeline, dot, inner, where)
        if truth(value):
            return self.body(node.body, value if node.keyword == "with" else dot, inner, name)
        return self.body(node.otherwise, dot, Scope(scope), name)


# ---------------------------------------------------------------------------------------------
# Charts


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def chart_values(chart_dir, sets=(), values=None, file_numbers_as_float=True):
    """The values a render sees: values.yaml, then a dict of overrides, then --set arguments."""
    base = _helm_file_numbers(load_yaml(os.path.join(chart_dir, "values.yaml")), file_numbers_as_float)
    if values:
        base = merge_values(base, _helm_file_numbers(values, file_numbers_as_float))
    return merge_values(base, set_overrides(sets))


def validate_values(chart_dir, merged):
    """Checks merged values against values.schema.json, as helm does before rendering."""
    schema_path = os.path.join(chart_dir, "values.schema.json")
    if not os.path.exists(schema_path):
        return
    import jsonschema
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(merged), key=lambda e: list(e.path))
    if errors:
        raise SchemaError("values don't meet the specifications of the schema(s): " + "; ".join(
            f"{'.'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in errors))


class Rendered:
    def __init__(self, files, notes):
        self.files = files          # template path -> rendered text
        self.notes = notes          # rendered NOTES.txt or None
        self.documents = []         # (template path, parsed YAML document)
        for path in sorted(files):
            for text in re.split(r"(?m)^---[ \t]*$", files[path]):
                if not text.strip():
                    continue
                try:
                    document = yaml.safe_load(text)
                except yaml.YAMLError as error:
                    raise TemplateError(f"{path}: rendered YAML does not parse: {error}\n{text}") from None
                if document is not None:
                    self.documents.append((path, document))

    def manifests(self):
        return [document for _, document in self.documents]

    def find(self, kind, name=None):
        found = [d for d in self.manifests() if d.get("kind") == kind
                 and (name is None or d.get("metadata", {}).get("name") == name)]
        return found

    def yaml(self):
        return "".join(f"---\n# Source: {path}\n{self.files[path].strip()}\n" for path in sorted(self.files)
                       if self.files[path].strip())


def render_chart(chart_dir, sets=(), values=None, release_name="release-name", namespace="default",
                 validate_schema=True, file_numbers_as_float=True):
    """Renders every template of the chart like `helm template RELEASE CHART --set ...`."""
    chart_dir = os.path.abspath(chart_dir)
    meta = load_yaml(os.path.join(chart_dir, "Chart.yaml"))
    merged = chart_values(chart_dir, sets, values, file_numbers_as_float)
    if validate_schema:
        validate_values(chart_dir, merged)
    chart_name = meta["name"]
    chart = Struct({key[0].upper() + key[1:]: value for key, value in meta.items()})
    chart.setdefault("AppVersion", "")
    release = Struct(Name=release_name, Namespace=namespace, Service="Helm", IsInstall=True, IsUpgrade=False,
                     Revision=1)
    templates_dir = os.path.join(chart_dir, "templates")
    defines, parsed = {}, {}
    for name in sorted(os.listdir(templates_dir)):
        path = os.path.join(templates_dir, name)
        if not os.path.isfile(path) or not (name.endswith((".yaml", ".yml", ".tpl", ".txt"))):
            continue
        with open(path, encoding="utf-8") as f:
            source = f.read()
        template_name = f"{chart_name}/templates/{name}"
        parsed[template_name] = parse_template(source, template_name, defines)
    engine = Engine(defines)
    files, notes = {}, None
    for template_name, template in sorted(parsed.items()):
        base = os.path.basename(template_name)
        if base.startswith("_"):
            continue
        root = Struct(Values=merged, Release=release, Chart=chart,
                      Template=Struct(Name=template_name, BasePath=f"{chart_name}/templates"))
        scope = Scope()
        scope.variables["$"] = root
        text = engine.body(template.body, root, scope, template_name)
        if base == "NOTES.txt":
            notes = text
        else:
            files[template_name] = text
    return Rendered(files, notes)


def main(argv):
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("chart")
    parser.add_argument("--set", action="append", default=[])
    parser.add_argument("--name", default="release-name")
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--notes", action="store_true", help="print NOTES.txt too")
    args = parser.parse_args(argv)
    try:
        rendered = render_chart(args.chart, args.set, release_name=args.name, namespace=args.namespace)
    except TemplateError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    sys.stdout.write(rendered.yaml())
    if args.notes and rendered.notes is not None:
        sys.stdout.write("\nNOTES:\n" + rendered.notes)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

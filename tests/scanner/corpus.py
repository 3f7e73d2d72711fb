"""A table-driven corpus of evasive (INVALID) and legitimate (VALID) plugin code, by technique.

Evasions are built by crossing *targets* (a forbidden callable and its category) with
*techniques* (how an attacker reaches it: aliases, star imports, imports in nested blocks,
re-binding, values passed as callbacks, string folding through getattr/vars/__dict__/
attrgetter, sys.modules, __import__, NFKC identifiers...). Legitimate cases cross look-alike
names with the ways honest code uses them (methods, shadowing locals, parameters, strings,
comments) and add realistic ML plugin snippets. Each case is ``(technique, source, category)``;
``category`` is ``None`` for legitimate code.
"""

from __future__ import annotations

import base64
import codecs
from collections.abc import Iterator

from .corpus_classes import class_invalid, class_valid

Case = tuple[str, str, str | None]

# (module, attribute, arguments, category)
TARGETS: list[tuple[str, str, str, str]] = [
    ("os", "system", "'id'", "command_execution"),
    ("os", "popen", "'id'", "command_execution"),
    ("os", "execv", "'/bin/sh', ['sh']", "command_execution"),
    ("os", "spawnlp", "0, 'ls', 'ls'", "command_execution"),
    ("os", "posix_spawn", "'/bin/ls', ['ls'], {}", "command_execution"),
    ("subprocess", "run", "['id']", "command_execution"),
    ("subprocess", "Popen", "['id']", "command_execution"),
    ("subprocess", "check_output", "'id'", "command_execution"),
    ("pty", "spawn", "'/bin/sh'", "command_execution"),
    ("asyncio", "create_subprocess_shell", "'id'", "command_execution"),
    ("builtins", "eval", "'1+1'", "dynamic_code"),
    ("builtins", "exec", "'x = 1'", "dynamic_code"),
    ("builtins", "compile", "'1', 's', 'eval'", "dynamic_code"),
    ("builtins", "__import__", "'json'", "dynamic_import"),
    ("importlib", "import_module", "'json'", "dynamic_import"),
    ("runpy", "run_path", "'x.py'", "dynamic_import"),
    ("socket", "socket", "", "network_socket"),
    ("socket", "create_connection", "('example.com', 80)", "network_socket"),
    ("asyncio", "open_connection", "'example.com', 80", "network_socket"),
    ("ctypes", "CDLL", "None", "native_memory"),
    ("ctypes", "string_at", "0", "native_memory"),
]


def _chars(name: str) -> str:
    return "[" + ", ".join(repr(c) for c in name) + "]"


def _split(name: str) -> tuple[str, str]:
    middle = max(1, len(name) // 2)
    return name[:middle], name[middle:]


def _fullwidth(name: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isalpha() else c for c in name)


def _string_tricks(a: str) -> dict[str, str]:
    """Expressions that evaluate to the string ``a`` without writing it."""
    left, right = _split(a)
    codes = [ord(c) for c in a]
    return {
        "concat": f"{left!r} + {right!r}",
        "join-list": f"''.join({_chars(a)})",
        "join-reversed": f"''.join(reversed({a[::-1]!r}))",
        "fstring": "f\"{" + repr(left) + "}" + right + '"',
        "format": f"'{{}}{right}'.format({left!r})",
        "percent": f"'%s{right}' % {left!r}",
        "percent-tuple": f"'%s%s' % ({left!r}, {right!r})",
        "reversed-slice": f"{a[::-1]!r}[::-1]",
        "slice": f"'xx{a}yy'[2:-2]",
        "hex-escapes": "'" + "".join(f"\\x{ord(c):02x}" for c in a) + "'",
        "unicode-escapes": "'" + "".join(f"\\u{ord(c):04x}" for c in a) + "'",
        "chr-map": f"''.join(map(chr, {codes}))",
        "chr-arithmetic": f"''.join(chr(c + 1) for c in {[c - 1 for c in codes]})",
        "chr-concat": " + ".join(f"chr({c})" for c in codes),
        "bytes-decode": f"{a.encode()!r}.decode()",
        "bytes-list": f"bytes({codes}).decode()",
        "base64": f"base64.b64decode({base64.b64encode(a.encode()).decode()!r}).decode()",
        "rot13": f"codecs.decode({codecs.encode(a, 'rot13')!r}, 'rot13')",
        "upper-lower": f"{a.upper()!r}.lower()",
        "replace": f"{('Q' + a)!r}.replace('Q', '')",
        "variable": "NAME_",
        "variable-concat": "PART_ + " + repr(right),
        "str-call": f"str({a!r})",
        "hex-bytes": f"bytes.fromhex({a.encode().hex()!r}).decode()",
    }


def evasions() -> Iterator[Case]:
    """Every technique applied to every target."""
    for m, a, args, category in TARGETS:
        call = f"({args})"
        # -- imports ----------------------------------------------------------------------
        yield "import-plain", f"import {m}\n{m}.{a}{call}", category
        yield "import-as", f"import {m} as alias_\nalias_.{a}{call}", category
        yield "from-import", f"from {m} import {a}\n{a}{call}", category
        yield "from-import-as", f"from {m} import {a} as f_\nf_{call}", category
        yield "star-import", f"from {m} import *\n{a}{call}", category
        yield "import-in-function", f"def run():\n    import {m}\n    return {m}.{a}{call}", category
        yield "import-in-try", f"try:\n    import {m} as x_\nexcept ImportError:\n    x_ = None\nx_.{a}{call}", category
        yield "import-in-if", f"import sys\nif sys.platform:\n    from {m} import {a} as f_\nf_{call}", category
        yield "import-in-class", f"class K:\n    import {m} as mm\n    f = mm.{a}", category
        yield "import-in-with", f"import contextlib\nwith contextlib.suppress(Exception):\n    import {m}\n{m}.{a}{call}", category
        yield "import-nested-function", f"def outer():\n    from {m} import {a} as f_\n    def inner():\n        return f_{call}\n    return inner", category
        # -- re-binding --------------------------------------------------------------------
        yield "assign-alias", f"import {m}\nf_ = {m}.{a}\nf_{call}", category
        yield "module-alias", f"import {m}\nmod_ = {m}\nmod_.{a}{call}", category
        yield "chained-assign", f"import {m}\nf_ = g_ = {m}.{a}\ng_{call}", category
        yield "tuple-unpack", f"import {m}\nf_, g_ = {m}.{a}, print\nf_{call}", category
        yield "tuple-unpack-module", f"import {m}\nx_, mod_ = 1, {m}\nmod_.{a}{call}", category
        yield "walrus", f"import {m}\nif (f_ := {m}.{a}):\n    f_{call}", category
        yield "walrus-module", f"import {m}\nif (mod_ := {m}):\n    mod_.{a}{call}", category
        yield "for-target", f"import {m}\nfor f_ in [{m}.{a}]:\n    f_{call}", category
        yield "for-target-module", f"import {m}\nfor mod_ in ({m},):\n    mod_.{a}{call}", category
        yield "with-as", f"import {m}, contextlib\nwith contextlib.nullcontext({m}) as mod_:\n    mod_.{a}{call}", category
        yield "default-arg", f"import {m}\ndef go(x, f_={m}.{a}):\n    return f_(x)", category
        yield "default-arg-module", f"import {m}\ndef go(mod_={m}):\n    return mod_.{a}{call}", category
        yield "lambda-default", f"import {m}\ng_ = lambda x, f_={m}.{a}: f_(x)", category
        yield "lambda-returns", f"import {m}\nget_ = lambda: {m}\nget_().{a}{call}", category
        yield "function-returns-module", f"import {m}\ndef get():\n    return {m}\nget().{a}{call}", category
        yield "function-returns-attr", f"import {m}\ndef get():\n    return {m}.{a}\nget(){call}", category
        yield "parameter-call-site", f"import {m}\ndef use(mod_):\n    return mod_.{a}{call}\nuse({m})", category
        yield "global-rebind", f"import {m}\nf_ = None\ndef setup():\n    global f_\n    f_ = {m}.{a}", category
        yield "nonlocal-rebind", f"import {m}\ndef outer():\n    f_ = None\n    def inner():\n        nonlocal f_\n        f_ = {m}.{a}\n    return f_", category
        # -- values passed around ----------------------------------------------------------
        yield "dict-value", f"import {m}\nops = {{'k': {m}.{a}}}\nops['k']{call}", category
        yield "dict-value-module", f"import {m}\nmods = {{'k': {m}}}\nmods['k'].{a}{call}", category
        yield "list-item", f"import {m}\nops = [{m}.{a}]\nops[0]{call}", category
        yield "class-attribute", f"import {m}\nclass K:\n    f = {m}.{a}\nK.f{call}", category
        yield "class-attribute-module", f"import {m}\nclass K:\n    mod = {m}\nK.mod.{a}{call}", category
        yield "instance-attribute", f"import {m}\nclass K:\n    def __init__(self):\n        self.mod = {m}\n    def go(self):\n        return self.mod.{a}{call}", category
        yield "functools-partial", f"import {m}, functools\nfunctools.partial({m}.{a}){call}", category
        yield "map-callback", f"import {m}\nlist(map({m}.{a}, [1]))", category
        yield "thread-target", f"import {m}, threading\nthreading.Thread(target={m}.{a}).start()", category
        yield "decorator", f"import {m}\n@{m}.{a}\ndef f():\n    pass", category
        yield "callback-kwarg", f"import {m}\nsorted([1], key={m}.{a})", category
        yield "conditional-expression", f"import {m}\nf_ = {m}.{a} if True else print\nf_{call}", category
        yield "boolean-or", f"import {m}\nf_ = None or {m}.{a}\nf_{call}", category
        # -- string-to-attribute gateways --------------------------------------------------
        for trick, expr in _string_tricks(a).items():
            prelude = f"import {m}, base64, codecs\nNAME_ = {a!r}\nPART_ = {_split(a)[0]!r}\n"
            yield f"getattr-{trick}", f"{prelude}getattr({m}, {expr}){call}", category
        yield "getattr-literal", f"import {m}\ngetattr({m}, {a!r}){call}", category
        yield "getattr-default", f"import {m}\ngetattr({m}, 'nothing', {m}.{a}){call}", category
        yield "vars-subscript", f"import {m}\nvars({m})[{a!r}]{call}", category
        yield "vars-get", f"import {m}\nvars({m}).get({a!r}){call}", category
        yield "dict-subscript", f"import {m}\n{m}.__dict__[{a!r}]{call}", category
        yield "dict-get", f"import {m}\n{m}.__dict__.get({a!r}){call}", category
        yield "getattribute-method", f"import {m}\n{m}.__getattribute__({a!r}){call}", category
        yield "object-getattribute", f"import {m}\nobject.__getattribute__({m}, {a!r}){call}", category
        yield "type-getattribute", f"import {m}\ntype({m}).__getattribute__({m}, {a!r}){call}", category
        yield "attrgetter", f"import {m}, operator\noperator.attrgetter({a!r})({m}){call}", category
        yield "attrgetter-alias", f"import {m}\nfrom operator import attrgetter as ag\nag({a!r})({m}){call}", category
        yield "methodcaller", f"import {m}, operator\noperator.methodcaller({a!r})({m})", category
        yield "getattr-alias", f"import {m}\ng_ = getattr\ng_({m}, {a!r}){call}", category
        yield "getattr-concat-alias", f"import {m}\nga = getattr\nga({m}, {_split(a)[0]!r} + {_split(a)[1]!r}){call}", category
        yield "sys-modules", f"import sys\nsys.modules[{m!r}].{a}{call}", category
        yield "sys-modules-get", f"import sys\nsys.modules.get({m!r}).{a}{call}", category
        yield "sys-modules-getattr", f"import sys\ngetattr(sys.modules[{m!r}], {a!r}){call}", category
        yield "sys-modules-alias", f"from sys import modules as mods_\nmods_[{m!r}].{a}{call}", category
        yield "dunder-import", f"__import__({m!r}).{a}{call}", category
        yield "dunder-import-getattr", f"getattr(__import__({m!r}), {a!r}){call}", category
        yield "importlib", f"import importlib\nimportlib.import_module({m!r}).{a}{call}", category
        yield "globals-module", f"import {m}\nglobals()[{m!r}].{a}{call}", category
        yield "locals-in-function", f"def f():\n    import {m}\n    return locals()[{m!r}].{a}{call}", category
        yield "nfkc-attribute", f"import {m}\n{m}.{_fullwidth(a)}{call}", category
        yield "nfkc-module", f"import {_fullwidth(m)}\n{_fullwidth(m)}.{a}{call}", category
        yield "multi-line-chain", f"import {m}\n({m}\n    .{a}){call}", category
        yield "comment-between", f"import {m}  # harmless\n{m}.{a}{call}  # also harmless", category
        yield "coding-cookie-escapes", f"# -*- coding: utf-8 -*-\nimport {m}\ngetattr({m}, '\\N{{LATIN SMALL LETTER {a[0].upper()}}}' + {a[1:]!r}){call}" if a[0].isalpha() else f"import {m}\n{m}.{a}{call}", category


def builtin_evasions() -> Iterator[Case]:
    """Routes to eval/exec/compile/__import__ through the builtins namespace."""
    for name, args, category in (
        ("eval", "'1'", "dynamic_code"),
        ("exec", "'x = 1'", "dynamic_code"),
        ("compile", "'1', 's', 'eval'", "dynamic_code"),
        ("__import__", "'os'", "dynamic_import"),
        ("breakpoint", "", "dynamic_import"),
    ):
        call = f"({args})"
        left, right = _split(name)
        yield "bare", f"{name}{call}", category
        yield "bare-alias", f"f_ = {name}\nf_{call}", category
        yield "dunder-builtins-attr", f"__builtins__.{name}{call}", category
        yield "dunder-builtins-subscript", f"__builtins__[{name!r}]{call}", category
        yield "dunder-builtins-dict", f"__builtins__.__dict__[{name!r}]{call}", category
        yield "dunder-builtins-getattr-concat", f"getattr(__builtins__, {left!r} + {right!r}){call}", category
        yield "builtins-module-vars", f"import builtins\nvars(builtins)[{name!r}]{call}", category
        yield "globals-builtins", f"globals()['__builtins__'].{name}{call}", category
        yield "globals-direct", f"globals()[{name!r}]{call}", category
        yield "globals-concat", f"globals()[{left!r} + {right!r}]{call}", category
        yield "locals-builtins", f"def f():\n    return locals()['__builtins__'].{name}{call}", category
        yield "sys-modules-builtins", f"import sys\nsys.modules['builtins'].{name}{call}", category
        yield "function-builtins", f"def f():\n    pass\nf.__builtins__[{name!r}]{call}", category
        yield "nfkc-bare", f"{_fullwidth(name)}{call}", category
        yield "nfkc-partial", f"{_fullwidth(name[0])}{name[1:]}{call}", category
        yield "map-builtin", f"list(map({name}, ['1']))", category
        yield "default-builtin", f"def g(x, f_={name}):\n    return f_(x)", category
        yield "use-before-shadowing", f"{name}{call}\ndef {name}(*a):\n    return a", category
        yield "shadow-in-other-branch", f"import sys\nif sys.argv:\n    {name} = print\n{name}{call}", category
        yield "star-import-builtins", f"from builtins import *\n{name}{call}", category
        yield "import-from-builtins", f"from builtins import {name} as f_\nf_{call}", category
        yield "getattr-import-builtins", f"import builtins\ngetattr(builtins, ''.join({_chars(name)})){call}", category


def gadget_evasions() -> Iterator[Case]:
    """Object-graph and import-machinery routes that need no import of the target."""
    yield "subclasses-gadget", "().__class__.__base__.__subclasses__()", "dynamic_code"
    yield "subclasses-object", "object.__subclasses__()", "dynamic_code"
    yield "subclasses-mro", "''.__class__.__mro__[1].__subclasses__()", "dynamic_code"
    yield "subclasses-type", "type.__subclasses__(object)", "dynamic_code"
    yield "function-globals", "def f():\n    pass\nf.__globals__['__builtins__']", "dynamic_code"
    yield "init-globals", "for c in ().__class__.__base__.__subclasses__():\n    c.__init__.__globals__", "dynamic_code"
    yield "frame-globals", "import sys\nsys._getframe(0).f_globals['__builtins__']", "dynamic_code"
    yield "inspect-frame-globals", "import inspect\ninspect.currentframe().f_back.f_globals", "dynamic_code"
    yield "frame-builtins", "import sys\nsys._getframe().f_builtins['eval']", "dynamic_code"
    yield "loader", "__loader__.load_module('os')", "dynamic_import"
    yield "spec-loader", "__spec__.loader.exec_module(None)", "dynamic_import"
    yield "module-loader", "import json\njson.__loader__.load_module('json')", "dynamic_import"
    yield "breakpoint-hook", "import os\nos.environ['PYTHONBREAKPOINT'] = 'os.system'\nbreakpoint('id')", "dynamic_import"
    yield "pickle-payload", "import pickle\npickle.loads(b\"cos\\nsystem\\n(S'id'\\ntR.\")", "dynamic_code"
    yield "pickle-base64", "import pickle, base64\npickle.loads(base64.b64decode('Y29zCnN5c3RlbQ=='))", "dynamic_code"
    yield "pickle-constant", "import pickle\nP = b'cos\\nsystem\\n.'\npickle.loads(P)", "dynamic_code"
    yield "marshal-code", "import marshal\nmarshal.loads(b'')", "dynamic_code"
    yield "types-function", "import types\ntypes.FunctionType(None, {})", "dynamic_code"
    yield "code-object", "import types\ntypes.CodeType(0, 0)", "dynamic_code"
    yield "timeit-string", "import timeit\ntimeit.timeit('import os')", "dynamic_code"
    yield "timeit-setup", "import timeit\ntimeit.Timer(lambda: 1, setup='import os').timeit()", "dynamic_code"
    yield "cprofile-run", "import cProfile\ncProfile.run('print(1)')", "dynamic_code"
    yield "pdb-run", "import pdb\npdb.run('print(1)')", "dynamic_code"
    yield "code-interact", "import code\ncode.InteractiveConsole().push('print(1)')", "dynamic_code"
    yield "codeop", "import codeop\ncodeop.compile_command('1')", "dynamic_code"
    yield "pkgutil-resolve", "import pkgutil\npkgutil.resolve_name('os:system')('id')", "dynamic_import"
    yield "pydoc-locate", "import pydoc\npydoc.locate('os.system')('id')", "dynamic_import"
    yield "runpy-module", "import runpy\nrunpy.run_module('json')", "dynamic_import"
    yield "zipimport", "import zipimport\nzipimport.zipimporter('x.zip')", "dynamic_import"
    yield "imp", "import imp\nimp.load_source('m', 'm.py')", "dynamic_import"
    yield "importlib-util", "import importlib.util\nimportlib.util.spec_from_file_location('m', 'm.py')", "dynamic_import"
    yield "importlib-metadata", "from importlib.metadata import version\nversion('numpy')", "dynamic_import"
    yield "site-addsitedir", "import site\nsite.addsitedir('/tmp')", "dynamic_import"
    yield "sys-modules-dynamic", "import sys\ndef load(n):\n    return sys.modules[n]", "dynamic_import"
    yield "getattr-os-dynamic", "import os\ndef call(name, *a):\n    return getattr(os, name)(*a)", "command_execution"
    yield "getattr-builtins-dynamic", "import builtins\ndef call(name):\n    return getattr(builtins, name)", "dynamic_code"
    yield "vars-os-items", "import os\nfor k, v in vars(os).items():\n    pass", "command_execution"
    yield "getmembers-os", "import os, inspect\ndict(inspect.getmembers(os))['system']('id')", "command_execution"
    yield "dir-getattr-loop", "import os\nfor n in dir(os):\n    if n.endswith('tem'):\n        getattr(os, n)('id')", "command_execution"
    yield "reduce-getattr", "import os, functools\nfunctools.reduce(getattr, ['system'], os)('id')", "command_execution"
    yield "map-getattr", "import os\nlist(map(getattr, [os], ['system']))[0]('id')", "command_execution"
    yield "hop-tempfile", "import tempfile\ntempfile._os.system('id')", "command_execution"
    yield "hop-shutil", "import shutil\nshutil.os.system('id')", "command_execution"
    yield "hop-from-import", "from tempfile import _os\n_os.system('id')", "command_execution"
    yield "hop-getattr", "import tempfile\ngetattr(tempfile, '_o' + 's').system('id')", "command_execution"
    yield "posix-module", "import posix\nposix.system('id')", "command_execution"
    yield "posix-spawn", "from posix import posix_spawn\nposix_spawn('/bin/ls', ['ls'], {})", "command_execution"
    yield "multiprocessing-executable", "import multiprocessing as mp\nmp.set_executable('/bin/sh')", "command_execution"
    yield "multiprocessing-context-executable", "import multiprocessing as mp\nmp.get_context('spawn').set_executable('/bin/sh')", "command_execution"
    yield "webbrowser", "import webbrowser\nwebbrowser.open('https://example.com')", "command_execution"
    yield "pydoc-pipepager", "import pydoc\npydoc.pipepager('x', 'sh -c id')", "command_execution"
    yield "asyncio-subprocess-module", "import asyncio.subprocess", "command_execution"
    yield "loop-subprocess", "import asyncio\nasync def f():\n    loop = asyncio.get_running_loop()\n    await loop.subprocess_shell(lambda: None, 'id')", "command_execution"
    yield "loop-param-subprocess", "async def f(loop):\n    await loop.subprocess_exec(lambda: None, 'id')", "command_execution"
    yield "ipython-system", "get_ipython().system('id')", "command_execution"
    yield "loop-create-connection", "import asyncio\nasync def f():\n    loop = asyncio.new_event_loop()\n    await loop.create_connection(lambda: None, 'a', 1)", "network_socket"
    yield "loop-param-connection", "async def f(self):\n    await self.loop.create_connection(lambda: None, 'a', 1)", "network_socket"
    yield "loop-datagram", "async def f(loop):\n    await loop.create_datagram_endpoint(lambda: None)", "network_socket"
    yield "loop-annotation", "import asyncio\nasync def f(l: asyncio.AbstractEventLoop):\n    await l.create_server(lambda: None)", "network_socket"
    yield "socketserver", "import socketserver\nsocketserver.TCPServer(('', 1), None)", "network_socket"
    yield "underscore-socket", "import _socket\n_socket.socket()", "network_socket"
    yield "telnetlib", "import telnetlib\ntelnetlib.Telnet('host')", "network_socket"
    yield "smtplib", "from smtplib import SMTP\nSMTP('host')", "network_socket"
    yield "mp-connection", "from multiprocessing.connection import Client\nClient(('h', 1))", "network_socket"
    yield "socket-hop", "import ssl\nssl.socket.socket()", "network_socket"
    yield "ctypes-util", "from ctypes.util import find_library\nfind_library('c')", "native_memory"
    yield "ctypes-star", "from ctypes import *\nCDLL(None)", "native_memory"
    yield "numpy-ctypeslib", "import numpy as np\nnp.ctypeslib.as_array(None)", "native_memory"
    yield "numpy-ctypeslib-getattr", "import numpy as np\ngetattr(np, 'ctypes' + 'lib')", "native_memory"
    yield "cffi", "from cffi import FFI\nFFI().dlopen(None)", "native_memory"
    yield "cpp-extension", "from torch.utils import cpp_extension\ncpp_extension.load_inline('m', '')", "native_memory"
    yield "class-body-alias", "import os\nclass A:\n    sh = os.system\n    def go(self):\n        return self.sh('id')", "command_execution"
    yield "method-returns-module", "import os\nclass A:\n    def mod(self):\n        return os\n    def go(self):\n        return self.mod().system('id')", "command_execution"
    yield "nested-container", "import os\nbox = {'a': [os]}\nbox['a'][0].system('id')", "command_execution"
    yield "star-args", "import os\nargs = ('system',)\ngetattr(os, *args)('id')", "command_execution"
    yield "comprehension-alias", "import os\nfs = [f for f in (os.system,)]\nfs[0]('id')", "command_execution"
    yield "dict-values", "import os\nd = {'x': os.system}\nfor f in d.values():\n    f('id')", "command_execution"
    yield "match-value", "import os\nmatch 1:\n    case _:\n        os.system('id')", "command_execution"
    yield "async-with", "import subprocess\nasync def f():\n    async with x() as y:\n        subprocess.run(['id'])", "command_execution"
    yield "lambda-body", "import os\nf = lambda: os.system('id')", "command_execution"
    yield "generator", "import os\ndef g():\n    yield os.system", "command_execution"
    yield "annotation-only", "import subprocess\nx: subprocess.Popen", "command_execution"
    yield "type-checking-import", "import typing\nif typing.TYPE_CHECKING:\n    import subprocess", "command_execution"
    yield "except-body", "try:\n    pass\nexcept Exception:\n    import subprocess", "command_execution"
    yield "del-and-reimport", "import os\ndel os\nimport os as o2\no2.system('id')", "command_execution"
    yield "exec-in-string-format", "code = 'print({})'.format(1)\nexec(code)", "dynamic_code"
    yield "eval-json-like", "data = eval(open('x').read())", "dynamic_code"
    yield "compile-ast", "import ast\ncompile(ast.parse('1'), 's', 'eval')", "dynamic_code"
    yield "namespace-get-bound", "getattr(getattr(__builtins__, '__dict__'), 'get')('eval')('1')", "dynamic_code"
    yield "builtin-self", "print.__self__.eval('1')", "dynamic_code"
    yield "builtin-self-getattr", "getattr(len.__self__, 'ex' + 'ec')('x = 1')", "dynamic_code"
    yield "globals-update", "import os\nglobals().update(vars(os))\nsystem('id')", "dynamic_code"
    yield "sys-dict-modules", "import sys\nsys.__dict__['modules']['os'].system('id')", "command_execution"
    yield "from-builtins-dict", "from builtins import __dict__ as bd\nbd['eval']('1')", "dynamic_code"
    yield "match-capture", "import os\nmatch os:\n    case m:\n        m.system('id')", "command_execution"
    yield "sys-modules-items", "import sys\nfor name, mod in sys.modules.items():\n    if name == 'os':\n        mod.system('id')", "dynamic_import"
    yield "gc-objects", "import gc\nfor o in gc.get_objects():\n    pass", "dynamic_code"
    yield "builtins-dict-via-module", "import builtins\nbuiltins.__dict__['exec']('x=1')", "dynamic_code"
    yield "getattr-builtins-reversed", "import builtins\ngetattr(builtins, 'lave'[::-1])('1')", "dynamic_code"
    yield "sys-modules-builtins-getattr", "import sys\ngetattr(sys.modules['builtins'], 'ex' + 'ec')('1')", "dynamic_code"


# Written after the analyzer, to probe it (regression cases for what they exposed).
HELD_OUT: list[tuple[str, str, str]] = [
    ('held-out-0', "import os\nd = {}\nd['k'] = os\nd['k'].system('id')", 'command_execution'),
    ('held-out-1', "import os\nsetattr(object, 'x', 1)\nm = os\nm.system('id')", 'command_execution'),
    ('held-out-2', "from os import *\ndef f():\n    return spawnv(0, 'x', [])", 'command_execution'),
    ('held-out-3', "import os\ndef f(*, mod=os):\n    mod.system('id')", 'command_execution'),
    ('held-out-4', "import os\ndef f(**kw):\n    kw['m'].system('id')\nf(m=os)", 'command_execution'),
    ('held-out-5', "import os\nclass A:\n    @staticmethod\n    def go(m=os):\n        return m.system('id')", 'command_execution'),
    ('held-out-6', "import os\nclass A:\n    m = os\n    def go(self):\n        return self.m.system('id')", 'command_execution'),
    ('held-out-7', "import os\nclass A:\n    def __init__(self, m):\n        self.m = m\n    def go(self):\n        return self.m.system('id')\nA(os).go()", 'command_execution'),
    ('held-out-8', "import os\nt = (os,)\nt[0].system('id')", 'command_execution'),
    ('held-out-9', "import os\na, *rest = [1, os]\nrest[0].system('id')", 'command_execution'),
    ('held-out-10', "import os\nfor i, m in enumerate([os]):\n    m.system('id')", 'command_execution'),
    ('held-out-11', "import os\nm = os if 1 else None\nm.system('id')", 'command_execution'),
    ('held-out-12', "import os\nm = [os][-1]\nm.system('id')", 'command_execution'),
    ('held-out-13', "import os\nmods = {'a': os}\nfor v in mods.values():\n    v.system('id')", 'command_execution'),
    ('held-out-14', "import os\nx = type('X', (), {'run': staticmethod(os.system)})", 'command_execution'),
    ('held-out-15', "import os\nwith open('f') as f, __import__('os').popen('id') as p:\n    pass", 'command_execution'),
    ('held-out-16', "import builtins\nsetattr(builtins, 'x', 1)\nbuiltins.eval('1')", 'dynamic_code'),
    ('held-out-17', "f = __builtins__.get('eval') if isinstance(__builtins__, dict) else __builtins__.eval", 'dynamic_code'),
    ('held-out-18', "import sys\nb = sys.modules['builtins']\ngetattr(b, 'e' 'val')('1')", 'dynamic_code'),
    ('held-out-19', "import os\ngetattr(os, 'sys%s' % 'tem')('id')", 'command_execution'),
    ('held-out-20', 'import os\ngetattr(os, f\'{"sys"}tem\')(\'id\')', 'command_execution'),
    ('held-out-21', "import os\nn = ['s','y','s','t','e','m']\ngetattr(os, ''.join(n))('id')", 'command_execution'),
    ('held-out-22', "import os\ngetattr(os, '_'.join(['sys', 'tem']).replace('_', ''))('id')", 'command_execution'),
    ('held-out-23', "import os\ngetattr(os, 'xsystemx'.strip('x'))('id')", 'command_execution'),
    ('held-out-24', "import os\ngetattr(os, 'system'.encode().decode())('id')", 'command_execution'),
    ('held-out-25', "import os\ngetattr(os, 'c3lzdGVt'.encode() and __import__('base64').b64decode('c3lzdGVt').decode())('id')", 'command_execution'),
    ('held-out-26', "import os\ngetattr(os, chr(115)+chr(121)+'stem')('id')", 'command_execution'),
    ('held-out-27', "import os\ngetattr(os, ''.join([chr(ord(c)) for c in 'system']))('id')", 'command_execution'),
    ('held-out-28', "async def f():\n    import asyncio\n    r, w = await asyncio.open_connection('h', 1)", 'network_socket'),
    ('held-out-29', "import multiprocessing.connection as mc\nmc.Listener(('', 1))", 'network_socket'),
    ('held-out-30', 'import _posixsubprocess', 'command_execution'),
    ('held-out-31', "import os\nos.fork() or os.execv('/bin/sh', ['sh'])", 'command_execution'),
    ('held-out-32', 'from os import spawnve', 'command_execution'),
    ('held-out-33', 'import asyncio.subprocess', 'command_execution'),
    ('held-out-34', "compile_ = compile\ncompile_('1', 's', 'exec')", 'dynamic_code'),
    ('held-out-35', "eval.__call__('1')", 'dynamic_code'),
    ('held-out-36', "import builtins\nbuiltins.__dict__.get('eval')('1')", 'dynamic_code'),
    ('held-out-37', "(lambda: __import__('os'))().system('id')", 'command_execution'),
    ('held-out-38', "__import__('importlib').import_module('os')", 'dynamic_import'),
    ('held-out-39', "import os\nos.__dict__.pop('system')('id')", 'command_execution'),
    ('held-out-40', 'from importlib import util as u', 'dynamic_import'),
    ('held-out-41', 'import importlib.machinery', 'dynamic_import'),
    ('held-out-42', "import os\nf = os.__dict__.__getitem__\nf('system')('id')", 'command_execution'),
    ('held-out-43', 'import subprocess as s\nclass P(s.Popen):\n    pass', 'command_execution'),
    ('held-out-44', 'def f():\n    from os import popen\n    return popen', 'command_execution'),
    ('held-out-45', "import os\nx = [getattr(os, n) for n in ['system']]", 'command_execution'),
    ('held-out-46', "import os\nsh = {k: v for k, v in vars(os).items()}['system']", 'command_execution'),
    ('held-out-47', "import os\nname = 'sys'\nname += 'tem'\ngetattr(os, name)('id')", 'command_execution'),
    ('held-out-48', "import os\nparts = ['sys', 'tem']\ngetattr(os, ''.join(parts))('id')", 'command_execution'),
    ('held-out-49', "import os\nparts = ('sys', 'tem')\ngetattr(os, '%s%s' % parts)('id')", 'command_execution'),
    ('held-out-50', "import os\nn = 'metsys'\ngetattr(os, n[::-1])('id')", 'command_execution'),
    ('held-out-51', "import os\ndef name():\n    return 'system'\ngetattr(os, name())('id')", 'command_execution'),
    ('held-out-52', "import os\nclass C:\n    N = 'system'\ngetattr(os, C.N)('id')", 'command_execution'),
    ('held-out-53', "import os\nimport operator as op\nop.attrgetter('sys' + 'tem')(os)('id')", 'command_execution'),
    ('held-out-54', "from operator import methodcaller\nimport os\nmethodcaller('system', 'id')(os)", 'command_execution'),
    ('held-out-55', "import builtins\nb = builtins.__dict__\nb['exec']('x=1')", 'dynamic_code'),
    ('held-out-56', "g = globals()\ng['__builtins__']['eval']('1')", 'dynamic_code'),
    ('held-out-57', "e = __builtins__.__getattribute__('eval')", 'dynamic_code'),
    ('held-out-58', "import sys\nm = sys.modules\nm['os'].system('id')", 'command_execution'),
    ('held-out-59', "import importlib as il\nil.import_module('os')", 'dynamic_import'),
    ('held-out-60', "x = __import__\nx('os')", 'dynamic_import'),
    ('held-out-61', "exec_ = vars(__builtins__)['exec']", 'dynamic_code'),
    ('held-out-62', "import os\ngetattr(os, 'SYSTEM'.lower())('id')", 'command_execution'),
    ('held-out-63', "import os\ngetattr(os, 'sy' 'stem')('id')", 'command_execution'),
    ('held-out-64', "import os\ngetattr(os, '%c%c%c%c%c%c' % (115, 121, 115, 116, 101, 109))('id')", 'command_execution'),
    ('held-out-65', "import os\ngetattr(os, ''.join(chr(x) for x in b'system'))('id')", 'command_execution'),
    ('held-out-66', "import os\ngetattr(os, bytes([115,121,115,116,101,109]).decode('ascii'))('id')", 'command_execution'),
    ('held-out-67', "import os\ngetattr(os, str(b'system', 'utf-8'))('id')", 'command_execution'),
    ('held-out-68', "import os\nk = dict(a='system')\ngetattr(os, k['a'])('id')", 'command_execution'),
    ('held-out-69', "import os\ngetattr(os, next(iter(['system'])))('id')", 'command_execution'),
    ('held-out-70', "from os import system\nimport threading\nthreading.Timer(1, system, ['id']).start()", 'command_execution'),
    ('held-out-71', "import os\nimport atexit\natexit.register(os.system, 'id')", 'command_execution'),
    ('held-out-72', "import asyncio\nasync def f():\n    p = await asyncio.subprocess.create_subprocess_exec('id')", 'command_execution'),
    ('held-out-73', "import asyncio\nloop = asyncio.get_event_loop()\nloop.run_until_complete(loop.create_connection(lambda: None, 'h', 1))", 'network_socket'),
    ('held-out-74', "import socket as _s\nconn = _s.create_connection(('h', 80))", 'network_socket'),
    ('held-out-75', 'import ctypes.util', 'native_memory'),
    ('held-out-76', 'from ctypes import CDLL as C', 'native_memory'),
    ('held-out-77', 'import numpy\nnumpy.ctypeslib.ndpointer()', 'native_memory'),
    ('held-out-78', "exec(open('payload.py').read())", 'dynamic_code'),
    ('held-out-79', "import runpy\nrunpy.run_module('pkg')", 'dynamic_import'),
    ('held-out-80', 'import code\ncode.interact()', 'dynamic_code'),
    ('held-out-81', "lambda: eval('1')", 'dynamic_code'),
    ('held-out-82', 'class X:\n    def run(self):\n        return eval(self.src)', 'dynamic_code'),
    ('held-out-83', "import os as o, sys as s\ns.modules['o' + 's'].system('id')", 'command_execution'),
    ('held-out-84', "__builtins__.__dict__['__imp' + 'ort__']('os')", 'dynamic_import'),
    ('held-out-85', "import os\nfn = getattr(os, 'system', None)\nif fn:\n    fn('id')", 'command_execution'),
    ('held-out-86', "import sys\nos_ = sys.modules.get('os')\nos_.popen('id')", 'command_execution'),
    ('held-out-87', "import os\nos.system.__call__('id')", 'command_execution'),
    ('held-out-88', "import os\nos.popen('id').read()", 'command_execution'),
    ('held-out-89', 'import subprocess\nfrom functools import partial\nrun = partial(subprocess.run, shell=True)', 'command_execution'),
    ('held-out-90', 'import pty as p', 'command_execution'),
    ('held-out-91', "import os\nos.execl('/bin/sh', 'sh')", 'command_execution'),
    ('held-out-92', "from os import execvp as go\ngo('ls', ['ls'])", 'command_execution'),
    ('held-out-93', "import os\n(lambda f: f('id'))(os.system)", 'command_execution'),
    ('held-out-94', "import os\nlist(filter(None, [os.system('id')]))", 'command_execution'),
]

LOOKALIKE = [
    "eval",
    "exec",
    "compile",
    "system",
    "popen",
    "execv",
    "spawn",
    "Popen",
    "run",
    "call",
    "check_output",
    "socket",
    "connect",
    "import_module",
    "CDLL",
    "open_connection",
    "loads",
    "getattr",
    "modules",
    "subprocess",
    "ctypes",
]


def legit_lookalikes() -> Iterator[Case]:
    """Honest code that mentions forbidden-looking names."""
    for n in LOOKALIKE:
        yield "method-on-parameter", f"def f(obj):\n    return obj.{n}()", None
        yield "method-on-self", f"class A:\n    def {n}(self):\n        return 1\n    def go(self):\n        return self.{n}()", None
        yield "local-function", f"def {n}(x=None):\n    return x\n\ndef main():\n    return {n}(1)", None
        yield "parameter-named", f"def f({n}):\n    return {n}(1)", None
        yield "keyword-argument", f"def f(**kw):\n    return kw\nf({n}=1)", None
        yield "class-method-call", f"class A:\n    def {n}(self):\n        return 1\nA().{n}()", None
        yield "string", f"x = {n!r}\ny = 'use {n}(...) carefully'", None
        yield "comment", f"# {n}(1) is forbidden, so we do not call it\nx = 1", None
        yield "docstring", f'def f():\n    """Never call {n}() here."""\n    return 1', None
        yield "dict-key", f"d = {{{n!r}: 1}}\nprint(d[{n!r}])", None
        yield "local-variable", f"def f():\n    {n} = 3\n    return {n} + 1", None
        yield "attribute-store", f"class A:\n    pass\na = A()\na.{n} = 1\nprint(a.{n})", None
        yield "getattr-on-self", f"class A:\n    def go(self):\n        return getattr(self, {n!r})", None
        yield "getattr-on-object", f"def f(obj):\n    return getattr(obj, {n!r}, None)", None
        yield "loop-variable", f"for {n} in range(3):\n    print({n})", None
        yield "comprehension-variable", f"xs = [{n} * 2 for {n} in range(3)]", None
        yield "f-string-text", f"x = 1\nprint(f'{n}: {{x}}')", None


LEGIT_SNIPPETS: list[tuple[str, str]] = [
    ("torch-eval", "import torch\nmodel = torch.nn.Linear(4, 2)\nmodel.eval()\nwith torch.no_grad():\n    y = model(torch.zeros(1, 4))"),
    ("torch-compile", "import torch\nmodel = torch.nn.Linear(4, 2)\nfast = torch.compile(model)"),
    ("torch-load", "import torch\nstate = torch.load('weights.pt', map_location='cpu')"),
    ("re-compile", "import re\nWORD = re.compile(r'\\w+')\nprint(WORD.findall('a b'))"),
    ("regex-from-import", "from re import compile as rx\nPAT = rx('a+')"),
    ("pandas-eval", "import pandas as pd\ndf = pd.DataFrame({'a': [1, 2]})\ndf = df.eval('b = a * 2')\nprint(pd.eval('1 + 2'))"),
    ("pandas-query", "import pandas as pd\ndf = pd.DataFrame({'a': [1]})\nprint(df.query('a > 0'))"),
    ("ast-literal-eval", "import ast\nvalue = ast.literal_eval('{\"a\": 1}')"),
    ("json", "import json\nprint(json.loads('{}'), json.dumps([]))"),
    ("requests", "import requests\nresp = requests.post('https://api.example.com', json={}, timeout=10)\nresp.raise_for_status()"),
    ("httpx-async", "import httpx\nasync def fetch():\n    async with httpx.AsyncClient() as client:\n        return await client.get('https://example.com')"),
    ("urllib-request", "from urllib.request import urlopen, Request\nwith urlopen(Request('https://example.com')) as r:\n    r.read()"),
    ("urllib-request", "import urllib.request\nwith urllib.request.urlopen('https://example.com') as r:\n    r.read()"),
    ("pathlib", "from pathlib import Path\nfor p in Path('.').glob('*.py'):\n    print(p.read_text())"),
    ("os-path-environ", "import os\nroot = os.path.dirname(os.path.abspath(__file__))\nkey = os.environ.get('API_KEY', '')\nprint(os.getenv('HOME'), os.listdir(root), os.cpu_count())"),
    ("os-files", "import os\nos.makedirs('out', exist_ok=True)\nos.remove('out/x') if os.path.exists('out/x') else None\nos.rename('a', 'b')"),
    ("os-walk", "import os\nfor dirpath, dirs, files in os.walk('.'):\n    print(dirpath, len(files))"),
    ("tempfile", "import tempfile\nwith tempfile.NamedTemporaryFile(suffix='.wav') as f:\n    f.write(b'')"),
    ("logging", "import logging\nlogger = logging.getLogger(__name__)\nlogger.info('ready')"),
    ("concurrent-futures", "from concurrent.futures import ThreadPoolExecutor\nwith ThreadPoolExecutor(4) as pool:\n    list(pool.map(str, range(3)))"),
    ("asyncio-gather", "import asyncio\nasync def work(i):\n    await asyncio.sleep(0)\n    return i\nasync def main():\n    return await asyncio.gather(*(work(i) for i in range(3)))\nasyncio.run(main())"),
    ("asyncio-queue", "import asyncio\nq = asyncio.Queue()\nloop_count = 3\nasync def f():\n    await q.put(1)\n    return await asyncio.wait_for(q.get(), 1)"),
    ("numpy-getattr-dtype", "import numpy as np\ndef cast(a, dtype_name):\n    return a.astype(getattr(np, dtype_name))"),
    ("torch-getattr-activation", "import torch\ndef act(name):\n    return getattr(torch.nn, name)()"),
    ("getattr-config", "class Cfg:\n    lr = 0.1\ndef get(cfg, key):\n    return getattr(cfg, key)\nget(Cfg(), 'lr')"),
    ("importlib-free-registry", "from .models import small, large\nMODELS = {'small': small, 'large': large}\ndef pick(name):\n    return MODELS[name]"),
    ("dataclasses", "from dataclasses import dataclass, field\n@dataclass\nclass Row:\n    text: str\n    tags: list = field(default_factory=list)"),
    ("typing", "from typing import Any, Optional\ndef f(x: Optional[Any] = None) -> dict:\n    return {}"),
    ("pickle-file", "import pickle\nwith open('model.pkl', 'rb') as fh:\n    model = pickle.load(fh)\ndata = pickle.dumps(model)"),
    ("joblib", "import joblib\nclf = joblib.load('clf.joblib')"),
    ("timeit-callable", "import timeit\nprint(timeit.timeit(lambda: sum(range(100)), number=10))"),
    ("pil", "from PIL import Image\nimg = Image.open('x.png').convert('RGB').resize((224, 224))"),
    ("transformers", "from transformers import AutoTokenizer, AutoModel\ntok = AutoTokenizer.from_pretrained('bert-base-uncased')\nmodel = AutoModel.from_pretrained('bert-base-uncased').eval()"),
    ("sklearn", "from sklearn.linear_model import LogisticRegression\nclf = LogisticRegression().fit([[0], [1]], [0, 1])"),
    ("mmap", "import mmap\nwith open('big.bin', 'rb') as f:\n    mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)"),
    ("struct", "import struct\nvalue, = struct.unpack('<f', b'\\x00\\x00\\x80?')"),
    ("sys-basic", "import sys\nprint(sys.version, sys.platform, sys.maxsize)\nsys.stdout.write('x')\nif 'numpy' in sys.modules:\n    pass"),
    ("sys-modules-constant", "import sys\njson_mod = sys.modules['json']\nprint(json_mod.dumps({}))"),
    ("inspect-signature", "import inspect\ndef f(a, b=1):\n    pass\nprint(inspect.signature(f).parameters)"),
    ("subclass-registry", "class Base:\n    @classmethod\n    def registry(cls):\n        return {c.__name__: c for c in cls.__subclasses__()}"),
    ("vars-of-object", "class A:\n    def __init__(self):\n        self.x = 1\nprint(vars(A()))"),
    ("dict-of-instance", "class A:\n    pass\na = A()\na.__dict__['x'] = 1"),
    ("globals-read-constant", "VERSION = '1.0'\nprint(globals()['VERSION'])"),
    ("functools", "import functools\n@functools.lru_cache(maxsize=None)\ndef fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)"),
    ("operator-itemgetter", "import operator\nrows = sorted([{'a': 2}, {'a': 1}], key=operator.itemgetter('a'))"),
    ("operator-attrgetter-plain", "import operator\nclass R:\n    score = 1\nbest = max([R()], key=operator.attrgetter('score'))"),
    ("threading", "import threading\nt = threading.Thread(target=print, args=('hi',))\nt.start()\nt.join()"),
    ("multiprocessing-pool", "import multiprocessing as mp\nwith mp.Pool(2) as pool:\n    print(pool.map(abs, [-1, 2]))"),
    ("shutil", "import shutil\nshutil.copyfile('a', 'b')\nshutil.rmtree('tmp', ignore_errors=True)"),
    ("hashlib", "import hashlib\nprint(hashlib.sha256(b'x').hexdigest())"),
    ("base64-data", "import base64\npayload = base64.b64encode(b'image bytes').decode()"),
    ("codecs-open", "import codecs\nwith codecs.open('x.txt', encoding='utf-8') as f:\n    f.read()"),
    ("string-join", "words = ['sys', 'tem']\nprint(''.join(words))"),
    ("exec-method-sql", "class Db:\n    def exec(self, q):\n        return q\ndb = Db()\ndb.exec('select 1')"),
    ("system-attribute", "class Info:\n    system = 'linux'\nprint(Info.system)"),
    ("platform-system", "import platform\nprint(platform.system(), platform.machine())"),
    ("compile-parameter", "def build(compile=True):\n    return compile"),
    ("eval-mode-function", "def eval(model, loader):\n    model.eval()\n    return [model(x) for x in loader]\n\ndef main(model, loader):\n    return eval(model, loader)"),
    ("eval-shadow-import", "from .metrics import eval\nscore = eval([1], [1])"),
    ("spacy-like", "import spacy\nnlp = spacy.blank('en')\ndoc = nlp('hello')"),
    ("numpy-ctypes-attribute", "import numpy as np\na = np.zeros(3)\nptr = a.ctypes.data"),
    ("enum", "from enum import Enum\nclass Mode(Enum):\n    EVAL = 'eval'\n    EXEC = 'exec'"),
    ("yaml-safe", "import yaml\ncfg = yaml.safe_load('a: 1')"),
    ("contextlib", "import contextlib\nwith contextlib.suppress(KeyError):\n    {}['x']"),
    ("warnings", "import warnings\nwarnings.filterwarnings('ignore', category=DeprecationWarning)"),
    ("itertools", "import itertools\nfor a, b in itertools.product([1], [2]):\n    print(a + b)"),
    ("type-hints-loop", "import asyncio\nasync def tick(loop: asyncio.AbstractEventLoop) -> None:\n    loop.call_later(1, print)\n    await asyncio.sleep(1)"),
    ("loop-run", "import asyncio\nloop = asyncio.new_event_loop()\nloop.run_until_complete(asyncio.sleep(0))\nloop.close()"),
    ("pool-create-connection", "class Pool:\n    def create_connection(self):\n        return object()\nPool().create_connection()"),
    ("importlib-mentioned", "# importlib.import_module is not allowed; import statically\nimport json"),
    ("relative-imports", "from . import utils\nfrom .utils import helper\nfrom ..shared import config"),
    ("conditional-import", "try:\n    import orjson as json\nexcept ImportError:\n    import json\nprint(json.dumps({}))"),
    ("typing-checking", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pandas as pd"),
    ("match-statement", "def f(cmd):\n    match cmd:\n        case {'op': 'eval', 'arg': arg}:\n            return arg\n        case _:\n            return None"),
    ("walrus-regex", "import re\nif (m := re.compile('a').match('a')):\n    print(m.group(0))"),
    ("nested-functions", "def outer():\n    def compile(x):\n        return x\n    return compile(1)"),
    ("class-named-like", "class Popen:\n    pass\nPopen()"),
    ("unicode-identifiers", "café = 1\nnaïve = café + 1\nprint(naïve)"),
    ("sys-modules-own", "import sys\nthis = sys.modules[__name__]\nparent = sys.modules[__name__.rpartition('.')[0]]\nmod = sys.modules.get(cls.__module__) if False else None"),
    ("types-isinstance", "import types\ndef is_fn(x):\n    return isinstance(x, (types.FunctionType, types.LambdaType))"),
    ("sys-frozen", "import sys\nfrozen = getattr(sys, 'frozen', False)\nprint(sys.getrecursionlimit())"),
    ("builtins-flag", "import builtins\nin_ipython = getattr(builtins, '__IPYTHON__', False)"),
    ("locals-copy-kwargs", "def read(a=1, b=2, **kw):\n    kwds = locals().copy()\n    del kwds['kw']\n    kwds.update(kw)\n    for k, v in kwds.items():\n        print(k, v)"),
    ("globals-update-literal", "globals().update({'A': 1, 'B': 2})"),
    ("unicode-strings", "msg = '\uff45\uff56\uff41\uff4c is a fullwidth word in a string'\nprint(msg)"),
]


HELD_OUT_LEGIT: list[tuple[str, str]] = [
    ('held-out-legit-0', 'import os\nfor k, v in os.environ.items():\n    print(k, v)'),
    ('held-out-legit-1', 'import torch\nclass M(torch.nn.Module):\n    def forward(self, x):\n        return x\nm = M()\nm.eval()\nm.train(False)'),
    ('held-out-legit-2', 'from torch import compile as tcompile\nf = tcompile(lambda x: x)'),
    ('held-out-legit-3', "import numpy as np\nfunc = getattr(np, 'mean')\nprint(func([1, 2]))"),
    ('held-out-legit-4', 'import importlib_metadata'),
    ('held-out-legit-5', "import sys\nsys.path.insert(0, '.')\nimport mymod"),
    ('held-out-legit-6', "import os\npath = os.path.join(os.getcwd(), 'models')\nos.makedirs(path, exist_ok=True)"),
    ('held-out-legit-7', 'import logging\nlogging.basicConfig(level=logging.INFO)'),
    ('held-out-legit-8', 'from typing import Callable\nHandler = Callable[[str], None]'),
    ('held-out-legit-9', "def execute(query):\n    return query\nexecute('x')"),
    ('held-out-legit-10', 'import asyncio\nasync def main():\n    loop = asyncio.get_running_loop()\n    return await loop.run_in_executor(None, sum, [1, 2])'),
    ('held-out-legit-11', "import numpy as np\narr = np.frombuffer(b'\\x00' * 8, dtype=np.float32)"),
    ('held-out-legit-12', "import json, os\ncfg = json.load(open(os.path.join('cfg', 'x.json')))"),
    ('held-out-legit-13', "import re\nrx = re.compile('x')\nrx.sub('y', 'x')"),
    ('held-out-legit-14', 'class Evaluator:\n    def eval(self, x):\n        return x\n    def __call__(self, x):\n        return self.eval(x)'),
    ('held-out-legit-15', 'import sys\nprint(sys.modules[__name__].__doc__)'),
    ('held-out-legit-16', "import inspect\nsrc = inspect.getsource(len) if False else ''"),
    ('held-out-legit-17', "import pandas as pd\ndf = pd.read_csv('x.csv')\ndf['y'] = df.eval('a + b')"),
    ('held-out-legit-18', 'import torch\nscripted = torch.jit.script(torch.nn.Linear(1, 1))'),
    ('held-out-legit-19', 'from sklearn.metrics import accuracy_score\nscore = accuracy_score([1], [1])'),
    ('held-out-legit-20', "import os\nos.environ.setdefault('TOKENIZERS_PARALLELISM', 'false')"),
    ('held-out-legit-21', 'import gc\ngc.collect()'),
    ('held-out-legit-22', 'import signal\nsignal.signal(signal.SIGTERM, lambda *a: None)'),
    ('held-out-legit-23', 'import os\npid = os.getpid()\nos.kill(pid, 0)'),
    ('held-out-legit-24', 'import select'),
    ('held-out-legit-25', 'import weakref\nr = weakref.ref(object)'),
    ('held-out-legit-26', 'import pkg_resources'),
    ('held-out-legit-27', 'def compile_model(m):\n    return m\ncompile_model(1)'),
    ('held-out-legit-28', "import operator\nadd = getattr(operator, 'add')\nprint(add(1, 2))"),
    ('held-out-legit-29', "import torch.nn.functional as F\nact = getattr(F, 'relu')"),
    ('held-out-legit-30', 'from functools import partial\nimport json\ndump = partial(json.dumps, indent=2)'),
    ('held-out-legit-31', "import os\nif os.name == 'nt':\n    pass"),
    ('held-out-legit-32', 'import sys\nif sys.version_info >= (3, 10):\n    from typing import TypeAlias'),
    ('held-out-legit-33', "import tokenizers\nfrom transformers import pipeline\nnlp = pipeline('sentiment-analysis')"),
]


def legit_snippets() -> Iterator[Case]:
    for technique, source in [*LEGIT_SNIPPETS, *HELD_OUT_LEGIT]:
        yield technique, source, None


def invalid_cases() -> list[Case]:
    cases = [*evasions(), *builtin_evasions(), *gadget_evasions(), *HELD_OUT, *class_invalid()]
    return [c for c in cases if c[2] is not None]


def valid_cases() -> list[Case]:
    cases = [*legit_lookalikes(), *legit_snippets(), *class_valid()]
    cases.extend(c for c in builtin_evasions() if c[2] is None)
    return cases

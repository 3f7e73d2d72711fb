"""Corpus cases for the scanner's modelled attack classes (issue 12 item 6), evasive and legitimate.

``CLASSES[name]`` is ``(invalid, valid)``: evasive cases ``(technique, source, category)`` that
must be reported under ``category``, and legitimate ones ``(technique, source, None)`` that must
stay clean. Class 5 (sibling modules) needs several files per case: ``SIBLING_CASES`` maps a
technique to ``({file: text}, category or None)``, with ``main.py`` the file under test.
"""

from __future__ import annotations

Case = tuple[str, str, str | None]

CE, DC, DI, NS, NM = "command_execution", "dynamic_code", "dynamic_import", "network_socket", "native_memory"

CLASS1_HELPERS: list[Case] = [
    ("c1-platform-syscmd", "import platform\nplatform._syscmd_ver()", CE),
    ("c1-platform-syscmd-file", "import platform\nplatform._syscmd_file('/bin/ls', '')", CE),
    ("c1-platform-architecture", "from platform import architecture\narchitecture('/bin/sh')", CE),
    ("c1-uuid-command", "import uuid\nuuid._get_command_stdout('ifconfig')", CE),
    ("c1-uuid-from", "from uuid import _get_command_stdout as run\nrun('ip', 'link')", CE),
    ("c1-mp-spawnv", "import multiprocessing.util as u\nu.spawnv_passfds('/bin/sh', ['sh'], ())", CE),
    ("c1-http-client", "import http.client\nc = http.client.HTTPConnection('10.0.0.1', 22)\nc.connect()", NS),
    ("c1-http-client-from", "from http.client import HTTPSConnection\nHTTPSConnection('x').request('GET', '/')", NS),
    ("c1-logging-listen", "import logging.config\nlogging.config.listen(9999).start()", NS),
    ("c1-socket-handler", "from logging.handlers import SocketHandler\nSocketHandler('10.0.0.1', 4444).makeSocket()", NS),
    ("c1-syslog", "import logging.handlers\nlogging.handlers.SysLogHandler(address=('10.0.0.1', 514))", NS),
    ("c1-bdb-run", "import bdb\nbdb.Bdb().run('import os')", DC),
    ("c1-pipes", "import pipes\nt = pipes.Template()\nt.append('sh', '--')\nt.open('f', 'w')", CE),
    ("c1-xmlrpc", "import xmlrpc.server\nxmlrpc.server.SimpleXMLRPCServer(('0.0.0.0', 8000))", NS),
    ("c1-mailcap", "import mailcap\nmailcap.findmatch({}, 'text/plain')", CE),
    ("c1-pydoc-pager", "import pydoc\npydoc.getpager()('x')", CE),
    ("c1-pty", "import pty\npty.spawn('/bin/sh')", CE),
    ("c1-runpy", "import runpy\nrunpy.run_path('x.py')", DI),
    ("c1-pkgutil", "import pkgutil\npkgutil.resolve_name('os:system')('id')", DI),
    ("c1-code", "import code\ncode.InteractiveInterpreter().runsource('1')", DC),
    ("c1-timeit", "import timeit\ntimeit.timeit('import os')", DC),
    ("c1-webbrowser", "import webbrowser\nwebbrowser.get('sh')", CE),
    ("c1-smtplib", "import smtplib\nsmtplib.SMTP('10.0.0.1')", NS),
    ("c1-asyncio-exec", "import asyncio\nasyncio.create_subprocess_exec('id')", CE),
    ("c1-importlib-util", "import importlib.util\nimportlib.util.find_spec('os')", DI),
    ("c1-ctypes-util", "import ctypes.util\nctypes.util.find_library('c')", NM),
]
CLASS1_LEGIT: list[Case] = [
    ("c1-ok-platform", "import platform\nprint(platform.system(), platform.machine(), platform.python_version())", None),
    ("c1-ok-dataclass", "from dataclasses import dataclass, field\n@dataclass\nclass C:\n    x: int = field(default=1)", None),
    ("c1-ok-namedtuple", "from collections import namedtuple\nP = namedtuple('P', 'x y')\nP(1, 2)", None),
    ("c1-ok-mimetypes", "import mimetypes\nmimetypes.guess_type('a.png')", None),
    ("c1-ok-ast", "import ast\nast.literal_eval('[1, 2]')\nast.parse('x = 1')", None),
    ("c1-ok-urllib", "import urllib.request\nurllib.request.urlopen('https://example.com').read()", None),
    ("c1-ok-logging", "import logging\nlogging.basicConfig(level=logging.INFO)\nlogging.getLogger(__name__).info('x')", None),
    ("c1-ok-uuid4", "import uuid\nprint(uuid.uuid4().hex)", None),
    ("c1-ok-pool", "import multiprocessing\nwith multiprocessing.Pool(2) as p:\n    p.map(abs, [1])", None),
    ("c1-ok-asyncio", "import asyncio\nasync def main():\n    await asyncio.sleep(0)\nasyncio.run(main())", None),
    ("c1-ok-shutil", "import shutil, tempfile\nd = tempfile.mkdtemp()\nshutil.rmtree(d)", None),
]

CLASS2_FLOWS: list[Case] = [
    ("c2-call-arg", "import os\nhelper(os)", CE),
    ("c2-call-kwarg", "import os\nrunner(mod=os)", CE),
    ("c2-list", "import os\nmods = [os]", CE),
    ("c2-tuple-index", "import os\n(os,)[0].system('id')", CE),
    ("c2-dict-value", "import os\nregistry = {'m': os}", CE),
    ("c2-dict-key", "import sys\nlookup = {sys: 1}", DI),
    ("c2-set", "import os\n{os}.pop().system('id')", CE),
    ("c2-obj-attr", "import os\nclass C:\n    pass\nc = C()\nc.m = os\nc.m.system('id')", CE),
    ("c2-setattr", "import os\nsetattr(holder, 'm', os)", CE),
    ("c2-item-store", "import os\nbox = {}\nbox['m'] = os", CE),
    ("c2-closure", "import os\ndef outer():\n    m = os\n    def inner():\n        return m\n    return inner", CE),
    ("c2-nonlocal", "import os\ndef outer():\n    m = None\n    def inner():\n        nonlocal m\n        m = os\n    inner()", CE),
    ("c2-global", "import os\ndef f():\n    global M\n    M = os", CE),
    ("c2-default-arg", "import os\ndef f(m=os):\n    return m.getcwd()", CE),
    ("c2-lambda-default", "import os\nf = lambda m=os: m", CE),
    ("c2-globals-update", "import os\nglobals().update(m=os)", CE),
    ("c2-globals-item", "import os\nglobals()['m'] = os", CE),
    ("c2-return", "import sys\ndef get():\n    return sys", DI),
    ("c2-yield", "import os\ndef gen():\n    yield os", CE),
    ("c2-await", "import asyncio\nasync def f():\n    return await asyncio", CE),
    ("c2-raise", "import os\nraise RuntimeError(os)", CE),
    ("c2-raise-from", "import os\ntry:\n    pass\nexcept Exception as e:\n    raise e from os", CE),
    ("c2-exception-args", "import os\ntry:\n    raise ValueError(os)\nexcept ValueError as e:\n    e.args[0].system('id')", CE),
    ("c2-match-capture", "import os\nmatch os:\n    case m:\n        m.system('id')", CE),
    ("c2-match-class", "import os\nmatch os:\n    case object(system=run):\n        run('id')", CE),
    ("c2-match-seq", "import os\nmatch [os]:\n    case [m]:\n        m.system('id')", CE),
    ("c2-match-mapping", "import os\nmatch {'k': os}:\n    case {'k': m}:\n        m.system('id')", CE),
    ("c2-comprehension", "import os\nms = [m for m in (os,)]", CE),
    ("c2-boolop", "import os\nf(None or os)", CE),
    ("c2-ifexp", "import os, sys\nf(os if x else sys)", CE),
    ("c2-builtins-flow", "import builtins\nstore(builtins)", DC),
    ("c2-inspect-flow", "import inspect\nkeep = [inspect]", DC),
    ("c2-importlib-flow", "import importlib\nkeep = [importlib]", DI),
    ("c2-hop-shutil", "import shutil\nshutil.os.system('id')", CE),
    ("c2-hop-json", "import json\njson.codecs.sys.modules['os'].system('id')", CE),
    ("c2-hop-tempfile", "import tempfile\ntempfile._os.popen('id')", CE),
    ("c2-hop-flow", "import shutil\nfn(shutil.os)", CE),
    ("c2-vars-flow", "import os\nfn(vars(os))", CE),
    ("c2-sys-modules-flow", "import sys\nfn(sys.modules)", DI),
    ("c2-starred", "import os\nf(*[os])", CE),
    ("c2-augassign", "import os\nacc = []\nacc += [os]", CE),
]
CLASS2_LEGIT: list[Case] = [
    ("c2-ok-path", "import os\nprint(os.path.join('a', 'b'), os.environ.get('HOME'), os.getenv('X'))", None),
    ("c2-ok-stream", "import sys, logging\nlogging.basicConfig(stream=sys.stdout)\nprint('x', file=sys.stderr)", None),
    ("c2-ok-hasattr", "import os\nif hasattr(os, 'sched_getaffinity'):\n    n = len(os.sched_getaffinity(0))", None),
    ("c2-ok-getattr-const", "import sys\nfrozen = getattr(sys, 'frozen', False)", None),
    ("c2-ok-monkeypatch", "import os\ndef test_x(monkeypatch):\n    monkeypatch.setattr(os, 'getcwd', lambda: '/')", None),
    ("c2-ok-mock", "import os\nfrom unittest import mock\nwith mock.patch.object(os, 'getcwd'):\n    pass", None),
    ("c2-ok-local-alias", "import os\np = os\nprint(p.path.basename('x'))", None),
    ("c2-ok-isinstance", "import os, types\nassert isinstance(os, types.ModuleType)", None),
    ("c2-ok-numpy-backend", "import numpy as np\ndef f(x, xp=np):\n    return xp.asarray(x)", None),
    ("c2-ok-torch-list", "import torch\nmods = [torch.nn.Linear(2, 2), torch.nn.ReLU()]", None),
    ("c2-ok-sys-path", "import sys\npaths = [p for p in sys.path if p]", None),
    ("c2-ok-os-list", "import os\nfiles = [os.path.join('d', n) for n in os.listdir('.')]", None),
    ("c2-ok-return-attr", "import os\ndef cwd():\n    return os.getcwd()", None),
]

CLASS3_REFLECTION: list[Case] = [
    ("c3-tuple-base", "().__class__.__base__.__subclasses__()", DC),
    ("c3-type-subclasses", "type.__subclasses__(object)", DC),
    ("c3-mro-last", "int.__mro__[-1].__subclasses__()", DC),
    ("c3-mro-var", "b = int.__mro__\no = b[-1]\no.__subclasses__()", DC),
    ("c3-bases", "o = str.__bases__[0]\no.__subclasses__()", DC),
    ("c3-int-subclasses", "int.__subclasses__()", DC),
    ("c3-getattr-subclasses", "getattr(object, '__subcl' + 'asses__')()", DC),
    ("c3-dict-subclasses", "type.__dict__['__subclasses__'](object)", DC),
    ("c3-local-base", "class A:\n    pass\nA.__base__.__subclasses__()", DC),
    ("c3-func-globals", "def f():\n    pass\nf.__globals__['__builtins__']", DC),
    ("c3-getattr-globals", "def f():\n    pass\ngetattr(f, '__glo' + 'bals__')", DC),
    ("c3-method-globals", "class C:\n    def m(self):\n        pass\nC().m.__func__.__globals__", DC),
    ("c3-getframe", "import sys\nsys._getframe().f_globals", DC),
    ("c3-getframe-back", "import sys\nsys._getframe(1).f_back.f_locals", DC),
    ("c3-gen-frame", "def g():\n    yield 1\nx = g()\nx.gi_frame.f_globals", DC),
    ("c3-coro-frame", "async def c():\n    pass\nco = c()\nco.cr_frame.f_builtins", DC),
    ("c3-tb-frame", "try:\n    1 / 0\nexcept Exception as e:\n    e.__traceback__.tb_frame.f_globals", DC),
    ("c3-inspect-frame", "import inspect\ninspect.currentframe().f_globals", DC),
    ("c3-inspect-stack", "import inspect\ninspect.stack()[0].frame.f_locals", DC),
    ("c3-func-builtins", "def f():\n    pass\nf.__builtins__['eval']('1')", DC),
    ("c3-module-builtins", "import json\njson.__builtins__['exec']('x=1')", DC),
    ("c3-print-self", "print.__self__.eval('1')", DC),
    ("c3-globals-builtins", "globals()['__builtins__'].exec('x=1')", DC),
    ("c3-getattr-builtins", "def f():\n    pass\ngetattr(f, '__builtins__')['eval']('1')", DC),
    ("c3-module-key", "import sys, os\nsys.modules[os.system.__module__].system('id')", CE),
    ("c3-getattr-f-globals", "import sys\ngetattr(sys._getframe(), 'f_' + 'globals')", DC),
]
CLASS3_LEGIT: list[Case] = [
    ("c3-ok-registry", "class Base:\n    pass\ndef plugins(cls=Base):\n    return cls.__subclasses__()", None),
    ("c3-ok-class-name", "class A:\n    def name(self):\n        return self.__class__.__name__", None),
    ("c3-ok-type-name", "def kind(x):\n    return type(x).__name__", None),
    ("c3-ok-mro-names", "class A:\n    pass\nnames = [c.__name__ for c in A.__mro__]", None),
    ("c3-ok-own-module", "import sys\nthis = sys.modules[__name__]", None),
    ("c3-ok-qualname", "def f():\n    pass\nprint(f.__qualname__, f.__module__, f.__doc__)", None),
    ("c3-ok-isinstance", "class A:\n    pass\nprint(issubclass(A, object), isinstance(A(), A))", None),
    ("c3-ok-traceback", "import traceback\ntry:\n    1 / 0\nexcept Exception:\n    traceback.print_exc()", None),
]

CLASS4_CODE: list[Case] = [
    ("c4-codetype", "import types\ntypes.CodeType(0, 0, 0, 0, 0, 0, b'', (), (), (), '', '', '', 0, b'', b'')", DC),
    ("c4-code-replace", "def f():\n    pass\nc = f.__code__.replace(co_consts=(1,))", DC),
    ("c4-code-replace-getattr", "def f():\n    pass\ngetattr(f.__code__, 'replace')(co_code=b'')", DC),
    ("c4-type-of-code", "def f():\n    pass\nT = type(f.__code__)\nT(0)", DC),
    ("c4-code-class", "def f():\n    pass\nf.__code__.__class__(0)", DC),
    ("c4-functiontype", "import types\ntypes.FunctionType(code, {})", DC),
    ("c4-type-of-lambda", "F = type(lambda: 0)\nF(code, {})", DC),
    ("c4-type-of-func", "def g():\n    pass\ntype(g)(code, globals())", DC),
    ("c4-func-class", "def g():\n    pass\ng.__class__(code, {})", DC),
    ("c4-marshal", "import marshal\nmarshal.loads(b'\\xe3')", DC),
    ("c4-assign-code", "def f():\n    pass\ndef g():\n    pass\nf.__code__ = g.__code__", DC),
    ("c4-setattr-code", "def f():\n    pass\nsetattr(f, '__code__', other)", DC),
    ("c4-lambda-code", "f = lambda: 0\nf.__code__ = c", DC),
]
CLASS4_LEGIT: list[Case] = [
    ("c4-ok-code-name", "def f():\n    pass\nprint(f.__code__.co_name, f.__code__.co_filename)", None),
    ("c4-ok-argcount", "def f(a, b):\n    pass\nn = f.__code__.co_argcount", None),
    ("c4-ok-isfunction", "import types\ndef f():\n    pass\nassert isinstance(f, types.FunctionType)", None),
    ("c4-ok-str-replace", "s = 'a-b'.replace('-', '_')", None),
    ("c4-ok-dataclass-replace", "import dataclasses\n@dataclasses.dataclass\nclass C:\n    x: int\ndataclasses.replace(C(1), x=2)", None),
]

CLASS6_STRINGS: list[Case] = [
    ("c6-param", "import os\ndef call(name):\n    return getattr(os, name)('id')", CE),
    ("c6-param-call-site", "import os\ndef call(m, n):\n    return getattr(m, n)\ncall(os, 'system')('id')", CE),
    ("c6-loop-build", "import os\ns = ''\nfor c in 'metsys'[::-1]:\n    s += c\ngetattr(os, s)('id')", CE),
    ("c6-translate", "import os\nn = 'sbstem'.translate(str.maketrans('b', 'y'))\ngetattr(os, n)('id')", CE),
    ("c6-template", "import os, string\nn = string.Template('${a}tem').substitute(a='sys')\ngetattr(os, n)('id')", CE),
    ("c6-format-map", "import os\nn = '{a}{b}'.format_map({'a': 'sys', 'b': 'tem'})\ngetattr(os, n)('id')", CE),
    ("c6-rot13", "import os, codecs\ngetattr(os, codecs.decode('flfgrz', 'rot13'))('id')", CE),
    ("c6-base64", "import os, base64\ngetattr(os, base64.b64decode('c3lzdGVt').decode())('id')", CE),
    ("c6-fromhex", "import os\ngetattr(os, bytes.fromhex('73797374656d').decode())('id')", CE),
    ("c6-reversed-join", "import os\ngetattr(os, ''.join(reversed('metsys')))('id')", CE),
    ("c6-input", "import os\ngetattr(os, input())('id')", CE),
    ("c6-env", "import os\ngetattr(os, os.environ['X'])('id')", CE),
    ("c6-prefix-p", "import os\ngetattr(os, 'p' + suffix)('id')", CE),
    ("c6-fstring-prefix", "import os\ngetattr(os, f'sy{rest}')('id')", CE),
    ("c6-suffix", "import os\ngetattr(os, head + 'open')('x')", CE),
    ("c6-builtins-dynamic", "import builtins\ngetattr(builtins, name)('1')", DC),
    ("c6-sys-dynamic", "import sys\ngetattr(sys, name)", DI),
    ("c6-vars-dynamic", "import os\nvars(os)[name]('id')", CE),
    ("c6-dict-dynamic", "import os\nos.__dict__.get(name)('id')", CE),
    ("c6-attrgetter-dynamic", "import os, operator\noperator.attrgetter(name)(os)('id')", CE),
    ("c6-shutil-dynamic", "import shutil\ngetattr(shutil, name).system('id')", CE),
    ("c6-platform-dynamic", "import platform\ngetattr(platform, name)()", CE),
    ("c6-asyncio-dynamic", "import asyncio\ngetattr(asyncio, name)('id')", CE),
    ("c6-nested-getattr", "import os\ngetattr(getattr(os, a), b)", CE),
    ("c6-globals-dynamic", "import os\nglobals()[name]", DC),
    ("c6-sys-modules-dynamic", "import sys\nsys.modules[name].system('id')", DI),
]
CLASS6_LEGIT: list[Case] = [
    ("c6-ok-handler-prefix", "class H:\n    def run(self, kind):\n        return getattr(self, 'handle_' + kind)()", None),
    ("c6-ok-os-prefix", "import os\ndef f(k):\n    return getattr(os, 'get' + k)()", None),
    ("c6-ok-os-fstring", "import os\ndef f(k):\n    return getattr(os, f'get{k}')()", None),
    ("c6-ok-logging-upper", "import logging\ndef f(level):\n    return getattr(logging, level.upper())", None),
    ("c6-ok-signal-upper", "import os\ndef f(name):\n    return getattr(os, name.upper())", None),
    ("c6-ok-numpy", "import numpy as np\ndef f(d):\n    return getattr(np, d)", None),
    ("c6-ok-torch", "import torch\ndef f(d):\n    return getattr(torch, d)", None),
    ("c6-ok-torch-nn", "import torch\ndef act(name):\n    return getattr(torch.nn, name)()", None),
    ("c6-ok-operator", "import operator\ndef op(name):\n    return getattr(operator, name)", None),
    ("c6-ok-math", "import math\ndef fn(name):\n    return getattr(math, name)", None),
    ("c6-ok-allowlist-dict", "import os\nSAFE = {'cwd': 'getcwd', 'pid': 'getpid'}\ndef f(k):\n    return getattr(os, SAFE[k])()", None),
    ("c6-ok-os-suffix", "import os\ndef f(k):\n    return getattr(os, k + '_path')", None),
    ("c6-ok-self-format", "class H:\n    def on(self, evt):\n        return getattr(self, 'on_{}'.format(evt))()", None),
]

CLASS7_CATEGORY: list[Case] = [
    ("c7-os", "import os\ngetattr(os, name)", CE),
    ("c7-builtins", "import builtins\ngetattr(builtins, name)", DC),
    ("c7-builtins-import", "import builtins\ngetattr(builtins, name)", DI),
    ("c7-sys", "import sys\ngetattr(sys, name)", DI),
    ("c7-sys-frame", "import sys\ngetattr(sys, name)", DC),
    ("c7-asyncio-exec", "import asyncio\ngetattr(asyncio, name)", CE),
    ("c7-asyncio-socket", "import asyncio\ngetattr(asyncio, name)", NS),
    ("c7-os-popen-prefix", "import os\ngetattr(os, 'po' + rest)", CE),
    ("c7-shutil-held", "import shutil\ngetattr(shutil, name)", CE),
    ("c7-flow-os", "import os\nfn(os)", CE),
    ("c7-flow-sys", "import sys\nfn(sys)", DI),
    ("c7-flow-builtins", "import builtins\nfn(builtins)", DC),
    ("c7-flow-inspect", "import inspect\nfn(inspect)", DC),
    ("c7-vars-sys", "import sys\nvars(sys)[name]", DI),
]

CLASSES: dict[str, tuple[list[Case], list[Case]]] = {
    "1 stdlib helpers": (CLASS1_HELPERS, CLASS1_LEGIT),
    "2 module flows": (CLASS2_FLOWS, CLASS2_LEGIT),
    "3 reflection": (CLASS3_REFLECTION, CLASS3_LEGIT),
    "4 code objects": (CLASS4_CODE, CLASS4_LEGIT),
    "6 string building": (CLASS6_STRINGS, CLASS6_LEGIT),
    "7 fail-closed category": (CLASS7_CATEGORY, []),
}

_UTIL = 'import os\nRUN = "sys" + "tem"\nNAME = "".join(["po", "pen"])\nCMD = os\nfrom os import popen as P\nLABEL = "handle"\n'
SIBLING_CASES: dict[str, tuple[dict[str, str], str | None]] = {
    "c5-const-relative": ({"util.py": _UTIL, "main.py": "import os\nfrom .util import RUN\ngetattr(os, RUN)('id')\n"}, CE),
    "c5-const-module-attr": ({"util.py": _UTIL, "main.py": "import os\nfrom . import util\ngetattr(os, util.NAME)('id')\n"}, CE),
    "c5-module-object": ({"util.py": _UTIL, "main.py": "from .util import CMD\nCMD.system('id')\n"}, CE),
    "c5-absolute-import": ({"util.py": _UTIL, "main.py": "from plug.util import CMD as C\nC.popen('id')\n"}, CE),
    "c5-reexport": ({"util.py": _UTIL, "main.py": "from .util import P\nP('id')\n"}, CE),
    "c5-chain": ({"util.py": _UTIL, "relay.py": "from .util import CMD as M\n", "main.py": "from .relay import M\nM.system('id')\n"}, CE),
    "c5-builtins-name": ({"names.py": "E = 'ev' + 'al'\n", "main.py": "import builtins\nfrom .names import E\ngetattr(builtins, E)('1')\n"}, DC),
    "c5-module-name": ({"names.py": "MOD = 'subpro' + 'cess'\n", "main.py": "import sys\nfrom .names import MOD\nsys.modules[MOD].run(['id'])\n"}, CE),
    "c5-ok-label": ({"util.py": _UTIL, "main.py": "from .util import LABEL\nclass H:\n    def go(self, k):\n        return getattr(self, LABEL + '_' + k)\n"}, None),
    "c5-ok-path": ({"util.py": _UTIL, "main.py": "import os\nfrom .util import RUN\nprint(os.path.join('a', RUN))\n"}, None),
    "c5-ok-helpers": ({"util.py": "def norm(x):\n    return x / 255\n", "main.py": "from .util import norm\nprint(norm(3))\n"}, None),
}


def class_invalid() -> list[Case]:
    return [case for invalid, _ in CLASSES.values() for case in invalid]


def class_valid() -> list[Case]:
    return [case for _, valid in CLASSES.values() for case in valid]

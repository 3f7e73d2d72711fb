"""MP402 dynamic-code: running code built or loaded at run time (the rule and its examples)."""

from __future__ import annotations

from mixpeek_tools.scanner.rules.model import CapabilityRule, source

_IPY = "IPython.core.interactiveshell.InteractiveShell"


class DynamicCode(CapabilityRule):
    """Code that executes dynamically built code: strings, code objects or pickles run as Python.

    Catches: ``eval``, ``exec`` and ``compile`` (the builtins, however reached: aliases,
    ``builtins``, ``__builtins__``, ``globals()``, NFKC look-alike identifiers), the interpreters
    in ``code``/``codeop``, ``types.FunctionType``/``CodeType``, ``marshal.loads``, string
    statements given to ``timeit``/``cProfile``/``profile``/``pdb``, pickles whose payload is
    written in the source, frame and function globals (``__globals__``, ``f_globals``), the
    ``__subclasses__`` gadget on ``object`` and ``gc``'s object-graph walks. Why: code inside a
    string, a code object or a pickle is invisible to this scan, so anything the other rules
    forbid could hide there. Fix: write the code out as ordinary Python; for data use
    ``json.loads`` or ``ast.literal_eval``, for expressions a small explicit parser. Decisions:
    methods called ``eval``/``exec``/``compile`` on other objects (``model.eval()``,
    ``re.compile``, ``torch.compile``, ``df.eval``), ``ast.literal_eval`` and ``pd.eval`` are
    allowed; ``pickle.load`` of a file is allowed (loading model weights is ordinary ML work).
    """

    id = "MP402"
    name = "dynamic-code"
    category = "dynamic_code"
    hint = (
        "Write the code out as ordinary Python; for data use json.loads or ast.literal_eval, and "
        "for expressions a small explicit parser"
    )

    FORBIDDEN = {
        "builtins.eval": "evaluates a string as Python",
        "builtins.exec": "executes a string as Python",
        "builtins.compile": "compiles a string into runnable code",
        "builtins.execfile": "executes a file (Python 2)",
        "code.interact": "runs an interpreter",
        "code.InteractiveInterpreter": "runs Python source strings",
        "code.InteractiveConsole": "runs Python source strings",
        "code.compile_command": "compiles Python source strings",
        "codeop": "compiles Python source strings",
        "types.FunctionType": "builds a function from a code object",
        "types.LambdaType": "builds a function from a code object",
        "types.CodeType": "builds a code object",
        "marshal.loads": "loads code objects from bytes",
        "marshal.load": "loads code objects from a file",
        "cProfile.run": "executes a string as Python",
        "cProfile.runctx": "executes a string as Python",
        "profile.run": "executes a string as Python",
        "profile.runctx": "executes a string as Python",
        "pdb.run": "executes a string as Python",
        "pdb.runeval": "evaluates a string as Python",
        "pdb.runctx": "executes a string as Python",
        "doctest.run_docstring_examples": "executes examples held in strings",
        "doctest.debug_src": "executes source held in a string",
        "doctest.debug_script": "executes source held in a string",
        "doctest.DocTestRunner": "executes examples held in strings",
        "_xxsubinterpreters": "runs source strings in a sub-interpreter",
        "_interpreters": "runs source strings in a sub-interpreter",
        "interpreters": "runs source strings in a sub-interpreter",
        "concurrent.interpreters": "runs source strings in a sub-interpreter",
        "gc.get_objects": "reaches every live object, forbidden modules' functions included",
        "gc.get_referrers": "reaches arbitrary live objects, forbidden modules' functions included",
        "gc.get_referents": "reaches arbitrary live objects, forbidden modules' functions included",
        f"{_IPY}.run_cell": "executes a string as Python (IPython)",
        f"{_IPY}.run_line_magic": "runs IPython magics, including shell commands",
        f"{_IPY}.run_cell_magic": "runs IPython magics, including shell commands",
        f"{_IPY}.ex": "executes a string as Python (IPython)",
        f"{_IPY}.ev": "evaluates a string as Python (IPython)",
        f"{_IPY}.safe_execfile": "executes a file (IPython)",
    }

    VALID = [
        "import torch\nmodel = torch.nn.Linear(2, 2)\nmodel.eval()",
        "import re\npattern = re.compile(r'\\d+')",
        "import torch\nfast = torch.compile(lambda x: x)",
        "import ast\nvalue = ast.literal_eval('[1, 2]')",
        "import json\ndata = json.loads('{}')",
        "def eval(model, data):\n    return model(data)\n\neval(len, 'abc')",
        "def run(compile):\n    return compile('x')",
        "class Engine:\n    def exec(self, q):\n        return q\n\nEngine().exec('select 1')",
        "import pandas as pd\ndf = pd.DataFrame({'a': [1]})\ndf.eval('b = a + 1')",
        "x = 'eval(1)'  # eval is mentioned only in a string and this comment",
        "def f():\n    '''Never call exec() on user input.'''\n    return 1",
        "import pickle\nwith open('model.pkl', 'rb') as f:\n    model = pickle.load(f)",
        "import timeit\ntimeit.timeit(lambda: sum(range(10)), number=10)",
        "import builtins\nbuiltins.print('hello')",
        "class Base:\n    pass\nclass A(Base):\n    pass\nprint(Base.__subclasses__())",
        "import regex\nr = regex.compile('a+')",
        "import gc\ngc.collect()\ngc.disable()",
        "scores = {'eval': 0.5}\nprint(scores['eval'])",
        "import numpy as np\nnp.ctypes_free = 1\nprint(np.mean([1, 2]))",
    ]

    INVALID = [
        "eval('1 + 1')",
        "exec('print(1)')",
        "code = compile('1', '<s>', 'eval')",
        "e = eval\ne('1')",
        "import builtins\nbuiltins.eval('1')",
        "import builtins as b\nb.exec('x = 1')",
        "from builtins import eval as safe\nsafe('1')",
        "__builtins__.eval('1')",
        "__builtins__['eval']('1')",
        "__builtins__.__dict__['exec']('x = 1')",
        "globals()['__builtins__'].eval('1')",
        "globals()['eval']('1')",
        "getattr(__builtins__, 'ev' + 'al')('1')",
        "import builtins\ngetattr(builtins, 'exec')('x = 1')",
        "import builtins\nvars(builtins)['eval']('1')",
        "\uff45\uff56\uff41\uff4c('1')",
        "\uff45val('1')",
        "list(map(eval, ['1', '2']))",
        "def f(x, e=eval):\n    return e(x)",
        "g = lambda s, run=exec: run(s)",
        "handlers = [eval, print]",
        "import sys\nsys.modules['builtins'].eval('1')",
        "import marshal\nmarshal.loads(b'...')",
        "import types\ntypes.FunctionType(compile('1', 's', 'eval'), {})",
        "import code\ncode.InteractiveInterpreter().runsource('print(1)')",
        "import timeit\ntimeit.timeit('print(1)')",
        "import pickle\npickle.loads(b\"cos\\nsystem\\n(S'id'\\ntR.\")",
        "import cProfile\ncProfile.run('print(1)')",
        "().__class__.__base__.__subclasses__()",
        "object.__subclasses__()",
        "def f():\n    pass\nf.__globals__['__builtins__']",
        "import sys\nsys._getframe().f_globals",
        "eval_ = __builtins__.__dict__.get('eval')",
        "import functools\nfunctools.partial(exec, 'x = 1')()",
        "eval('1')\ndef eval(x):\n    return x",
        "import builtins\nb = builtins\nname = 'ex' + 'ec'\ngetattr(b, name)('x=1')",
        source("import builtins\ngetattr(builtins, input())('1')", "an unknown builtin may be __import__ too", also=("MP403",)),
        "locals()['__builtins__'].exec('x = 1')",
        "import gc\nfuncs = [o for o in gc.get_objects() if callable(o)]",
    ]

"""MP403 dynamic-import: importing modules by a name computed at run time (the rule and its examples)."""

from __future__ import annotations

from mixpeek_tools.scanner.rules.model import CapabilityRule, source


class DynamicImport(CapabilityRule):
    """Code that imports code dynamically: modules chosen by a computed name, or import machinery.

    Catches: ``__import__``, all of ``importlib`` (``importlib.metadata`` and
    ``importlib.resources`` included: the platform's rule names the whole package), ``imp``,
    ``_imp``, ``zipimport``, ``runpy``, the name-resolving parts of ``pkgutil`` and ``pydoc``,
    ``sys.modules`` looked up with a name that cannot be folded, ``site.addsitedir`` (runs
    ``.pth`` files), ``breakpoint()`` (it imports whatever ``PYTHONBREAKPOINT`` names), module
    loaders (``__loader__``, ``__spec__.loader``) and ``pip``. Why: an import by computed name
    hides what is imported from this scan, and import machinery can load code from anywhere.
    Fix: use plain import statements at the top of the module; to pick an implementation at run
    time, import the candidates and choose from a dict. Decisions: ordinary ``import``
    statements are static and allowed; ``sys.modules['name']`` with a constant name is resolved
    to that module (and then judged like a direct import).
    """

    id = "MP403"
    name = "dynamic-import"
    category = "dynamic_import"
    hint = (
        "Use plain import statements at the top of the module; to pick an implementation at run "
        "time, import the candidates and choose from a dict"
    )

    FORBIDDEN = {
        "builtins.__import__": "imports a module by a computed name",
        "builtins.breakpoint": "imports and calls whatever PYTHONBREAKPOINT names",
        "builtins.__loader__": "a module loader can load and execute code",
        "builtins.__spec__.loader": "a module loader can load and execute code",
        "importlib": "the import machinery",
        "imp": "the old import machinery",
        "_imp": "the C import machinery",
        "zipimport": "imports code from zip files",
        "runpy": "runs modules and files as scripts",
        "_frozen_importlib": "the import machinery",
        "_frozen_importlib_external": "the import machinery",
        "pkgutil.resolve_name": "imports an object by dotted name",
        "pkgutil.get_loader": "returns module loaders",
        "pkgutil.find_loader": "returns module loaders",
        "pkgutil.get_importer": "returns path importers",
        "pkgutil.iter_importers": "returns path importers",
        "pkgutil.walk_packages": "imports every package on a path",
        "pkgutil.ImpImporter": "the old import machinery",
        "pkgutil.ImpLoader": "the old import machinery",
        "pkgutil.read_code": "loads code objects from bytes",
        "pydoc.locate": "imports an object by dotted name",
        "pydoc.importfile": "imports a file",
        "pydoc.safeimport": "imports a module by name",
        "site.addsitedir": "processes .pth files, which execute code",
        "site.addpackage": "processes a .pth file, which executes code",
        "site.main": "processes .pth files, which execute code",
        "pip": "installs and imports packages at run time",
    }

    VALID = [
        "import json\nimport os.path\nfrom collections import OrderedDict",
        "import sys\nprint(sys.version_info, sys.argv, sys.path)",
        "import sys\nmod = sys.modules['json']\nprint(mod.dumps({}))",
        "from . import helpers\nfrom .models import Net",
        "try:\n    import ujson as json\nexcept ImportError:\n    import json",
        "import pkgutil\nfor info in pkgutil.iter_modules():\n    print(info.name)",
        "def __import__(name):\n    return name\n__import__('x')",
        "x = 'importlib.import_module'",
        "import typing\nif typing.TYPE_CHECKING:\n    import numpy",
        "import sys\nif 'torch' in sys.modules:\n    print('torch loaded')",
        "class Loader:\n    def load_module(self):\n        return 1",
    ]

    INVALID = [
        "__import__('os')",
        "m = __import__('o' + 's')",
        "import importlib\nimportlib.import_module('json')",
        "from importlib import import_module\nimport_module('json')",
        "from importlib import metadata\nmetadata.version('numpy')",
        "import importlib.util",
        "import importlib.metadata as md",
        "import imp",
        "import runpy\nrunpy.run_path('x.py')",
        "import zipimport",
        "import pkgutil\npkgutil.resolve_name('os:system')",
        "import pydoc\npydoc.locate('os.system')",
        "import sys\nname = input()\nsys.modules[name]",
        "import sys\nsys.modules.get(input())",
        "breakpoint()",
        "import site\nsite.addsitedir('/tmp/x')",
        "__loader__.load_module('x')",
        "import builtins\ngetattr(builtins, '__imp' + 'ort__')('os')",
        "imp = __builtins__.__import__",
        source("def f(loader=__import__):\n    return loader('os')", "the os module object flows on (MP401)", also=("MP401",)),
        "import sys as s\ns.modules['importlib'].import_module('os')",
    ]

"""MP405 native-memory: loading native code or touching memory directly (the rule and its examples)."""

from __future__ import annotations

from mixpeek_tools.scanner.rules.model import CapabilityRule, source


class NativeMemory(CapabilityRule):
    """Code that accesses native code or memory: C libraries, raw addresses, compiled extensions.

    Catches: ``ctypes``, ``_ctypes``, ``cffi`` (and ``_cffi_backend``), ``numpy.ctypeslib``, the
    CPython test modules that poke memory (``_testcapi``, ``_testinternalcapi``) and
    ``torch.utils.cpp_extension`` (compiles and loads C++ at run time). Why: ctypes and friends
    can call any C function and read or write any address, which defeats every other rule. Fix:
    use a Python or NumPy API instead. Decisions: ``mmap`` is allowed (file-backed memory; it
    cannot reach arbitrary addresses); ``numpy`` itself is allowed, only its ``ctypeslib`` is not.
    """

    id = "MP405"
    name = "native-memory"
    category = "native_memory"
    hint = "Use a Python or NumPy API instead; plugins may not load native libraries or touch raw memory"

    FORBIDDEN = {
        "ctypes": "calls C functions and reads or writes raw memory",
        "_ctypes": "the C core of ctypes",
        "cffi": "calls C functions and reads or writes raw memory",
        "_cffi_backend": "the C core of cffi",
        "numpy.ctypeslib": "loads C libraries through ctypes",
        "_testcapi": "CPython internals that poke memory",
        "_testinternalcapi": "CPython internals that poke memory",
        "torch.utils.cpp_extension": "compiles and loads C++ code at run time",
    }

    VALID = [
        "import numpy as np\na = np.zeros(3, dtype=np.float32)\nprint(a.ctypes)",
        "import mmap\nwith open('f', 'rb') as f:\n    m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)",
        "import struct\nstruct.unpack('<I', b'\\x00\\x00\\x00\\x00')",
        "import array\na = array.array('f', [1.0])",
        "ctypes_note = 'ctypes is not used'",
        "import numpy as np\nx = getattr(np, 'float32')(1)",
        "import torch\nt = torch.zeros(2).numpy()",
    ]

    INVALID = [
        "import ctypes\nctypes.CDLL('libc.so.6')",
        "from ctypes import cdll\ncdll.LoadLibrary('libc.so.6')",
        "from ctypes import *\nmemmove(0, 0, 1)",
        "import _ctypes",
        "import cffi\nffi = cffi.FFI()",
        "from cffi import FFI",
        "import numpy as np\nnp.ctypeslib.load_library('x', '.')",
        "from numpy import ctypeslib",
        "import numpy.ctypeslib",
        "import numpy as np\ngetattr(np, 'ctypes' + 'lib')",
        source("import importlib\nimportlib.import_module('ctypes')", also=("MP403",)),
        "import sys\nsys.modules['ctypes'].CDLL(None)",
        source("c = __import__('ctypes')", also=("MP403",)),
        "import ctypes as c\nc.string_at(0)",
        "from torch.utils.cpp_extension import load_inline",
    ]

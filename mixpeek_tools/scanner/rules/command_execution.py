"""MP401 command-execution: starting programs or shells (the rule, its forbidden names, its examples)."""

from __future__ import annotations

from mixpeek_tools.scanner.rules.model import CapabilityRule, source

_OS_EXEC = [f"os.exec{s}" for s in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")]
_OS_SPAWN = [f"os.spawn{s}" for s in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")]
_LOOP = "asyncio.AbstractEventLoop"
_IPY = "IPython.core.interactiveshell.InteractiveShell"


class CommandExecution(CapabilityRule):
    """Code that runs a system command: starting programs or shells.

    Catches: ``os.system``/``popen``/``exec*``/``spawn*``/``posix_spawn*``, all of
    ``subprocess`` and ``pty``, asyncio's subprocess APIs, IPython's shell escapes and modules
    whose only job is starting programs (``webbrowser``, ``pexpect``, ``sh``...), however they
    are reached: aliases, star imports, ``getattr`` with a folded or unknown name,
    ``sys.modules``, containers, closures, defaults and other value flows of a module object.
    Why: a plugin runs inside the platform's workers; a shell there can read other tenants'
    data, install software or attack the network. Fix: do the work in Python inside the plugin
    (a library call instead of a command line). Decisions: ``os.fork`` alone is allowed (no new
    program runs without an ``exec*``, which is caught); ``multiprocessing`` pools are allowed
    (they run Python functions) but ``set_executable`` is not; ``concurrent.futures`` is allowed.
    """

    id = "MP401"
    name = "command-execution"
    category = "command_execution"
    hint = (
        "Do the work in Python inside the plugin (a library call instead of a command line); "
        "plugins may not start processes or shells on the platform's workers"
    )

    FORBIDDEN = {
        "subprocess": "the subprocess module starts programs",
        "pty": "pty spawns programs on a pseudo-terminal",
        "_posixsubprocess": "the C core of subprocess (fork_exec)",
        "_winapi": "CreateProcess and friends",
        "os.system": "runs a shell command",
        "os.popen": "runs a shell command",
        "os.popen2": "runs a shell command",
        "os.popen3": "runs a shell command",
        "os.popen4": "runs a shell command",
        "os.posix_spawn": "starts a program",
        "os.posix_spawnp": "starts a program",
        "os.startfile": "starts a program",
        "os.forkpty": "forks on a pseudo-terminal",
        **{name: "replaces the process with a program" for name in _OS_EXEC},
        **{name: "starts a program" for name in _OS_SPAWN},
        "asyncio.subprocess": "asyncio's subprocess module",
        "asyncio.create_subprocess_exec": "starts a program",
        "asyncio.create_subprocess_shell": "runs a shell command",
        f"{_LOOP}.subprocess_exec": "starts a program",
        f"{_LOOP}.subprocess_shell": "runs a shell command",
        "multiprocessing.set_executable": "makes multiprocessing start an arbitrary program",
        "multiprocessing.util.spawnv_passfds": "starts a program",
        "multiprocessing.popen_fork": "multiprocessing's process starters",
        "multiprocessing.popen_spawn_posix": "multiprocessing's process starters",
        "webbrowser": "starts a browser program",
        "pydoc.pipepager": "pipes text into a shell command",
        "pydoc.tempfilepager": "runs a shell command on a file",
        "pydoc.getpager": "returns a pager that runs a shell command",
        "pydoc.pager": "runs the $PAGER shell command",
        "distutils.spawn": "starts programs",
        "platform.popen": "runs a shell command",
        "commands": "runs shell commands (Python 2)",
        "popen2": "runs shell commands (Python 2)",
        "sh": "the sh library runs programs",
        "pexpect": "spawns and drives programs",
        "plumbum": "runs programs",
        "sarge": "runs programs",
        "invoke": "runs shell commands",
        "fabric": "runs shell commands locally or over SSH",
        "paramiko": "opens SSH sessions that run commands",
        f"{_IPY}.system": "runs a shell command (IPython)",
        f"{_IPY}.system_raw": "runs a shell command (IPython)",
        f"{_IPY}.system_piped": "runs a shell command (IPython)",
        f"{_IPY}.getoutput": "runs a shell command (IPython)",
    }

    VALID = [
        "import os\nprint(os.path.join('a', 'b'), os.environ.get('HOME'), os.getenv('X'))",
        "import os\nfor name in os.listdir('.'):\n    print(os.stat(name).st_size)",
        "class Runner:\n    def system(self, cmd):\n        return cmd\n\nRunner().system('ls')",
        "def run(system):\n    return system('ls')",
        "import shutil\nshutil.copy('a', 'b')\nprint(shutil.which('python'))",
        "from concurrent.futures import ProcessPoolExecutor\nwith ProcessPoolExecutor() as ex:\n    ex.map(len, ['a'])",
        "import multiprocessing\nwith multiprocessing.Pool(2) as pool:\n    pool.map(abs, [1, -2])",
        "# subprocess.run(['ls']) is not allowed here\nx = 'os.system(\"ls\")'",
        '"""Do not call subprocess.Popen or os.system from a plugin."""',
        "import os\npid = os.getpid()\nos.makedirs('out', exist_ok=True)",
        "import asyncio\nasync def main():\n    await asyncio.gather(asyncio.sleep(0))\nasyncio.run(main())",
        "import tempfile\nwith tempfile.TemporaryDirectory() as d:\n    print(d)",
        "popen = lambda cmd: cmd\npopen('ls')",
        "def spawn(fn):\n    return fn()\nspawn(print)",
    ]

    INVALID = [
        "import subprocess\nsubprocess.run(['ls'])",
        "import subprocess as sp\nsp.check_output('id', shell=True)",
        "from subprocess import Popen as P\nP(['ls'])",
        "from subprocess import *\nrun(['ls'])",
        "import os\nos.system('ls')",
        "from os import system as sh\nsh('id')",
        "from os import *\nsystem('id')",
        "import os as o\no.popen('id').read()",
        "import os\nos.execvp('ls', ['ls'])",
        "import os\nos.spawnlp(os.P_WAIT, 'ls', 'ls')",
        "import os\nos.posix_spawn('/bin/ls', ['ls'], {})",
        "import pty\npty.spawn('/bin/sh')",
        "import asyncio\nasync def f():\n    await asyncio.create_subprocess_shell('ls')",
        "import asyncio\nasync def f():\n    loop = asyncio.get_running_loop()\n    await loop.subprocess_exec(lambda: None, 'ls')",
        "import posix\nposix.system('id')",
        "import tempfile\ntempfile._os.system('id')",
        "def f():\n    import os\n    return os.system('id')",
        "try:\n    from os import popen\nexcept ImportError:\n    popen = None",
        "import os\nrun = os.system\nrun('id')",
        "import os\nclass C:\n    run = os.system",
        "import os\ndef f(cmd, runner=os.system):\n    runner(cmd)",
        "import os, threading\nthreading.Thread(target=os.system, args=('id',)).start()",
        "import os, functools\nfunctools.partial(os.system, 'id')()",
        "import os\nlist(map(os.system, ['id']))",
        "import os\nhandlers = {'run': os.system}\nhandlers['run']('id')",
        "import os\ngetattr(os, 'sys' + 'tem')('id')",
        "import os\ngetattr(os, 'metsys'[::-1])('id')",
        "import os\ngetattr(os, ''.join(['s', 'y', 's', 't', 'e', 'm']))('id')",
        "import os\nname = 'system'\ngetattr(os, name)('id')",
        "import os\ngetattr(os, f\"{'sys'}{'tem'}\")('id')",
        "import os\ngetattr(os, '%s%s' % ('sys', 'tem'))('id')",
        "import os\ngetattr(os, '{}tem'.format('sys'))('id')",
        "import os\ngetattr(os, ''.join(map(chr, [115, 121, 115, 116, 101, 109])))('id')",
        "import os\ngetattr(os, b'system'.decode())('id')",
        "import os\ngetattr(os, '\\x73ystem')('id')",
        "import os\ngetattr(os, input())('id')",
        "import os\nos.__dict__['system']('id')",
        "import os\nvars(os)['system']('id')",
        "import operator, os\noperator.attrgetter('system')(os)('id')",
        "import operator, os\noperator.methodcaller('system', 'id')(os)",
        "import os\nos.__getattribute__('system')('id')",
        "import os\nobject.__getattribute__(os, 'system')('id')",
        "import sys\nsys.modules['os'].system('id')",
        "import sys\nsys.modules['subprocess'].run(['id'])",
        "import os\nos.\uff53\uff59\uff53\uff54\uff45\uff4d('id')",
        "import multiprocessing\nmultiprocessing.set_executable('/bin/sh')",
        "import webbrowser\nwebbrowser.open('http://example.com')",
        "import os\nmods = [os]\nfor m in mods:\n    m.system('id')",
        "import os\ndef get():\n    return os\nget().system('id')",
        "import os\nclass Box:\n    mod = os\nBox.mod.system('id')",
        "import os\nclass Box:\n    def __init__(self):\n        self.m = os\n    def go(self):\n        self.m.system('id')",
        "import os\nif (s := os.system):\n    s('id')",
        "import os\nwith open('x') as f:\n    pass\nx, y = os, 1\nx.system('id')",
        "import os\nrun = (lambda m=os: m.system)()\n",
        "import asyncio.subprocess as asp\n",
        source("import importlib\nimportlib.import_module('subprocess')", "importlib is MP403 too", also=("MP403",)),
        "import sys\ngetattr(sys, 'mod' + 'ules')['os'].system('id')",
        "get_ipython().system('ls')",
        "ip = get_ipython()\nip.getoutput('id')",
    ]

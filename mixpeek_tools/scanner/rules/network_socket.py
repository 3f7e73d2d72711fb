"""MP404 network-socket: direct network connections below HTTP (the rule and its examples)."""

from __future__ import annotations

from mixpeek_tools.scanner.rules.model import CapabilityRule, source

_LOOP = "asyncio.AbstractEventLoop"


class NetworkSocket(CapabilityRule):
    """Code that opens a raw network socket: connections and servers below HTTP.

    Catches: ``socket``, ``_socket``, ``socketserver``, asyncio's raw connection and server APIs
    (module functions and event-loop methods), ``multiprocessing.connection``, the raw-protocol
    clients (``telnetlib``, ``ftplib``, ``smtplib``, ``poplib``, ``imaplib``, ``nntplib``) and
    ``http.client`` (through the computed catalog: ``HTTPConnection.connect``/``send`` write
    arbitrary bytes to any host and port). Why: raw sockets let a plugin scan the platform's
    internal network or exfiltrate data past the HTTP egress controls. Fix: use an HTTP client
    such as ``requests`` or ``httpx``. Decisions: HTTP clients stay allowed (``requests``,
    ``httpx``, ``urllib.request``, ``aiohttp``): the platform controls HTTP egress.
    """

    id = "MP404"
    name = "network-socket"
    category = "network_socket"
    hint = "Use an HTTP client such as requests or httpx; plugins may not open raw sockets"

    FORBIDDEN = {
        "socket": "raw network sockets",
        "_socket": "raw network sockets",
        "socketserver": "raw network servers",
        "asyncio.open_connection": "a raw TCP connection",
        "asyncio.start_server": "a raw TCP server",
        "asyncio.open_unix_connection": "a raw Unix-socket connection",
        "asyncio.start_unix_server": "a raw Unix-socket server",
        "asyncio.streams.open_connection": "a raw TCP connection",
        "asyncio.streams.start_server": "a raw TCP server",
        f"{_LOOP}.create_connection": "a raw connection",
        f"{_LOOP}.create_server": "a raw server",
        f"{_LOOP}.create_datagram_endpoint": "a raw UDP endpoint",
        f"{_LOOP}.create_unix_connection": "a raw Unix-socket connection",
        f"{_LOOP}.create_unix_server": "a raw Unix-socket server",
        f"{_LOOP}.sock_connect": "a raw socket connection",
        f"{_LOOP}.sock_accept": "a raw socket server",
        f"{_LOOP}.connect_accepted_socket": "a raw socket",
        "multiprocessing.connection": "socket listeners and clients",
        "telnetlib": "raw telnet connections",
        "ftplib": "raw FTP connections",
        "smtplib": "raw SMTP connections",
        "poplib": "raw POP3 connections",
        "imaplib": "raw IMAP connections",
        "nntplib": "raw NNTP connections",
        "ssl.wrap_socket": "wraps a raw socket",
    }

    VALID = [
        "import requests\nr = requests.get('https://example.com', timeout=5)",
        "import httpx\nwith httpx.Client() as c:\n    c.get('https://example.com')",
        "import urllib.request\nurllib.request.urlopen('https://example.com')",
        "import urllib.request\nurllib.request.urlopen('https://example.com')",
        "import asyncio\nasync def f():\n    await asyncio.sleep(1)\n    return await asyncio.gather(asyncio.sleep(0))",
        "class Pool:\n    def create_connection(self):\n        return 1\nPool().create_connection()",
        "socket_timeout = 5\nprint(socket_timeout)",
        "# we do not use socket here\nx = 'socket.socket()'",
        "def connect(socket):\n    return socket.send(b'x')",
        "from urllib.parse import urlparse\nprint(urlparse('https://a/b').netloc)",
    ]

    INVALID = [
        "import http.client\nc = http.client.HTTPSConnection('example.com')",
        "import logging.config\nlogging.config.listen(9999).start()",
        "import socket\ns = socket.socket()",
        "from socket import socket as S\nS().connect(('example.com', 80))",
        "from socket import *\ncreate_connection(('example.com', 80))",
        "import _socket",
        "import socketserver",
        "import asyncio\nasync def f():\n    await asyncio.open_connection('example.com', 80)",
        "import asyncio\nasync def f():\n    loop = asyncio.get_event_loop()\n    await loop.create_connection(lambda: None, 'example.com', 80)",
        "import asyncio\nasync def f(loop: asyncio.AbstractEventLoop):\n    await loop.create_datagram_endpoint(lambda: None)",
        "import asyncio\nasyncio.start_server(lambda r, w: None, '0.0.0.0', 9000)",
        "import telnetlib",
        "import smtplib\nsmtplib.SMTP('mail.example.com')",
        "import sys\nsys.modules['socket'].socket()",
        source("s = __import__('socket')", also=("MP403",)),
        "import ssl\nssl.wrap_socket(None)",
        "from multiprocessing.connection import Listener",
        source("import importlib\nsock = importlib.import_module('so' + 'cket')", also=("MP403",)),
        "import asyncio\nasync def f():\n    await asyncio.get_running_loop().sock_connect(None, ('a', 1))",
    ]

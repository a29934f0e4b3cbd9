"""A lock every interpreter of the process can take: a pipe that holds one token byte.

File descriptors are process-wide, so interpreters with GILs of their own share it.
Taking the lock reads the byte; giving it back writes it.

Signals make it delicate, in the one thread that runs Python signal handlers (the main
interpreter's main thread: :data:`signal_thread`).  A handler runs when a call returns,
or at a loop's turn, and so can run in the middle of a section that holds the lock:

* its exception (Ctrl-C) must not leave the token taken for good, or a change half made;
* the handler itself may use a queue, and so want the lock this thread already holds.
  It must not wait for it (it would wait for ever): in that thread the lock is
  re-entrant, a section inside a handler inside a section runs as part of it.

Two ways to hold it:

* ``with lock:`` for the rare changes: signals are held back in the signal thread (two
  system calls), so no handler runs inside.
* The hot paths (a queue's put and get, a sleeper's wake-up) cannot pay for that.  They
  write the protocol out, with the token read *into* a buffer, which tells the
  ``finally`` whether it was taken, and make their changes only with plain stores,
  where no handler can run::

      token, nested = lock.token()
      try:
          if not nested:
              os.readv(lock.read_fd, (token,))
          ...  # stores, and a last call after which all is consistent
      finally:
          if token[0] and not nested:
              token[0] = 0
              os.write(lock.write_fd, b"x")

  The ``finally`` is written out, not a method: a handler's exception can be raised at
  the very start of a function, before it gave anything back.
"""

from __future__ import annotations

import _signal
import os
import signal
import threading

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: The thread that runs signal handlers: the main interpreter's main thread, set by the
#: backend (None in other interpreters, which never run them, or without sigmasks).
signal_thread: int | None = None

# Plain ints: signal.pthread_sigmask() turns every signal into an enum member, slowly.
_SIGNALS = {int(s) for s in signal.valid_signals()}
_get_ident = threading.get_ident


def set_signal_thread(in_main_interpreter: bool, *, forked_child: bool = False) -> None:
    """Called by the backend at import, and in a forked child (whose only thread, the one
    that forked, is its main thread)."""
    global signal_thread
    usable = in_main_interpreter and hasattr(_signal, "pthread_sigmask")
    main = _get_ident() if forked_child else threading.main_thread().ident
    signal_thread = main if usable else None


class PipeLock:
    """See the module docstring."""

    def __init__(self, fds: tuple[int, int] | None = None) -> None:
        if fds is None:
            read_fd, write_fd = os.pipe()
            os.write(write_fd, b"x")
            fds = (read_fd, write_fd)
        self.read_fd, self.write_fd = fds
        #: The signal thread's token buffer: non-zero while that thread holds the lock.
        self._signal_token = bytearray(1)
        # The signal thread's `with` sections (the only thread whose sections nest).
        self._nested: list[bool] = []
        self._saved_masks: list[Any] = []

    def token(self) -> tuple[bytearray, bool]:
        """The buffer to read the token into, and whether this thread holds it already."""
        if _get_ident() == signal_thread:
            token = self._signal_token
            return token, token[0] != 0
        return bytearray(1), False

    def __enter__(self) -> None:
        if _get_ident() != signal_thread:
            os.read(self.read_fd, 1)
            return
        try:
            mask = _signal.pthread_sigmask(_signal.SIG_BLOCK, _SIGNALS)
        except BaseException:  # a signal that came before: nothing is taken yet
            _signal.pthread_sigmask(_signal.SIG_UNBLOCK, _SIGNALS)
            raise
        token = self._signal_token
        self._saved_masks.append(mask)
        self._nested.append(token[0] != 0)
        if not token[0]:
            os.readv(self.read_fd, (token,))

    def __exit__(self, *exc: object) -> None:
        if _get_ident() != signal_thread:
            os.write(self.write_fd, b"x")
            return
        if not self._nested.pop():
            self._signal_token[0] = 0
            os.write(self.write_fd, b"x")
        _signal.pthread_sigmask(_signal.SIG_SETMASK, self._saved_masks.pop())

"""``_crossinterp``: the unbound-item markers and the private tables 3.14's own code and
tests read (``concurrent.interpreters._crossinterp``)."""

import pytest

from conftest import STDLIB
from interpreters_pep734 import _crossinterp, _queues

MODULE = "concurrent.interpreters._crossinterp" if STDLIB else "interpreters_pep734._crossinterp"


def test_flag_tables_have_3_14s_values():
    table = _crossinterp._UNBOUND_CONSTANT_TO_FLAG
    assert table == {
        _crossinterp.UNBOUND_REMOVE: 1,
        _crossinterp.UNBOUND_ERROR: 2,
        _crossinterp.UNBOUND: 3,
    }
    inverse = {flag: c for c, flag in table.items()}
    assert inverse == _crossinterp._UNBOUND_FLAG_TO_CONSTANT


def test_the_tables_drive_serialize_and_resolve():
    for constant, flag in _crossinterp._UNBOUND_CONSTANT_TO_FLAG.items():
        assert _crossinterp.serialize_unbound(constant) == (flag,)
    assert _crossinterp.resolve_unbound(3, _queues.ItemInterpreterDestroyed) is _crossinterp.UNBOUND
    with pytest.raises(_queues.ItemInterpreterDestroyed, match="original interpreter destroyed"):
        _crossinterp.resolve_unbound(2, _queues.ItemInterpreterDestroyed)
    with pytest.raises(NotImplementedError):
        _crossinterp.resolve_unbound(1, _queues.ItemInterpreterDestroyed)
    with pytest.raises(NotImplementedError, match="unsupported unbound replacement op 7"):
        _crossinterp.resolve_unbound(7, _queues.ItemInterpreterDestroyed)
    with pytest.raises(NotImplementedError, match="unsupported unbound replacement op"):
        _crossinterp.serialize_unbound(object())


def test_generic_unbound_marker_is_a_plain_unbound_item():
    marker = _crossinterp.UNBOUND
    assert type(marker) is _crossinterp.UnboundItem
    assert repr(marker) == f"{MODULE}.UNBOUND"
    # The queues' own marker is a different object, mapped to the generic one.
    assert _queues.UNBOUND is not marker
    assert isinstance(_queues.UNBOUND, _crossinterp.UnboundItem)


def test_classes_name_the_module_3_14_uses():
    for cls in (
        _crossinterp.UnboundItem,
        _crossinterp.ItemInterpreterDestroyed,
        _crossinterp.classonly,
    ):
        assert cls.__module__ == MODULE


def test_unbound_item_cannot_be_instantiated():
    with pytest.raises(Exception, match=rf"^use {MODULE}\.UNBOUND$"):
        _crossinterp.UnboundItem()

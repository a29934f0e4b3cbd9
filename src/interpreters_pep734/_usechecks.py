"""First real uses of modules that can import in an isolated interpreter yet fail when used.

``python -m interpreters_pep734 --check-modules`` runs the use of a module (inside the
interpreter that just imported it) after its import.  On CPython 3.12, ``pyexpat`` cannot
load in an isolated interpreter: the XML modules import, and fail at their first parse.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable


def parse_with_elementtree() -> None:
    """parse a document"""
    import xml.etree.ElementTree

    xml.etree.ElementTree.fromstring("<a/>")


def parse_with_minidom() -> None:
    """parse a document"""
    import xml.dom.minidom

    xml.dom.minidom.parseString("<a/>")


def parse_with_sax() -> None:
    """parse a document"""
    import xml.sax
    import xml.sax.handler

    xml.sax.parseString(b"<a/>", xml.sax.handler.ContentHandler())


def parse_xml_plist() -> None:
    """read an XML property list"""
    import plistlib

    plistlib.loads(plistlib.dumps({"a": 1}, fmt=plistlib.FMT_XML))


def parse_xmlrpc() -> None:
    """decode an XML-RPC message"""
    import xmlrpc.client

    xmlrpc.client.loads(xmlrpc.client.dumps((1,)))


def make_zoneinfo() -> None:
    """make a time zone"""
    import zoneinfo

    zoneinfo.ZoneInfo("UTC")


#: Module name -> the use --check-modules tries after importing it.
USES: dict[str, Callable[[], None]] = {
    "xml.etree.ElementTree": parse_with_elementtree,
    "xml.etree.cElementTree": parse_with_elementtree,
    "xml.dom.minidom": parse_with_minidom,
    "xml.sax": parse_with_sax,
    "plistlib": parse_xml_plist,
    "xmlrpc.client": parse_xmlrpc,
    "zoneinfo": make_zoneinfo,
}

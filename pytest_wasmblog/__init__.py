"""pytest-wasmblog: end-to-end tests of Popcorn (AtomVM/WebAssembly) sites in real browsers."""

from pytest_wasmblog.terms import Atom, Opaque

__all__ = ["Atom", "Opaque"]

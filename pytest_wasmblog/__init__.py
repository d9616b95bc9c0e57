"""pytest-wasmblog: end-to-end tests of Popcorn (AtomVM/WebAssembly) sites in real browsers."""
